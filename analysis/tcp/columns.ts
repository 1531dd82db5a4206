// Per-packet TCP facts as typed columns indexed by frame − 1 (DESIGN.md "Data
// structures for scale"): 20 bytes per packet, zero for non-TCP packets, grown by
// doubling. RTT samples are sparse (one per acknowledged segment).

export class TcpColumns {
  /** Highest index written + 1. */
  length = 0;
  /** Sequence number relative to the sender's base (ISN, or first seq − 1), mod 2^32. */
  relSeq = new Uint32Array(1024);
  /** Acknowledgement relative to the other side's base (0 without the ACK flag). */
  relAck = new Uint32Array(1024);
  /** Advertised receive window in bytes (scaled when the scale is known or inferred; at most 65535 << 14). */
  window = new Uint32Array(1024);
  /** Bytes in flight after this segment (Wireshark's tcp.analysis.bytes_in_flight), 0 when not computed. */
  inFlight = new Uint32Array(1024);
  /** TcpBit flags of the events on this frame. */
  bits = new Uint32Array(1024);
  /** RTT samples: the frame of the ACK that produced each, and the seconds. */
  rttFrames = new Uint32Array(256);
  rttValues = new Float64Array(256);
  rttCount = 0;

  private ensure(i: number): void {
    if (i < this.relSeq.length) return;
    let n = this.relSeq.length;
    while (n <= i) n *= 2;
    this.relSeq = grow(this.relSeq, new Uint32Array(n));
    this.relAck = grow(this.relAck, new Uint32Array(n));
    this.window = grow(this.window, new Uint32Array(n));
    this.inFlight = grow(this.inFlight, new Uint32Array(n));
    this.bits = grow(this.bits, new Uint32Array(n));
  }

  set(i: number, relSeq: number, relAck: number, window: number, inFlight: number): void {
    this.ensure(i);
    this.relSeq[i] = relSeq;
    this.relAck[i] = relAck;
    this.window[i] = window;
    this.inFlight[i] = inFlight;
    if (i >= this.length) this.length = i + 1;
  }

  addBits(i: number, bit: number): void {
    this.ensure(i);
    this.bits[i] |= bit;
    if (i >= this.length) this.length = i + 1;
  }

  rtt(frame: number, seconds: number): void {
    if (this.rttCount === this.rttFrames.length) {
      this.rttFrames = grow(this.rttFrames, new Uint32Array(this.rttCount * 2));
      this.rttValues = grow(this.rttValues, new Float64Array(this.rttCount * 2));
    }
    this.rttFrames[this.rttCount] = frame;
    this.rttValues[this.rttCount++] = seconds;
  }

  /** Bytes held per packet slot. */
  static readonly BYTES_PER_PACKET = 4 + 4 + 4 + 4 + 4;
}

function grow<T extends Float64Array | Uint32Array>(old: T, next: T): T {
  next.set(old as never);
  return next;
}
