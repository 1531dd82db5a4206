// A capture set: several files (a tcpdump -C / -G rolling set, a dumpcap ring buffer,
// captures of the same traffic from two taps) read as one capture in timestamp order.
//
// The merge is mergecap's: a k-way merge of the files' records by timestamp, each file's
// records kept in its own order, ties going to the file that started first (then to the
// name). Files that follow each other (a rolling set) come out appended; files that
// overlap in time are interleaved. Frames are numbered across the set (1-based, in the
// merged order); each record also says its file and its frame in that file.
//
// Memory and files open: before reading, each file is opened for its first record's
// timestamp only (CaptureSetMember.open(true): a small first chunk is enough), then
// closed. A file is opened for reading when the merge reaches its first timestamp, so
// only files that overlap in time are open together. A record is handed on straight from
// its reader's chunk (no copy) while it is earlier than every other file's next record;
// only the rest of that chunk is copied, into the file's queue, to wait its turn.
//
// Each record keeps its own link type (a set may mix Ethernet, Linux SLL, raw IP: the
// decoder reads each by its own). pcapng interface IDs are per file: the set's
// info.interfaces lists every file's interfaces in file order, with their own IDs.
// Damage is per file and is data: a damaged or cut-short file reports its error
// (naming the file, its frame in the file and the offset) and the set reads on; a file
// that is not a capture at all is left out with an error; only a set with no capture in
// it throws NotACaptureError.
//
// Pure TypeScript: no Node APIs (tsconfig.core.json). The file listing is the host's.

import { CaptureFeed, chunksOf, newCaptureInfo, nextOrAbort, readCapture, release, type ReadOptions } from './reader';
import { CaptureCancelledError, CaptureStop, NotACaptureError, RecordView, type CaptureError, type CaptureInfo, type CaptureRecord } from './types';

/** One file of a set. */
export interface CaptureSetMember {
  /** How the file is named in errors and in the set's file list (a base name, or a path). */
  name: string;
  /**
   * The file's bytes. Called once with `probe` true to read its first record (a small
   * first chunk is enough), the iteration then stopped; then once to read it.
   */
  open(probe: boolean): AsyncIterable<Uint8Array> | Uint8Array;
  /** Size in bytes, for progress. */
  size?: number;
  /** Where the host reads the file (its frames are read back from it by their data offsets). */
  path?: string;
}

/**
 * A record of a set: `frame` is its number in the set; `file` and `fileFrame` where it
 * came from, `fileIndex` that file's index in CaptureSetInfo.files (its dataOffset is in
 * that file).
 */
export interface SetRecord extends CaptureRecord {
  file: string;
  fileFrame: number;
  fileIndex: number;
}

/** The set's reused record (its data view made on first use, as a reader's). */
class SetRecordView extends RecordView implements SetRecord {
  file = '';
  fileFrame = 0;
  fileIndex = 0;
}

/** What the set says about each of its files, in the set's order (by first timestamp, then name). */
export interface CaptureSetFile {
  name: string;
  /** null when the file is not a capture at all. */
  format: 'pcap' | 'pcapng' | null;
  compressed: boolean;
  packets: number;
  /** Uncompressed bytes read. */
  bytes: number;
  /** The set frames of its first and last record (null when it has none). */
  firstFrame: number | null;
  lastFrame: number | null;
  /** Timestamps of its first and last record. */
  start: number | null;
  end: number | null;
  linkTypes: number[];
}

export interface CaptureSetInfo {
  /**
   * The set as one capture: format 'pcapng' when any file is pcapng (it may carry TLS
   * secrets), compressed when any is; interfaces, secrets, names, statistics of every
   * file; errors with set frames; records and bytes summed.
   */
  info: CaptureInfo;
  files: CaptureSetFile[];
}

export interface ReadSetOptions extends Omit<ReadOptions, 'onRecord'> {
  onRecord(r: SetRecord): void;
}

/** Thrown through a file's reader when the sink stopped the whole set (CaptureStop). */
class SetStopped extends Error {}

/** Records of one file copied to wait their turn (entries and their bytes reused). */
class RecordQueue {
  private items: RecordView[] = [];
  private head = 0;
  private n = 0;
  private bytes = new Uint8Array(1 << 16);
  private used = 0;
  /** Where each entry's bytes start in `bytes`. */
  private at: number[] = [];

  get length(): number {
    return this.n - this.head;
  }

  peek(): CaptureRecord {
    return this.items[this.head];
  }

