// End to end (issue 15, opening a flow): the flow the pointer rests on in the flows table
// is asked for ahead (its detail, first packets and timeline at its view's width), and
// the flow view a click then opens asks the server for none of them again; a pointer
// passing over rows asks for nothing; a press on a row asks at once. A click opens the
// view once those answers are in, drawn in its first render — or, past a moment, without
// them; a later click wins. On fixtures/incidents/server-restart.pcap.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, ROOT, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const RESTART = join(ROOT, 'fixtures', 'incidents', 'server-restart.pcap');
const VLAN = join(ROOT, 'fixtures', 'fidelity', 'vlan-key.pcap');

warnIfNoChromium();

/** The flow view's API calls made since `t` (page clock), by method. */
const callsSince = (t: number) => `performance.getEntriesByType('resource').filter((e) => e.startTime >= ${t} && /\\/api\\/(flow|timeline|packets)$/.test(e.name)).map((e) => e.name.split('/api/')[1])`;

describe.skipIf(!HAVE_CHROMIUM)('asking for a flow ahead of the click, in Chromium', () => {
  const app = useApp([RESTART], { width: 1400, height: 900 });
  const { page, errors } = app;
  /** Back from a flow to the flows table, the pointer away from its rows: the rows, and the page clock then. */
  const backToTheTable = async () => {
    await page.keyboard.press('Escape');
    const rows = page.getByTestId('flow-row');
    await rows.first().waitFor();
    await page.mouse.move(5, 5);
    await page.waitForTimeout(200);
    return { rows, t0: await page.evaluate(() => performance.now()) };
  };

  it('opens the hovered flow with the answers the hover asked for, and asks the server nothing after the click', async () => {
    await app.openCapture();
    await page.locator('[data-tab=flows]').click();
    const row = page.getByTestId('flow-row').nth(2);
    await row.waitFor();
    const id = Number((await row.locator('[role=cell]').first().textContent())!.trim());
    const t0 = await page.evaluate(() => performance.now());
    await row.hover();
    await expect.poll(() => page.evaluate<string[]>(callsSince(t0)), { timeout: 5000 }).toEqual(expect.arrayContaining(['flow', 'packets', 'timeline']));
    expect((await page.evaluate<string[]>(callsSince(t0))).length).toBe(3);
    const t1 = await page.evaluate(() => performance.now());
    await row.click();
    await page.getByTestId('seq-chart').locator('svg.recharts-surface path[data-kind]').first().waitFor();
    await page.getByTestId('packet-list').locator('[data-testid=packet-row]').first().waitFor();
    expect(await page.locator('.flow-detail h2').textContent()).toContain(`Flow ${id} `);
    // the detail, the first packets and the whole timeline: all three taken from the hover
    expect(await page.evaluate<string[]>(callsSince(t1))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('asks for nothing while the pointer only passes over rows, then for the row it stops on', async () => {
    const { rows, t0 } = await backToTheTable();
    // across three rows in about 30 ms: none rests long enough
    for (const i of [0, 1, 3]) {
      const b = (await rows.nth(i).boundingBox())!;
      await page.mouse.move(b.x + 200, b.y + b.height / 2);
      await page.waitForTimeout(10);
    }
    await page.mouse.move(5, 5);
    await page.waitForTimeout(400);
    expect(await page.evaluate<string[]>(callsSince(t0))).toEqual([]);
    const b = (await rows.nth(1).boundingBox())!;
    await page.mouse.move(b.x + 200, b.y + b.height / 2);
    await expect.poll(() => page.evaluate<string[]>(callsSince(t0)).then((c) => c.filter((x) => x === 'flow').length), { timeout: 5000 }).toBe(1);
  });

  it('forgets what it asked ahead when another capture opens: the same row number there is asked for again', async () => {
    const rows = page.getByTestId('flow-row');
    await rows.first().hover();
    const t0 = await page.evaluate(() => performance.now());
    await page.mouse.move(5, 5);
    await rows.nth(2).hover(); // (taken by the first open above: not held any more)
    await expect.poll(() => page.evaluate<string[]>(callsSince(t0)).then((c) => c.filter((x) => x === 'flow').length), { timeout: 5000 }).toBe(1);
    // another capture, uploaded as Open… does: its flow of the same number is not the one asked for
    await page.getByTestId('file-input').setInputFiles(VLAN);
    await expect.poll(() => page.getByTestId('capture-summary').textContent().catch(() => ''), { timeout: 60_000 }).toContain('vlan-key.pcap');
    await page.mouse.move(5, 5);
    await page.locator('[data-tab=flows]').click();
    const t1 = await page.evaluate(() => performance.now());
    await rows.nth(2).click();
    await page.getByTestId('flow-facts').waitFor();
    await expect.poll(() => page.evaluate<string[]>(callsSince(t1)), { timeout: 5000 }).toEqual(expect.arrayContaining(['flow', 'packets', 'timeline']));
    expect(await page.locator('.flow-detail h2').textContent()).toContain('10.91.0.1');
    expect(errors).toEqual([]);
  });

  it('asks at the press on a row, and the click that follows asks nothing more', async () => {
    const { rows, t0 } = await backToTheTable();
    const b = (await rows.nth(1).boundingBox())!;
    const id = Number((await rows.nth(1).locator('[role=cell]').first().textContent())!.trim());
    // the API calls made by the time the press has been handled (window's listener runs
    // after the app's, at the root), not when a rest of the pointer would have made them
    await page.evaluate(`(() => {
      const calls = window.__calls = [];
      const of = window.fetch;
      window.fetch = (...a) => (calls.push(String(a[0]).split('/api/')[1]), of(...a));
      window.addEventListener('pointerdown', () => (window.__atPress = [...calls]), { once: true });
    })()`);
    // pressed as soon as the pointer is there (no rest), and held
    await page.mouse.move(b.x + 200, b.y + b.height / 2);
    await page.mouse.down();
    expect(await page.evaluate('window.__atPress')).toEqual(['flow', 'packets', 'timeline']);
    await expect.poll(() => page.evaluate<string[]>(callsSince(t0)), { timeout: 5000 }).toEqual(['flow', 'packets', 'timeline']);
    // still held: nothing is open yet
    expect(await page.locator('.flow-detail').count()).toBe(0);
    const t1 = await page.evaluate(() => performance.now());
    await page.mouse.up();
    await page.getByTestId('flow-facts').waitFor();
    await page.getByTestId('packet-list').locator('[data-testid=packet-row]').first().waitFor();
    expect(await page.locator('.flow-detail h2').textContent()).toContain(`Flow ${id} `);
    expect(await page.evaluate<string[]>(callsSince(t1))).toEqual([]);
    expect(errors).toEqual([]);
  });

  /** Watches the flow view mount: what its first render held, and whether "Loading flow…" was ever shown. */
  const watchMount = () =>
    page.evaluate(`(() => {
      const w = window.__mount = { first: null, loadingShown: false, inflightLater: false };
      new MutationObserver(() => {
        const fd = document.querySelector('.flow-detail');
        if (/Loading flow/.test(document.querySelector('main')?.textContent ?? document.body.textContent)) w.loadingShown = true;
        if (fd && !w.first) w.first = {
          seqPath: !!fd.querySelector('[data-testid=seq-chart] path[data-kind]'),
          packetRows: fd.querySelectorAll('[data-testid=packet-row]').length,
          loading: fd.hasAttribute('data-loading'),
          inflightPlaceholder: !!fd.querySelector('[data-testid=inflight-chart] .chart-placeholder'),
          inflight: !!fd.querySelector('[data-testid=inflight-plot]'),
        };
        if (w.first && fd?.querySelector('[data-testid=inflight-plot]')) w.inflightLater = true;
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);

  it('opens a clicked flow once its answers are in: drawn in its first render, the chart below the fold after', async () => {
    const { rows } = await backToTheTable();
    await watchMount();
    await rows.nth(0).click(); // (pressed and released at once: nothing asked before the press)
    await page.getByTestId('inflight-plot').waitFor();
    const m = await page.evaluate<{ first: Record<string, unknown>; loadingShown: boolean; inflightLater: boolean }>('window.__mount');
    expect(m.first).toMatchObject({ seqPath: true, loading: false, inflightPlaceholder: true, inflight: false });
    expect(m.first.packetRows).toBeGreaterThan(0);
    expect(m.loadingShown).toBe(false);
    expect(m.inflightLater).toBe(true);
    expect(errors).toEqual([]);
  });

  it('opens without an answer that has not come within a moment, and draws it when it comes', async () => {
    const { rows } = await backToTheTable();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/timeline', async (route) => {
      await held;
      await route.continue();
    });
    try {
      await watchMount();
      await rows.nth(2).click();
      await page.getByTestId('flow-facts').waitFor({ timeout: 5000 });
      // open while the timeline is still held back: the charts wait for it
      const m = await page.evaluate<{ first: Record<string, unknown> }>('window.__mount');
      expect(m.first).toMatchObject({ seqPath: false, loading: true });
      expect(await page.locator('.flow-detail[data-loading]').count()).toBe(1);
      release();
      await page.getByTestId('seq-chart').locator('path[data-kind]').first().waitFor();
      expect(await page.locator('.flow-detail[data-loading]').count()).toBe(0);
    } finally {
      release();
      await page.unroute('**/api/timeline');
    }
    expect(errors).toEqual([]);
  });

  it('opens the flow clicked last when a click comes while another waits for its answers', async () => {
    const { rows } = await backToTheTable();
    const ids = await Promise.all([0, 1].map(async (i) => Number((await rows.nth(i).locator('[role=cell]').first().textContent())!.trim())));
    // the first flow's timeline comes late, after the second flow's answers (within the wait)
    await page.route('**/api/timeline', async (route) => {
      if (JSON.parse(route.request().postData() ?? '{}').flow === ids[0]) await new Promise((r) => setTimeout(r, 100));
      await route.continue();
    });
    try {
      // both clicks in one task: the first is still waiting when the second comes
      await page.evaluate(() => {
        const r = document.querySelectorAll<HTMLElement>('[data-testid=flow-row]');
        r[0].click();
        r[1].click();
      });
      await page.getByTestId('flow-facts').waitFor();
      expect(await page.locator('.flow-detail h2').textContent()).toContain(`Flow ${ids[1]} `);
      // the first click's answers come after: nothing opens over it
      await page.waitForTimeout(600);
      expect(await page.locator('.flow-detail h2').textContent()).toContain(`Flow ${ids[1]} `);
    } finally {
      await page.unroute('**/api/timeline');
    }
    expect(errors).toEqual([]);
  });
});
