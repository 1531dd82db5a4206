#!/usr/bin/env node
// `npm start`: open the desktop app. Electron's npm package installs without its
// binary here (.npmrc ignore-scripts=true, so `npm install` never depends on a
// download). On first start we fetch the binary with Electron's own install.js; where
// that host cannot be reached we say exactly what is missing and what still works.
// Before the window opens, the renderer is built with Vite into dist/renderer when it is
// missing or older than its sources (the same check `stateline serve` makes).
//
//   npm start [-- capture.pcapng]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);

function electronDir() {
  try {
    return dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

function electronBinary(dir) {
  const pathTxt = join(dir, 'path.txt');
  if (!existsSync(pathTxt)) return null;
  const bin = join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

function explain(what, detail) {
  const msg = [
    '',
    `Stateline's desktop window cannot open: ${what}`,
    detail ? `  (${detail})` : null,
    '',
    'What still works without the Electron binary:',
    '  npx stateline analyze FILE [--json]          analyse a capture on the command line',
    '  npx stateline serve [FILE] [--port N]        the same UI in your browser: open the URL it prints (it carries the token)',
    '',
    'To get the window: on a machine that can reach Electron\'s download host run',
    '  node node_modules/electron/install.js',
    'once (or set ELECTRON_MIRROR to a reachable mirror), then npm start again.',
    '',
  ].filter((l) => l !== null).join('\n');
  process.stderr.write(msg);
  process.exit(1);
}

const dir = electronDir();
if (!dir) explain('the electron package is not installed.', 'run npm install first');
let bin = electronBinary(dir);
if (!bin) {
  process.stderr.write('Electron\'s binary is not installed yet; fetching it with node_modules/electron/install.js …\n');
  const r = spawnSync(process.execPath, [join(dir, 'install.js')], { encoding: 'utf8', timeout: 10 * 60_000 });
  bin = electronBinary(dir);
  if (!bin) {
    const why = (r.stderr || r.stdout || '').split('\n').find((l) => /Error|ENOTFOUND|EAI_AGAIN|ECONN|getaddrinfo|timed out/i.test(l))?.trim();
    explain('Electron\'s binary is missing and its download failed.', why || `install.js exited with ${r.status}`);
  }
}
const main = join(root, 'electron', 'main.mjs');
if (!existsSync(main)) explain('the desktop shell (electron/main.mjs) is missing.', 'reinstall Stateline');
buildRenderer();
const child = spawn(bin, [main, ...args], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : code ?? 0));

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(path)) m = Math.max(m, newest(join(path, e)));
  return m;
}

function buildRenderer() {
  const index = join(root, 'dist', 'renderer', 'index.html');
  const sources = ['renderer', 'analysis/api.ts', 'analysis/model.ts', 'vite.renderer.config.ts'].map((p) => join(root, p)).filter(existsSync);
  if (existsSync(index) && !sources.some((p) => newest(p) > statSync(index).mtimeMs)) return;
  process.stderr.write('building the renderer with Vite (once) …\n');
  const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', join(root, 'vite.renderer.config.ts')], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) explain('the renderer could not be built.', `vite build exited with ${r.status}`);
}
