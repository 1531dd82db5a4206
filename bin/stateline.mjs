#!/usr/bin/env node
// The `stateline` command. It runs cli/main.ts without a build step, so `npx stateline`
// works right after `npm install` (installs run with ignore-scripts):
//  - normally from a bundle that esbuild writes next to the sources on first use and
//    again whenever a source under cli/, host/, analysis/ or parsers/ is newer
//    (./bundle.mjs);
//  - through tsx's loader when esbuild is not available or the bundle cannot be written.
// The bundle lives in cli/ (git-ignored) so that import.meta.url resolves as the
// sources' own does.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { ensureBundle } from './bundle.mjs';

const root = join(import.meta.dirname, '..');
let main;
if (await ensureBundle('cli/main.ts', 'cli/main.bundle.mjs', ['cli', 'host', 'analysis', 'parsers'])) ({ main } = await import(pathToFileURL(join(root, 'cli', 'main.bundle.mjs')).href));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
