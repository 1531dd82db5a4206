// Per-packet TCP facts as typed columns indexed by frame − 1 (DESIGN.md "Data
// structures for scale"): 16 bytes per packet, zero for non-TCP packets. The columns
// are chunks of CHUNK slots allocated as frames arrive: growing never copies (doubling
// copied up to the whole column, and held the old and the new copy at once), and at
// most one chunk per column is unused. Event bits are sparse (one entry per frame with
// an event), and so are the RTT samples (one per acknowledged segment).
//
// Only per-packet rows read the numbers and the RTT samples (the UI's packet list and
// charts, display filters, `packets`, `export`): an analysis without packet detail
// (PacketColumns.withoutDetail, `stateline analyze`) keeps only the event bits
// (withoutDetail here).

const CHUNK_BITS = 16;
/** Slots per chunk (64 Ki: 256 KiB per Uint32 chunk). */
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;
/** RTT samples per chunk (16 Ki: a few per connection on small captures would not fill one). */
const RTT_CHUNK_BITS = 14;
const RTT_CHUNK = 1 << RTT_CHUNK_BITS;
const RTT_MASK = RTT_CHUNK - 1;

/** TcpColumns as a worker sends them (./tracker, toTransfer): the chunks themselves, their buffers transferred. */
export interface TcpColumnsTransfer {
  length: number;
  relSeq: Uint32Array[];
  relAck: Uint32Array[];
  window: Uint32Array[];
  inFlight: Uint32Array[];
  bits: Map<number, number>;
  rttFrame: Uint32Array[];
  rttValue: Float64Array[];
  rttCount: number;
  /** False: the analysis keeps no packet detail (withoutDetail), the chunks are empty. */
  detail: boolean;
}

export class TcpColumns {
  /** Highest index written + 1. */
  length = 0;
  /** Sequence number relative to the sender's base (ISN, or first seq − 1), mod 2^32. */
  private readonly relSeqChunks: Uint32Array[] = [];
  /** Acknowledgement relative to the other side's base (0 without the ACK flag). */
  private readonly relAckChunks: Uint32Array[] = [];
  /** Advertised receive window in bytes (scaled when the scale is known or inferred; at most 65535 << 14). */
  private readonly windowChunks: Uint32Array[] = [];
  /** Bytes in flight after this segment (Wireshark's tcp.analysis.bytes_in_flight), 0 when not computed. */
  private readonly inFlightChunks: Uint32Array[] = [];
  /** TcpBit flags of the events, by frame index (only frames with an event). */
  private readonly bitsAt = new Map<number, number>();
  /** RTT samples, in chunks as well: the frame of the ACK that produced each, and the seconds. */
  private readonly rttFrameChunks: Uint32Array[] = [];
  private readonly rttValueChunks: Float64Array[] = [];
  rttCount = 0;
  /** False after withoutDetail(): set() and rtt() keep nothing (the columns read 0, rttAt NaN). */
  detail = true;

  /** Keep no per-packet numbers nor RTT samples (the analysis kept no packet detail). */
  withoutDetail(): void {
    this.detail = false;
  }

  private addChunk(): void {
    this.relSeqChunks.push(new Uint32Array(CHUNK));
    this.relAckChunks.push(new Uint32Array(CHUNK));
    this.windowChunks.push(new Uint32Array(CHUNK));
    this.inFlightChunks.push(new Uint32Array(CHUNK));
  }

  set(i: number, relSeq: number, relAck: number, window: number, inFlight: number): void {
    if (!this.detail) {
      if (i >= this.length) this.length = i + 1;
      return;
    }
    const c = i >>> CHUNK_BITS, o = i & MASK;
    while (c >= this.relSeqChunks.length) this.addChunk();
    this.relSeqChunks[c][o] = relSeq;
    this.relAckChunks[c][o] = relAck;
    this.windowChunks[c][o] = window;
    this.inFlightChunks[c][o] = inFlight;
    if (i >= this.length) this.length = i + 1;
  }

  addBits(i: number, bit: number): void {
    this.bitsAt.set(i, (this.bitsAt.get(i) ?? 0) | bit);
    if (i >= this.length) this.length = i + 1;
  }

