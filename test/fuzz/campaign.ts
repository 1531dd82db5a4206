// A fuzz campaign: cases [0, n) of a seed (cases.ts) run in worker threads, each case
// under a clock (a case still running after `caseMs` is a hang: the worker is ended and
// the next one starts after that case) and a heap limit (a case that exceeds it ends its
// worker too: a memory blow-up). Used by the test in `npm test` and by `npm run fuzz`.
import { Worker } from 'node:worker_threads';

export interface CampaignOptions {
  seed: number;
  cases: number;
  /** First case index (default 0). */
  from?: number;
  /** A case running longer than this is a hang (default 10 s). */
  caseMs?: number;
  /** Worker threads side by side (default 1). */
  workers?: number;
  /** V8 heap limit per worker, MiB (default 1024). */
  heapMb?: number;
  onProgress?(done: number, total: number): void;
}

export interface Failure {
  index: number;
  kind: 'crash' | 'hang' | 'memory';
  what?: string;
  error: string;
}

export interface CampaignResult {
  seed: number;
  cases: number;
  read: number;
  notACapture: number;
  crashes: Failure[];
  hangs: Failure[];
  /** Input bytes over all cases. */
  bytes: number;
  ms: number;
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const t0 = Date.now();
  const from = o.from ?? 0;
  const to = from + o.cases;
  const res: CampaignResult = { seed: o.seed, cases: 0, read: 0, notACapture: 0, crashes: [], hangs: [], bytes: 0, ms: 0 };
  const workers = Math.max(1, Math.min(o.workers ?? 1, o.cases));
  const per = Math.ceil(o.cases / workers);
  const ranges: [number, number][] = [];
  for (let s = from; s < to; s += per) ranges.push([s, Math.min(to, s + per)]);

  // One lane per range: a worker that dies or hangs is replaced by one that starts after the bad case.
  const lane = (start: number, end: number): Promise<void> =>
    new Promise((finished) => {
      const run = (begin: number): void => {
        if (begin >= end) return finished();
        const w = new Worker(new URL('./worker.mjs', import.meta.url), {
          workerData: { seed: o.seed, from: begin, to: end },
          resourceLimits: { maxOldGenerationSizeMb: o.heapMb ?? 1024 },
        });
        let current = begin;
        let timer: NodeJS.Timeout | null = null;
        let over = false;
        const next = (failedAt: number, f: Failure | null): void => {
          if (over) return;
          over = true;
          if (timer) clearTimeout(timer);
          if (f) (f.kind === 'hang' ? res.hangs : res.crashes).push(f);
          if (f) res.cases++;
          void w.terminate();
          run(failedAt + 1);
        };
        w.on('message', (m: { type: string; index: number; outcome?: string; bytes?: number; what?: string; error?: string }) => {
          if (m.type === 'start') {
            current = m.index;
            if (timer) clearTimeout(timer);
            timer = setTimeout(() => next(current, { index: current, kind: 'hang', error: `still running after ${o.caseMs ?? 10_000} ms` }), o.caseMs ?? 10_000);
          } else if (m.type === 'done' || m.type === 'crash') {
            if (timer) clearTimeout(timer);
            timer = null;
            res.cases++;
            if (m.type === 'crash') res.crashes.push({ index: m.index, kind: 'crash', what: m.what, error: m.error! });
            else if (m.outcome === 'read') res.read++;
            else res.notACapture++;
            res.bytes += m.bytes ?? 0;
            o.onProgress?.(res.cases, o.cases);
          } else if (m.type === 'end') {
            over = true;
            void w.terminate();
            finished();
          }
        });
        w.on('error', (e) => {
          const memory = (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
          next(current, { index: current, kind: memory ? 'memory' : 'crash', error: e.stack ?? e.message });
        });
        w.on('exit', (code) => {
          if (!over) next(current, { index: current, kind: 'crash', error: `the worker exited with code ${code}` });
        });
      };
      run(start);
    });
  await Promise.all(ranges.map(([s, e]) => lane(s, e)));
  res.ms = Date.now() - t0;
  for (const l of [res.crashes, res.hangs]) l.sort((a, b) => a.index - b.index);
  return res;
}
