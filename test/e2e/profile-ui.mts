// Where the frames' time goes (not a timed test, not the bench): open the bench capture
// through `stateline serve` in Chromium, as bench-ui.mts does, and record a Chrome trace
// (CDP tracing) of (1) the flows table's fling, (2) opening the biggest flow, (3) a brush
// zoom. Prints, per phase, the main thread's and the raster threads' time by trace event
// (self time of the top-level tasks' children), and writes the traces to test-results/.
//
//   npx tsx test/e2e/profile-ui.mts [--file CAPTURE] [--phase flows|open|zoom] [--cpu] [--first]
//
// --first: the open traced is the capture's first (nothing of the flow view compiled or
// cached yet, as a user's first click finds it), not the one after a warm-up open.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, ROOT, startServe } from './serve.js';
import { installFling } from './fling.js';

const argv = process.argv.slice(2);
const opt = (n: string, d: string | null): string | null => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : d);
const file = opt('file', join(ROOT, 'bench-data', 'bench-1000000-seed1.pcap'))!;
const only = opt('phase', null);
const css = opt('css', null);
const verbose = argv.includes('--verbose');
/** A JS CPU profile (self time by function) instead of a trace. */
const cpu = argv.includes('--cpu');
const firstOpen = argv.includes('--first');
const CATS = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame', 'blink', 'cc', 'viz', 'toplevel'].join(',');

interface Ev { name: string; ph: string; ts: number; dur?: number; tid: number; pid: number; args?: { name?: string } }
/** Total duration by event name, per thread name (complete events only; nested events are counted in their own name too). */
function summarize(buf: Buffer): Record<string, Record<string, number>> {
  const evs = (JSON.parse(buf.toString()) as { traceEvents: Ev[] }).traceEvents;
  const threads = new Map<string, string>();
  for (const e of evs) if (e.ph === 'M' && e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args!.name!);
  const out: Record<string, Record<string, number>> = {};
  for (const e of evs) {
    if (e.ph !== 'X' || !e.dur) continue;
    const th = threads.get(`${e.pid}:${e.tid}`) ?? String(e.tid);
    const key = th.replace(/\d+$/, '');
    (out[key] ??= {})[e.name] = (out[key][e.name] ?? 0) + e.dur / 1000;
  }
  const keep = verbose ? null : new Set(['ProxyMain::BeginMainFrame', 'Commit', 'FunctionCall', 'UpdateLayoutTree', 'Layout', 'Paint', 'PrePaint', 'Layerize', 'EventHandler::handleMouseMoveEvent', 'RasterTask', 'Display::DrawAndSwap', 'SoftwareRenderer::DoDrawQuad', 'DirectRenderer::DrawRenderPass', 'ProxyImpl::ScheduledActionDraw', 'MinorGC', 'MajorGC', 'V8.GC_SCAVENGER', 'HitTest']);
  for (const [th, m] of Object.entries(out)) {
    const top = Object.entries(m).filter(([k]) => !keep || keep.has(k)).sort((a, b) => b[1] - a[1]).slice(0, 18);
    if (top.length) out[th] = Object.fromEntries(top.map(([k, v]) => [k, +v.toFixed(1)]));
    else delete out[th];
  }
  return out;
}

