// Timeline data of one TCP flow for the UI (the query layer calls this): each
// endpoint's RFC 9293 state as intervals, and per direction the sequence/time points
// with their flags, the peer's ACK line and receive-window edge, bytes in flight and
// RTT samples — downsampled on request to at most N points per series without losing
// a flagged point (an event, SYN, FIN or RST is always kept).

import type { Analysis } from '../analysis';
import { TCP_KIND_BY_BIT } from './kinds';
import { TcpConn, TcpTracker } from './tracker';

export interface TcpStateInterval {
  endpoint: 'client' | 'server';
  /** RFC 9293 state name. */
  state: string;
  /** Seconds since the epoch; `to` is the next change, or the flow's end. */
  from: number;
  to: number;
  /** The frame whose segment moved the endpoint into this state. */
  frame: number;
  /** Set when the observer assumed the state (mid-stream pickup, a SYN not captured). */
  guess?: string;
}

export interface TcpSeqPoint {
  t: number;
  frame: number;
  /** Relative sequence number of the first byte (unwrapped past 2^32) and of the byte after the segment (SYN/FIN count one). */
  seq: number;
  end: number;
  /** Payload bytes. */
  len: number;
  /** TCP flags (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 …). */
  flags: number;
  /** Event kinds flagged on this frame (tcp.*). */
  kinds: string[];
  /** Bytes in flight after this segment (Wireshark's bytes_in_flight), 0 when not computed. */
  inFlight: number;
}

export interface TcpLinePoint {
  t: number;
  frame: number;
  value: number;
}

export interface TcpDirection {
  /** 0 = client → server, 1 = server → client. */
  dir: 0 | 1;
  /** Sender and receiver as ip:port. */
  from: string;
  to: string;
  /** The data segments (and SYN/FIN/RST) of this direction. */
  points: TcpSeqPoint[];
  /** The receiver's acknowledgements of this direction's data (relative, same space as `seq`). */
  ack: TcpLinePoint[];
  /** The receiver's window edge: its ACK plus its advertised (scaled) window. */
  windowEdge: TcpLinePoint[];
  /** The receiver's advertised window in bytes. */
  window: TcpLinePoint[];
  /** Bytes in flight of this direction's sender. */
  inFlight: TcpLinePoint[];
  /** RTT samples of this direction's data (seconds), at the ACK that produced them. */
  rtt: TcpLinePoint[];
}

export interface TcpTimeline {
  flow: number;
  from: number;
  to: number;
  states: TcpStateInterval[];
  directions: [TcpDirection, TcpDirection];
  /** Packets of the flow inside [from, to] before downsampling. */
  packetsInRange: number;
  /** True when some series were thinned to maxPoints. */
  downsampled: boolean;
}

export interface TcpTimelineQuery {
  flow: number;
  /** Time range (seconds since the epoch); defaults to the whole flow. */
  from?: number;
  to?: number;
  /** At most this many points per series (flagged points are always kept). Default 2000. */
  maxPoints?: number;
  /** Packet indices (frame − 1) of the flow in capture order, when the caller has them (saves a scan). */
  indices?: ArrayLike<number>;
}

/** The TCP tracker of an analysis, if it ran. */
export function tcpTrackerOf(analysis: Analysis): TcpTracker | null {
  for (const t of analysis.trackers) if (t instanceof TcpTracker) return t;
  return null;
}

const TWO32 = 4294967296;

