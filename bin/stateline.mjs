#!/usr/bin/env node
// The `stateline` command. It runs cli/main.ts without a build step, so `npx stateline`
// works right after `npm install` (installs run with ignore-scripts):
//  - normally from a bundle that esbuild writes next to the sources on first use and
//    again whenever a source under cli/, host/, analysis/ or parsers/ is newer (about 0.3 s,
//    once); starting from it takes ~0.07 s instead of ~0.2 s through a TS loader;
//  - through tsx's loader when esbuild is not available or the bundle cannot be written.
// The bundle lives in cli/ (git-ignored) so that import.meta.url resolves as the
// sources' own does.
import { readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'cli', 'main.bundle.mjs');

function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['cli', 'host', 'analysis', 'parsers']) walk(join(root, d));
  return newest;
}

async function ensureBundle() {
  try {
    if (statSync(bundle).mtimeMs >= newestSource()) return true;
  } catch { /* no bundle yet */ }
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return false;
  }
  const tmp = `${bundle}.${process.pid}.tmp`;
  try {
    await esbuild.build({
      entryPoints: [join(root, 'cli', 'main.ts')],
      outfile: tmp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    });
    renameSync(tmp, bundle); // atomic: concurrent first runs each write their own tmp
    return true;
  } catch {
    try { unlinkSync(tmp); } catch { /* nothing written */ }
    return false;
  }
}

let main;
if (await ensureBundle()) ({ main } = await import(pathToFileURL(bundle).href));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
