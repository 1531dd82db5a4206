// The streaming capture reader: classic pcap (µs/ns, either byte order), pcapng (any
// number of sections, each with its own byte order) and gzip around either.
//
// Two layers, as in hls.js's demuxers (STYLE.md):
//  - CaptureReader: a synchronous, push-based core. It takes the uncompressed file in
//    chunks of any size, hands every complete record to the sink as a subarray view of
//    the chunk it lies in (no copy), and keeps only the one record that straddles a
//    chunk boundary in a carry buffer (each of its bytes copied once). Memory is bounded
//    by the largest record, not by the file.
//  - readCapture: drives it from an async iterable of chunks (or one Uint8Array), sniffs
//    gzip and decompresses it (gunzip.ts), reports progress in source bytes, and checks
//    an AbortSignal between chunks and while a chunk is awaited.
//
// Damage is data (STYLE.md, "practices" 8): once the file header has been read, nothing
// throws; a bad record becomes a CaptureError {frame, offset, message} in info.errors and
// every record before it has been delivered. Only input that is not a capture at all (or
// whose header is cut short) throws NotACaptureError.
//
// Pure TypeScript: no Node APIs, no DOM (tsconfig.core.json).

import {
  CaptureCancelledError,
  CaptureStop,
  NotACaptureError,
  type CaptureError,
  type CaptureInfo,
  type CaptureRecord,
  RecordView,
} from './types';
import type { FormatParser, ParserHost } from './parser';
import { PcapParser, PCAP_HEADER_LEN, pcapMagic } from './pcap';
import { PcapngParser, PCAPNG_MAGIC } from './pcapng';
import { Gunzip } from './gunzip';

export interface ReadOptions {
  /**
   * Called once per record; the record object is reused and its data valid only during
   * the call. Throwing CaptureStop stops reading at this record.
   */
  onRecord(r: CaptureRecord): void;
  /** Bytes of the source read so far (compressed bytes for .gz); called at most once per source chunk. */
  onProgress?(bytesRead: number, totalBytes: number | undefined): void;
  /** Size of the source, passed through to onProgress. */
  totalBytes?: number;
  /** Checked between chunks; when aborted, readCapture rejects with CaptureCancelledError. */
  signal?: AbortSignal;
  /** Called once the format is known (info.format, info.compressed set), before the first record. */
  onFormat?(info: CaptureInfo): void;
}

/** Errors listed in info.errors; the rest are counted in info.errorsNotListed. */
export const MAX_LISTED_ERRORS = 1000;

const EMPTY = new Uint8Array(0);
/** A carry buffer larger than this is dropped after use rather than kept for the next one. */
const KEEP_CARRY = 1 << 20;

export function newCaptureInfo(): CaptureInfo {
  return {
    format: 'pcap',
    compressed: false,
    resolution: null,
    byteOrder: 'little',
    version: '',
    interfaces: [],
    sections: 0,
    secrets: [],
    names: [],
    statistics: [],
    skippedBlocks: 0,
    errors: [],
    errorsNotListed: 0,
    records: 0,
    bytes: 0,
  };
}

/**
 * Push-based, synchronous core: give it the uncompressed file in chunks of any size.
 * push() throws NotACaptureError only while the file header is being read.
 */
export class CaptureReader implements ParserHost {
  readonly info: CaptureInfo = newCaptureInfo();
  readonly rec = new RecordView();
  readonly onRecord: (r: CaptureRecord) => void;
  stopped = false;

  private parser: FormatParser | null = null;
  /** The first bytes, until the format is known (and, for pcap, the 24-byte header). */
  private readonly head = new Uint8Array(PCAP_HEADER_LEN);
  private headLen = 0;
  /** The record that straddles a chunk boundary. */
  private carry: Uint8Array = EMPTY;
  private carryDv = new DataView(new ArrayBuffer(0));
  private carryLen = 0;
  /** Its total length once its header is in, else 0. */
  private carryNeed = 0;
  /** Its file offset. */
  private carryBase = 0;
  private ended = false;

  constructor(onRecord: (r: CaptureRecord) => void, private readonly onFormat?: (info: CaptureInfo) => void) {
    this.onRecord = onRecord;
  }

