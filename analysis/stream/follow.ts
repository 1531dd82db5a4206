// Follow stream: a flow's payload as the application saw it (issue 15 item 4).
//
// TCP, as Wireshark's Follow TCP Stream: each direction's payload in sequence order,
// retransmitted and overlapping bytes once, out-of-order segments held until the bytes
// before them come, the pieces in the order they became readable (so the directions
// alternate as the conversation did). Where the capture never saw some bytes, the
// stream says so with a gap — "[n bytes missing: frames x–y]" — and goes on: once the
// peer acknowledged past them (it had them; the capture missed them), or at the end of
// the capture for what was still held. Wireshark stops a direction at a gap it cannot
// prove lost; we show what came after it, marked.
//
// The analysis keeps no payload, so the flow's frames are read again from the capture
// (one pass through the reader and the decoder: analysis/reread.ts) and picked by the
// flow id the analysis gave each packet (columns.flow). Output is bounded: at most
// `maxBytes` of payload in all, then `truncated`.
//
// Pure TypeScript: no Node, no DOM.

import type { Packet } from '../../parsers/decode/packet';
import { TcpFlag } from '../../parsers/decode/packet';
import { hex } from '../../parsers/quic/header';
import type { QuicStreamFrame } from '../quic/conn';

/** One piece of a followed stream, in the order it became readable. */
export type StreamPiece =
  | {
      type: 'data';
      /** 0 client → server, 1 server → client (the flow's directions). */
      dir: 0 | 1;
      frame: number;
      time: number;
      /** Offset of the first byte in its direction's stream (0 = the first byte after the SYN, or the first seen). */
      offset: number;
      /** The bytes, as lowercase hex. */
      hex: string;
    }
  | {
      type: 'gap';
      dir: 0 | 1;
      offset: number;
      /** Bytes the capture never saw. */
      length: number;
      /** The frames around the gap: the last data before it and the first after it (null when none). */
      afterFrame: number | null;
      beforeFrame: number | null;
      /** Why the gap is known: the peer acknowledged past it, or the capture ended with data held after it. */
      reason: 'acknowledged' | 'end of capture';
    };

export interface FollowedTcp {
  pieces: StreamPiece[];
  /** Payload bytes shown per direction (client → server, server → client). */
  bytes: [number, number];
  /** Bytes missing per direction (the gaps' lengths). */
  missing: [number, number];
  /** The output stopped at maxBytes. */
  truncated: boolean;
}

interface Held {
  rel: number;
  data: Uint8Array;
  frame: number;
  time: number;
}

/** Sequence-space difference a - b (mod 2^32), as a signed 32-bit number. */
const seqDiff = (a: number, b: number): number => (a - b) | 0;

/** Bytes as lowercase hex (the QUIC header reader's, parsers/quic/header). */
export const toHex = (b: Uint8Array): string => hex(b, 0, b.length);

/** Held out-of-order bytes per direction past which the lowest gap is declared (a hostile or broken stream cannot grow it). */
const MAX_HELD_BYTES = 4 << 20;

class Direction {
  /** Sequence number of stream offset 0 (ISN + 1); null until the SYN or the first data. */
  base: number | null = null;
  /** Next stream offset expected. */
  next = 0;
  held: Held[] = [];
  heldBytes = 0;
  lastFrame: number | null = null;
  shown = 0;
  missing = 0;
}

/** Reassembles a TCP flow's two directions; feed it the flow's packets in frame order. */
export class TcpFollower {
  private readonly dirs: [Direction, Direction] = [new Direction(), new Direction()];
  readonly pieces: StreamPiece[] = [];
  truncated = false;
  private budget: number;

  constructor(maxBytes = 8 << 20) {
    this.budget = maxBytes;
  }

