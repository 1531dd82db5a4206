// The app's analysis, as `npm run bench` measures it against `stateline analyze`:
//   node scripts/bench-app.mjs serve FILE    a real `stateline serve FILE --port 0`, polled
//                                            over HTTP until the capture is ready
//   node scripts/bench-app.mjs worker FILE   the Electron app's analysis worker thread
//                                            (electron/worker-host.ts, run in Node)
// Prints one JSON line: {"wall": seconds from start to ready, "peakMiB": the analysing
// process's peak RSS at that moment, "state": …}. What only the UI needs (the flows
// table's rows, sort orders, chart columns) is built after ready, while idle: not here.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [mode, fileArg] = process.argv.slice(2);
const file = resolve(fileArg ?? '');
const t0 = performance.now();
const peakKb = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function untilReady(status) {
  for (;;) {
    const st = await status();
    if (st.state !== 'loading') return st;
    await sleep(50);
  }
}

if (mode === 'serve') {
  const token = 'bench-token-0123456789abcdef';
  const child = spawn(process.execPath, [join(root, 'bin', 'stateline.mjs'), 'serve', file, '--port', '0'], {
    env: { ...process.env, STATELINE_TOKEN: token },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const base = await new Promise((ok, fail) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) ok(`http://127.0.0.1:${m[1]}`);
    });
    child.on('exit', (code) => fail(new Error(`serve exited ${code}`)));
  });
  const st = await untilReady(async () => {
    const r = await fetch(`${base}/api/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, host: new URL(base).host },
      body: '{}',
    });
    return r.json();
  });
  const wall = (performance.now() - t0) / 1000;
  const kb = peakKb(child.pid);
  child.kill('SIGTERM');
  console.log(JSON.stringify({ wall, peakMiB: kb / 1024, state: st.state }));
} else if (mode === 'worker') {
  // the worker's host side (in the app, part of Electron's main process) as plain
  // JavaScript, so that this process holds what the worker costs and no TypeScript loader
  const { ensureBundle } = await import(pathToFileURL(join(root, 'bin', 'bundle.mjs')).href);
  if (!(await ensureBundle('electron/worker-host.ts', 'electron/worker-host.bundle.mjs', ['electron']))) throw new Error('esbuild is needed');
  const { AnalysisWorker } = await import(pathToFileURL(join(root, 'electron', 'worker-host.bundle.mjs')).href);
  const w = new AnalysisWorker({ samplePath: null, recent: [] });
  await w.call('openPath', { path: file });
  const st = await untilReady(() => w.call('status', {}));
  const wall = (performance.now() - t0) / 1000;
  const kb = peakKb(process.pid);
  await w.terminate();
  console.log(JSON.stringify({ wall, peakMiB: kb / 1024, state: st.state }));
} else {
  console.error('usage: node scripts/bench-app.mjs serve|worker FILE');
  process.exit(2);
}
