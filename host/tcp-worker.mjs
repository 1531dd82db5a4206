// Worker-thread entry of the TCP worker (./tcp-remote.ts): ./tcp-worker.ts from an
// esbuild bundle of its sources (bin/bundle.mjs: rebuilt when a source is newer), or
// through tsx when no bundle can be written.
import { ensureBundle } from '../bin/bundle.mjs';

if (await ensureBundle('host/tcp-worker.ts', 'host/tcp-worker.bundle.mjs', ['host', 'analysis', 'parsers'])) {
  await import('./tcp-worker.bundle.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./tcp-worker.ts');
}