  push(r: CaptureRecord): void {
    if (this.head === this.n) this.head = this.n = this.used = 0;
    const len = r.capLen;
    if (this.used + len > this.bytes.length) {
      let cap = Math.max(1 << 16, this.bytes.length * 2);
      while (cap < this.used + len) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.bytes.subarray(0, this.used));
      this.bytes = next;
    }
    this.bytes.set(r.data, this.used);
    const e = (this.items[this.n] ??= new RecordView());
    e.frame = r.frame;
    e.offset = r.offset;
    e.dataOffset = r.dataOffset;
    e.interfaceId = r.interfaceId;
    e.linkType = r.linkType;
    e.tsSec = r.tsSec;
    e.tsNsec = r.tsNsec;
    e.capLen = r.capLen;
    e.origLen = r.origLen;
    e.comments = r.comments;
    this.at[this.n] = this.used;
    this.used += len;
    this.n++;
  }

  /** Lets its memory go (the file is done). */
  clear(): void {
    this.items = [];
    this.at = [];
    this.head = this.n = this.used = 0;
    this.bytes = new Uint8Array(0);
  }

  /** The head entry, its data a view valid until the next push. */
  shift(): CaptureRecord {
    const e = this.items[this.head];
    const at = this.at[this.head];
    e.at(this.bytes, at);
    this.head++;
    return e;
  }
}

class Member {
  rank = 0;
  /** The probe's first timestamp (no record: never first). */
  firstSec = Infinity;
  firstNsec = 0;
  /** Not a capture: left out, with this error. */
  unreadable: NotACaptureError | null = null;
  /** The format the probe found. */
  probeFormat: 'pcap' | 'pcapng' = 'pcap';
  /** Its reader while it is read (dropped, with its buffers, once the file is done). */
  feed: CaptureFeed | null = null;
  /** What its reader learnt (kept once the file is done). */
  info: CaptureInfo | null = null;
  it: AsyncIterator<Uint8Array> | null = null;
  next: ReturnType<typeof nextOrAbort> | null = null;
  sourceDone = false;
  done = false;
  readonly queue = new RecordQueue();
  /** While its queue is empty and it is being read, records before this one are handed on directly. */
  direct = false;
  bound: Member | null = null;
  bytesRead = 0;
  packets = 0;
  firstFrame: number | null = null;
  lastFrame = 0;
  start: number | null = null;
  end: number | null = null;
  readonly linkTypes = new Set<number>();
  /** Errors of its reader already carried over to the set. */
  errorsSeen = 0;

  constructor(readonly index: number, readonly m: CaptureSetMember) {}

  /** Its next record's timestamp, or null when it has none left. */
  headSec(): number {
    return this.queue.length > 0 ? this.queue.peek().tsSec : this.info === null && !this.done ? this.firstSec : NaN;
  }

  headNsec(): number {
    return this.queue.length > 0 ? this.queue.peek().tsNsec : this.firstNsec;
  }
}

/** Whether a record of `m` at (sec, nsec) goes before the next record of `o` (null: no other). */
function before(sec: number, nsec: number, m: Member, o: Member | null): boolean {
  if (o === null) return true;
  const s = o.headSec();
  if (sec !== s) return sec < s;
  const ns = o.headNsec();
  if (nsec !== ns) return nsec < ns;
  return m.rank < o.rank;
}

/** The member whose next record comes first, leaving out `except`. */
function first(members: Member[], except: Member | null): Member | null {
  let best: Member | null = null;
  for (const m of members) {
    if (m === except || Number.isNaN(m.headSec())) continue;
    if (best === null || before(m.headSec(), m.headNsec(), m, best)) best = m;
  }
  return best;
}

/**
 * Reads the files of a set as one capture, in timestamp order (see the header). Rejects
 * like readCapture: CaptureCancelledError when the signal aborts, a source's own error
 * when reading it fails, NotACaptureError only when no file of the set is a capture.
 */
