// Worker-thread entry: the analysis worker from an esbuild bundle of its sources
// (bin/bundle.mjs: rebuilt when a source is newer), or through tsx when no bundle can
// be written. The bundle lives in electron/ (git-ignored) so that import.meta.url
// resolves as the sources' own does.
import { setFlagsFromString } from 'node:v8';
import { ensureBundle } from '../bin/bundle.mjs';

// As bin/stateline.mjs does, before any of the analysis runs: V8's allocation-site
// pretenuring off (its deoptimizations of the trackers' biggest functions cost the CLI
// ~6–10% of its CPU on the bench capture; README, "Speed and memory").
setFlagsFromString('--no-allocation-site-pretenuring');

if (await ensureBundle('electron/analysis-worker.ts', 'electron/analysis-worker.bundle.mjs', ['electron', 'host', 'analysis', 'parsers'])) {
  await import('./analysis-worker.bundle.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./analysis-worker.ts');
}
