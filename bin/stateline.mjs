#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader, so `npx stateline` works
// right after `npm install` with no build step (installs run with ignore-scripts).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
