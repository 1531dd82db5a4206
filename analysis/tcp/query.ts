// The TCP query module: what the UI, `stateline packets` and the JSON read of a TCP flow,
// taken from the tracker's own per-packet columns (./columns: relative seq/ack, the
// window as Wireshark scales it — from the SYNs or inferred —, bytes in flight, ACK RTT,
// event bits). Nothing here recomputes a TCP fact: one road from tracker to chart.
//
//  - packetFacts(): one packet's TCP numbers as Wireshark prints them (tcp.seq, tcp.ack,
//    tcp.window_size, tcp.analysis.bytes_in_flight, tcp.analysis.ack_rtt);
//  - TcpFlowColumns: a flow's packets as columns for the charts (sequence numbers
//    unwrapped past 2^32), built once per flow opened;
//  - downsample(): never more points than pixels, flagged packets kept;
//  - stateLanes(): each endpoint's RFC 9293 state as intervals;
//  - lostStateSpans(): where an endpoint lost the connection's state, from the
//    tcp.peer-lost-state events' own frames (the lanes' hatched "lost somewhere here").

import { TcpFlag } from '../../parsers/decode/index';
import type { Analysis } from '../analysis';
import type { LostStateSpan } from '../api';
import type { TcpStateJson } from '../model';
import type { TcpColumns } from './columns';
import { TCP_KIND_BY_BIT, TcpBit } from './kinds';
import { TcpTracker } from './tracker';

const SYN = TcpFlag.SYN, FIN = TcpFlag.FIN, RST = TcpFlag.RST, ACK = TcpFlag.ACK;
const TWO32 = 4294967296;

/** The TCP tracker of an analysis, if it ran. */
export function tcpTrackerOf(analysis: Analysis): TcpTracker | null {
  for (const t of analysis.trackers) if (t instanceof TcpTracker) return t;
  return null;
}

const FLAG_NAMES: [number, string][] = [
  [SYN, 'SYN'], [ACK, 'ACK'], [TcpFlag.PSH, 'PSH'], [FIN, 'FIN'], [RST, 'RST'], [TcpFlag.URG, 'URG'], [TcpFlag.ECE, 'ECE'], [TcpFlag.CWR, 'CWR'],
];

/** "SYN,ACK" for the flags byte. */
export function tcpFlagString(f: number): string {
  const out: string[] = [];
  for (const [bit, name] of FLAG_NAMES) if (f & bit) out.push(name);
  return out.join(',');
}

/** One TCP packet's numbers, as Wireshark's fields name them (null where a field is absent). */
export interface TcpPacketFacts {
  /** tcp.seq: relative to the sender's ISN (or first seq − 1 mid-stream), mod 2^32. */
  seq: number;
  /** tcp.ack: relative to the peer's base; null without the ACK flag. */
  ack: number | null;
  /** tcp.window_size: the advertised window in bytes, scaled (by the SYNs' option or the inferred shift). */
  window: number;
  /** tcp.analysis.bytes_in_flight, where Wireshark computes it (segments carrying sequence space). */
  bytesInFlight: number | null;
  /** tcp.analysis.ack_rtt: seconds from the segment this ACK acknowledges to the ACK. */
  ackRtt: number | null;
}

/** The facts of packet index `i` (frame − 1) with TCP flags `flags`. */
export function packetFacts(tc: TcpColumns, i: number, flags: number): TcpPacketFacts {
  const inFlight = tc.inFlight(i);
  const rtt = flags & ACK ? tc.rttAt(i + 1) : NaN;
  return {
    seq: tc.relSeq(i),
    ack: flags & ACK ? tc.relAck(i) : null,
    window: tc.window(i),
    bytesInFlight: inFlight > 0 ? inFlight : null,
    ackRtt: rtt === rtt ? rtt : null,
  };
}

/**
 * A TCP flow's packets as columns, in file order (k = position in the flow), for the
 * charts. The numbers are the tracker's; sequence and acknowledgement numbers are
 * unwrapped past 2^32 per direction so that a long transfer stays one rising curve.
 */
