// End to end: the overview timeline of the bench workload (gen-bench-pcap.js, 20,000
// packets, 470 events: past MARKER_WALL) draws one marker per pixel column, not a wall:
// the columns holding several events are bars with their counts per kind as a tooltip,
// and clicking one zooms in until the events are single markers again. Screenshots go
// to test-results/ (git-ignored).

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchCapture, BENCH_GENERATOR, HAVE_BENCH_GENERATOR } from '../analysis/bench-capture';
import { HAVE_CHROMIUM, ROOT, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const SHOTS = join(ROOT, 'test-results');

warnIfNoChromium();
if (HAVE_CHROMIUM && !HAVE_BENCH_GENERATOR) console.warn(`\n[e2e] overview markers SKIPPED: ${BENCH_GENERATOR} is absent\n`);

describe.skipIf(!HAVE_CHROMIUM || !HAVE_BENCH_GENERATOR)('the overview timeline aggregates its markers per pixel column, in Chromium', () => {
  let gen: ReturnType<typeof benchCapture>;

  beforeAll(() => {
    gen = benchCapture(20_000);
  }, 180_000);

  const { page, serve, errors } = useApp(() => [gen!.file], { width: 1400, height: 900 }, { cleanup: () => gen?.remove() });

  const timeline = () => page.getByTestId('overview-timeline');
  const counts = async (): Promise<number[]> => (await timeline().locator('[data-testid=timeline-marker]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count')))));

  it('draws the 470 events as one marker per column, several-event columns as bars with their kinds', async () => {
    await page.goto(serve.url);
    await page.getByTestId('capture-summary').waitFor({ timeout: 60_000 });
    await timeline().locator('[data-testid=timeline-marker]').first().waitFor();
    const summary = await page.evaluate(() => fetch('/api/summary', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then((r) => r.json()));
    await timeline().scrollIntoViewIfNeeded();
    await timeline().screenshot({ path: join(SHOTS, 'overview-markers-aggregated.png') });

    const cs = await counts();
    // every event once, in fewer markers than events
    expect(cs.reduce((a, b) => a + b, 0)).toBe(summary.events);
    expect(cs.length).toBeLessThan(summary.events);
    expect(cs.filter((c) => c > 1).length).toBeGreaterThan(20);
    expect(await timeline().locator('figcaption').textContent()).toContain(`${summary.events} events in ${cs.length} markers`);
    // an aggregated marker: a bar, its tooltip "N events: a kind1, b kind2 …"
    const agg = timeline().locator('.marker.aggregated').first();
    const n = Number(await agg.getAttribute('data-count'));
    const title = (await agg.locator('title').textContent())!;
    const m = /^(\d+) events: ((?:\d+ [a-z0-9.-]+(?:, )?)+) — the first (break|warning|info): /.exec(title);
    expect(m, title).not.toBeNull();
    expect(Number(m![1])).toBe(n);
    expect(m![2].split(', ').reduce((s, k) => s + Number(k.split(' ')[0]), 0)).toBe(n);
    expect(await agg.getAttribute('data-severity')).toBe(m![3]);
    // no wall: no marker draws its line down the chart while they are aggregated
    expect(await timeline().locator('.marker line').count()).toBe(0);
  }, 120_000);

  it('zooms in around an aggregated marker on a click, until its events are single markers', async () => {
    const before = await counts();
    // the biggest column
    const big = Math.max(...before);
    await timeline().locator(`.marker.aggregated[data-count="${big}"]`).first().click();
    await timeline().getByRole('button', { name: 'Reset zoom' }).waitFor();
    await expect.poll(async () => (await counts()).every((c) => c === 1)).toBe(true);
    const after = await counts();
    expect(after.length).toBeGreaterThanOrEqual(big);
    expect(await timeline().locator('.marker line').count()).toBe(after.length);
    await timeline().screenshot({ path: join(SHOTS, 'overview-markers-zoomed.png') });
    expect(errors).toEqual([]);
  }, 60_000);
});
