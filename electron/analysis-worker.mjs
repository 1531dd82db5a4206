// Worker-thread entry: load the TypeScript sources through tsx (no build step), then run
// the analysis worker.
import { register } from 'tsx/esm/api';

register();
await import('./analysis-worker.ts');
