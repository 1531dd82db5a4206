// Inside the worker thread: one StatelineSession over the file system, answering the
// calls main forwards (already validated by electron/ipc.ts; validated again here so the
// worker never trusts its input).

import { createReadStream, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { dispatch } from '../analysis/api';
import { StatelineSession } from '../analysis/query';
import type { WorkerInit } from './worker-host';

const init = workerData as WorkerInit;
const recent = [...(init.recent ?? [])];

const session = new StatelineSession({
  samplePath: init.samplePath,
  async openPath(path) {
    const st = statSync(path);
    if (st.isDirectory()) throw new Error(`${path} is a directory`);
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    return { source: stream, size: st.size, close: () => stream.destroy() };
  },
  async readText(path) {
    if (statSync(path).size > 64 << 20) throw new Error(`${path}: key log larger than 64 MiB`);
    return readFile(path, 'utf8');
  },
  recent: {
    list: () => [...recent],
    add(p) {
      const i = recent.indexOf(p);
      if (i >= 0) recent.splice(i, 1);
      recent.unshift(p);
      recent.length = Math.min(recent.length, 10);
      parentPort!.postMessage({ type: 'recent', list: [...recent] });
    },
  },
});

parentPort!.on('message', async (m: { id: number; method: string; args: unknown }) => {
  try {
    const value = await dispatch(session, m.method, m.args);
    parentPort!.postMessage({ id: m.id, ok: true, value });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, ok: false, error: (e as Error).message });
  }
});
