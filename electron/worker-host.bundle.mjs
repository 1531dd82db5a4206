// electron/worker-host.ts
import { Worker } from "node:worker_threads";
var WORKER_HEAP_MB = 3072;
var MAX_CRASHES = 3;
var WorkerCrashedError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "WorkerCrashedError";
  }
};
var AnalysisWorker = class {
  constructor(init, onRecent = () => {
  }, opts = {}) {
    this.init = init;
    this.onRecent = onRecent;
    this.opts = opts;
    this.recent = [...init.recent];
    this.start();
  }
  init;
  onRecent;
  opts;
  worker;
  next = 1;
  pending = /* @__PURE__ */ new Map();
  recent;
  crashes = [];
  /** Set when the worker is not restarted any more: every call fails with it. */
  dead = null;
  stopping = false;
  start() {
    const w = new Worker(this.opts.script ?? new URL("./analysis-worker.mjs", import.meta.url), {
      workerData: { ...this.init, recent: this.recent },
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb ?? WORKER_HEAP_MB }
    });
    this.worker = w;
    w.on("message", (m) => {
      if (w !== this.worker) return;
      if ("type" in m) {
        this.recent = m.list;
        return this.onRecent(m.list);
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.ok(m.value);
      else p.fail(new Error(m.error));
    });
    w.on("error", (e) => this.died(w, e));
    w.on("exit", (code) => this.died(w, new Error(`it exited with code ${code}`)));
  }
  died(w, why) {
    if (w !== this.worker || this.stopping) return;
    const what = why.code === "ERR_WORKER_OUT_OF_MEMORY" ? `ran out of memory (its limit is ${this.opts.maxHeapMb ?? WORKER_HEAP_MB} MiB)` : `failed (${why.message})`;
    const now = Date.now();
    this.crashes.push(now);
    while (this.crashes.length && this.crashes[0] < now - 6e4) this.crashes.shift();
    const restart = this.crashes.length <= MAX_CRASHES;
    for (const p of this.pending.values())
      p.fail(new WorkerCrashedError(`the analysis worker ${what} before answering ${p.method}; ${restart ? "a new one has started: open the capture again" : "restart Stateline"}`));
    this.pending.clear();
    const err = new WorkerCrashedError(`the analysis worker ${what}`);
    if (restart) this.start();
    else this.dead = new WorkerCrashedError(`the analysis worker failed ${this.crashes.length} times within a minute and was not restarted: restart Stateline`);
    this.opts.onCrash?.(err);
  }
  call(method, args) {
    if (this.dead) return Promise.reject(this.dead);
    if (this.stopping) return Promise.reject(new WorkerCrashedError("the analysis worker has been stopped"));
    const id = this.next++;
    return new Promise((ok, fail) => {
      this.pending.set(id, { method, ok, fail });
      this.worker.postMessage({ id, method, args });
    });
  }
  terminate() {
    this.stopping = true;
    for (const p of this.pending.values()) p.fail(new WorkerCrashedError("the analysis worker has been stopped"));
    this.pending.clear();
    return this.worker.terminate();
  }
};
export {
  AnalysisWorker,
  MAX_CRASHES,
  WORKER_HEAP_MB,
  WorkerCrashedError
};
