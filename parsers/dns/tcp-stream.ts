// DNS over TCP (RFC 1035 4.2.2, RFC 7766 8): each message is preceded by a two-byte
// length. One small in-order reassembler per direction of a flow: several messages in
// one segment, one message across segments, retransmitted (overlapping) bytes trimmed,
// out-of-order segments held until the gap before them is filled. When the gap cannot
// be filled (the capture missed data) the framing is lost: the stream reports it once
// and waits for the connection's next SYN.

/** A whole message found in the stream. `data` is valid only during the callback. */
export type MessageSink = (data: Uint8Array, off: number, len: number) => void;

const MAX_HELD_SEGMENTS = 64;
const MAX_HELD_BYTES = 256 * 1024;

interface Held {
  seq: number;
  bytes: Uint8Array;
}

/** Sequence-space difference a - b (mod 2^32), as a signed 32-bit number. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class DnsTcpStream {
  /** Next expected sequence number; -1 until the first segment (or SYN) is seen. */
  private next = -1;
  /** Bytes received in order but not yet making up a whole message. */
  private pending: Uint8Array = new Uint8Array(0);
  private pendingLen = 0;
  private held: Held[] = [];
  private heldBytes = 0;
  /** Set when a gap could not be filled: the message boundaries are unknown. */
  lostSync = false;
  /** Why sync was lost (reported once by the caller), or ''. */
  lostReason = '';

  /**
   * Feeds one segment: sequence number, SYN flag, and its payload bytes
   * data[off..off+len). `wireLen` is the payload length the headers state (more than
   * `len` when the capture cut the packet short). Calls `sink` for every message
   * completed by this segment.
   */
  segment(seq: number, syn: boolean, data: Uint8Array, off: number, len: number, wireLen: number, sink: MessageSink): void {
    if (syn) {
      this.next = (seq + 1) >>> 0;
      this.pendingLen = 0;
      this.held = [];
      this.heldBytes = 0;
      this.lostSync = false;
      seq = (seq + 1) >>> 0;
    }
    if (len === 0 && wireLen === 0) return;
    if (this.lostSync) return;
    if (this.next < 0) this.next = seq >>> 0;
    if (len < wireLen) {
      // Snaplen cut the segment: the bytes after `len` are unknown.
      this.lose(`a segment was cut short by the capture (${len} of ${wireLen} bytes)`);
      return;
    }
    let d = seqDiff(seq, this.next);
    if (d > 0) {
      this.hold(seq, data.subarray(off, off + len));
      return;
    }
    if (d < 0) {
      // Retransmitted bytes: keep only what is new.
      if (-d >= len) return;
      off -= d;
      len += d;
      seq = this.next;
      d = 0;
    }
    this.accept(data, off, len, sink);
    // Held segments that now fit.
    while (this.held.length) {
      let progressed = false;
      for (let i = 0; i < this.held.length; i++) {
        const h = this.held[i];
        const hd = seqDiff(h.seq, this.next);
        if (hd > 0) continue;
        this.held.splice(i, 1);
        this.heldBytes -= h.bytes.length;
        if (-hd < h.bytes.length) this.accept(h.bytes, -hd, h.bytes.length + hd, sink);
        progressed = true;
        break;
      }
      if (!progressed) break;
    }
  }

  /** The capture ended or the connection closed with a gap still open. */
  finish(): void {
    if (this.held.length && !this.lostSync) this.lose('bytes were missing before the end of the stream');
  }

  private hold(seq: number, bytes: Uint8Array): void {
    if (this.held.length >= MAX_HELD_SEGMENTS || this.heldBytes + bytes.length > MAX_HELD_BYTES) {
      this.lose('bytes missing from the stream were never seen (the capture missed a segment)');
      return;
    }
    this.held.push({ seq, bytes: bytes.slice() });
    this.heldBytes += bytes.length;
  }

  private lose(reason: string): void {
    this.lostSync = true;
    this.lostReason = reason;
    this.held = [];
    this.heldBytes = 0;
    this.pendingLen = 0;
  }

  private accept(data: Uint8Array, off: number, len: number, sink: MessageSink): void {
    this.next = (this.next + len) >>> 0;
    let p = off;
    const end = off + len;
    if (this.pendingLen > 0) {
      // Complete the message started in earlier segments.
      const need = this.pendingLen < 2 ? 2 : 2 + ((this.pending[0] << 8) | this.pending[1]);
      let take = Math.min(need - this.pendingLen, end - p);
      this.append(data, p, take);
      p += take;
      if (this.pendingLen === 2 && need === 2) {
        // The length prefix is complete now; take the message's bytes.
        const total = 2 + ((this.pending[0] << 8) | this.pending[1]);
        take = Math.min(total - 2, end - p);
        this.append(data, p, take);
        p += take;
        if (this.pendingLen < total) return;
      } else if (this.pendingLen < need) return;
      const mlen = this.pendingLen - 2;
      this.pendingLen = 0;
      if (mlen > 0) sink(this.pending, 2, mlen);
    }
    // Whole messages straight from the segment, without copying.
    while (end - p >= 2) {
      const mlen = (data[p] << 8) | data[p + 1];
      if (end - p - 2 < mlen) break;
      if (mlen > 0) sink(data, p + 2, mlen);
      p += 2 + mlen;
    }
    if (p < end) this.append(data, p, end - p);
  }

  private append(data: Uint8Array, off: number, len: number): void {
    if (len <= 0) return;
    if (this.pendingLen + len > this.pending.length) {
      const grown = new Uint8Array(Math.max(this.pending.length * 2, this.pendingLen + len, 512));
      grown.set(this.pending.subarray(0, this.pendingLen));
      this.pending = grown;
    }
    this.pending.set(data.subarray(off, off + len), this.pendingLen);
    this.pendingLen += len;
  }
}
