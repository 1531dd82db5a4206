// End to end: the Breaks view is virtualized (issue 15). On a capture with thousands of
// events — 150,000 packets from /work/shared/tools/gen-bench-pcap.js (--seed 1), written
// to a temporary directory — the DOM holds a bounded number of lines however far the
// list is scrolled; the first line is the first event of the first kind and the end of
// the list the last event of the last kind, as `stateline analyze --json` has them;
// read whole by scrolling, the list is every break and warning (with "show info
// events", every event), each once, grouped by kind in the summary's order. From the
// keyboard: End selects the last event, Enter opens its flow centred on it, Esc comes
// back to the list where it was; one Tab from the tab bar reaches the list, and Space
// shuts and opens a group. Skips when the generator is absent. Screenshots of the
// top and the end go to test-results/ (or $STATELINE_SHOTS).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BENCH_GENERATOR } from '../analysis/bench-capture';
import { framesOf, listBreaks } from './breaks-list';
import { HAVE_CHROMIUM, ROOT, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const GEN = BENCH_GENERATOR; // ../shared/tools beside the project
const PACKETS = 150_000;
const VIEWPORT = { width: 1280, height: 800 };
const SHOTS = process.env.STATELINE_SHOTS ?? join(ROOT, 'test-results');

interface JsonEvent { kind: string; severity: string; frame: number; flow: number | null; message: string; incident?: number }

warnIfNoChromium();
if (!existsSync(GEN)) console.warn(`\n[e2e] SKIPPED: ${GEN} is absent (the capture generator)\n`);

describe.skipIf(!HAVE_CHROMIUM || !existsSync(GEN))('Breaks on thousands of events, virtualized, in Chromium', () => {
  let dir: string;
  let file: string;
  let events: JsonEvent[];
  /** The kinds in the order the Breaks view lists their groups (the summary's eventsByKind). */
  let kinds: { kind: string; severity: string }[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stateline-breaks-'));
    file = join(dir, `bench-${PACKETS}-seed1.pcap`);
    execFileSync(process.execPath, [GEN, '--count', String(PACKETS), '--seed', '1', '--out', file], { stdio: 'ignore' });
    events = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'bin', 'stateline.mjs'), 'analyze', file, '--json'], { cwd: ROOT, maxBuffer: 1 << 28 }).toString()).events;
  }, 300_000);

  const { page, errors } = useApp([], VIEWPORT, { shots: SHOTS, timeout: 30_000, goto: true, cleanup: () => dir && rmSync(dir, { recursive: true, force: true }) });

  beforeAll(async () => {
    await api('openPath', { path: file });
    for (let t = Date.now(); (await api<{ state: string }>('status')).state !== 'ready' && Date.now() - t < 120_000; ) await page.waitForTimeout(100);
    kinds = (await api<{ eventsByKind: { kind: string; severity: string }[] }>('summary')).eventsByKind;
    await page.reload();
    await page.getByTestId('capture-summary').waitFor({ timeout: 60_000 });
  }, 300_000);

  function api<T>(method: string, args: unknown = {}): Promise<T> {
    return page.evaluate(
      ([m, a]) => fetch(`/api/${m}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(a) }).then((r) => r.json()),
      [method, args] as const,
    ) as Promise<T>;
  }

  /** The JSON's events as the list orders them: by kind group in the summary's order, each kind's in capture order. */
  const expected = (withInfo: boolean): JsonEvent[] => kinds.filter((k) => withInfo || k.severity !== 'info').flatMap((k) => events.filter((e) => e.kind === k.kind && e.incident === undefined));
  const scroller = () => page.getByTestId('breaks-scroller');
  const lineCount = () => page.locator('[data-testid=breaks-scroller] .ml-item').count();
  /** The event lines in the DOM: frame, kind, text. */
  const shown = () => page.getByTestId('break-item').evaluateAll((els) => els.map((e) => ({ frame: Number(e.getAttribute('data-frame')), kind: e.getAttribute('data-kind'), text: e.getAttribute('title') })));

  it('holds a bounded number of lines; the first and the last are the JSON\'s; scrolled whole, it is every break and warning', async () => {
    const want = expected(false);
    expect(want.length).toBeGreaterThan(1000);
    expect(events.some((e) => e.incident !== undefined)).toBe(false);
    await page.locator('[data-tab=breaks]').click();
    await page.getByTestId('break-item').first().waitFor();
    // one line per kind's head plus one per event
    expect(Number(await scroller().getAttribute('data-count'))).toBe(want.length + kinds.filter((k) => k.severity !== 'info').length);
    const bound = 80;
    expect(await lineCount()).toBeLessThan(bound);
    // at the top the first group's own card is in view: no head line over it
    expect(await page.getByTestId('breaks-sticky').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'breaks-scale-top.png') });
    const first = (await shown())[0];
    expect(first).toEqual({ frame: want[0].frame, kind: want[0].kind, text: expect.stringContaining(want[0].message) });

    // to the end: the last event of the last kind, and still few lines in the DOM
    await scroller().evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(async () => (await shown()).at(-1)?.frame).toBe(want.at(-1)!.frame);
    // in view, whole, at the bottom of the list (the heads measured on the way do not leave it short of the end)
    const inView = async (): Promise<boolean> => {
      const list = (await scroller().boundingBox())!;
      const line = (await page.getByTestId('break-item').last().boundingBox())!;
      return line.y >= list.y && line.y + line.height <= list.y + list.height + 0.5 && list.y + list.height - (line.y + line.height) < 4;
    };
    await expect.poll(inView).toBe(true);
    expect((await shown()).at(-1)).toEqual({ frame: want.at(-1)!.frame, kind: want.at(-1)!.kind, text: expect.stringContaining(want.at(-1)!.message) });
    expect(await lineCount()).toBeLessThan(bound);
    expect(await page.locator('.event-loading').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'breaks-scale-end.png') });

    // halfway down, deep in a group whose card has scrolled away: its head line stays at
    // the top of the view and names the kind of the events under it
    await scroller().evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
    const sticky = page.getByTestId('breaks-sticky');
    await expect.poll(() => sticky.count()).toBe(1);
    const topKind = await scroller().evaluate((el) => {
      const y = el.getBoundingClientRect().top;
      const lines = [...el.querySelectorAll('[data-testid=break-item]')].filter((e) => e.getBoundingClientRect().top >= y);
      return lines.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)[0]?.getAttribute('data-kind') ?? null;
    });
    expect(topKind).not.toBeNull();
    expect(await sticky.textContent()).toContain(topKind!);
    const stickyBox = (await sticky.boundingBox())!, listBox = (await scroller().boundingBox())!;
    expect(Math.abs(stickyBox.y - listBox.y)).toBeLessThan(2);
    await page.screenshot({ path: join(SHOTS, 'breaks-scale-sticky.png') });

    // read whole by scrolling: every one once, in order
    const lines = await listBreaks(page);
    expect(framesOf(lines)).toEqual(want.map((e) => e.frame));
    expect(lines.filter((l) => l.testId === 'break-item').map((l) => l.kind)).toEqual(want.map((e) => e.kind));
    expect(lines.filter((l) => l.testId === 'kind-group').map((l) => l.kind)).toEqual(kinds.filter((k) => k.severity !== 'info').map((k) => k.kind));
    expect(errors).toEqual([]);
  }, 120_000);

  it('from the keyboard: End selects the last event, Enter opens its flow centred on it, Esc comes back to it', async () => {
    const last = expected(false).at(-1)!;
    // one Tab from the Breaks tab reaches the list; Home selects its first line, the first kind's head, and Space shuts and opens it
    await page.locator('[data-tab=breaks]').click();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('breaks-scroller');
    await page.keyboard.press('Home');
    const count = Number(await scroller().getAttribute('data-count'));
    const firstKind = page.locator('.ml-item.selected [data-testid=kind-group]');
    const size = Number(await firstKind.getAttribute('data-count'));
    await page.keyboard.press(' ');
    await expect.poll(async () => Number(await scroller().getAttribute('data-count'))).toBe(count - size);
    expect(await firstKind.locator('header').getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press(' ');
    await expect.poll(async () => Number(await scroller().getAttribute('data-count'))).toBe(count);
    await page.keyboard.press('End');
    await expect.poll(() => page.locator('.ml-item.selected [data-testid=break-item]').getAttribute('data-frame')).toBe(String(last.frame));
    await page.keyboard.press('Enter');
    await page.getByTestId('flow-facts').waitFor();
    expect(await page.locator('main h2').first().textContent()).toContain(`Flow ${last.flow}`);
    await expect.poll(() => page.locator(`[data-testid=event-line][data-focus=true]`).first().getAttribute('data-frame')).toBe(String(last.frame));
    await page.keyboard.press('Escape');
    await scroller().waitFor();
    await expect.poll(() => page.locator('.ml-item.selected [data-testid=break-item]').getAttribute('data-frame')).toBe(String(last.frame));
    expect(await page.locator('.ml-item.selected').isVisible()).toBe(true);
    expect(errors).toEqual([]);
  }, 60_000);

  it('with the info events shown: thousands of lines, still a bounded DOM, and every event once', async () => {
    const want = expected(true);
    expect(want.length).toBe(events.length);
    await page.getByLabel(/show info events/).check();
    await expect.poll(async () => Number(await scroller().getAttribute('data-count'))).toBe(want.length + kinds.length);
    const lines = await listBreaks(page);
    expect(framesOf(lines)).toEqual(want.map((e) => e.frame));
    expect(await lineCount()).toBeLessThan(80);
    expect(errors).toEqual([]);
  }, 120_000);
});
