// Fuzz worker thread entry: load the TypeScript sources through tsx, then run cases.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
