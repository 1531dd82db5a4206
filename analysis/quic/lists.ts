// Per-connection append-only lists, stored for all connections together. A QUIC
// connection records every packet it is attributed (frame numbers, the timeline); as JS
// arrays, or as typed arrays per connection, that was six growing arrays for each of
// thousands of connections: tagged 8-byte slots the garbage collector copies and scans,
// or tens of thousands of small ArrayBuffers. Here every connection's entries go into
// shared logs of fixed-size typed-array chunks (never copied), in blocks of 16, 32, …
// 256 consecutive entries per connection, so that reading a connection's entries runs
// through memory block by block rather than jumping from entry to entry.

const CHUNK_BITS = 13;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;
const MAX_BLOCK = 256;
/** The values of an empty list read whole (shared: a push after it takes a new array). */
const NO_INTS = new Int32Array(0);

/** Size of a list's b-th block. */
function blockSize(b: number): number {
  return b >= 4 ? MAX_BLOCK : 16 << b;
}

/** Where a log hands out blocks: consecutive indices inside one chunk. */
abstract class ChunkedLog {
  protected n = 0;

  /** A block of `size` consecutive entries (a chunk's rest too small for it is skipped). */
  block(size: number): number {
    let i = this.n;
    if ((i & MASK) + size > CHUNK || (i & MASK) === 0) {
      i = (i + MASK) & ~MASK; // the next chunk
      this.addChunk();
    }
    this.n = i + size;
    return i;
  }

  protected abstract addChunk(): void;
}

/** One list's blocks in a log: their start indices, the next free index and the end of the last block. */
class Blocks {
  readonly starts: number[] = [];
  pos = 0;
  end = 0;
  length = 0;

  /** The log index for the next entry (taking a new block when the last is full). */
  slot(log: ChunkedLog): number {
    if (this.pos === this.end) {
      const size = blockSize(this.starts.length);
      this.pos = log.block(size);
      this.end = this.pos + size;
      this.starts.push(this.pos);
    }
    this.length++;
    return this.pos++;
  }

  /** Number of blocks in use. */
  get count(): number {
    return this.starts.length;
  }

  /** Log index range [blockStart, blockEnd) of block b. */
  blockStart(b: number): number {
    return this.starts[b];
  }

  blockEnd(b: number): number {
    return b === this.starts.length - 1 ? this.pos : this.starts[b] + blockSize(b);
  }
}

/** Int32 values of many lists in shared chunks. */
export class IntLog extends ChunkedLog {
  private readonly vals: Int32Array[] = [];

  protected addChunk(): void {
    this.vals.push(new Int32Array(CHUNK));
  }

  set(i: number, v: number): void {
    this.vals[i >>> CHUNK_BITS][i & MASK] = v;
  }

  /** Copy entries [start, end) (inside one block, so one chunk) to out[at…]. */
  copyTo(start: number, end: number, out: Int32Array, at: number): void {
    out.set(this.vals[start >>> CHUNK_BITS].subarray(start & MASK, (start & MASK) + end - start), at);
  }

  value(i: number): number {
    return this.vals[i >>> CHUNK_BITS][i & MASK];
  }
}

/**
 * An append-only list of frame numbers (int32): blocks of a shared IntLog while the
 * capture is read, its own array once read as a whole (view, sort, retain), as at the
 * end of the analysis.
 */
export class FrameList {
  private readonly blocks = new Blocks();
  /** Own values once materialised (then the log is no longer used). */
  private own: Int32Array | null = null;
  private ownLength = 0;

  constructor(private readonly log: IntLog) {}

  get length(): number {
    return this.own === null ? this.blocks.length : this.ownLength;
  }

  push(v: number): void {
    const own = this.own;
    if (own === null) {
      this.log.set(this.blocks.slot(this.log), v);
      return;
    }
    if (this.ownLength === own.length) {
      const b = new Int32Array(Math.max(4, own.length * 2));
      b.set(own);
      this.own = b;
    }
    this.own![this.ownLength++] = v;
  }

