// Electron's entry (npm start → scripts/start.mjs → electron electron/main.mjs): load the
// TypeScript sources through tsx, as bin/stateline.mjs does, then start the app.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
