// The TCP tracker on a second core (issue 16): a worker thread reads the same capture
// file again and runs the TCP tracker on it (analysis/analyze trackTcp), while the
// calling thread runs the rest of the analysis; the worker posts the tracker's state
// back (its column buffers transferred, not copied) and analyzeCapture rebuilds it in
// place (AnalyzeOptions.remoteTcp). Only for sources the worker can open itself: a file
// path, or the listed files of a capture set; a stream or an upload is read once.
//
// The worker starts from ./tcp-worker.mjs (an esbuild bundle of ./tcp-worker.ts, or the
// sources through tsx). It is spawned when analyzeCapture starts, before this side
// reads its first record, so its start-up overlaps the reading here; it is terminated
// as soon as its answer is not wanted (the analysis failed or was cancelled).

import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RemoteTcpRequest, RemoteTcpResult } from '../analysis/analyze';

/** What the worker reads: one file, or the files of a capture set as listCaptureSet lists them. */
export type TcpWorkerSource = { file: string } | { set: { path: string; size: number }[] };

/** What the worker is started with (workerData). */
export interface TcpWorkerData {
  source: TcpWorkerSource;
  req: RemoteTcpRequest;
}

/** The worker's one message: the result, or why it could not read the capture. */
export type TcpWorkerMessage = { ok: true; result: RemoteTcpResult } | { ok: false; message: string };

// '../host/': the same file from the sources (host/) and from the CLI's bundle (cli/)
const ENTRY = new URL('../host/tcp-worker.mjs', import.meta.url);

/**
 * Threads an analysis uses by default: two when the machine has a second core that is
 * free — its load average over the last minute leaves a whole core beside this one.
 * The second reading is extra work (about 0.9 s of CPU on the bench capture: reading,
 * decoding and the flow table again): with no idle core it only slows the analysis
 * (measured on the shared 2-core machine at load 3–4: 2.8 s against 2.7 s). The output
 * is the same either way; --threads chooses explicitly.
 */
export function defaultThreads(cores = availableParallelism(), load = loadavg()[0]): number {
  return cores >= 2 && load < cores - 1 ? 2 : 1;
}

/** AnalyzeOptions.remoteTcp for a capture the worker opens by path. */
export function tcpWorker(source: TcpWorkerSource): (req: RemoteTcpRequest, signal: AbortSignal) => Promise<RemoteTcpResult> {
  return (req, signal) => new Promise<RemoteTcpResult>((resolve, reject) => {
    if (signal.aborted) return reject(new Error('the TCP worker was not wanted any more'));
    // a small young generation: the tracker allocates little per packet, and the
    // worker's heap adds to the process's peak (~15 MiB less on the bench capture)
    const worker = new Worker(ENTRY, { workerData: { source, req } satisfies TcpWorkerData, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', stop);
      fn();
    };
    const stop = (): void => {
      settle(() => reject(new Error('the TCP worker was stopped')));
      void worker.terminate();
    };
    signal.addEventListener('abort', stop, { once: true });
    worker.once('message', (m: TcpWorkerMessage) => {
      settle(() => (m.ok ? resolve(m.result) : reject(new Error(`the TCP worker could not read the capture: ${m.message}`))));
      void worker.terminate(); // its heap goes now, not when the thread gets round to exiting
    });
    worker.once('error', (e) => settle(() => reject(new Error(`the TCP worker failed: ${e.message}`))));
    worker.once('exit', (code) => settle(() => reject(new Error(`the TCP worker exited (code ${code}) without an answer`))));
  });
}
