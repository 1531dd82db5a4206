#!/usr/bin/env node
// The `stateline` command. It runs cli/main.ts without a build step, so `npx stateline`
// works right after `npm install` (installs run with ignore-scripts):
//  - normally from a bundle that esbuild writes next to the sources on first use and
//    again whenever a source under cli/, host/, analysis/ or parsers/ is newer
//    (./bundle.mjs);
//  - through tsx's loader when esbuild is not available or the bundle cannot be written.
// The bundle lives in cli/ (git-ignored) so that import.meta.url resolves as the
// sources' own does.
import { setFlagsFromString } from 'node:v8';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { ensureBundle } from './bundle.mjs';

// V8's allocation-site pretenuring, off (before any of the analysis runs): an analysis
// keeps nearly everything it allocates (flows, connections, events) to the end, so once
// the young generation is at its largest V8 tenures every object-literal site it has
// been watching, and throws away the optimized code of each function that allocates at
// one — the trackers' biggest (TCP flagEvents, DNS onQuery, QUIC onShortSlow…) — which
// then compiles again. Without it the same objects are promoted by the scavenger, at no
// measurable GC cost. 1M bench capture, 3 sets of 10–12 alternating rounds (2 shared
// cores, load 2.5–4.8): CPU 0.90x, 0.94x, 0.92x the build without it (the first set with
// the flag on the command line; issue 16).
setFlagsFromString('--no-allocation-site-pretenuring');

const root = join(import.meta.dirname, '..');
let main;
if (await ensureBundle('cli/main.ts', 'cli/main.bundle.mjs', ['cli', 'host', 'analysis', 'parsers'])) ({ main } = await import(pathToFileURL(join(root, 'cli', 'main.bundle.mjs')).href));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
