// The TCP worker's thread (./tcp-remote): reads the capture named in workerData with
// the TCP tracker alone (analysis/analyze trackTcp) and posts the tracker's state back,
// its typed arrays' buffers transferred.

import { parentPort, workerData } from 'node:worker_threads';
import { trackTcp } from '../analysis/analyze';
import { TcpTracker } from '../analysis/tcp/tracker';
import { captureSetMembers, nodeFileHost } from './file-source';
import type { TcpWorkerData, TcpWorkerMessage } from './tcp-remote';

const { source, req } = workerData as TcpWorkerData;
let msg: TcpWorkerMessage;
let transfer: ArrayBuffer[] = [];
try {
  // a file through the same guarded open as the host's (a regular file, opened without blocking)
  const result = await trackTcp('file' in source ? (await nodeFileHost(null).openPath!(source.file)).source : captureSetMembers(source.set), req);
  msg = { ok: true, result };
  transfer = TcpTracker.transferList(result.tracker);
} catch (e) {
  msg = { ok: false, message: (e as Error).message };
}
parentPort!.postMessage(msg, transfer);
