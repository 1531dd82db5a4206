// Per-connection append-only lists in typed arrays. A QUIC connection records every
// packet it is attributed (frame numbers, the timeline); as JS arrays those were six
// growing arrays per connection, boxed or tagged 8-byte slots that the garbage collector
// copies and scans. Typed arrays hold the same values in 4 to 8 bytes off the JS heap,
// and grow by doubling, so an append allocates nothing most of the time.

/** An append-only list of frame numbers (int32). */
export class FrameList {
  private a: Int32Array;
  length = 0;

  constructor(capacity = 4) {
    this.a = new Int32Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.a.length) this.a = grow32(this.a, this.length + 1);
    this.a[this.length++] = v;
  }

  at(i: number): number {
    return this.a[i];
  }

  /** The values in place (valid until the next push). */
  view(): Int32Array {
    return this.a.subarray(0, this.length);
  }

  /** Ascending numeric order, in place (frames mostly arrive in order: checked first). */
  sort(): void {
    const a = this.a;
    for (let i = 1; i < this.length; i++) {
      if (a[i] < a[i - 1]) {
        this.view().sort();
        return;
      }
    }
  }

  /** Keep only the values for which keep() is true, in their order. */
  retain(keep: (v: number) => boolean): void {
    let n = 0;
    for (let i = 0; i < this.length; i++) if (keep(this.a[i])) this.a[n++] = this.a[i];
    this.length = n;
  }

  toArray(): number[] {
    return Array.from(this.view());
  }
}

/**
 * The packets of a connection over time, one entry per QUIC packet (coalesced ones
 * included): frame, time, and packed in one int32 the PacketType code (3 bits), the
 * direction (0 = client → server, 1 = server → client) and the path index.
 */
export class Timeline {
  private frames: Int32Array = new Int32Array(8);
  private times: Float64Array = new Float64Array(8);
  private codes: Int32Array = new Int32Array(8);
  length = 0;

  push(frame: number, time: number, type: number, dir: number, path: number): void {
    const n = this.length;
    if (n === this.frames.length) {
      this.frames = grow32(this.frames, n + 1);
      this.codes = grow32(this.codes, n + 1);
      const t = new Float64Array(this.frames.length);
      t.set(this.times);
      this.times = t;
    }
    this.frames[n] = frame;
    this.times[n] = time;
    // path + 1: a packet attributed before its flow got a path has index -1
    this.codes[n] = ((path + 1) << 4) | (dir << 3) | type;
    this.length = n + 1;
  }

  frame(i: number): number {
    return this.frames[i];
  }

  time(i: number): number {
    return this.times[i];
  }

  /** PacketType code (Initial 0, 0-RTT 1, Handshake 2, Retry 3, VN 4, 1-RTT 5). */
  type(i: number): number {
    return this.codes[i] & 7;
  }

  /** 0 = client → server, 1 = server → client. */
  dir(i: number): number {
    return (this.codes[i] >> 3) & 1;
  }

  path(i: number): number {
    return (this.codes[i] >> 4) - 1;
  }
}

function grow32(a: Int32Array, need: number): Int32Array {
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
