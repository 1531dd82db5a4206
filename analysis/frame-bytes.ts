// Random access to a frame's bytes after the analysis. The analysis keeps no packet
// bytes; its columns (./columns) keep, per frame, where the bytes are in the
// uncompressed capture file (dataOffset), how many were captured (capLen) and the
// record's link type: 4 bytes per packet in the common case (./columns). A host lends a FrameBytesSource — positioned
// reads on the open file (host/frame-source.ts: the capture itself, its decompressed
// copy for gzip, the spooled body of an upload) — and readFrame reads one frame back.
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
export async function readFrame(a: Analysis, src: FrameBytesSource, frame: number): Promise<FrameBytes | null> {
  const cols = a.columns;
  if (!Number.isInteger(frame) || frame < 1 || frame > cols.length) return null;
  const i = frame - 1;
  const len = cols.capLen(i);
  const bytes = len === 0 ? new Uint8Array(0) : await src.read(cols.dataOffset[i], len);
  if (bytes.length !== len) throw new Error(`frame ${frame}: the capture file holds ${bytes.length} of its ${len} bytes (was it changed since it was read?)`);
  return { frame, linkType: cols.linkType(i), time: cols.time[i], wireLen: cols.wireLen[i], bytes };
}

/**
 * The bytes of several frames, in the order given. Frames near each other in the file
 * are read in one positioned read, the bytes between them read and dropped: a page of a
 * flow's packet list is 200 frames spread over a few hundred kilobytes, and one read of
 * the span costs less than 200 reads (each a round trip through the host's I/O threads).
 */
export async function readFrames(a: Analysis, src: FrameBytesSource, frames: readonly number[]): Promise<FrameBytes[]> {
  const cols = a.columns;
  const out: FrameBytes[] = new Array(frames.length);
  let k = 0;
  /** Gap between two frames that still joins them into one read, and the longest read. */
  const MAX_GAP = 256 << 10, MAX_SPAN = 4 << 20;
  while (k < frames.length) {
    const f0 = frames[k];
    if (!Number.isInteger(f0) || f0 < 1 || f0 > cols.length) throw new Error(`no frame ${f0} in the capture`);
    const start = cols.dataOffset[f0 - 1];
    let end = start + cols.capLen(f0 - 1);
    let j = k + 1;
    // Extend the run while the next frame follows, not far after.
    while (j < frames.length) {
      const f = frames[j];
      if (!Number.isInteger(f) || f < 1 || f > cols.length) break;
      const o = cols.dataOffset[f - 1];
      if (o < end || o - end > MAX_GAP || o + cols.capLen(f - 1) - start > MAX_SPAN) break;
      end = o + cols.capLen(f - 1);
      j++;
    }
    const buf = await src.read(start, end - start);
    for (let m = k; m < j; m++) {
      const i = frames[m] - 1;
      const o = cols.dataOffset[i] - start;
      const len = cols.capLen(i);
      if (o + len > buf.length) throw new Error(`frame ${frames[m]}: the capture file is shorter than when it was read`);
      out[m] = { frame: i + 1, linkType: cols.linkType(i), time: cols.time[i], wireLen: cols.wireLen[i], bytes: buf.slice(o, o + len) };
    }
    k = j;
  }
  return out;
}
