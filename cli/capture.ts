// Reading a capture for a command — one file, or a capture set (a directory, or several
// files: host/file-source lists them, the core merges them): sizes and key log first
// (exit 1 with one line on stderr when either cannot be read), then the analysis, with
// progress on a terminal; and the same capture again for what the analysis did not keep
// (a second pass: captureSource; frame bytes by offset: captureFrames). Every command
// that analyses a capture by path goes through analyzeFile: with two threads (the
// default on two cores), the TCP tracker runs in a worker (host/tcp-remote).

import { readFileSync, statSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { analyzeCapture, type Analysis, type AnalyzeOptions } from '../analysis/analyze';
import { setFrameSourceByName, type FrameSource } from '../analysis/frame-bytes';
import type { TrackerOptions } from '../analysis/trackers';
import { captureSetMembers, fileChunks, listCaptureSet } from '../host/file-source';
import { fileFrameSource } from '../host/frame-source';
import { defaultThreads, tcpWorker } from '../host/tcp-remote';
import type { CaptureSource } from '../parsers/capture/index';

export interface ReadOptions {
  keylog: string | null;
  progress: boolean;
  /** The flow table's bound (AnalyzeOptions.maxFlows). */
  maxFlows?: number;
  trackerOptions?: Omit<TrackerOptions, 'keylog'>;
  /** One flow per 5-tuple whatever its VLAN tags (AnalyzeOptions.mergeVlans). */
  mergeVlans?: boolean;
  /** Keep the per-packet detail that reading frames back and packet rows need (AnalyzeOptions.packetDetail, default true). */
  packetDetail?: boolean;
  /** Threads (1: the TCP tracker on this one too; default defaultThreads()). */
  threads?: number;
}

/**
 * The analysis of a capture file, or of a capture set's listed files: with `threads` ≥ 2,
 * the TCP tracker runs on a worker thread (the same JSON).
 */
export function analyzeFile(files: string | { path: string; size: number }[], opts: Omit<AnalyzeOptions, 'remoteTcp'>, threads = defaultThreads()): Promise<Analysis> {
  const set = typeof files === 'string' ? null : files;
  return analyzeCapture(set ? captureSetMembers(set) : fileChunks(files as string), { ...opts, remoteTcp: threads >= 2 ? tcpWorker() : undefined });
}

/**
 * The analysis of `files` (one file; or a set: a directory, or more than one file), or
 * null after printing why it could not be read.
 */
export async function readAnalysis(files: string | readonly string[], opts: ReadOptions): Promise<Analysis | null> {
  const list = typeof files === 'string' ? [files] : files;
  const file = list.join(', ');
  let size: number;
  let set: { path: string; size: number }[] | null = null;
  try {
    const st = list.length === 1 ? statSync(list[0]) : null;
    if (st && !st.isDirectory()) size = st.size;
    else {
      set = await listCaptureSet(list);
      size = set.reduce((n, f) => n + f.size, 0);
    }
  } catch (e) {
    process.stderr.write(`stateline: cannot read ${file}: ${(e as Error).message}\n`);
    return null;
  }
  let keylog: string | undefined;
  if (opts.keylog) {
    try {
      keylog = readFileSync(opts.keylog, 'utf8');
    } catch (e) {
      process.stderr.write(`stateline: cannot read key log ${opts.keylog}: ${(e as Error).message}\n`);
      return null;
    }
  }
  const showProgress = opts.progress && process.stderr.isTTY;
  try {
    return await analyzeFile(set ?? list[0], {
      trackerOptions: { ...opts.trackerOptions, keylog },
      mergeVlans: opts.mergeVlans,
      totalBytes: size,
      maxFlows: opts.maxFlows,
      packetDetail: opts.packetDetail,
      onProgress: showProgress
        ? (p) => process.stderr.write(p.phase === 'reading' ? `\rreading ${((100 * p.bytesRead) / size).toFixed(0)}%  ${p.packets} packets` : `\r${p.phase === 'finishing' ? 'finishing flows' : 'building indexes'}…  ${p.packets} packets      `)
        : undefined,
    }, opts.threads);
  } catch (e) {
    if (showProgress) process.stderr.write('\n');
    process.stderr.write(`stateline: ${file}: ${(e as Error).message}\n`);
    return null;
  } finally {
    if (showProgress) process.stderr.write('\n');
  }
}

/** Whether `list` names a set (a directory, or more than one file), not one capture file. */
function isSet(list: readonly string[]): boolean {
  return list.length !== 1 || statSync(list[0]).isDirectory();
}

/** The capture read again from the start (a second pass): the file's chunks, or the set's files listed again. */
export async function captureSource(files: string | readonly string[]): Promise<CaptureSource> {
  const list = typeof files === 'string' ? [files] : files;
  return isSet(list) ? captureSetMembers(await listCaptureSet(list)) : fileChunks(list[0]);
}

/**
 * Positioned reads of the analysed capture's frames: its file's (gzip decompressed once
 * to a temporary file), or for a set each file's own, found by the name the set gave it.
 */
export async function captureFrames(a: Analysis, files: string | readonly string[]): Promise<FrameSource> {
  const list = typeof files === 'string' ? [files] : files;
  const set = a.files;
  if (!set) return fileFrameSource(list[0], a.info.compressed);
  const paths = new Map(captureSetMembers(await listCaptureSet(list)).map((m) => [m.name, m.path!] as const));
  return setFrameSourceByName(set, paths, fileFrameSource);
}

/**
 * Write `s` to `out`; when its buffer is full, wait until it drains, or the stream fails
 * or closes (the caller's error handler says which). Backpressure for stdout and files.
 */
export async function writeDrained(out: Writable, s: string): Promise<void> {
  if (out.write(s)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('error', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('error', done);
    out.on('close', done);
  });
}

/**
 * Write pieces to stdout as they are made, waiting for 'drain' whenever stdout's buffer
 * is full (backpressure: a slow reader of a pipe holds the producer, not memory), then
 * until the last is flushed. A pipe closed early ends the writing, and is not an error.
 */
export async function writeStream(pieces: Iterable<string>): Promise<void> {
  const out = process.stdout;
  let closed = false;
  let failed: Error | null = null;
  const onError = (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE') closed = true;
    else failed = e;
  };
  out.on('error', onError);
  try {
    for (const piece of pieces) {
      await writeDrained(out, piece);
      if (failed) throw failed;
      if (closed) return;
    }
    await writeOut('');
  } finally {
    out.off('error', onError);
  }
}

/** Write to stdout and wait until it is flushed (a pipe closed early is not an error). */
export function writeOut(s: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(s, (err) => (err && (err as NodeJS.ErrnoException).code !== 'EPIPE' ? reject(err) : resolve()));
  });
}
