// Per-connection append-only lists, stored for all connections together. A QUIC
// connection records every packet it is attributed (frame numbers, the timeline); as JS
// arrays, or as typed arrays per connection, that was six growing arrays for each of
// thousands of connections: tagged 8-byte slots the garbage collector copies and scans,
// or tens of thousands of small ArrayBuffers. Here every connection's entries go into
// one shared log of fixed-size typed-array chunks (never copied, never more than one
// chunk of slack), each entry linked to the next entry of the same connection.

const CHUNK_BITS = 13;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

/** Int32 values of many lists in shared chunks, each entry linked to its list's next. */
export class IntLog {
  private readonly vals: Int32Array[] = [];
  private readonly next: Int32Array[] = [];
  private n = 0;

  /** Append v to the list whose last entry is `tail` (-1: a new list); returns the new entry. */
  append(tail: number, v: number): number {
    const i = this.n++;
    if ((i & MASK) === 0) {
      this.vals.push(new Int32Array(CHUNK));
      this.next.push(new Int32Array(CHUNK));
    }
    this.vals[i >>> CHUNK_BITS][i & MASK] = v;
    this.next[i >>> CHUNK_BITS][i & MASK] = -1;
    if (tail >= 0) this.next[tail >>> CHUNK_BITS][tail & MASK] = i;
    return i;
  }

  value(i: number): number {
    return this.vals[i >>> CHUNK_BITS][i & MASK];
  }

  following(i: number): number {
    return this.next[i >>> CHUNK_BITS][i & MASK];
  }
}

/**
 * An append-only list of frame numbers (int32): linked entries of a shared IntLog while
 * the capture is read, its own array once read as a whole (view, sort, retain), as at
 * the end of the analysis.
 */
export class FrameList {
  private head = -1;
  private tail = -1;
  /** Own values once materialised (then the log is no longer used). */
  private own: Int32Array | null = null;
  length = 0;

  constructor(private readonly log: IntLog) {}

  push(v: number): void {
    const own = this.own;
    if (own === null) {
      this.tail = this.log.append(this.tail, v);
      if (this.head < 0) this.head = this.tail;
    } else {
      if (this.length === own.length) {
        const b = new Int32Array(Math.max(4, own.length * 2));
        b.set(own);
        this.own = b;
      }
      this.own![this.length] = v;
    }
    this.length++;
  }

  /** The values in order (valid until the next push). */
  view(): Int32Array {
    let own = this.own;
    if (own === null) {
      own = new Int32Array(this.length);
      for (let i = this.head, k = 0; k < this.length; k++, i = this.log.following(i)) own[k] = this.log.value(i);
      this.own = own;
    }
    return own.subarray(0, this.length);
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
    this.length = n;
  }

  toArray(): number[] {
    return Array.from(this.view());
  }
}

/**
 * The timeline entries of all connections: frame, time, and packed in one int32 the
 * PacketType code (3 bits), the direction and the path index.
 */
export class TimelineLog {
  private readonly frames: Int32Array[] = [];
  private readonly times: Float64Array[] = [];
  private readonly codes: Int32Array[] = [];
  private readonly next: Int32Array[] = [];
  private n = 0;

  append(tail: number, frame: number, time: number, type: number, dir: number, path: number): number {
    const i = this.n++;
    if ((i & MASK) === 0) {
      this.frames.push(new Int32Array(CHUNK));
      this.times.push(new Float64Array(CHUNK));
      this.codes.push(new Int32Array(CHUNK));
      this.next.push(new Int32Array(CHUNK));
    }
    const c = i >>> CHUNK_BITS, o = i & MASK;
    this.frames[c][o] = frame;
    this.times[c][o] = time;
    // path + 1: a packet attributed before its flow got a path has index -1
    this.codes[c][o] = ((path + 1) << 4) | (dir << 3) | type;
    this.next[c][o] = -1;
    if (tail >= 0) this.next[tail >>> CHUNK_BITS][tail & MASK] = i;
    return i;
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

  following(i: number): number {
    return this.next[i >>> CHUNK_BITS][i & MASK];
  }
}

/**
 * The packets of one connection over time, one entry per QUIC packet (coalesced ones
 * included), in the order they were attributed. Entries are addressed by their index in
 * the shared log (see entries()).
 */
export class Timeline {
  private head = -1;
  private tail = -1;
  length = 0;

  constructor(private readonly log: TimelineLog) {}

  push(frame: number, time: number, type: number, dir: number, path: number): void {
    this.tail = this.log.append(this.tail, frame, time, type, dir, path);
    if (this.head < 0) this.head = this.tail;
    this.length++;
  }

  /** The log indices of the entries, in order. */
  entries(): Int32Array {
    const out = new Int32Array(this.length);
    for (let i = this.head, k = 0; k < this.length; k++, i = this.log.following(i)) out[k] = i;
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

  /** 0 = client → server, 1 = server → client. */
  dir(e: number): number {
    return (this.log.code(e) >> 3) & 1;
  }

  path(e: number): number {
    return (this.log.code(e) >> 4) - 1;
  }
}
