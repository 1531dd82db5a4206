// The TCP tracker on a second core (issue 16): a worker thread runs a TcpFeedTracker
// (analysis/tcp-feed) on the TCP segments the analysis reads, while the calling thread
// runs the rest of the analysis (AnalyzeOptions.remoteTcp). The segments go over in
// batches, their buffers transferred (not copied); at the end the worker posts the
// tracker's state back, its buffers transferred too, and analyzeCapture rebuilds it in
// place. The capture is read once, on the calling thread: any source works. The
// worker hands each batch's buffers back once it has replayed it, to be filled again.
//
// The worker starts from ./tcp-worker.mjs (an esbuild bundle of ./tcp-worker.ts, or the
// sources through tsx). It is spawned when analyzeCapture starts, before this side
// reads its first record, so its start-up overlaps the reading here (batches wait in
// its queue meanwhile); it is terminated as soon as its answer is not wanted (the
// analysis failed or was cancelled).

import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RemoteTcp, RemoteTcpRequest, RemoteTcpResult } from '../analysis/tcp-feed';
import type { TcpBatch, TcpBatchBuffers } from '../analysis/tcp-feed';

/** What the worker is started with (workerData). */
export interface TcpWorkerData {
  req: RemoteTcpRequest;
}

/** What the worker is sent: a batch of segments, or the end of them. */
export type TcpWorkerInput = { batch: TcpBatch } | { end: true };

/** The worker's messages: a batch's buffers it is done with; then the result, or why there is none. */
export type TcpWorkerMessage = { spare: TcpBatchBuffers } | { ok: true; result: RemoteTcpResult } | { ok: false; message: string };

// '../host/': the same file from the sources (host/) and from the CLI's bundle (cli/)
const ENTRY = new URL('../host/tcp-worker.mjs', import.meta.url);

/**
 * Threads an analysis uses by default: two where the machine has three cores free by its
 * load average over the last minute. One thread already keeps about 1.3 cores busy (V8's
 * concurrent GC and compiler threads, libuv's reads), and the worker needs one of its
 * own: on a 2-core machine two threads took 1.1x the wall time of one even with it
 * otherwise idle (README, "Two threads"). The output is the same either way; --threads
 * chooses explicitly.
 */
export function defaultThreads(cores = availableParallelism(), load = loadavg()[0]): number {
  return cores - load >= 3 ? 2 : 1;
}

/** AnalyzeOptions.remoteTcp: the TCP tracker on a worker thread. */
export function tcpWorker(): (req: RemoteTcpRequest, signal: AbortSignal) => RemoteTcp {
  return (req, signal) => {
    let worker: Worker | null = null;
    const spares: TcpBatchBuffers[] = [];
    const result = new Promise<RemoteTcpResult>((resolve, reject) => {
      if (signal.aborted) return reject(new Error('the TCP worker was not wanted any more'));
      // a small young generation: the tracker allocates little per packet, and the
      // worker's heap adds to the process's peak
      const w = (worker = new Worker(ENTRY, { workerData: { req } satisfies TcpWorkerData, resourceLimits: { maxYoungGenerationSizeMb: 8 } }));
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', stop);
        fn();
      };
      const stop = (): void => {
        settle(() => reject(new Error('the TCP worker was stopped')));
        void w.terminate();
      };
      signal.addEventListener('abort', stop, { once: true });
      w.on('message', (m: TcpWorkerMessage) => {
        if ('spare' in m) return void spares.push(m.spare);
        settle(() => (m.ok ? resolve(m.result) : reject(new Error(`the TCP worker failed: ${m.message}`))));
        void w.terminate(); // its heap goes now, not when the thread gets round to exiting
      });
      w.once('error', (e) => settle(() => reject(new Error(`the TCP worker failed: ${e.message}`))));
      w.once('exit', (code) => settle(() => reject(new Error(`the TCP worker exited (code ${code}) without an answer`))));
    });
    result.catch(() => {}); // awaited only at end(): a failure before is not left unhandled
    return {
      spare: () => spares.pop() ?? null,
      send: (batch) => worker?.postMessage({ batch } satisfies TcpWorkerInput, [batch.words.buffer as ArrayBuffer, batch.times.buffer as ArrayBuffer, batch.flows.buffer as ArrayBuffer]),
      end: () => {
        worker?.postMessage({ end: true } satisfies TcpWorkerInput);
        return result;
      },
    };
  };
}
