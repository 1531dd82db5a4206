// The analysis runs in a worker thread (off the UI process's main thread): it owns the
// StatelineSession and answers the API calls that main forwards. Progress is polled by
// the renderer through `status`; `cancel` aborts reading.
//
// A capture can still take the worker down (a bug, or more memory than its limit: the
// V8 heap of the worker is capped, so a runaway analysis ends the worker, never the
// app). Then every call it had not answered fails with WorkerCrashedError, which says
// so, and a new worker starts for the next calls (with the recent files it last
// reported); one that keeps failing (MAX_CRASHES within a minute) is not restarted.

import { Worker } from 'node:worker_threads';
import type { ApiMethod } from '../analysis/api';

export interface WorkerInit {
  samplePath: string | null;
  recent: string[];
}

export interface WorkerOptions {
  /** The worker's script (default ./analysis-worker.mjs); tests give their own. */
  script?: URL;
  /** The worker's V8 old-generation limit in MiB (default WORKER_HEAP_MB). */
  maxHeapMb?: number;
  /** Told of each crash (after the pending calls have failed). */
  onCrash?(e: WorkerCrashedError): void;
}

/** The worker's heap limit: above what the flow table's bound needs (analysis/flows.ts), below the machine. */
export const WORKER_HEAP_MB = 3072;
/** Crashes within a minute after which the worker is not restarted. */
export const MAX_CRASHES = 3;

export class WorkerCrashedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerCrashedError';
  }
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string } | { type: 'recent'; list: string[] };

export class AnalysisWorker {
  private worker!: Worker;
  private next = 1;
  private readonly pending = new Map<number, { method: string; ok(v: unknown): void; fail(e: Error): void }>();
  private recent: string[];
  private readonly crashes: number[] = [];
  /** Set when the worker is not restarted any more: every call fails with it. */
  private dead: Error | null = null;
  private stopping = false;

  constructor(
    private readonly init: WorkerInit,
    private readonly onRecent: (list: string[]) => void = () => {},
    private readonly opts: WorkerOptions = {},
  ) {
    this.recent = [...init.recent];
    this.start();
  }

  private start(): void {
    const w = new Worker(this.opts.script ?? new URL('./analysis-worker.mjs', import.meta.url), {
      workerData: { ...this.init, recent: this.recent } satisfies WorkerInit,
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb ?? WORKER_HEAP_MB },
    });
    this.worker = w;
    w.on('message', (m: Reply) => {
      if (w !== this.worker) return;
      if ('type' in m) {
        this.recent = m.list;
        return this.onRecent(m.list);
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.ok(m.value);
      else p.fail(new Error(m.error));
    });
    // A dying worker reports 'error' (an uncaught exception, out of memory) and then
    // 'exit'; either is handled once, for the worker that is current.
    w.on('error', (e) => this.died(w, e));
    w.on('exit', (code) => this.died(w, new Error(`it exited with code ${code}`)));
  }

  private died(w: Worker, why: Error): void {
    if (w !== this.worker || this.stopping) return;
    const what = (why as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? `ran out of memory (its limit is ${this.opts.maxHeapMb ?? WORKER_HEAP_MB} MiB)` : `failed (${why.message})`;
    const now = Date.now();
    this.crashes.push(now);
    while (this.crashes.length && this.crashes[0] < now - 60_000) this.crashes.shift();
    const restart = this.crashes.length <= MAX_CRASHES;
    for (const p of this.pending.values())
      p.fail(new WorkerCrashedError(`the analysis worker ${what} before answering ${p.method}; ${restart ? 'a new one has started: open the capture again' : 'restart Stateline'}`));
    this.pending.clear();
    const err = new WorkerCrashedError(`the analysis worker ${what}`);
    if (restart) this.start();
    else this.dead = new WorkerCrashedError(`the analysis worker failed ${this.crashes.length} times within a minute and was not restarted: restart Stateline`);
    this.opts.onCrash?.(err);
  }

  call(method: ApiMethod, args: unknown): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.stopping) return Promise.reject(new WorkerCrashedError('the analysis worker has been stopped'));
    const id = this.next++;
    return new Promise((ok, fail) => {
      this.pending.set(id, { method, ok, fail });
      this.worker.postMessage({ id, method, args });
    });
  }

  terminate(): Promise<number> {
    this.stopping = true;
    for (const p of this.pending.values()) p.fail(new WorkerCrashedError('the analysis worker has been stopped'));
    this.pending.clear();
    return this.worker.terminate();
  }
}
