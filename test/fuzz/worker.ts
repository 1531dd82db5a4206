// Runs fuzz cases in a worker thread for campaign.ts, which watches the clock: it says
// when each case starts and how it ended, so a case that hangs (or blows the heap limit)
// is caught and named from outside.
import { parentPort, workerData } from 'node:worker_threads';
import { corpus, makeCase, runCase } from './cases';

const { seed, from, to } = workerData as { seed: number; from: number; to: number };
const seeds = corpus();
for (let i = from; i < to; i++) {
  parentPort!.postMessage({ type: 'start', index: i });
  const c = makeCase(seeds, seed, i);
  try {
    const outcome = await runCase(c);
    parentPort!.postMessage({ type: 'done', index: i, outcome, bytes: c.bytes.length });
  } catch (e) {
    parentPort!.postMessage({ type: 'crash', index: i, what: c.what, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
}
parentPort!.postMessage({ type: 'end' });
