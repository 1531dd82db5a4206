// End to end: the top bar fits (issue 15). With a capture open — every tab, Go to…, the
// time format, the theme and the File menu (Open…, Close, Export JSON, Key log…) — the
// bar is one line at 1280 and 1400 px wide; at 1024 px it may wrap, but no control
// overlaps another or leaves the window, and each one, and each item of the File menu,
// is the element under its own centre (so a click reaches it). The File menu works
// from the keyboard. Screenshots of the bar at each width go to test-results/ (or
// $STATELINE_SHOTS).

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, ROOT, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const SHOTS = process.env.STATELINE_SHOTS ?? join(ROOT, 'test-results');

interface Box { x: number; y: number; width: number; height: number }
const overlap = (a: Box, b: Box): boolean => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;

warnIfNoChromium();

describe.skipIf(!HAVE_CHROMIUM)('the top bar, in Chromium', () => {
  const { page, errors } = useApp([], { width: 1280, height: 800 }, { shots: SHOTS, timeout: 20_000, goto: true });

  beforeAll(async () => {
    // a capture with breaks (the Breaks tab's count) and a long name, opened by path
    await page.evaluate((path) => fetch('/api/openPath', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path }) }), join(ROOT, 'fixtures', 'incidents', 'server-restart.pcap'));
    const state = (): Promise<string> => page.evaluate(() => fetch('/api/status', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then((r) => r.json()).then((s) => s.state));
    for (let t = Date.now(); (await state()) !== 'ready' && Date.now() - t < 60_000; ) await page.waitForTimeout(50);
    await page.reload();
    await page.getByTestId('capture-summary').waitFor();
  }, 180_000);

  /** The bar's own controls (tabs, buttons, the select), each with its box. */
  const controls = (): Promise<{ name: string; box: Box; hit: boolean }[]> =>
    page.locator('header.topbar').evaluate((bar) =>
      [...bar.querySelectorAll<HTMLElement>('[role=tab], :scope > button, .menu > button, select')].map((el) => {
        const r = el.getBoundingClientRect();
        const under = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return { name: el.getAttribute('data-tab') ?? el.getAttribute('data-testid') ?? el.textContent ?? '', box: { x: r.x, y: r.y, width: r.width, height: r.height }, hit: under !== null && el.contains(under) };
      }),
    );

  it.each([1280, 1400])('is one line at %i px, with every control', async (width) => {
    await page.setViewportSize({ width, height: 800 });
    const bar = (await page.locator('header.topbar').boundingBox())!;
    const cs = await controls();
    expect(cs.map((c) => c.name)).toEqual(['overview', 'flows', 'packets', 'breaks', 'dns', 'quic', 'compare', 'goto-frame-button', 'time-format', 'theme-toggle', 'file-menu']);
    const tallest = Math.max(...cs.map((c) => c.box.height));
    // one row: the bar is its tallest control plus its padding (8 px each side) and border
    expect(bar.height).toBeLessThanOrEqual(tallest + 2 * 8 + 2);
    expect(new Set(cs.map((c) => Math.round(c.box.y + c.box.height / 2))).size).toBeLessThanOrEqual(2);
    for (const c of cs) {
      expect(c.hit, c.name).toBe(true);
      expect(c.box.x + c.box.width, c.name).toBeLessThanOrEqual(width);
    }
    expect(await page.getByTestId('capture-file').evaluate((el) => el.getBoundingClientRect().width)).toBeGreaterThan(30);
    await page.screenshot({ path: join(SHOTS, `topbar-${width}.png`), clip: { x: 0, y: 0, width, height: 120 } });
  }, 30_000);

  it('at 1024 px: no control overlaps another or leaves the window, each is reachable, and so is each File menu item', async () => {
    await page.setViewportSize({ width: 1024, height: 768 });
    const cs = await controls();
    expect(cs).toHaveLength(11);
    for (const c of cs) {
      expect(c.hit, c.name).toBe(true);
      expect(c.box.x, c.name).toBeGreaterThanOrEqual(0);
      expect(c.box.x + c.box.width, c.name).toBeLessThanOrEqual(1024);
    }
    for (let i = 0; i < cs.length; i++) for (let j = i + 1; j < cs.length; j++) expect(overlap(cs[i].box, cs[j].box), `${cs[i].name} / ${cs[j].name}`).toBe(false);
    await page.getByTestId('file-menu').click();
    const items = page.locator('[role=menu] [role=menuitem]');
    expect(await items.allTextContents()).toEqual(['Open…Ctrl+O', 'Close', 'Export JSON', 'Key log…']);
    const hits = await items.evaluateAll((els) =>
      els.map((el) => {
        const r = el.getBoundingClientRect();
        const under = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return r.width > 0 && r.x >= 0 && r.x + r.width <= window.innerWidth && under !== null && el.contains(under);
      }),
    );
    await page.screenshot({ path: join(SHOTS, 'topbar-1024-file-menu.png'), clip: { x: 0, y: 0, width: 1024, height: 260 } });
    expect(hits).toEqual([true, true, true, true]);
    // a click outside shuts it
    await page.locator('main').click({ position: { x: 5, y: 5 } });
    await expect.poll(() => items.first().isVisible()).toBe(false);
    await page.screenshot({ path: join(SHOTS, 'topbar-1024.png'), clip: { x: 0, y: 0, width: 1024, height: 120 } });
  }, 30_000);

  it('the File menu from the keyboard: Enter opens it on Open…, ↓ moves, Esc shuts it back on its button; Export JSON downloads the analysis', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('file-menu').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('open-capture');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('export-json');
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('file-menu');
    expect(await page.locator('[role=menu]').isVisible()).toBe(false);
    await page.getByTestId('file-menu').click();
    const download = page.waitForEvent('download');
    await page.getByTestId('export-json').click();
    expect((await download).suggestedFilename()).toBe('server-restart.stateline.json');
    expect(errors).toEqual([]);
  }, 30_000);
});
