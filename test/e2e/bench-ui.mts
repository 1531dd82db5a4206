// Benchmark of the browser build (not a timed test): open a 1,000,000-packet capture
// through `stateline serve` in Chromium and measure
//   - analysis time, and time from the end of the analysis to the overview on screen
//   - the flows table: first rows, and frame times while scrolling 100,000+ rows
//   - sorting the whole table, and zooming a flow's charts (time until redrawn)
//   - the Packets tab: first rows, scrolling a million rows, a row's layers and bytes
//   - the first rows of the Breaks, DNS and QUIC tabs, each the first time it opens
//   - the floor of the scroll figures: the same fling, in the same browser and minutes, of
//     a plain scrolling <div> with nothing in it (no app, no handler) — the jitter of the
//     measurement itself, which a 17 ms p95 at 60 Hz (16.7 ms a frame) leaves little room for
// Interaction times are given twice: wall clock around Playwright's actions (includes
// its round trips), and `inPage`: from the input event to the frame after the result is
// on screen, measured inside the page.
//
//   npx tsx test/e2e/bench-ui.mts [--file CAPTURE] [--count N]
//
// The workload is ../shared/tools/gen-bench-pcap.js --count N --seed 1 (bench-data/, git-ignored).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM, ROOT, startServe } from './serve.js';
import { installFling } from './fling.js';

const argv = process.argv.slice(2);
const opt = (n: string, d: string | null): string | null => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : d);
const count = Number(opt('count', '1000000'));
let file = opt('file', null);
if (!HAVE_CHROMIUM) {
  console.error(`bench-ui: ${CHROMIUM} is absent (apt-get install -y chromium)`);
  process.exit(2);
}
if (!file) {
  const existing = join(ROOT, 'bench-data', `bench-${count}-seed1.pcap`);
  file = existsSync(existing) ? existing : join(ROOT, 'bench-data', 'x.pcap');
  if (!existsSync(file)) {
    mkdirSync(join(ROOT, 'bench-data'), { recursive: true });
    console.log(`generating ${file} …`);
    const r = spawnSync(process.execPath, [resolve(ROOT, '..', 'shared', 'tools', 'gen-bench-pcap.js'), '--count', String(count), '--seed', '1', '--out', file], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(1);
  }
}

const serve = await startServe();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await installFling(page);
const errors: string[] = [];
page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { frames: s.length, p50: +q(0.5).toFixed(1), p95: +q(0.95).toFixed(1), max: +s[s.length - 1].toFixed(1) };
};
// In-page clock: the time from the input event (seen first, in the capture phase) to
// the first frame after the page shows the result, measured with performance.now()
// inside the page — without Playwright's round trips, which the wall-clock figures
// (Date.now() around Playwright's actions) include.
const armClock = (type: string) =>
  page.evaluate((type) => {
    const w = window as unknown as { __t0: number | null; __tLast: number | null };
    w.__t0 = w.__tLast = null;
    window.addEventListener(type, () => {
      w.__t0 ??= performance.now();
      w.__tLast = performance.now();
    }, { capture: true });
  }, type);
/** Wait in the page until `done` (a predicate's source) holds, then one more frame; ms since the armed event. */
const sinceClock = (done: string) =>
  page.evaluate(async (src) => {
    const pred = new Function(`return (${src})`) as () => boolean;
    const start = performance.now();
    while (!pred() && performance.now() - start < 30_000) await new Promise((r) => requestAnimationFrame(() => r(null)));
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    const w = window as unknown as { __t0: number | null; __tLast: number | null };
    const now = performance.now();
    return w.__t0 === null ? { first: -1, last: -1 } : { first: Math.round(now - w.__t0), last: Math.round(now - w.__tLast!) };
  }, done);
