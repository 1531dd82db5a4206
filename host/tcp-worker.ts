// The TCP worker's thread (./tcp-remote): a TcpFeedTracker fed the batches the analysis
// sends, each batch's buffers handed back after it; at the end it posts the tracker's
// state back, its typed arrays' buffers transferred. A batch it cannot take ends it
// with the reason.

import { parentPort, workerData } from 'node:worker_threads';
import { TcpFeedTracker } from '../analysis/tcp-feed';
import { TcpTracker } from '../analysis/tcp/tracker';
import type { TcpWorkerData, TcpWorkerInput, TcpWorkerMessage } from './tcp-remote';

const { req } = workerData as TcpWorkerData;
const port = parentPort!;
let tracker: TcpFeedTracker | null = null;
const fail = (e: unknown): void => {
  port.postMessage({ ok: false, message: (e as Error).message } satisfies TcpWorkerMessage);
  port.close();
};
try {
  tracker = new TcpFeedTracker(req);
} catch (e) {
  fail(e);
}
port.on('message', (m: TcpWorkerInput) => {
  if (tracker === null) return;
  try {
    if ('batch' in m) {
      const b = m.batch;
      tracker.push(b);
      // its buffers back, whole, to be filled again (the flows' are small: not worth it)
      const spare = { words: new Int32Array(b.words.buffer), times: new Float64Array(b.times.buffer) };
      port.postMessage({ spare } satisfies TcpWorkerMessage, [spare.words.buffer, spare.times.buffer]);
    }
    else {
      const result = tracker.result();
      tracker = null;
      port.postMessage({ ok: true, result } satisfies TcpWorkerMessage, TcpTracker.transferList(result.tracker));
    }
  } catch (e) {
    tracker = null;
    fail(e);
  }
});