  relSeq(i: number): number {
    return i < this.length ? at(this.relSeqChunks, i) : 0;
  }

  relAck(i: number): number {
    return i < this.length ? at(this.relAckChunks, i) : 0;
  }

  window(i: number): number {
    return i < this.length ? at(this.windowChunks, i) : 0;
  }

  inFlight(i: number): number {
    return i < this.length ? at(this.inFlightChunks, i) : 0;
  }

  bits(i: number): number {
    return this.bitsAt.get(i) ?? 0;
  }

  rtt(frame: number, seconds: number): void {
    if (!this.detail) return;
    const k = this.rttCount++, c = k >>> RTT_CHUNK_BITS, o = k & RTT_MASK;
    if (c === this.rttFrameChunks.length) {
      this.rttFrameChunks.push(new Uint32Array(RTT_CHUNK));
      this.rttValueChunks.push(new Float64Array(RTT_CHUNK));
    }
    this.rttFrameChunks[c][o] = frame;
    this.rttValueChunks[c][o] = seconds;
  }

  /** The frame of the ACK that produced RTT sample k (k < rttCount). */
  rttFrame(k: number): number {
    return this.rttFrameChunks[k >>> RTT_CHUNK_BITS][k & RTT_MASK];
  }

  /**
   * The RTT sample produced by the ACK in `frame` (Wireshark's tcp.analysis.ack_rtt),
   * or NaN. Samples are recorded as the ACKs arrive, so in frame order: a binary search.
   */
  rttAt(frame: number): number {
    let lo = 0, hi = this.rttCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rttFrame(mid) < frame) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.rttCount && this.rttFrame(lo) === frame ? this.rttValue(lo) : NaN;
  }

  /** RTT sample k, in seconds. */
  rttValue(k: number): number {
    return this.rttValueChunks[k >>> RTT_CHUNK_BITS][k & RTT_MASK];
  }

  /** Bytes the per-packet columns and the RTT samples hold (whole chunks). */
  get byteLength(): number {
    let n = 0;
    for (const list of [this.relSeqChunks, this.relAckChunks, this.windowChunks, this.inFlightChunks, this.rttFrameChunks, this.rttValueChunks]) for (const c of list) n += c.byteLength;
    return n;
  }

  /** The columns as they are (no copy: after a transfer of their buffers, this object is empty). */
  toTransfer(): TcpColumnsTransfer {
    return {
      length: this.length, relSeq: this.relSeqChunks, relAck: this.relAckChunks, window: this.windowChunks, inFlight: this.inFlightChunks,
      bits: this.bitsAt, rttFrame: this.rttFrameChunks, rttValue: this.rttValueChunks, rttCount: this.rttCount, detail: this.detail,
    };
  }

  static fromTransfer(d: TcpColumnsTransfer): TcpColumns {
    const c = new TcpColumns();
    c.length = d.length;
    c.relSeqChunks.push(...d.relSeq);
    c.relAckChunks.push(...d.relAck);
    c.windowChunks.push(...d.window);
    c.inFlightChunks.push(...d.inFlight);
    for (const [i, b] of d.bits) c.bitsAt.set(i, b);
    c.rttFrameChunks.push(...d.rttFrame);
    c.rttValueChunks.push(...d.rttValue);
    c.rttCount = d.rttCount;
    c.detail = d.detail;
    return c;
  }

  /** The ArrayBuffers of a transfer (to move, not copy, to another thread). */
  static buffers(d: TcpColumnsTransfer): ArrayBuffer[] {
    return [...d.relSeq, ...d.relAck, ...d.window, ...d.inFlight, ...d.rttFrame, ...d.rttValue].map((x) => x.buffer as ArrayBuffer);
  }
}

// a slot below `length` whose chunk was never written (the frame index lies beyond the
// last TCP frame written only through addBits) reads 0
function at(chunks: Uint32Array[], i: number): number {
  const c = i >>> CHUNK_BITS;
  return c < chunks.length ? chunks[c][i & MASK] : 0;
}