export async function readCaptureSet(members: readonly CaptureSetMember[], opts: ReadSetOptions): Promise<CaptureSetInfo> {
  const { signal, onProgress } = opts;
  if (members.length === 0) throw new NotACaptureError('the capture set has no files');
  if (signal?.aborted) throw new CaptureCancelledError();
  const all = members.map((m, i) => new Member(i, m));
  const totalBytes = opts.totalBytes ?? (members.every((m) => m.size !== undefined) ? members.reduce((n, m) => n + m.size!, 0) : undefined);
  const info = newCaptureInfo();
  const errors: CaptureError[] = [];
  let frame = 0;
  let bytesRead = 0;
  let stopped = false;

  // 1. Each file's first timestamp (and whether it is a capture at all).
  for (const mb of all) {
    const feed = new CaptureFeed((r) => {
      mb.firstSec = r.tsSec;
      mb.firstNsec = r.tsNsec;
      throw new CaptureStop('probed');
    });
    const it = chunksOf(mb.m.open(true));
    const next = nextOrAbort(it, signal);
    let sourceDone = false;
    try {
      while (!feed.stopped) {
        const r = await next();
        if (r.done) {
          sourceDone = true;
          break;
        }
        feed.push(r.value);
      }
      feed.end(sourceDone);
      mb.probeFormat = feed.info.format;
    } catch (e) {
      if (!(e instanceof NotACaptureError)) throw e;
      mb.unreadable = e;
      mb.done = true;
    } finally {
      if (!sourceDone) await release(it, next);
    }
    if (signal?.aborted) throw new CaptureCancelledError();
  }
  const readable = all.filter((mb) => mb.unreadable === null);
  if (readable.length === 0) throw new NotACaptureError(`${all[0].m.name}: ${all[0].unreadable!.message}`, all[0].unreadable!.offset);
  // The set's order, whatever order the files were given in.
  const ordered = [...all].sort((x, y) => (x.unreadable ? 1 : 0) - (y.unreadable ? 1 : 0) || x.firstSec - y.firstSec || x.firstNsec - y.firstNsec || (x.m.name < y.m.name ? -1 : x.m.name > y.m.name ? 1 : x.index - y.index));
  ordered.forEach((mb, i) => (mb.rank = i));
  for (const mb of all)
    if (mb.unreadable) errors.push({ frame: 1, offset: mb.unreadable.offset, message: `${mb.m.name}: ${mb.unreadable.message}; the file was left out`, effect: 'skipped', file: mb.m.name });

  const rec = new SetRecordView();

  /** Carries the file's reader errors up to its frame `upTo` over to the set. */
  const carryErrors = (mb: Member, upTo: number, deliveredAs: number, prev: number): void => {
    const list = mb.info!.errors;
    while (mb.errorsSeen < list.length) {
      const e = list[mb.errorsSeen];
      if (e.frame > upTo) break;
      mb.errorsSeen++;
      const at = e.frame === upTo && e.effect === 'delivered' ? deliveredAs : prev + 1;
      errors.push({ frame: at, offset: e.offset, message: `${mb.m.name}:${e.frame} (offset ${e.offset}): ${e.message}`, effect: e.effect, file: mb.m.name });
    }
  };

  const deliver = (mb: Member, r: CaptureRecord): void => {
    rec.frame = ++frame;
    rec.offset = r.offset;
    rec.dataOffset = r.dataOffset;
    rec.interfaceId = r.interfaceId;
    rec.linkType = r.linkType;
    rec.tsSec = r.tsSec;
    rec.tsNsec = r.tsNsec;
    rec.capLen = r.capLen;
    rec.origLen = r.origLen;
    rec.at(r.bytes, r.bytesOff);
    rec.comments = r.comments;
    rec.file = mb.m.name;
    rec.fileFrame = r.frame;
    rec.fileIndex = mb.rank;
    try {
      opts.onRecord(rec);
    } catch (e) {
      if (!(e instanceof CaptureStop)) throw e;
      frame--;
      errors.push({ frame: frame + 1, offset: r.offset, message: e.message, effect: 'stopped', file: mb.m.name });
      stopped = true;
      throw new SetStopped();
    }
    const prev = mb.lastFrame;
    const time = r.tsSec + r.tsNsec / 1e9;
    mb.packets++;
    mb.firstFrame ??= frame;
    mb.lastFrame = frame;
    if (mb.start === null || time < mb.start) mb.start = time;
    if (mb.end === null || time > mb.end) mb.end = time;
    mb.linkTypes.add(r.linkType);
    carryErrors(mb, r.frame, frame, prev);
  };

  const open = (mb: Member): void => {
    mb.feed = new CaptureFeed((r) => {
      if (mb.direct && mb.queue.length === 0 && before(r.tsSec, r.tsNsec, mb, mb.bound)) deliver(mb, r);
      else mb.queue.push(r);
    });
    // One list of secrets for the set: every file's reader appends its decryption
    // secrets to it, and the trackers see them whichever file they came from.
    mb.feed.info.secrets = info.secrets;
    mb.info = mb.feed.info;
    mb.it = chunksOf(mb.m.open(false));
    mb.next = nextOrAbort(mb.it, signal);
  };

  /** Reads `mb` on until a record waits in its queue or the file is done; records before `bound`'s next go straight on. */
  const refill = async (mb: Member, bound: Member | null): Promise<void> => {
    mb.direct = true;
    mb.bound = bound;
    try {
      while (mb.queue.length === 0 && !mb.done) {
        if (signal?.aborted) throw new CaptureCancelledError();
        const r = await mb.next!();
        if (r.done) {
          mb.sourceDone = true;
          finishFile(mb);
          break;
        }
        const c = r.value;
        bytesRead += c.length;
        mb.bytesRead += c.length;
        try {
          mb.feed!.push(c);
        } catch (e) {
          if (!(e instanceof NotACaptureError)) throw e;
          // The probe read its header; a file that changed since is damage of that file.
          mb.feed!.reader.error(1, e.offset, e.message, 'stopped');
          mb.feed!.reader.stopped = true;
        }
        onProgress?.(bytesRead, totalBytes);
        if (mb.feed!.stopped) finishFile(mb);
      }
    } finally {
      mb.direct = false;
    }
  };

  const finishFile = (mb: Member): void => {
    if (mb.done) return;
    mb.done = true;
    try {
      mb.feed!.end(mb.sourceDone);
    } catch (e) {
      // The probe read its header: a file cut short since is damage of that file.
      if (!(e instanceof NotACaptureError)) throw e;
      mb.feed!.info.errors.push({ frame: 1, offset: e.offset, message: e.message, effect: 'stopped' });
    }
    // What the end of the file adds (a record cut short) is about the frame after its last.
    carryErrors(mb, Infinity, 0, mb.lastFrame);
    const it = mb.it!, next = mb.next!;
    mb.feed = null;
    mb.it = null;
    mb.next = null;
    mb.queue.clear();
    if (!mb.sourceDone) void release(it, next);
  };

  try {
    let started = false;
    for (;;) {
      if (signal?.aborted) throw new CaptureCancelledError();
      const mb = first(ordered, null);
      if (mb === null) break;
      const bound = first(ordered, mb);
      if (mb.info === null) {
        open(mb);
        if (!started) {
          // The set's format, once, before the first record.
          started = true;
          opts.onFormat?.(setFormat(info, readable));
        }
      }
      while (mb.queue.length > 0 && before(mb.queue.peek().tsSec, mb.queue.peek().tsNsec, mb, bound)) deliver(mb, mb.queue.shift());
      if (mb.queue.length === 0 && !mb.done) await refill(mb, bound);
    }
  } catch (e) {
    if (!(e instanceof SetStopped)) {
      for (const mb of all) if (mb.it && !mb.sourceDone) await release(mb.it, mb.next!);
      throw e;
    }
  }
  if (stopped) for (const mb of all) if (mb.it && !mb.done) await release(mb.it, mb.next!);

  // 3. The set as one capture, and each file.
  setFormat(info, readable);
  for (const mb of ordered) {
    const fi = mb.info;
    if (!fi) continue;
    info.compressed ||= fi.compressed;
    if (info.version === '') {
      info.version = fi.version;
      info.byteOrder = fi.byteOrder;
      info.resolution = fi.resolution;
    } else if (info.resolution !== fi.resolution) info.resolution = null;
    info.interfaces.push(...fi.interfaces);
    info.sections += fi.sections;
    info.names.push(...fi.names);
    info.statistics.push(...fi.statistics);
    info.skippedBlocks += fi.skippedBlocks;
    info.errorsNotListed = (info.errorsNotListed ?? 0) + (fi.errorsNotListed ?? 0);
    info.bytes += fi.bytes;
  }
  info.records = frame;
  info.errors = errors;
  const files: CaptureSetFile[] = ordered.map((mb) => ({
    name: mb.m.name,
    format: mb.info ? mb.info.format : mb.unreadable ? null : mb.probeFormat,
    compressed: mb.info ? mb.info.compressed : false,
    packets: mb.packets,
    bytes: mb.info ? mb.info.bytes : 0,
    firstFrame: mb.firstFrame,
    lastFrame: mb.firstFrame === null ? null : mb.lastFrame,
    start: mb.start,
    end: mb.end,
    linkTypes: [...mb.linkTypes].sort((x, y) => x - y),
  }));
  return { info, files };
}

/** The set's format: pcapng when any file is (such a set may embed TLS secrets), else pcap. */
function setFormat(info: CaptureInfo, readable: readonly Member[]): CaptureInfo {
  info.format = readable.some((mb) => mb.probeFormat === 'pcapng') ? 'pcapng' : 'pcap';
  return info;
}

/** A capture as the analysis reads it: one file's bytes (streamed or whole), or a set of files. */
export type CaptureSource = AsyncIterable<Uint8Array> | Uint8Array | readonly CaptureSetMember[];

export function isCaptureSet(source: CaptureSource): source is readonly CaptureSetMember[] {
  return Array.isArray(source);
}

/**
 * Read one capture or a set with the same sink: the passes after the analysis (display
 * filters, follow stream, diff) see the frames numbered as the analysis numbered them.
 */
export async function readCaptureSource(source: CaptureSource, opts: ReadOptions): Promise<CaptureInfo> {
  return isCaptureSet(source) ? (await readCaptureSet(source, opts)).info : readCapture(source, opts);
}