  /** True once the file header has been read (from then on nothing throws). */
  get headerRead(): boolean {
    return this.parser !== null && this.parser.headerRead;
  }

  error(frame: number, offset: number, message: string, effect: NonNullable<CaptureError['effect']>): void {
    const info = this.info;
    if (info.errors.length < MAX_LISTED_ERRORS || effect === 'stopped') info.errors.push({ frame, offset, message, effect });
    else info.errorsNotListed = (info.errorsNotListed ?? 0) + 1;
  }

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0 || this.ended) return;
    // Subarrays of a Node Buffer are Buffers (a species lookup each); hand on plain views.
    if (chunk.constructor !== Uint8Array) chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, n);
    const base = this.info.bytes;
    this.info.bytes += n;
    if (this.stopped) return;
    let pos = 0;
    if (this.parser === null) {
      pos = this.sniff(chunk);
      if (this.parser === null) return;
    }
    const parser = this.parser as FormatParser;
    if (this.carryLen > 0) {
      pos = this.fillCarry(parser, chunk, pos);
      if (pos < 0 || this.stopped) return;
    }
    if (pos >= n) return;
    const dv = new DataView(chunk.buffer, chunk.byteOffset, n);
    const stop = this.parse(parser, chunk, dv, pos, n, base);
    if (stop < n && !this.stopped) {
      // The start of a record whose end is in a later chunk: copy it, once.
      const rest = n - stop;
      this.ensureCarry(rest);
      this.carry.set(chunk.subarray(stop), 0);
      this.carryLen = rest;
      this.carryNeed = 0;
      this.carryBase = base + stop;
    }
  }

  /** Flush: a record cut short by the end of the file becomes a CaptureError. */
  end(): CaptureInfo {
    if (this.ended) return this.info;
    this.ended = true;
    const parser = this.parser;
    if (parser === null) {
      const n = this.headLen;
      if (n === 0) throw new NotACaptureError('empty file');
      if (n < 4) throw new NotACaptureError(`not a capture file: only ${n} byte${n === 1 ? '' : 's'} at offset 0 (a capture file header is at least 24 bytes)`);
      // Only a pcap header can still be incomplete here (pcapng moves on to the carry).
      throw new NotACaptureError(`truncated pcap global header: ${n} of ${PCAP_HEADER_LEN} bytes present at offset 0`, 0);
    }
    if (!this.stopped && this.carryLen > 0) {
      parser.cutShort(this.carryDv, this.carryLen, this.carryBase);
      this.stopped = true;
    }
    this.carry = EMPTY;
    this.carryLen = 0;
    return this.info;
  }

  /** Collects the first bytes and picks the format; returns how much of the chunk it used. */
  private sniff(chunk: Uint8Array): number {
    const head = this.head;
    let pos = 0;
    if (this.headLen < 4) {
      const take = Math.min(4 - this.headLen, chunk.length);
      head.set(chunk.subarray(0, take), this.headLen);
      this.headLen += take;
      pos = take;
      if (this.headLen < 4) return pos;
      const dv = new DataView(head.buffer, 0, 4);
      const magic = dv.getUint32(0, false);
      if (magic === PCAPNG_MAGIC) {
        this.parser = new PcapngParser(this);
        this.onFormat?.(this.info);
        // The 4 bytes go on as the start of the first block (the section header).
        this.ensureCarry(64);
        this.carry.set(head.subarray(0, 4), 0);
        this.carryLen = 4;
        this.carryNeed = 0;
        this.carryBase = 0;
        return pos;
      }
      if (pcapMagic(magic) === null) {
        if ((magic >>> 16) === 0x1f8b)
          throw new NotACaptureError('gzip-compressed data at offset 0: decompress it first (readCapture does)');
        // No byte of the file is quoted: a client may name any file, and the error goes back to it.
        throw new NotACaptureError('not a capture file: no pcap, pcapng or gzip signature at offset 0');
      }
    }
    const take = Math.min(PCAP_HEADER_LEN - this.headLen, chunk.length - pos);
    head.set(chunk.subarray(pos, pos + take), this.headLen);
    this.headLen += take;
    pos += take;
    if (this.headLen === PCAP_HEADER_LEN) {
      this.parser = new PcapParser(this, head);
      this.onFormat?.(this.info);
    }
    return pos;
  }

  /** The parser's record loop, stopped where the sink throws CaptureStop. */
  private parse(parser: FormatParser, buf: Uint8Array, dv: DataView, p: number, end: number, base: number): number {
    try {
      return parser.parse(buf, dv, p, end, base);
    } catch (e) {
      if (!(e instanceof CaptureStop)) throw e;
      const r = this.rec;
      this.info.records = r.frame - 1;
      this.error(r.frame, r.offset, e.message, 'stopped');
      this.stopped = true;
      return end;
    }
  }

  /** Completes the carried record from the chunk; returns the chunk position after it, or -1. */
  private fillCarry(parser: FormatParser, chunk: Uint8Array, pos: number): number {
    const n = chunk.length;
    const hl = parser.headerLen;
    if (this.carryLen < hl) {
      const take = Math.min(hl - this.carryLen, n - pos);
      this.ensureCarry(this.carryLen + take);
      this.carry.set(chunk.subarray(pos, pos + take), this.carryLen);
      this.carryLen += take;
      pos += take;
      if (this.carryLen < hl) return -1;
    }
    if (this.carryNeed === 0) {
      const need = parser.recordLength(this.carryDv, 0, this.carryBase);
      if (need < 0) return -1;
      this.carryNeed = need;
    }
    const take = Math.min(this.carryNeed - this.carryLen, n - pos);
    if (take > 0) {
      this.ensureCarry(this.carryLen + take);
      this.carry.set(chunk.subarray(pos, pos + take), this.carryLen);
      this.carryLen += take;
      pos += take;
    }
    if (this.carryLen < this.carryNeed) return -1;
    this.parse(parser, this.carry, this.carryDv, 0, this.carryNeed, this.carryBase);
    this.carryLen = 0;
    this.carryNeed = 0;
    if (this.carry.length > KEEP_CARRY) {
      this.carry = EMPTY;
      this.carryDv = new DataView(new ArrayBuffer(0));
    }
    return pos;
  }

  /** Grows the carry buffer (doubling, keeping its content) to hold at least `size` bytes. */
  private ensureCarry(size: number): void {
    if (this.carry.length >= size) return;
    let cap = Math.max(256, this.carry.length);
    while (cap < size) cap *= 2;
    const next = new Uint8Array(cap);
    if (this.carryLen > 0) next.set(this.carry.subarray(0, this.carryLen), 0);
    this.carry = next;
    this.carryDv = new DataView(next.buffer);
  }
}