  /** One decoded packet of the flow (`dir` as the analysis assigned it). */
  push(pkt: Packet, dir: 0 | 1, frame: number, time: number): void {
    const d = this.dirs[dir];
    const flags = pkt.tcpFlags;
    if (flags & TcpFlag.SYN) {
      if (d.base === null || (d.next === 0 && d.held.length === 0)) d.base = (pkt.tcpSeq + 1) | 0;
    }
    const len = pkt.payloadLen;
    if (len > 0) {
      const seq = flags & TcpFlag.SYN ? (pkt.tcpSeq + 1) | 0 : pkt.tcpSeq;
      if (d.base === null) d.base = seq;
      const rel = seqDiff(seq, d.base);
      this.data(dir, rel, pkt.data.subarray(pkt.payloadOff, pkt.payloadOff + len), frame, time);
    }
    // The peer acknowledges bytes of the other direction: it has them, so a hole the
    // capture holds data beyond was lost at the capture point, not on the way.
    if (flags & TcpFlag.ACK) {
      const o = this.dirs[dir ^ 1];
      if (o.base !== null && o.held.length > 0) {
        const acked = seqDiff(pkt.tcpAck, o.base);
        if (acked > o.next) this.gapTo((dir ^ 1) as 0 | 1, Math.min(acked, o.held[0].rel), 'acknowledged', frame);
      }
    }
  }

  /** The capture ended: what is still held comes out, after gaps. */
  finish(): FollowedTcp {
    for (const dir of [0, 1] as const) {
      const d = this.dirs[dir];
      while (d.held.length > 0) this.gapTo(dir, d.held[0].rel, 'end of capture', null);
    }
    const [c, s] = this.dirs;
    return { pieces: this.pieces, bytes: [c.shown, s.shown], missing: [c.missing, s.missing], truncated: this.truncated };
  }

  private data(dir: 0 | 1, rel: number, bytes: Uint8Array, frame: number, time: number): void {
    const d = this.dirs[dir];
    const end = rel + bytes.length;
    if (end <= d.next) return; // every byte seen already (a retransmission)
    if (rel > d.next) {
      // out of order: hold a copy until the bytes before it come (or are proved lost)
      if (d.held.some((h) => h.rel === rel && h.data.length >= bytes.length)) return;
      d.held.push({ rel, data: bytes.slice(), frame, time });
      d.held.sort((a, b) => a.rel - b.rel);
      d.heldBytes += bytes.length;
      if (d.heldBytes > MAX_HELD_BYTES) this.gapTo(dir, d.held[0].rel, 'end of capture', null);
      return;
    }
    this.emit(dir, bytes.subarray(d.next - rel), frame, time);
    this.drain(dir);
  }

  /** Emit the held pieces that are now in order. */
  private drain(dir: 0 | 1): void {
    const d = this.dirs[dir];
    while (d.held.length > 0 && d.held[0].rel <= d.next) {
      const h = d.held.shift()!;
      d.heldBytes -= h.data.length;
      const end = h.rel + h.data.length;
      if (end > d.next) this.emit(dir, h.data.subarray(d.next - h.rel), h.frame, h.time);
    }
  }

  /** Declare the bytes up to stream offset `to` missing, then go on with what is held after them. */
  private gapTo(dir: 0 | 1, to: number, reason: 'acknowledged' | 'end of capture', ackFrame: number | null): void {
    const d = this.dirs[dir];
    if (to <= d.next) return this.drain(dir);
    const before = d.held.length > 0 && d.held[0].rel === to ? d.held[0].frame : ackFrame;
    this.pieces.push({ type: 'gap', dir, offset: d.next, length: to - d.next, afterFrame: d.lastFrame, beforeFrame: before, reason });
    d.missing += to - d.next;
    d.next = to;
    this.drain(dir);
  }

  private emit(dir: 0 | 1, bytes: Uint8Array, frame: number, time: number): void {
    const d = this.dirs[dir];
    const offset = d.next;
    d.next += bytes.length;
    d.lastFrame = frame;
    if (this.truncated) return;
    let b = bytes;
    if (b.length > this.budget) {
      b = b.subarray(0, this.budget);
      this.truncated = true;
    }
    this.budget -= b.length;
    d.shown += b.length;
    if (b.length > 0) this.pieces.push({ type: 'data', dir, frame, time, offset, hex: toHex(b) });
  }
}

/** One datagram of a UDP flow (Wireshark's Follow UDP Stream), or one DNS message. */
export interface StreamMessage {
  dir: 0 | 1;
  frame: number;
  time: number;
  /** The payload (UDP) or the message without its length prefix (DNS over TCP), as hex; cut at maxBytes. */
  hex: string;
  length: number;
}

