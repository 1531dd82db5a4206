// Random access to a frame's bytes after the analysis. The analysis keeps no packet
// bytes; its columns (./columns) keep, per frame, where the bytes are in the
// uncompressed capture file (dataOffset), how many were captured (capLen) and the
// record's link type: 4 bytes per packet in the common case (./columns). A host lends a
// FrameBytesSource — positioned reads on the open file (host/frame-source.ts: the
// capture itself, its decompressed copy for gzip, the spooled body of an upload) — and
// readFrame reads one frame back.
//
// A capture set's data offsets are each in its own file: the analysis keeps each
// packet's file (Analysis.frameFiles, 1 byte per packet), and a SetFrameSource holds a
// FrameBytesSource per file of the set (setFrameSource: each opened on the first read
// of one of its frames), to which every frame is dispatched.
//
// Pure TypeScript (the core): no Node APIs.

import type { Analysis } from './analysis';

/** Positioned reads on the uncompressed capture file. */
export interface FrameBytesSource {
  /**
   * `length` bytes at `offset` of the uncompressed file (fewer only where the file ends
   * sooner). The returned array is the caller's.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Releases the file (and any temporary copy). Reads after it reject. */
  close(): Promise<void>;
}

/** A capture set's frames: a source per file of the set (by its index in Analysis.files). */
export interface SetFrameSource {
  /** The source of file `file` of the set (opened on first use). */
  file(file: number): FrameBytesSource;
  /** Releases every file opened (and any temporary copy). Reads after it reject. */
  close(): Promise<void>;
}

/** What readFrame reads from: one capture file, or the files of a set. */
export type FrameSource = FrameBytesSource | SetFrameSource;

function isSetSource(src: FrameSource): src is SetFrameSource {
  return typeof (src as SetFrameSource).file === 'function';
}

/** A set's frame source over `count` files, `open(k)` called once, on the first read from file k. */
export function setFrameSource(count: number, open: (file: number) => FrameBytesSource): SetFrameSource {
  const opened = new Map<number, FrameBytesSource>();
  let closed = false;
  return {
    file(k) {
      if (closed) throw new Error('the capture was closed');
      if (!Number.isInteger(k) || k < 0 || k >= count) throw new Error(`the capture set has no file ${k}`);
      let s = opened.get(k);
      if (!s) opened.set(k, (s = open(k)));
      return s;
    },
    async close() {
      closed = true;
      await Promise.all([...opened.values()].map((s) => s.close().catch(() => undefined)));
      opened.clear();
    },
  };
}

/**
 * A set's frame source that finds each file by the name the set gave it (`paths`: name →
 * path, from whoever listed the set) and opens it with `open(path, compressed)`.
 */
export function setFrameSourceByName(
  files: readonly { name: string; compressed: boolean }[],
  paths: ReadonlyMap<string, string> | null | undefined,
  open: (path: string, compressed: boolean) => FrameBytesSource,
): SetFrameSource {
  return setFrameSource(files.length, (k) => {
    const path = paths?.get(files[k].name);
    if (path === undefined) throw new Error(`${files[k].name} is not in the capture set as listed now`);
    return open(path, files[k].compressed);
  });
}

/** Where packet i's bytes are read: its file's source, and how messages name the frame (a set's: file:frame in the file). */
function locate(a: Analysis, src: FrameSource, i: number): { src: FrameBytesSource; file: number; label(): string } {
  const ff = a.frameFiles;
  if (!ff) {
    if (isSetSource(src)) throw new Error('a single capture file read through a capture set\'s source');
    return { src, file: 0, label: () => `frame ${i + 1}` };
  }
  if (!isSetSource(src)) throw new Error('a capture set\'s frames are read from its files: a SetFrameSource is needed');
  const k = ff.get(i);
  // (the frame in its file: a scan of the column, only for a message)
  const label = (): string => `frame ${i + 1} (${a.files?.[k]?.name ?? `file ${k}`}:${ff.frameInFile(i)})`;
  let s: FrameBytesSource;
  try {
    s = src.file(k);
  } catch (e) {
    throw new Error(`${label()}: ${(e as Error).message}`);
  }
  return { src: s, file: k, label };
}