export function tcpTimeline(analysis: Analysis, q: TcpTimelineQuery): TcpTimeline | null {
  const tracker = tcpTrackerOf(analysis);
  const flow = analysis.flows.flows[q.flow - 1];
  if (!tracker || !flow || !(flow.tracker instanceof TcpConn)) return null;
  const conn = flow.tracker;
  const cols = analysis.columns;
  const tc = tracker.columns;
  const from = q.from ?? flow.start;
  const to = q.to ?? flow.end;
  const maxPoints = Math.max(2, q.maxPoints ?? 2000);

  let idx: ArrayLike<number>;
  if (q.indices) idx = q.indices;
  else {
    const list: number[] = [];
    for (let i = flow.firstFrame - 1; i < flow.lastFrame && i < cols.length; i++) if (cols.flow[i] === flow.id) list.push(i);
    idx = list;
  }

  const dirs: [TcpDirection, TcpDirection] = [
    { dir: 0, from: flow.endpoint(true), to: flow.endpoint(false), points: [], ack: [], windowEdge: [], window: [], inFlight: [], rtt: [] },
    { dir: 1, from: flow.endpoint(false), to: flow.endpoint(true), points: [], ack: [], windowEdge: [], window: [], inFlight: [], rtt: [] },
  ];
  // unwrap relative numbers per direction (seq of d, and acks of d's data sent by 1 − d)
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
  const rttAt = new Map<number, number>();
  for (let k = 0; k < tc.rttCount; k++) {
    const f = tc.rttFrame(k);
    if (f >= flow.firstFrame && f <= flow.lastFrame) rttAt.set(f, tc.rttValue(k));
  }
  const flagged: [Uint8Array, Uint8Array] = [new Uint8Array(idx.length), new Uint8Array(idx.length)];
  let inRange = 0;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    const t = cols.time[i];
    const d = cols.dir[i];
    const flags = cols.tcpFlags[i];
    const relSeq = tc.relSeq(i);
    const seq = unwrap(relSeq, seqPrev, seqWrap, d);
    let ack = -1;
    if (flags & 0x10 && i < tc.length) ack = unwrap(tc.relAck(i), ackPrev, ackWrap, 1 - d);
    if (t < from || t > to) continue;
    inRange++;
    const frame = i + 1;
    const len = cols.payloadLen[i];
    const bits = tc.bits(i);
    const D = dirs[d];
    if (len > 0 || flags & 0x07 || bits !== 0) {
      const kinds: string[] = [];
      if (bits !== 0) for (let b = 1; b !== 0 && b <= bits; b <<= 1) if (bits & b && TCP_KIND_BY_BIT[b]) kinds.push(TCP_KIND_BY_BIT[b]);
      const p: TcpSeqPoint = { t, frame, seq, end: seq + len + (flags & 0x02 ? 1 : 0) + (flags & 0x01 ? 1 : 0), len, flags, kinds, inFlight: tc.inFlight(i) };
      if (kinds.length || flags & 0x07) flagged[d][D.points.length] = 1;
      D.points.push(p);
      if (p.inFlight > 0) D.inFlight.push({ t, frame, value: p.inFlight });
    }
    if (ack >= 0) {
      // d acknowledges the other direction's data and advertises its window for it
      const O = dirs[1 - d];
      const win = tc.window(i);
      O.ack.push({ t, frame, value: ack });
      O.window.push({ t, frame, value: win });
      O.windowEdge.push({ t, frame, value: ack + win });
      const r = rttAt.get(frame);
      if (r !== undefined) O.rtt.push({ t, frame, value: r });
    }
  }
  let downsampled = false;
  for (const D of dirs) {
    const f = flagged[D.dir];
    if (D.points.length > maxPoints) {
      D.points = thinPoints(D.points, f, maxPoints);
      downsampled = true;
    }
    for (const key of ['ack', 'windowEdge', 'window', 'inFlight', 'rtt'] as const) {
      if (D[key].length > maxPoints) {
        D[key] = thinLine(D[key], maxPoints);
        downsampled = true;
      }
    }
  }
  return { flow: flow.id, from, to, states: stateIntervals(conn, flow.end), directions: dirs, packetsInRange: inRange, downsampled };
}

/** Each endpoint's RFC 9293 states as intervals. */
export function stateIntervals(conn: TcpConn, end: number): TcpStateInterval[] {
  const out: TcpStateInterval[] = [];
  const open: (TcpStateInterval | null)[] = [null, null];
  for (const s of conn.states) {
    for (const [k, name] of [[0, s.client], [1, s.server]] as const) {
      const cur = open[k];
      if (cur && cur.state === name) continue;
      if (cur) cur.to = s.time;
      const iv: TcpStateInterval = { endpoint: k === 0 ? 'client' : 'server', state: name, from: s.time, to: end, frame: s.frame };
      if (s.guess) iv.guess = s.guess;
      out.push(iv);
      open[k] = iv;
    }
  }
  return out;
}

/** Keep every flagged point and an even spread of the others: at most `max` (or the flagged count). */
function thinPoints(points: TcpSeqPoint[], flagged: Uint8Array, max: number): TcpSeqPoint[] {
  let nFlagged = 0;
  for (let k = 0; k < points.length; k++) nFlagged += flagged[k];
  const budget = Math.max(0, max - nFlagged);
  const others = points.length - nFlagged;
  const step = budget > 0 ? others / budget : Infinity;
  const out: TcpSeqPoint[] = [];
  let seen = 0, nextKeep = 0;
  for (let k = 0; k < points.length; k++) {
    if (flagged[k]) {
      out.push(points[k]);
      continue;
    }
    if (seen >= nextKeep) {
      out.push(points[k]);
      nextKeep += step;
    }
    seen++;
  }
  return out;
}

/** Min and max per bucket (so peaks and dips survive), at most `max` points. */
function thinLine(line: TcpLinePoint[], max: number): TcpLinePoint[] {
  const buckets = Math.max(1, Math.floor(max / 2));
  const per = line.length / buckets;
  const out: TcpLinePoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const a = Math.floor(b * per), z = Math.min(line.length, Math.floor((b + 1) * per));
    if (a >= z) continue;
    let lo = a, hi = a;
    for (let k = a + 1; k < z; k++) {
      if (line[k].value < line[lo].value) lo = k;
      if (line[k].value > line[hi].value) hi = k;
    }
    if (lo === hi) out.push(line[lo]);
    else if (lo < hi) out.push(line[lo], line[hi]);
    else out.push(line[hi], line[lo]);
  }
  return out;
}