/**
 * Gather a flow's datagrams (UDP) or its DNS-over-TCP messages, bounded like the TCP
 * stream: once `maxBytes` are taken, the rest only counts.
 */
export class MessageCollector {
  readonly messages: StreamMessage[] = [];
  truncated = false;
  private budget: number;
  constructor(maxBytes = 8 << 20) {
    this.budget = maxBytes;
  }
  add(dir: 0 | 1, frame: number, time: number, bytes: Uint8Array): void {
    if (this.budget <= 0) {
      this.truncated = true;
      return;
    }
    const b = bytes.length > this.budget ? bytes.subarray(0, this.budget) : bytes;
    if (b.length < bytes.length) this.truncated = true;
    this.budget -= b.length;
    this.messages.push({ dir, frame, time, hex: toHex(b), length: bytes.length });
  }
}

/** One QUIC stream's data in one direction, reassembled by offset (RFC 9000 2.2). */
export interface QuicStreamView {
  /** The connection (QuicJson.number). */
  connection: number;
  id: number;
  /** RFC 9000 2.1: the two low bits of the ID. */
  initiator: 'client' | 'server';
  bidirectional: boolean;
  /** 0 client → server, 1 server → client. */
  dir: 0 | 1;
  /** The bytes in offset order, as hex; holes (data never decrypted) as gap pieces. */
  pieces: ({ type: 'data'; offset: number; frame: number; time: number; hex: string } | { type: 'gap'; offset: number; length: number })[];
  bytes: number;
  fin: boolean;
  firstFrame: number;
  /**
   * The client's 0-RTT data on this stream, which the server rejected: discarded unread
   * (RFC 9001 4.6.2), so apart from the stream's 1-RTT data (its own view), which the
   * client sends again from offset 0 — the same bytes or others.
   */
  rejectedEarlyData: boolean;
}

/**
 * A connection's STREAM frames as streams: each direction of each stream by offset,
 * retransmitted bytes once — from the packet sent first (lowest packet number: 0-RTT
 * and 1-RTT number their packets in one space, RFC 9000 12.3). 0-RTT data the server
 * accepted is part of its stream; data it rejected (`earlyRejected`) is a view apart.
 */
export function quicStreams(connection: number, frames: readonly QuicStreamFrame[], earlyRejected = false): QuicStreamView[] {
  const byKey = new Map<string, QuicStreamFrame[]>();
  for (const f of frames) {
    const k = `${f.id} ${f.fromClient ? 0 : 1}${earlyRejected && f.zeroRtt ? ' 0-RTT' : ''}`;
    let l = byKey.get(k);
    if (!l) byKey.set(k, (l = []));
    l.push(f);
  }
  const out: QuicStreamView[] = [];
  for (const list of byKey.values()) {
    const sorted = [...list].sort((a, b) => a.offset - b.offset || a.pn - b.pn || a.frame - b.frame);
    const v: QuicStreamView = {
      connection,
      id: list[0].id,
      initiator: list[0].id & 1 ? 'server' : 'client',
      bidirectional: (list[0].id & 2) === 0,
      dir: list[0].fromClient ? 0 : 1,
      pieces: [],
      bytes: 0,
      fin: list.some((f) => f.fin),
      firstFrame: Math.min(...list.map((f) => f.frame)),
      rejectedEarlyData: earlyRejected && list[0].zeroRtt,
    };
    let next = 0;
    for (const f of sorted) {
      const end = f.offset + f.data.length;
      if (end <= next && f.data.length > 0) continue;
      if (f.offset > next) v.pieces.push({ type: 'gap', offset: next, length: f.offset - next });
      const from = Math.max(0, next - f.offset);
      if (from < f.data.length) {
        v.pieces.push({ type: 'data', offset: f.offset + from, frame: f.frame, time: f.time, hex: toHex(f.data.subarray(from)) });
        v.bytes += f.data.length - from;
      }
      next = Math.max(next, end);
    }
    out.push(v);
  }
  return out.sort((a, b) => a.firstFrame - b.firstFrame || a.id - b.id || a.dir - b.dir);
}
