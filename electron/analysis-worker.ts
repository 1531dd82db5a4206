// Inside the worker thread: one StatelineSession over the file system, answering the
// calls main forwards (already validated by electron/ipc.ts; validated again here so the
// worker never trusts its input).

import { parentPort, workerData } from 'node:worker_threads';
import { dispatch } from '../analysis/api';
import { StatelineSession } from '../analysis/session';
import { nodeFileHost } from '../host/file-source';
import { useNodeQuicCrypto } from '../host/quic-crypto';
import type { WorkerInit } from './worker-host';

const init = workerData as WorkerInit;
useNodeQuicCrypto(); // the QUIC Initial crypto over node:crypto

const session = new StatelineSession(
  nodeFileHost(init.samplePath ?? null, init.recent ?? [], (list) => parentPort!.postMessage({ type: 'recent', list })),
);

parentPort!.on('message', async (m: { id: number; method: string; args: unknown }) => {
  try {
    const value = await dispatch(session, m.method, m.args);
    parentPort!.postMessage({ id: m.id, ok: true, value });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, ok: false, error: (e as Error).message });
  }
});