export class TcpFlowColumns {
  readonly t: Float64Array;
  readonly frame: Uint32Array;
  readonly dir: Uint8Array;
  /** Relative sequence number of the first byte, unwrapped. */
  readonly seq: Float64Array;
  /** Sequence space taken: payload bytes, plus one for SYN and for FIN. */
  readonly len: Float64Array;
  /** Relative ACK, unwrapped; NaN without the ACK flag. */
  readonly ack: Float64Array;
  /** Advertised window in bytes, scaled as Wireshark's tcp.window_size. */
  readonly win: Float64Array;
  readonly flags: Uint16Array;
  /** Bytes in flight (Wireshark's); NaN where it is not computed. */
  readonly inFlight: Float64Array;
  /** 1 where the frame carries events of this flow. */
  readonly hasKinds: Uint8Array;
  /** Whether the times ascend (file order is time order). */
  sorted = true;

  constructor(readonly n: number) {
    this.t = new Float64Array(n);
    this.frame = new Uint32Array(n);
    this.dir = new Uint8Array(n);
    this.seq = new Float64Array(n);
    this.len = new Float64Array(n);
    this.ack = new Float64Array(n);
    this.win = new Float64Array(n);
    this.flags = new Uint16Array(n);
    this.inFlight = new Float64Array(n);
    this.hasKinds = new Uint8Array(n);
  }

  /** Flagged for downsampling: events, or SYN/FIN/RST. */
  flagged(k: number): boolean {
    return this.hasKinds[k] === 1 || (this.flags[k] & (SYN | FIN | RST)) !== 0;
  }
}

/**
 * Columns of the packets `idx` (indices frame − 1, the flow's in file order), read from
 * the analysis's packet columns and the TCP tracker's. `hasEvent(frame)` says whether
 * the flow has an event on that frame.
 */
export function tcpFlowColumns(analysis: Analysis, tc: TcpColumns, idx: Uint32Array, hasEvent: (frame: number) => boolean): TcpFlowColumns {
  const cols = analysis.columns;
  const c = new TcpFlowColumns(idx.length);
  const seqPrev = [-1, -1], seqWrap = [0, 0], ackPrev = [-1, -1], ackWrap = [0, 0];
  const unwrap = (v: number, prev: number[], wrap: number[], d: number): number => {
    if (prev[d] >= 0) {
      // a step of more than 2^31 is a wrap (forward past 2^32, or back below the base)
      if (prev[d] - v > TWO32 / 2) wrap[d] += TWO32;
      else if (v - prev[d] > TWO32 / 2) wrap[d] -= TWO32;
    }
    prev[d] = v;
    return v + wrap[d];
  };
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    const d = cols.dir[i];
    const flags = cols.tcpFlags[i];
    const t = cols.time[i];
    if (k > 0 && t < c.t[k - 1]) c.sorted = false;
    c.t[k] = t;
    c.frame[k] = i + 1;
    c.dir[k] = d;
    c.flags[k] = flags;
    c.seq[k] = unwrap(tc.relSeq(i), seqPrev, seqWrap, d);
    c.len[k] = cols.payloadLen[i] + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0);
    c.ack[k] = flags & ACK ? unwrap(tc.relAck(i), ackPrev, ackWrap, 1 - d) : NaN;
    c.win[k] = tc.window(i);
    const f = tc.inFlight(i);
    c.inFlight[k] = f > 0 ? f : NaN;
    if (hasEvent(i + 1)) c.hasKinds[k] = 1;
  }
  return c;
}

function bucketIndex(t: number, from: number, width: number, n: number): number {
  const k = Math.floor((t - from) / width);
  return k < 0 ? 0 : k >= n ? n - 1 : k;
}

/** The first k in [0, n) with t[k] >= x (or > x when `strict`); t ascending. */
export function lowerBound(t: Float64Array, n: number, x: number, strict: boolean): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strict ? t[mid] <= x : t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Positions k of the packets whose time lies in [from, to]. */
export function inWindow(c: TcpFlowColumns, from: number, to: number): Uint32Array {
  // a binary search when file order is time order (all but captures whose clock jumped
  // back), a scan otherwise
  if (c.sorted) {
    const lo = lowerBound(c.t, c.n, from, false), hi = lowerBound(c.t, c.n, to, true);
    const out = new Uint32Array(Math.max(0, hi - lo));
    for (let k = lo; k < hi; k++) out[k - lo] = k;
    return out;
  }
  const ks: number[] = [];
  for (let k = 0; k < c.n; k++) if (c.t[k] >= from && c.t[k] <= to) ks.push(k);
  return Uint32Array.from(ks);
}

