// The Node file host: captures as async iterables of chunks read into two reused
// buffers, capture sets (a directory, or several files) as the members the core's set
// reader merges, key logs as text, and the guards a path from a client needs.
//
// The capture reader copies the only bytes it keeps across chunks (a record that
// straddles two, and the gzip decoder's few unconsumed bytes), and every tracker
// copies what it keeps, so a chunk can be overwritten once the reader has asked for
// the next one. Reusing buffers spares ~700 MB of 1 MiB Buffers per million packets
// that fs.createReadStream would allocate, and the garbage collections that external
// memory pressure triggers.
//
// Two buffers, because the read of chunk n+1 is started before chunk n is handed out:
// the read runs on libuv's thread pool while the analysis works on chunk n, so on a
// 2-core machine the file I/O (page-cache copies, ~0.15 s per 700 MB) overlaps the CPU
// work instead of adding to it.
//
// Chunks of 4 MiB, not 1 MiB: each chunk costs a round trip through the event loop (the
// read's promise, libuv's callback) that the main thread spends in the read binding or
// idle — ~0.3 ms a chunk, ~0.2 s over the 683 chunks of the bench capture at 1 MiB, ~0.1 s
// at 4 MiB (CPU profiles); alternating runs: 0.97x the wall and the CPU time, 6 rounds
// each, for ~6 MiB more peak memory (the two buffers; a small file touches only its pages).
//
// Paths from a client (`stateline serve`'s API, the Electron renderer) are untrusted:
// only regular files are opened (a FIFO or a device is refused before it is opened, and
// the opened descriptor is checked again), without blocking (O_NONBLOCK: a FIFO swapped
// in between cannot hold a thread), key logs are read with a hard byte cap whatever
// their size says, and at most MAX_IN_FLIGHT files are opening or open at once, so a
// file system that stalls can take no more of libuv's four threads.

import { constants, type Stats } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CaptureSetMember } from '../parsers/capture/index';
import type { SessionHost } from '../analysis/session';
import { dnsPacketView } from './dns-message';
import { fileFrameSource } from './frame-source';
import { tcpWorker } from './tcp-remote';

export const CHUNK_SIZE = 1 << 22;
/**
 * A capture set's files keep 1 MiB chunks: files that overlap in time are read at once
 * (merged), each with its two buffers, so a set of N such files holds 2N chunks.
 */
export const SET_CHUNK_SIZE = 1 << 20;

/** A capture file's chunks (two reused buffers); the file is closed when iteration ends. */
export async function* fileChunks(path: string, chunkSize = CHUNK_SIZE): AsyncGenerator<Uint8Array> {
  yield* new FileChunks(await open(path, 'r'), chunkSize);
}

/**
 * An open file as chunks. An iterator object rather than a generator, because
 * return() must close the file whenever it is called: before the first next(), and
 * while a next() waits on a read (a generator queues return() behind it).
 */
class FileChunks implements AsyncIterableIterator<Uint8Array> {
  private readonly bufs: [Uint8Array, Uint8Array];
  private which = 0;
  private pending: Promise<{ bytesRead: number }> | null = null;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly fh: FileHandle,
    private readonly chunkSize = CHUNK_SIZE,
    private readonly onClose?: () => void,
  ) {
    this.bufs = [new Uint8Array(chunkSize), new Uint8Array(chunkSize)];
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    if (this.closing) return { done: true, value: undefined };
    this.pending ??= this.fh.read(this.bufs[this.which], 0, this.chunkSize, null);
    let bytesRead: number;
    try {
      ({ bytesRead } = await this.pending);
    } catch (e) {
      this.pending = null;
      await this.close();
      throw e;
    }
    this.pending = null;
    if (bytesRead === 0 || this.closing) {
      // Only a read that returns 0 ends the file (a live capture grows).
      await this.close();
      return { done: true, value: undefined };
    }
    const buf = this.bufs[this.which];
    this.which ^= 1;
    // Prefetch into the other buffer: the consumer is done with it, since it asked for
    // this chunk.
    this.pending = this.fh.read(this.bufs[this.which], 0, this.chunkSize, null);
    return { done: false, value: bytesRead === this.chunkSize ? buf : buf.subarray(0, bytesRead) };
  }

  async return(): Promise<IteratorResult<Uint8Array>> {
    await this.close();
    return { done: true, value: undefined };
  }

  /** Closes the file once any read in flight has landed (its descriptor must stay valid until then). */
  private close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.pending) await this.pending.catch(() => undefined);
      await this.fh.close().catch(() => undefined);
      this.onClose?.();
    })();
    return this.closing;
  }
}

/** The first chunk read of each file of a set before the merge (its first timestamp is in it). */
const PROBE_CHUNK = 1 << 16;

/**
 * A file of a set, opened (regular files only, without blocking) at its first next():
 * the set reader opens each file twice (its first timestamp, then the reading), and a
 * file only once the merge reaches it.
 */
class LazyFile implements AsyncIterableIterator<Uint8Array> {
  private inner: FileChunks | null = null;
  private closed = false;

  constructor(private readonly path: string, private readonly chunkSize: number) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    if (this.closed) return { done: true, value: undefined };
    if (!this.inner) {
      const fh = await openChecked(this.path);
      if (this.closed) {
        await fh.close().catch(() => undefined);
        return { done: true, value: undefined };
      }
      this.inner = new FileChunks(fh, this.chunkSize);
    }
    return this.inner.next();
  }

  async return(): Promise<IteratorResult<Uint8Array>> {
    this.closed = true;
    await this.inner?.return();
    return { done: true, value: undefined };
  }
}