  /** The values in order (valid until the next push). */
  view(): Int32Array {
    let own = this.own;
    if (own === null) {
      const bl = this.blocks;
      own = bl.length === 0 ? NO_INTS : new Int32Array(bl.length);
      for (let b = 0, k = 0; b < bl.count; b++) {
        this.log.copyTo(bl.blockStart(b), bl.blockEnd(b), own, k);
        k += bl.blockEnd(b) - bl.blockStart(b);
      }
      this.own = own;
      this.ownLength = own.length;
    }
    return own.subarray(0, this.ownLength);
  }

  /** Ascending numeric order, in place (frames mostly arrive in order: checked first). */
  sort(): void {
    const a = this.view();
    for (let i = 1; i < a.length; i++) {
      if (a[i] < a[i - 1]) {
        a.sort();
        return;
      }
    }
  }

  /** Keep only the values for which keep() is true, in their order. */
  retain(keep: (v: number) => boolean): void {
    const a = this.view();
    let n = 0;
    for (let i = 0; i < a.length; i++) if (keep(a[i])) a[n++] = a[i];
    this.ownLength = n;
  }

  toArray(): number[] {
    return Array.from(this.view());
  }
}

/** A timeline entry's flag: the packet's fixed bit is 0 (greased, RFC 9287), passed with the type (type | FIXED_BIT_ZERO). */
export const FIXED_BIT_ZERO = 8;

/**
 * The timeline entries of all connections: frame, time, and packed in one int32 the
 * PacketType code (3 bits), the fixed-bit-zero flag, the direction and the path index.
 */
export class TimelineLog extends ChunkedLog {
  private readonly frames: Int32Array[] = [];
  private readonly times: Float64Array[] = [];
  private readonly codes: Int32Array[] = [];

  protected addChunk(): void {
    this.frames.push(new Int32Array(CHUNK));
    this.times.push(new Float64Array(CHUNK));
    this.codes.push(new Int32Array(CHUNK));
  }

  /** `type`: the PacketType code, | FIXED_BIT_ZERO for a greased packet. */
  set(i: number, frame: number, time: number, type: number, dir: number, path: number): void {
    const c = i >>> CHUNK_BITS, o = i & MASK;
    this.frames[c][o] = frame;
    this.times[c][o] = time;
    // path + 1: a packet attributed before its flow got a path has index -1
    this.codes[c][o] = ((path + 1) << 5) | (dir << 4) | type;
  }

  frame(i: number): number {
    return this.frames[i >>> CHUNK_BITS][i & MASK];
  }

  time(i: number): number {
    return this.times[i >>> CHUNK_BITS][i & MASK];
  }

  code(i: number): number {
    return this.codes[i >>> CHUNK_BITS][i & MASK];
  }
}

/**
 * The packets of one connection over time, one entry per QUIC packet (coalesced ones
 * included), in the order they were attributed. Entries are addressed by their index in
 * the shared log (see entries()).
 */
export class Timeline {
  private readonly blocks = new Blocks();

  constructor(private readonly log: TimelineLog) {}

  get length(): number {
    return this.blocks.length;
  }

  push(frame: number, time: number, type: number, dir: number, path: number): void {
    this.log.set(this.blocks.slot(this.log), frame, time, type, dir, path);
  }

  /** The log indices of the entries, in order. */
  entries(): Int32Array {
    const bl = this.blocks;
    const out = new Int32Array(bl.length);
    for (let b = 0, k = 0; b < bl.count; b++) for (let i = bl.blockStart(b); i < bl.blockEnd(b); i++) out[k++] = i;
    return out;
  }

  frame(e: number): number {
    return this.log.frame(e);
  }

  time(e: number): number {
    return this.log.time(e);
  }

  /** PacketType code (Initial 0, 0-RTT 1, Handshake 2, Retry 3, VN 4, 1-RTT 5). */
  type(e: number): number {
    return this.log.code(e) & 7;
  }

  /** The packet's fixed bit is 0 (greased, RFC 9287). */
  fixedBitZero(e: number): boolean {
    return (this.log.code(e) & FIXED_BIT_ZERO) !== 0;
  }

  /** 0 = client → server, 1 = server → client. */
  dir(e: number): number {
    return (this.log.code(e) >> 4) & 1;
  }

  path(e: number): number {
    return (this.log.code(e) >> 5) - 1;
  }
}