/**
 * Keep at most `max` of the packets `ks` (positions in `c`): flagged ones (events,
 * SYN/FIN/RST) first, then, per time bucket and direction, the one reaching highest in
 * sequence space (the curve's top). Returns positions in time order.
 */
export function downsample(c: TcpFlowColumns, ks: Uint32Array, max: number, from: number, to: number): Uint32Array {
  if (ks.length <= max) return ks;
  const flagged: number[] = [];
  const rest: number[] = [];
  for (const k of ks) (c.flagged(k) ? flagged : rest).push(k);
  let keepFlagged = flagged;
  const flaggedBudget = Math.floor(max / 2);
  if (flagged.length > flaggedBudget) {
    keepFlagged = [];
    const step = flagged.length / flaggedBudget;
    for (let j = 0; j < flaggedBudget; j++) keepFlagged.push(flagged[Math.floor(j * step)]);
  }
  const buckets = Math.max(1, Math.floor((max - keepFlagged.length) / 2));
  const width = Math.max((to - from) / buckets, 1e-12);
  // per bucket and direction, the packet reaching highest (-1: none)
  const best = new Int32Array(buckets * 2).fill(-1);
  for (const k of rest) {
    const key = bucketIndex(c.t[k], from, width, buckets) * 2 + (c.dir[k] ? 1 : 0);
    const cur = best[key];
    if (cur < 0 || c.seq[k] + c.len[k] > c.seq[cur] + c.len[cur]) best[key] = k;
  }
  const out = keepFlagged.slice();
  for (let b = 0; b < best.length; b++) if (best[b] >= 0) out.push(best[b]);
  out.sort((p, q) => c.t[p] - c.t[q] || c.frame[p] - c.frame[q]);
  return Uint32Array.from(out.slice(0, max));
}

export interface StateInterval {
  state: string;
  from: number;
  to: number;
  /** The frame whose segment moved the endpoint into this state. */
  frame: number;
}

/** Each endpoint's RFC 9293 states (flows[].tcp.states) as intervals up to `end`. */
export function stateLanes(states: readonly TcpStateJson[], end: number): { client: StateInterval[]; server: StateInterval[] } {
  const build = (side: 'client' | 'server'): StateInterval[] => {
    const out: StateInterval[] = [];
    for (const s of states) {
      const last = out[out.length - 1];
      if (last && last.state === s[side]) continue;
      if (last) last.to = s.time;
      out.push({ state: s[side], from: s.time, to: end, frame: s.frame });
    }
    if (out.length) out[out.length - 1].to = Math.max(out[out.length - 1].from, end);
    return out;
  };
  return { client: build('client'), server: build('server') };
}

const PEER_LOST_STATE = TCP_KIND_BY_BIT[TcpBit.PEER_LOST_STATE];

/**
 * Where an endpoint of a flow lost the connection's state: one span per
 * tcp.peer-lost-state among `events` (the flow's), from the RST sender's own last frame
 * before it — the last proof that it held the connection, which the event names among
 * its related frames — to the RST, the first proof that it did not. Times and the
 * sender's side are the packet columns' (`time`, `dir`, indexed frame − 1); an event that
 * names no earlier frame of its sender gives no span.
 */
export function lostStateSpans(
  events: readonly { kind: string; frame: number; related: readonly number[] }[],
  time: ArrayLike<number>,
  dir: ArrayLike<number>,
): LostStateSpan[] {
  const out: LostStateSpan[] = [];
  for (const e of events) {
    if (e.kind !== PEER_LOST_STATE) continue;
    const d = dir[e.frame - 1];
    // the related frames are the peer's segment the RST answered and the sender's last
    let fromFrame = 0;
    for (const r of e.related) if (r < e.frame && dir[r - 1] === d && r > fromFrame) fromFrame = r;
    if (fromFrame === 0) continue;
    out.push({ endpoint: d === 0 ? 'client' : 'server', from: time[fromFrame - 1], to: time[e.frame - 1], fromFrame, toFrame: e.frame });
  }
  return out;
}