const serve = await startServe();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, bypassCSP: !!css });
await installFling(page);
mkdirSync(join(ROOT, 'test-results'), { recursive: true });
const cdp = await page.context().newCDPSession(page);
interface ProfNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount: number }
/** Self time by function (ms), from a CPU profile's samples. */
function selfTimes(prof: { nodes: ProfNode[]; samples: number[]; timeDeltas: number[] }): Record<string, number> {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const t: Record<string, number> = {};
  prof.samples.forEach((id, i) => {
    const n = byId.get(id)!.callFrame;
    const k = `${n.functionName || '(anon)'} ${n.url.replace(/.*\//, '')}:${n.lineNumber}`;
    t[k] = (t[k] ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000;
  });
  return Object.fromEntries(Object.entries(t).sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => [k, +v.toFixed(1)]));
}
const trace = async <T,>(name: string, f: () => Promise<T>): Promise<T> => {
  if (cpu) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    const r = await f();
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(join(ROOT, 'test-results', `cpu-${name}.cpuprofile`), JSON.stringify(profile));
    console.log(name, JSON.stringify(r), JSON.stringify(selfTimes(profile as never), null, 1));
    return r;
  }
  await browser.startTracing(page, { categories: CATS.split(',') });
  const r = await f();
  const buf = await browser.stopTracing();
  writeFileSync(join(ROOT, 'test-results', `trace-${name}.json`), buf);
  console.log(name, JSON.stringify(r), JSON.stringify(summarize(buf)));
  return r;
};
try {
  await page.goto(serve.url);
  await page.getByTestId('open-path').fill(file);
  await page.getByText('Open path').click();
  await page.getByTestId('overview-timeline').locator('svg.recharts-surface').waitFor({ timeout: 120_000 });
  await page.locator('[data-tab=flows]').click();
  await page.getByTestId('flow-row').first().waitFor();
  await page.waitForTimeout(500);
  if (css) await page.addStyleTag({ content: css });
  if (!only || only === 'flows')
    await trace('flows', () => page.evaluate(async () => {
      const times = await window.__fling('.vt-body');
      times.sort((a, b) => a - b);
      // (no named function in a page function: tsx would wrap it in a helper the page lacks)
      const [p50, p95] = [0.5, 0.95].map((p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1));
      return { p50, p95, max: times[times.length - 1].toFixed(1) };
    }));
  await page.locator('.vt-body').first().evaluate((b) => (b.scrollTop = 0));
  await page.locator('[data-sort=packets]').click();
  await page.locator('[data-sort=packets]').click();
  await page.waitForFunction(() => document.querySelector('[data-sort=packets]')?.textContent?.includes('▼') && !document.querySelector('.vt-loading'));
  const chartsDrawn = `document.querySelector('[data-testid=seq-chart] svg.recharts-surface path[data-kind]') && !document.querySelector('.flow-detail[data-loading]') && document.querySelector('[data-testid=packet-list] .vt-row:not(.vt-loading)')`;
  const until = (src: string) => page.evaluate(async (src) => {
    const pred = new Function(`return (${src})`) as () => boolean;
    const start = performance.now();
    while (!pred() && performance.now() - start < 30_000) await new Promise((r) => requestAnimationFrame(() => r(null)));
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    return Math.round(performance.now() - start);
  }, src);
  // warm the server's per-flow cache once, as the bench's repeated figures have it
  if (!firstOpen) {
    await page.getByTestId('flow-row').first().click();
    await until(chartsDrawn);
    await page.keyboard.press('Escape');
    await page.getByTestId('flow-row').first().waitFor();
  }
  await page.waitForTimeout(300);
  if (!only || only === 'open')
    await trace('open', async () => {
      await page.getByTestId('flow-row').first().click();
      return until(chartsDrawn);
    });
  else {
    await page.getByTestId('flow-row').first().click();
    await until(chartsDrawn);
  }
  await page.waitForTimeout(300);
  if (!only || only === 'zoom')
    await trace('zoom', async () => {
      const head = await page.locator('.brush-head .muted').textContent();
      const b = (await page.getByTestId('time-brush').boundingBox())!;
      await page.mouse.move(b.x + b.width * 0.4, b.y + b.height / 2);
      await page.mouse.down();
      await page.mouse.move(b.x + b.width * 0.45, b.y + b.height / 2, { steps: 3 });
      await page.mouse.up();
      return until(`document.querySelector('.brush-head .muted')?.textContent !== ${JSON.stringify(head)} && !document.querySelector('.flow-detail[data-loading]')`);
    });
} finally {
  await browser.close();
  await serve.stop();
}