/** The source chunk size when readCapture is given one Uint8Array. */
const SLICE = 1 << 20;

async function* slices(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += SLICE) yield bytes.subarray(i, Math.min(bytes.length, i + SLICE));
}

/**
 * One source's bytes into a CaptureReader, as they come: sniffs gzip (its magic may come
 * in two chunks) and decompresses it. readCapture drives one; a capture set (./set)
 * drives one per file.
 */
export class CaptureFeed {
  readonly reader: CaptureReader;
  private gz: Gunzip | null = null;
  /** The first byte, kept (copied) while a 1-byte first chunk leaves gzip undecided. */
  private held: Uint8Array | null = null;
  private decided = false;

  constructor(onRecord: (r: CaptureRecord) => void, onFormat?: (info: CaptureInfo) => void) {
    this.reader = new CaptureReader(onRecord, onFormat);
  }

  get info(): CaptureInfo {
    return this.reader.info;
  }

  /** True once reading cannot go on (damage, or the sink stopped it). */
  get stopped(): boolean {
    return this.reader.stopped || (this.gz !== null && this.gz.stopped);
  }

  /** A chunk of the source (throws NotACaptureError while the file header is read). */
  push(c: Uint8Array): void {
    if (c.length === 0) return;
    const cr = this.reader;
    if (!this.decided) {
      if (this.held === null && c.length === 1) {
        this.held = c.slice();
        return;
      }
      this.decided = true;
      const held = this.held;
      const b0 = held ? held[0] : c[0], b1 = held ? c[0] : c[1];
      if (b0 === 0x1f && b1 === 0x8b) {
        cr.info.compressed = true;
        const gz = (this.gz = new Gunzip((data) => {
          cr.push(data);
          if (cr.stopped) gz.stopped = true;
        }));
      }
      this.held = null;
      if (held) this.feed(held);
    }
    this.feed(c);
  }

