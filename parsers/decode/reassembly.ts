// IPv4 / IPv6 fragment reassembly (RFC 791 section 3.2, RFC 8200 section 4.5), bounded.
//
// Datagrams are keyed by (version, protocol, identification, source, destination). Each
// pending datagram holds copies of its fragments' payloads (the record bytes are only
// valid during the callback). A datagram is complete when its last fragment (MF = 0)
// has been seen and the pieces cover [0, total) without a gap; the decoder then gets one
// new buffer with room for a synthesized IP header in front of the payload.
//
// Bounds: at most `maxDatagrams` pending datagrams and `maxPendingBytes` bytes in all
// (the oldest go first), 65535 payload bytes and `maxPieces` pieces per datagram; a
// datagram still incomplete `timeoutSec` seconds of capture time after its first fragment
// is dropped (when the caller passes capture time). Everything dropped is counted.
// This path runs for fragments only and may allocate; the rest of the decoder does not.

import type { DecodeStats } from './stats';

interface Piece {
  off: number;
  end: number;
  bytes: Uint8Array;
}

class PendingDatagram {
  readonly pieces: Piece[] = [];
  /** Payload length once the last fragment (MF = 0) was seen; -1 before. */
  total = -1;
  bytes = 0;
  /** Set when a fragment could not be kept: later fragments are absorbed, never completed. */
  broken = false;
  constructor(
    readonly key: string,
    /** Capture time of the first fragment seen (the timer is not refreshed, as in Linux). */
    readonly time: number,
  ) {}
}

export interface ReassemblerLimits {
  maxDatagrams: number;
  maxPendingBytes: number;
  maxDatagramBytes: number;
  maxPieces: number;
  timeoutSec: number;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblerLimits = {
  maxDatagrams: 1024,
  maxPendingBytes: 16 * 1024 * 1024,
  maxDatagramBytes: 65535,
  maxPieces: 1024,
  timeoutSec: 60,
};

function u32(d: Uint8Array, o: number): number {
  return ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;
}

export class Reassembler {
  private readonly pending = new Map<string, PendingDatagram>();
  private pendingBytes = 0;
  readonly limits: ReassemblerLimits;

  constructor(
    private readonly stats: DecodeStats,
    limits: Partial<ReassemblerLimits> = {},
  ) {
    this.limits = { ...DEFAULT_REASSEMBLY_LIMITS, ...limits };
  }

  /** Datagrams waiting for more fragments. */
  get pendingCount(): number {
    return this.pending.size;
  }

  clear(): void {
    this.pending.clear();
    this.pendingBytes = 0;
  }

  /**
   * Add one fragment. `payOff` is where the fragment's payload starts in `d`, `wireLen`
   * its length as the IP header states it, `capLen` how much of it was captured.
   * `time` is capture time in seconds, or < 0 when unknown (no staleness then).
   * Returns the complete datagram payload placed at offset `hdrRoom` of a new buffer
   * (the first `hdrRoom` bytes are zero, for the caller's IP header), or null.
   */
  add(
    version: 4 | 6,
    d: Uint8Array,
    srcOff: number,
    dstOff: number,
    id: number,
    proto: number,
    fragOff: number,
    more: boolean,
    payOff: number,
    wireLen: number,
    capLen: number,
    time: number,
    hdrRoom: number,
  ): Uint8Array | null {
    const stats = this.stats;
    const lim = this.limits;
    if (time >= 0) this.expire(time);

    let key = `${version}/${proto}/${id}`;
    const n = version === 4 ? 4 : 16;
    for (let i = 0; i < n; i += 4) key += `/${u32(d, srcOff + i)}`;
    for (let i = 0; i < n; i += 4) key += `/${u32(d, dstOff + i)}`;

    let p = this.pending.get(key);
    if (p === undefined) {
      while (this.pending.size >= lim.maxDatagrams) this.evictOldest();
      p = new PendingDatagram(key, time);
      this.pending.set(key, p);
    }
    if (p.broken) {
      stats.fragmentsDropped++;
      return null;
    }
    const end = fragOff + wireLen;
    if (
      capLen < wireLen ||
      end > lim.maxDatagramBytes ||
      p.pieces.length >= lim.maxPieces ||
      (!more && p.total >= 0 && p.total !== end) ||
      (p.total >= 0 && end > p.total) ||
      (!more && p.bytes > 0 && this.maxEnd(p) > end)
    ) {
      this.breakDatagram(p);
      stats.fragmentsDropped++;
      return null;
    }
    if (!more) p.total = end;
    for (let i = 0; i < p.pieces.length; i++) {
      const q = p.pieces[i];
      if (fragOff < q.end && end > q.off) {
        stats.fragmentOverlaps++;
        break;
      }
    }
    p.pieces.push({ off: fragOff, end, bytes: d.slice(payOff, payOff + wireLen) });
    p.bytes += wireLen;
    this.pendingBytes += wireLen;
    while (this.pendingBytes > lim.maxPendingBytes && this.pending.size > 0) {
      const oldest = this.pending.values().next().value as PendingDatagram;
      this.evictOldest();
      if (oldest === p) return null;
    }
    if (p.total < 0 || p.bytes < p.total) return null;

    // Complete when the pieces cover [0, total) without a gap.
    const sorted = p.pieces.slice().sort((a, b) => a.off - b.off);
    let covered = 0;
    for (let i = 0; i < sorted.length; i++) {
      if (sorted[i].off > covered) return null;
      if (sorted[i].end > covered) covered = sorted[i].end;
    }
    if (covered < p.total) return null;

    const out = new Uint8Array(hdrRoom + p.total);
    // Arrival order: bytes of a later overlapping fragment win.
    for (let i = 0; i < p.pieces.length; i++) out.set(p.pieces[i].bytes, hdrRoom + p.pieces[i].off);
    this.remove(p);
    stats.datagramsReassembled++;
    return out;
  }

  private maxEnd(p: PendingDatagram): number {
    let m = 0;
    for (let i = 0; i < p.pieces.length; i++) if (p.pieces[i].end > m) m = p.pieces[i].end;
    return m;
  }

  private breakDatagram(p: PendingDatagram): void {
    this.pendingBytes -= p.bytes;
    p.bytes = 0;
    p.pieces.length = 0;
    p.broken = true;
  }

  private remove(p: PendingDatagram): void {
    this.pendingBytes -= p.bytes;
    this.pending.delete(p.key);
  }

  private evictOldest(): void {
    const first = this.pending.values().next();
    if (first.done) return;
    this.remove(first.value);
    this.stats.datagramsEvicted++;
  }

  /** Drop datagrams whose first fragment is older than timeoutSec (Map order = creation order). */
  private expire(time: number): void {
    const timeout = this.limits.timeoutSec;
    for (const p of this.pending.values()) {
      if (time - p.time <= timeout) break;
      this.remove(p);
      if (!p.broken) this.stats.datagramsExpired++;
    }
  }
}
