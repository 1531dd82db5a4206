// electron/worker-host.ts
import { Worker } from "node:worker_threads";
var AnalysisWorker = class {
  worker;
  next = 1;
  pending = /* @__PURE__ */ new Map();
  constructor(init, onRecent = () => {
  }) {
    this.worker = new Worker(new URL("./analysis-worker.mjs", import.meta.url), { workerData: init });
    this.worker.on("message", (m) => {
      if ("type" in m) return onRecent(m.list);
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.ok(m.value);
      else p.fail(new Error(m.error));
    });
    this.worker.on("error", (e) => {
      for (const p of this.pending.values()) p.fail(e);
      this.pending.clear();
    });
  }
  call(method, args) {
    const id = this.next++;
    return new Promise((ok, fail) => {
      this.pending.set(id, { ok, fail });
      this.worker.postMessage({ id, method, args });
    });
  }
  terminate() {
    return this.worker.terminate();
  }
};
export {
  AnalysisWorker
};