  private feed(c: Uint8Array): void {
    if (this.gz) this.gz.push(c);
    else this.reader.push(c);
  }

  /**
   * The source ended (`sourceDone`) or reading stopped: flushes, and turns damage of the
   * gzip wrapping into the error that stopped reading.
   */
  end(sourceDone: boolean): CaptureInfo {
    const cr = this.reader, gz = this.gz;
    if (this.held) cr.push(this.held);
    this.held = null;
    if (gz === null) return cr.end();
    if (sourceDone && !cr.stopped) gz.end();
    const d = gz.damage;
    if (d === null || cr.stopped) return cr.end();
    const where = `at compressed offset ${d.offset}`;
    if (!cr.headerRead) throw new NotACaptureError(`${d.message} ${where}, before the capture file header was complete`);
    // The record the damage cut short (if any) is reported first, then the damage.
    const info = cr.end();
    cr.error(info.records + 1, info.bytes, `${d.message} ${where} (uncompressed offset ${info.bytes})`, 'stopped');
    return info;
  }
}

/**
 * Reads a whole capture (pcap, pcapng, or either gzip-compressed) and returns what was
 * learnt about it. Rejects with NotACaptureError when the input is not a capture (or its
 * header is cut short), with CaptureCancelledError when the signal aborts — also while
 * the source keeps a chunk waiting — and with the source's own error when reading the
 * source fails; damage after the header, in the capture or in its gzip wrapping, is
 * reported in the returned info.errors instead.
 */
export async function readCapture(source: AsyncIterable<Uint8Array> | Uint8Array, opts: ReadOptions): Promise<CaptureInfo> {
  const { signal, totalBytes, onProgress } = opts;
  if (signal?.aborted) throw new CaptureCancelledError();
  const feed = new CaptureFeed(opts.onRecord, opts.onFormat);
  const it = chunksOf(source);
  let sourceDone = false;
  const next = nextOrAbort(it, signal);
  try {
    let bytesRead = 0;
    while (!feed.stopped) {
      if (signal?.aborted) throw new CaptureCancelledError();
      const r = await next();
      if (r.done) {
        sourceDone = true;
        break;
      }
      const c = r.value;
      if (c.length === 0) continue;
      bytesRead += c.length;
      feed.push(c);
      onProgress?.(bytesRead, totalBytes);
    }
    if (signal?.aborted) throw new CaptureCancelledError();
    return feed.end(sourceDone);
  } finally {
    if (!sourceDone) await release(it, next);
  }
}

/** A source's next(), rejected with CaptureCancelledError as soon as the signal aborts, even while the source holds a chunk back. */
export function nextOrAbort(it: AsyncIterator<Uint8Array>, signal: AbortSignal | undefined): (() => Promise<IteratorResult<Uint8Array>>) & { waiting: boolean } {
  const next = Object.assign(
    (): Promise<IteratorResult<Uint8Array>> => {
      const p = it.next();
      if (!signal) return p;
      next.waiting = true;
      return new Promise((ok, fail) => {
        const abort = (): void => fail(new CaptureCancelledError());
        signal.addEventListener('abort', abort, { once: true });
        p.then(
          (v) => {
            next.waiting = false;
            signal.removeEventListener('abort', abort);
            ok(v);
          },
          (e) => {
            next.waiting = false;
            signal.removeEventListener('abort', abort);
            fail(e);
          },
        );
      });
    },
    { waiting: false },
  );
  return next;
}

/**
 * Reading stopped early (damage, cancel, an exception): release the source. A source
 * still holding back a chunk (a next() that has not settled) is told without waiting.
 */
export async function release(it: AsyncIterator<Uint8Array>, next: { waiting: boolean }): Promise<void> {
  const done = it.return?.();
  if (done && !next.waiting) await Promise.resolve(done).catch(() => undefined);
  else if (done) Promise.resolve(done).catch(() => undefined);
}

/** The chunks of a source given as one Uint8Array or as an async iterable. */
export function chunksOf(source: AsyncIterable<Uint8Array> | Uint8Array): AsyncIterator<Uint8Array> {
  return (source instanceof Uint8Array ? slices(source) : source)[Symbol.asyncIterator]();
}