/** `src.read`, its failure naming the frame (a set's file and frame in it). */
async function readAt(at: { src: FrameBytesSource; label(): string }, offset: number, length: number): Promise<Uint8Array> {
  try {
    return await at.src.read(offset, length);
  } catch (e) {
    throw new Error(`${at.label()}: ${(e as Error).message}`);
  }
}

/** One frame read back: its bytes as captured and what the columns know of it. */
export interface FrameBytes {
  /** 1-based frame number. */
  frame: number;
  /** LINKTYPE_* of the record. */
  linkType: number;
  time: number;
  /** Length on the wire (the bytes may be fewer: snap length). */
  wireLen: number;
  /** The captured bytes (capLen of them). */
  bytes: Uint8Array;
}

/** Frame `frame`'s bytes, or null for a frame the capture does not have. */
export async function readFrame(a: Analysis, src: FrameSource, frame: number): Promise<FrameBytes | null> {
  const cols = a.columns;
  if (!Number.isInteger(frame) || frame < 1 || frame > cols.length) return null;
  const i = frame - 1;
  const len = cols.capLen(i);
  const at = locate(a, src, i);
  const bytes = len === 0 ? new Uint8Array(0) : await readAt(at, cols.dataOffset[i], len);
  if (bytes.length !== len) throw new Error(`${at.label()}: the capture file holds ${bytes.length} of its ${len} bytes (was it changed since it was read?)`);
  return { frame, linkType: cols.linkType(i), time: cols.time[i], wireLen: cols.wireLen[i], bytes };
}

/**
 * The bytes of several frames, in the order given. Frames near each other in the file
 * are read in one positioned read, the bytes between them read and dropped: a page of a
 * flow's packet list is 200 frames spread over a few hundred kilobytes, and one read of
 * the span costs less than 200 reads (each a round trip through the host's I/O threads).
 * In a set, a run stays within one file.
 */
export async function readFrames(a: Analysis, src: FrameSource, frames: readonly number[]): Promise<FrameBytes[]> {
  const cols = a.columns;
  const ff = a.frameFiles;
  const out: FrameBytes[] = new Array(frames.length);
  let k = 0;
  /** Gap between two frames that still joins them into one read, and the longest read. */
  const MAX_GAP = 256 << 10, MAX_SPAN = 4 << 20;
  while (k < frames.length) {
    const f0 = frames[k];
    if (!Number.isInteger(f0) || f0 < 1 || f0 > cols.length) throw new Error(`no frame ${f0} in the capture`);
    const at = locate(a, src, f0 - 1);
    const start = cols.dataOffset[f0 - 1];
    let end = start + cols.capLen(f0 - 1);
    let j = k + 1;
    // Extend the run while the next frame follows, not far after, in the same file.
    while (j < frames.length) {
      const f = frames[j];
      if (!Number.isInteger(f) || f < 1 || f > cols.length) break;
      if (ff && ff.get(f - 1) !== at.file) break;
      const o = cols.dataOffset[f - 1];
      if (o < end || o - end > MAX_GAP || o + cols.capLen(f - 1) - start > MAX_SPAN) break;
      end = o + cols.capLen(f - 1);
      j++;
    }
    const buf = await readAt(at, start, end - start);
    for (let m = k; m < j; m++) {
      const i = frames[m] - 1;
      const o = cols.dataOffset[i] - start;
      const len = cols.capLen(i);
      if (o + len > buf.length) throw new Error(`${locate(a, src, i).label()}: the capture file is shorter than when it was read`);
      out[m] = { frame: i + 1, linkType: cols.linkType(i), time: cols.time[i], wireLen: cols.wireLen[i], bytes: buf.slice(o, o + len) };
    }
    k = j;
  }
  return out;
}
