// The analysis runs in a worker thread (off the UI process's main thread): it owns the
// StatelineSession and answers the API calls that main forwards. Progress is polled by
// the renderer through `status`; `cancel` aborts reading between chunks.

import { Worker } from 'node:worker_threads';
import type { ApiMethod } from '../analysis/api';

export interface WorkerInit {
  samplePath: string | null;
  recent: string[];
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string } | { type: 'recent'; list: string[] };

export class AnalysisWorker {
  private readonly worker: Worker;
  private next = 1;
  private readonly pending = new Map<number, { ok(v: unknown): void; fail(e: Error): void }>();

  constructor(init: WorkerInit, onRecent: (list: string[]) => void = () => {}) {
    this.worker = new Worker(new URL('./analysis-worker.mjs', import.meta.url), { workerData: init });
    this.worker.on('message', (m: Reply) => {
      if ('type' in m) return onRecent(m.list);
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.ok(m.value);
      else p.fail(new Error(m.error));
    });
    this.worker.on('error', (e) => {
      for (const p of this.pending.values()) p.fail(e);
      this.pending.clear();
    });
  }

  call(method: ApiMethod, args: unknown): Promise<unknown> {
    const id = this.next++;
    return new Promise((ok, fail) => {
      this.pending.set(id, { ok, fail });
      this.worker.postMessage({ id, method, args });
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}