/** Fling a virtual table's body (`body`: its selector) 150 frames of 1,500 px, then jump to its last row (`row`: the rows' test id). */
const scrollTable = (body: string, row: string) =>
  page.evaluate(async ([sel, rowId]) => {
    const body = document.querySelector(sel) as HTMLElement;
    const times = await window.__fling(sel);
    const t = performance.now();
    body.scrollTop = body.scrollHeight;
    // until the last rows are loaded and rendered
    for (;;) {
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      const rows = body.querySelectorAll(`[data-testid=${rowId}]`);
      const lastRow = rows[rows.length - 1] as HTMLElement | undefined;
      if (lastRow && Number(lastRow.dataset.index) >= Number(body.parentElement!.getAttribute('aria-rowcount')) - 2) break;
      if (performance.now() - t > 10_000) break;
    }
    return { times, jumpToEnd: performance.now() - t, rowsInDom: body.querySelectorAll('.vt-row').length };
  }, [body, row] as const);
const apiStatus = () => page.evaluate(() => fetch('/api/status', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then((r) => r.json()));

try {
  await page.goto(serve.url);
  await page.getByTestId('open-path').fill(file);
  const t0 = Date.now();
  await page.getByText('Open path').click();
  await page.getByTestId('progress').waitFor();
  // Poll until the analysis ends, then time the overview.
  let st;
  do {
    await page.waitForTimeout(50);
    st = await apiStatus();
  } while (st.state === 'loading');
  const tReady = Date.now();
  if (st.state !== 'ready') throw new Error(`analysis ended ${st.state}: ${JSON.stringify(st.error)}`);
  await page.getByTestId('capture-summary').waitFor({ timeout: 60_000 });
  await page.getByTestId('overview-timeline').locator('svg.recharts-surface').waitFor({ timeout: 60_000 });
  const tOverview = Date.now();
  const packets = await page.getByTestId('packets').textContent();
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'test-results', 'bench-overview.png') });

  const t1 = Date.now();
  await page.locator('[data-tab=flows]').click();
  await page.getByTestId('flow-row').first().waitFor();
  const tFlows = Date.now() - t1;
  const flowCount = await page.getByTestId('flow-count').textContent();

  // Scroll the table: 150 frames, ~1,500 px per frame (fast flinging), then a jump to the end.
  const scroll = await scrollTable('.vt-body', 'flow-row');
  await page.screenshot({ path: join(ROOT, 'test-results', 'bench-flows-end.png') });

  // Sort by packets, descending (two clicks), until the first row changes.
  const first = await page.getByTestId('flow-row').first().textContent();
  await page.locator('.vt-body').first().evaluate((b) => (b.scrollTop = 0));
  const t2 = Date.now();
  await armClock('click');
  await page.locator('[data-sort=packets]').click();
  await page.locator('[data-sort=packets]').click();
  const rowsShown = `document.querySelector('[data-sort=packets]').textContent.includes('▼') && document.querySelector('[data-testid=flow-row]')?.textContent !== ${JSON.stringify(first)} && !document.querySelector('.vt-loading')`;
  const tSortInPage = await sinceClock(rowsShown);
  const tSort = Date.now() - t2;
  // Sorting by an address column (text keys), in-page clock only.
  const firstByPackets = await page.getByTestId('flow-row').first().textContent();
  await armClock('click');
  await page.locator('[data-sort=client]').click();
  const tSortClientInPage = await sinceClock(`document.querySelector('[data-testid=flow-row]')?.textContent !== ${JSON.stringify(firstByPackets)} && !document.querySelector('.vt-loading')`);
  await page.locator('[data-sort=packets]').click();
  await page.locator('[data-sort=packets]').click();
  await page.waitForFunction(() => document.querySelector('[data-sort=packets]')?.textContent?.includes('▼') && !document.querySelector('.vt-loading'));

  // Open the biggest flow and zoom its charts with the brush. (Timed from the press on
  // its row: the flows table asks for the flow then, before the click of the release.)
  const t3 = Date.now();
  await armClock('pointerdown');
  await page.getByTestId('flow-row').first().click();
  const chartsDrawn = `document.querySelector('[data-testid=seq-chart] svg.recharts-surface path[data-kind]') && !document.querySelector('.flow-detail[data-loading]') && document.querySelector('[data-testid=packet-list] .vt-row:not(.vt-loading)')`;
  const tFlowOpenInPage = await sinceClock(chartsDrawn);
  const tFlowOpen = Date.now() - t3;
  // Where the first open's time went: each API call after the click (start, duration;
  // ms from the click), the rest is rendering.
  const openCalls = await page.evaluate(() => {
    const w = window as unknown as { __t0: number };
    return performance.getEntriesByType('resource')
      .filter((e) => e.name.includes('/api/') && e.startTime >= w.__t0)
      .map((e) => `${e.name.replace(/.*\/api\//, '')} @${Math.round(e.startTime - w.__t0)} +${Math.round(e.duration)}`);
  });
  const before = await page.locator('.brush-head .muted').textContent();
  const box = (await page.getByTestId('time-brush').boundingBox())!;
  const t4 = Date.now();
  await armClock('pointerup');
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2, { steps: 3 });
  await page.mouse.up();
  const tZoomInPage = await sinceClock(`document.querySelector('.brush-head .muted')?.textContent !== ${JSON.stringify(before)} && !document.querySelector('.flow-detail[data-loading]')`);
  const tZoom = Date.now() - t4;
  await page.screenshot({ path: join(ROOT, 'test-results', 'bench-flow-zoom.png'), fullPage: true });

  // The same again, 5 times (the server's per-flow cache is warm now): medians, in-page clock.
  const reps = { open: [] as number[], zoom: [] as number[], sort: [] as number[] };
  for (let r = 0; r < 5; r++) {
    await page.keyboard.press('Escape');
    await page.getByTestId('flow-row').first().waitFor();
    const top = await page.getByTestId('flow-row').first().textContent();
    await page.locator('[data-sort=packets]').click();
    await armClock('click');
    await page.locator('[data-sort=packets]').click();
    reps.sort.push((await sinceClock(`document.querySelector('[data-sort=packets]').textContent.includes('▼') && document.querySelector('[data-testid=flow-row]')?.textContent !== ${JSON.stringify(top)} && !document.querySelector('.vt-loading')`)).last);
    await armClock('pointerdown');
    await page.getByTestId('flow-row').first().click();
    reps.open.push((await sinceClock(chartsDrawn)).first);
    const head = await page.locator('.brush-head .muted').textContent();
    const b = (await page.getByTestId('time-brush').boundingBox())!;
    await armClock('pointerup');
    await page.mouse.move(b.x + b.width * (0.3 + r * 0.05), b.y + b.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width * (0.34 + r * 0.05), b.y + b.height / 2, { steps: 3 });
    await page.mouse.up();
    reps.zoom.push((await sinceClock(`document.querySelector('.brush-head .muted')?.textContent !== ${JSON.stringify(head)} && !document.querySelector('.flow-detail[data-loading]')`)).last);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  // The Packets tab: first rows of the whole capture (Source … Info read from the file),
  // scrolling it, and a row's layer tree and bytes.
  await page.keyboard.press('Escape');
  await page.getByTestId('flow-row').first().waitFor();
  const t5 = Date.now();
  await armClock('click');
  await page.locator('[data-tab=packets]').click();
  const tPacketsInPage = await sinceClock(`document.querySelector('[data-testid=packet-row]') && !document.querySelector('[data-testid=packet-list] .vt-loading')`);
  const tPackets = Date.now() - t5;
  const pscroll = await scrollTable('[data-testid=packet-list] .vt-body', 'packet-row');
  const detailTimes: number[] = [];
  for (let r = 0; r < 5; r++) {
    await armClock('click');
    await page.getByTestId('packet-row').nth(r + 2).click();
    detailTimes.push((await sinceClock(`document.querySelector('[data-testid=hex-view] .hexb') && document.querySelector('[data-testid=packet-detail] [data-field=frame]')?.textContent.includes('Frame ' + document.querySelector('[data-testid=packet-row][aria-selected=true] [role=cell]')?.textContent + ':')`)).first);
  }
  await page.screenshot({ path: join(ROOT, 'test-results', 'bench-packets-end.png') });

  // The floor: a page with one empty scroller as tall as the Packets list, flung 3 times.
  const tall = await page.locator('[data-testid=packet-list] .vt-body').evaluate((b) => b.scrollHeight);
  const blank = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await installFling(blank);
  await blank.goto('about:blank');
  await blank.setContent(`<div id=s style="height:800px;overflow:auto"><div style="height:${tall}px"></div></div>`);
  const floor: ReturnType<typeof stats>[] = [];
  for (let k = 0; k < 3; k++) floor.push(stats(await blank.evaluate(() => window.__fling('#s'))));
  await blank.close();

  // The other tabs, each opened for the first time: from the click on its tab to the
  // frame after its first rows are drawn (their data asked for then, built on the
  // server when first asked: the DNS rows, the QUIC rows).
  const firstRowsOf = async (tab: string, shown: string): Promise<number> => {
    await armClock('click');
    await page.locator(`[data-tab=${tab}]`).click();
    const t = (await sinceClock(shown)).first;
    await page.screenshot({ path: join(ROOT, 'test-results', `bench-${tab}.png`) });
    return t;
  };
  const tabs = {
    breaks: await firstRowsOf('breaks', `document.querySelector('[data-testid=breaks-list] [data-testid=break-item]')`),
    dns: await firstRowsOf('dns', `document.querySelector('[data-testid=dns-row]') && !document.querySelector('[data-testid=dns-transactions] .vt-loading')`),
    quic: await firstRowsOf('quic', `document.querySelector('[data-testid=quic-row]') && !document.querySelector('.quic-view .vt-loading')`),
  };

  const result = {
    file,
    packets,
    flows: flowCount,
    analysisSeconds: +(st.elapsedMs / 1000).toFixed(2),
    openToReadySeconds: +((tReady - t0) / 1000).toFixed(2),
    overviewAfterAnalysisMs: tOverview - tReady,
    flowsTableFirstRowsMs: tFlows,
    scrollFrameMs: stats(scroll.times),
    jumpToLastRowMs: Math.round(scroll.jumpToEnd),
    rowsInDom: scroll.rowsInDom,
    sortAllFlowsMs: tSort,
    openBiggestFlowMs: tFlowOpen,
    brushZoomMs: tZoom,
    // ms from the first input event (and from the last one: the second click of the
    // packets sort, the pointerup of the brush) to the frame after the result
    inPage: {
      sortByPacketsFromFirstClickMs: tSortInPage.first,
      sortByPacketsFromSecondClickMs: tSortInPage.last,
      sortByClientMs: tSortClientInPage.first,
      openBiggestFlowMs: tFlowOpenInPage.first,
      openBiggestFlowApiCalls: openCalls,
      brushZoomMs: tZoomInPage.last,
      repeated5: { sortByPacketsDescMedianMs: median(reps.sort), openBiggestFlowMedianMs: median(reps.open), brushZoomMedianMs: median(reps.zoom), all: reps },
    },
    packetsTab: {
      firstRowsMs: tPackets,
      firstRowsInPageMs: tPacketsInPage.first,
      scrollFrameMs: stats(pscroll.times),
      jumpToLastRowMs: Math.round(pscroll.jumpToEnd),
      rowsInDom: pscroll.rowsInDom,
      rowToDetailMedianMs: median(detailTimes),
      rowToDetailAll: detailTimes,
    },
    /** The first rows of the Breaks, DNS and QUIC tabs, each the first time it opens (in the page). */
    otherTabsFirstRowsInPageMs: tabs,
    scrollFloorMs: floor,
    consoleErrors: errors,
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  await serve.stop();
}