/**
 * The files a set names: each path given, a directory standing for the regular files in
 * it (not hidden ones, not its subdirectories), in name order. The set's own order is
 * the reader's (by first timestamp), so the order given here does not matter.
 */
export async function listCaptureSet(paths: readonly string[]): Promise<{ path: string; size: number }[]> {
  const out: { path: string; size: number }[] = [];
  for (const p of paths) {
    const st = await stat(p);
    if (st.isDirectory()) {
      const names = (await readdir(p)).filter((n) => !n.startsWith('.')).sort();
      for (const n of names) {
        const f = join(p, n);
        const fst = await stat(f).catch(() => null);
        if (fst?.isFile()) out.push({ path: f, size: fst.size });
      }
    } else if (st.isFile()) out.push({ path: p, size: st.size });
    else throw refuse(p, st);
  }
  if (out.length === 0) throw new Error(`${paths.join(', ')}: no files to read`);
  return out;
}

/** Members of a capture set over files: named by base name (by the path given when two share one). */
export function captureSetMembers(files: readonly { path: string; size: number }[]): CaptureSetMember[] {
  const names = files.map((f) => basename(f.path));
  return files.map((f, i) => ({
    name: names.indexOf(names[i]) === names.lastIndexOf(names[i]) ? names[i] : f.path,
    size: f.size,
    path: f.path,
    open: (probe: boolean) => new LazyFile(f.path, probe ? PROBE_CHUNK : SET_CHUNK_SIZE),
  }));
}

/** Key logs are small text files; a larger one is surely the wrong file. */
export const MAX_KEYLOG_BYTES = 64 << 20;
/** Files opening or open at once through client paths (libuv has four threads). */
export const MAX_IN_FLIGHT = 3;
let inFlight = 0;

/** What a file is, for the message refusing it. */
function kind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function refuse(path: string, st: Stats): Error {
  const what = kind(st);
  return new Error(`${path} is ${what === 'not a regular file' ? what : `${what}, not a regular file`}`);
}

/**
 * Opens a regular file for reading without ever blocking on a FIFO or a device, within
 * the bound on files in flight; `release` must be called once the handle is closed.
 */
async function openRegular(path: string): Promise<{ fh: FileHandle; size: number; release: () => void }> {
  if (inFlight >= MAX_IN_FLIGHT)
    throw new Error(`${MAX_IN_FLIGHT} files are still being opened or read (a stalled file system?): try again when they are done`);
  inFlight++;
  let released = false;
  const release = (): void => {
    if (!released) inFlight--;
    released = true;
  };
  try {
    const fh = await openChecked(path);
    return { fh, size: (await fh.stat()).size, release };
  } catch (e) {
    release();
    throw e;
  }
}

/** Opens a regular file for reading, refusing (before and after opening) anything else, without blocking on a FIFO. */
async function openChecked(path: string): Promise<FileHandle> {
  const before = await stat(path);
  if (!before.isFile()) throw refuse(path, before);
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw refuse(path, st);
    return fh;
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}

/** Reads at most `max` bytes of a regular file as UTF-8; more is an error, whatever stat said. */
async function readCapped(path: string, max: number, what: string): Promise<string> {
  const { fh, release } = await openRegular(path);
  try {
    const buf = new Uint8Array(Math.min(max + 1, 1 << 20));
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > max) throw new Error(`${path}: ${what} larger than ${max >> 20} MiB`);
      parts.push(buf.slice(0, bytesRead));
    }
    return Buffer.concat(parts, total).toString('utf8');
  } finally {
    await fh.close().catch(() => undefined);
    release();
  }
}

/**
 * The file-system host of a StatelineSession, shared by `stateline serve` and the
 * Electron analysis worker: captures are read through FileChunks, key logs as text,
 * frames read back by positioned reads (./frame-source), full DNS messages decoded
 * with dns-packet, and the recent-files list is kept in
 * memory (`onRecent` hears each change).
 */
export function nodeFileHost(
  samplePath: string | null,
  initialRecent: readonly string[] = [],
  onRecent?: (list: string[]) => void,
  /** Run the TCP tracker of a capture opened by path on a worker thread (./tcp-remote). */
  /** tcpWorker: whether a capture opened by path runs its TCP tracker on a worker thread, asked at each open (the machine's load changes). */
  opts: { tcpWorker?: () => boolean } = {},
): SessionHost {
  const recent = [...initialRecent];
  return {
    samplePath,
    decodeDns: dnsPacketView,
    async openPath(path, more) {
      if (more?.length || (await stat(path)).isDirectory()) {
        // A capture set: its files are opened (with the same checks) as the merge reaches them.
        const files = await listCaptureSet([path, ...(more ?? [])]);
        return { source: captureSetMembers(files), size: files.reduce((n, f) => n + f.size, 0), remoteTcp: opts.tcpWorker?.() ? tcpWorker() : undefined };
      }
      const { fh, size, release } = await openRegular(path);
      const chunks = new FileChunks(fh, CHUNK_SIZE, release);
      return { source: chunks, size, close: () => void chunks.return(), remoteTcp: opts.tcpWorker?.() ? tcpWorker() : undefined };
    },
    readText: (path) => readCapped(path, MAX_KEYLOG_BYTES, 'key log'),
    frameSource: fileFrameSource,
    recent: {
      list: () => [...recent],
      add(p) {
        const i = recent.indexOf(p);
        if (i >= 0) recent.splice(i, 1);
        recent.unshift(p);
        recent.length = Math.min(recent.length, 10);
        onRecent?.([...recent]);
      },
    },
  };
}
