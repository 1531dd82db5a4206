// End to end (issue 15, "at scale"): on the bench workload (gen-bench-pcap.js, 20,000
// packets: 1,710 DNS transactions, 39 QUIC connections) the DNS spans chart keeps a
// fixed height — transactions that do not overlap share a lane — and a drag across it
// zooms (the brush), drawing the transactions of the window it zoomed to; the QUIC tab is a virtualized table with a filter and sortable
// columns, and the selected connection's card. Screenshots go to /tmp/shots-polish/.

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchCapture, BENCH_GENERATOR, HAVE_BENCH_GENERATOR } from '../analysis/bench-capture';
import { HAVE_CHROMIUM, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const SHOTS = process.env.STATELINE_SHOTS ?? '/tmp/shots-polish';

warnIfNoChromium();
if (HAVE_CHROMIUM && !HAVE_BENCH_GENERATOR) console.warn(`\n[e2e] scale SKIPPED: ${BENCH_GENERATOR} is absent\n`);

describe.skipIf(!HAVE_CHROMIUM || !HAVE_BENCH_GENERATOR)('DNS spans and the QUIC table at scale, in Chromium', () => {
  let gen: ReturnType<typeof benchCapture>;
  const api = (name: string, args: unknown = {}) =>
    page.evaluate(([n, a]) => fetch(`/api/${n}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(a) }).then((r) => r.json()), [name, args] as const);

  beforeAll(() => {
    gen = benchCapture(20_000);
  }, 180_000);

  const { page, errors } = useApp(() => [gen!.file], { width: 1400, height: 900 }, { shots: SHOTS, timeout: 20_000, goto: true, cleanup: () => gen?.remove() });

  beforeAll(async () => {
    await page.getByTestId('capture-summary').waitFor({ timeout: 60_000 });
  }, 180_000);

  it("keeps the overview's timeline above the fold however many kinds were flagged: the kinds scroll in their card", async () => {
    const kinds = (await api('summary')).eventsByKind as { kind: string }[];
    // the workload flags many kinds (the bench capture: 21); at ten or more the list would be taller than the card beside it
    expect(kinds.length).toBeGreaterThanOrEqual(10);
    const list = page.getByTestId('overview-kinds');
    expect(await list.locator('li').count()).toBe(kinds.length);
    const scroll = await list.evaluate((e) => ({ client: e.clientHeight, scroll: e.scrollHeight }));
    expect(scroll.scroll).toBeGreaterThan(scroll.client);
    expect(await page.getByTestId('overview-kinds-title').textContent()).toBe(`Breaks and warnings per kind · ${kinds.length} kinds`);
    const grid = (await page.getByTestId('overview-timeline').locator('.recharts-cartesian-grid').boundingBox())!;
    expect(grid.y + grid.height).toBeLessThanOrEqual(900);
    await page.screenshot({ path: join(SHOTS, 'overview-many-kinds.png') });
    // the last kind is reachable: scrolled into view inside its card, the page itself not scrolled
    await list.locator('li').last().scrollIntoViewIfNeeded();
    expect(await list.evaluate((e) => e.scrollTop)).toBeGreaterThan(0);
    await list.evaluate((e) => (e.scrollTop = 0));
  });

  it("reads out the overview's rate under the pointer, and zooms to the range dragged across it", async () => {
    const ov = page.getByTestId('overview-timeline');
    const grid = ov.locator('.recharts-cartesian-grid');
    await grid.waitFor();
    const b = (await grid.boundingBox())!;
    const capture = (await api('summary')).capture;
    const span = capture.end - capture.start;
    const readAt = async (f: number): Promise<number> => {
      await page.mouse.move(b.x + b.width * f, b.y + b.height * 0.8);
      const text = (await ov.getByTestId('rate-readout').textContent())!;
      const m = /^t = (\d+\.\d{6}) s since capture start · [\d.]+k? packets\/s$/.exec(text);
      expect(m, text).not.toBeNull();
      return Number(m![1]);
    };
    // it follows the pointer (it stuck at one time before)
    expect(Math.abs((await readAt(0.3)) - span * 0.3)).toBeLessThan(span * 0.01);
    expect(Math.abs((await readAt(0.7)) - span * 0.7)).toBeLessThan(span * 0.01);
    await page.mouse.move(b.x + b.width * 0.2, b.y + b.height * 0.8);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width * 0.5, b.y + b.height * 0.8, { steps: 6 });
    await page.mouse.up();
    await ov.getByRole('button', { name: 'Reset zoom' }).waitFor();
    // the chart is redrawn once the zoomed range's timeline has come
    const tickValues = async (): Promise<number[]> => (await ov.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents()).map(Number);
    await expect.poll(async () => (await tickValues())[0], { timeout: 10_000 }).toBeGreaterThan(0);
    const ticks = await tickValues();
    expect(ticks[0]).toBeGreaterThanOrEqual(span * 0.2 - span * 0.01);
    expect(ticks.at(-1)!).toBeLessThanOrEqual(span * 0.5 + span * 0.01);
    expect(ticks.at(-1)! - ticks[0]).toBeGreaterThan(span * 0.2);
    await ov.getByRole('button', { name: 'Reset zoom' }).click();
  }, 60_000);

  it('draws 1,000 DNS transactions in a chart of fixed height, and zooms by dragging across it', async () => {
    const summary = await api('summary');
    expect(summary.dnsTransactions).toBeGreaterThan(1000);
    await page.locator('[data-tab=dns]').click();
    const chart = page.getByTestId('dns-spans');
    const svg = chart.locator('svg[aria-label="DNS query to response spans"]');
    await svg.locator('[data-status]').first().waitFor({ state: 'attached' });
    const box = (await svg.boundingBox())!;
    // it grew to 1,656 px; now at most the plot's 240 px and its axis
    expect(box.height).toBeLessThanOrEqual(240 + 4 + 34 + 1);
    expect(Number(await svg.getAttribute('data-lanes'))).toBeLessThan(1000);
    expect(await svg.locator('[data-status]').count()).toBe(1000);
    expect(await svg.getByTestId('time-axis').locator('.axis-title').textContent()).toBe('time since capture start (s)');
    await chart.screenshot({ path: join(SHOTS, 'dns-spans-bench.png') });
    const ticks = async () => svg.getByTestId('time-axis').locator('text:not(.axis-title)').allTextContents();
    const before = await ticks();
    // the brush: drag over the first tenth of the plot, on empty ground between the bars
    const axis = (await svg.getByTestId('time-axis').locator('line').first().boundingBox())!;
    await page.mouse.move(axis.x + axis.width * 0.05, box.y + 2);
    await page.mouse.down();
    await page.mouse.move(axis.x + axis.width * 0.15, box.y + 2, { steps: 4 });
    await page.mouse.up();
    await chart.getByRole('button', { name: 'Reset zoom' }).waitFor();
    const after = await ticks();
    expect(after).not.toEqual(before);
    // the zoomed axis spans about a tenth of the capture
    const span = (xs: string[]): number => Number(xs.at(-1)) - Number(xs[0]);
    expect(span(after)).toBeLessThan(span(before) / 4);
    await chart.screenshot({ path: join(SHOTS, 'dns-spans-bench-zoomed.png') });
    await chart.getByRole('button', { name: 'Reset zoom' }).click();
    expect(await ticks()).toEqual(before);
  }, 60_000);

  it('zoomed past the first 1,000 transactions, draws the ones of its window, asked for again', async () => {
    const chart = page.getByTestId('dns-spans');
    const svg = chart.locator('svg[aria-label="DNS query to response spans"]');
    const drawn = async (): Promise<number[]> => (await svg.locator('[data-index]').evaluateAll((gs) => gs.map((g) => Number((g as SVGElement).dataset.index)))).sort((a, b) => a - b);
    // unzoomed: the first 1,000 of the capture, and a note that says so
    expect((await drawn()).at(-1)).toBe(999);
    expect(await page.getByTestId('dns-spans-shown').textContent()).toMatch(/^Showing the first 1,000 of [\d,]+ in the chart/);
    // the last fifth of the capture: none of the first 1,000 begin there
    const axis = (await svg.getByTestId('time-axis').locator('line').first().boundingBox())!;
    const box = (await svg.boundingBox())!;
    await page.mouse.move(axis.x + axis.width * 0.8, box.y + 2);
    await page.mouse.down();
    await page.mouse.move(axis.x + axis.width * 0.99, box.y + 2, { steps: 4 });
    await page.mouse.up();
    await chart.getByRole('button', { name: 'Reset zoom' }).waitFor();
    // (an unanswered one from the start stays open to the end: it meets the window too)
    await expect.poll(async () => (await drawn()).at(-1) ?? -1, { timeout: 10_000 }).toBeGreaterThan(999);
    const shown = await drawn();
    // exactly the transactions whose spans meet the window: the server's answer for it
    const ticks = (await svg.getByTestId('time-axis').locator('text:not(.axis-title)').allTextContents()).map(Number);
    const summary = await api('summary');
    const all = (await api('dnsTransactions', { offset: 0, limit: 100_000 })).rows as { index: number; queryTime: number; responseTime: number | null; queryFrames: number[] }[];
    const start = summary.capture.start as number;
    const [lo, hi] = [start + ticks[0], start + ticks.at(-1)!];
    for (const i of shown) {
      const r = all[i];
      const a = r.queryFrames.length ? r.queryTime : (r.responseTime ?? r.queryTime);
      // (the window reaches a little past its first and last ticks)
      expect(a).toBeLessThanOrEqual(hi + (hi - lo));
      expect(r.responseTime ?? Infinity).toBeGreaterThanOrEqual(lo - (hi - lo));
    }
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(1000);
    expect(await page.getByTestId('dns-spans-shown').count()).toBe(0);
    // the table went to the window's first transaction: the first that begins at or after its start
    const from = Number(await svg.getAttribute('data-from'));
    const begins = (r: (typeof all)[number]): number => (r.queryFrames.length ? r.queryTime : (r.responseTime ?? r.queryTime));
    const first = all.findIndex((r) => begins(r) >= from);
    expect(first).toBeGreaterThan(999);
    expect(begins(all[first - 1])).toBeLessThan(from);
    const body = page.getByTestId('dns-transactions').locator('.vt-body');
    await expect.poll(async () => {
      const [b, r] = [await body.boundingBox(), await body.locator(`[data-index="${first}"]`).boundingBox().catch(() => null)];
      return !!b && !!r && Math.abs(r.y - b.y) < 2;
    }, { timeout: 10_000 }).toBe(true);
    await chart.screenshot({ path: join(SHOTS, 'dns-spans-bench-late-window.png') });
    await chart.getByRole('button', { name: 'Reset zoom' }).click();
    await expect.poll(async () => (await drawn()).at(-1), { timeout: 10_000 }).toBe(999);
    expect(errors).toEqual([]);
  }, 60_000);

  it('lists the QUIC connections in a virtualized table, filtered and sorted, with the selected one\'s card', async () => {
    const conns = await api('quicConnections', { maxPoints: 300 });
    expect(conns.length).toBeGreaterThan(30);
    await page.locator('[data-tab=quic]').click();
    const table = page.getByTestId('quic-table');
    await table.getByTestId('quic-row').first().waitFor();
    // not one card per connection: one table, rows in view only, one card
    expect(await table.getByTestId('quic-row').count()).toBeLessThan(conns.length);
    expect(await page.getByTestId('quic-connection').count()).toBe(1);
    expect(await page.getByTestId('quic-count').textContent()).toBe(`${conns.length} of ${conns.length}`);
    // sort by packets, most first
    await table.locator('[data-sort=packets]').click();
    await table.locator('[data-sort=packets]').click();
    const packets = async () => (await table.getByTestId('quic-row').evaluateAll((rows) => rows.map((r) => Number(r.children[6].textContent!.replace(/,/g, '')))));
    const sorted = await packets();
    expect(sorted[0]).toBe(Math.max(...conns.map((q: { frames: number }) => q.frames)));
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]).toBeLessThanOrEqual(sorted[i - 1]);
    // filter by one connection's SNI (or its first client CID)
    const one = conns.find((q: { sni: string | null }) => q.sni) ?? conns[0];
    const word = one.sni ?? one.clientCids[0];
    const want = conns.filter((q: { sni: string | null; clientCids: string[]; serverCids: string[] }) => [q.sni ?? '', ...q.clientCids, ...q.serverCids].join(' ').toLowerCase().includes(word.toLowerCase())).length;
    await page.getByTestId('quic-filter').fill(word);
    await expect.poll(() => page.getByTestId('quic-count').textContent()).toBe(`${want} of ${conns.length}`);
    expect(await table.getByTestId('quic-row').count()).toBe(want);
    // select a row: its card, with its paths and a time axis
    await table.getByTestId('quic-row').first().click();
    const card = page.getByTestId('quic-connection');
    expect(await card.locator('h3').textContent()).toContain(`Connection ${await table.getByTestId('quic-row').first().locator('.vt-cell').first().textContent()}`);
    expect(await card.getByTestId('time-axis').locator('.axis-title').textContent()).toBe('time since capture start (s)');
    await page.screenshot({ path: join(SHOTS, 'quic-table-bench.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);
});
