// Worker-thread entry: the analysis worker from an esbuild bundle of its sources
// (bin/bundle.mjs: rebuilt when a source is newer), or through tsx when no bundle can
// be written. The bundle lives in electron/ (git-ignored) so that import.meta.url
// resolves as the sources' own does.
import { ensureBundle } from '../bin/bundle.mjs';

if (await ensureBundle('electron/analysis-worker.ts', 'electron/analysis-worker.bundle.mjs', ['electron', 'host', 'analysis', 'parsers'])) {
  await import('./analysis-worker.bundle.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./analysis-worker.ts');
}
