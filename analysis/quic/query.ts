// What the query layer (../query.ts) and the UI ask of the QUIC connections of a
// finished analysis, read from the tracker's own per-connection timeline (one entry per
// QUIC packet: frame, time, type, direction, path), never recorded a second time.
// DESIGN.md: never more points than pixels, so every answer is bounded by maxPoints.

import type { Analysis } from '../analysis';
import type { QuicPacketTypeCount } from '../api';
import { PACKET_TYPE_NAMES } from '../../parsers/quic/header';
import type { QuicConn } from './conn';
import { QuicTracker } from './tracker';

/** The charts' names of the PacketType codes (Initial 0 … 1-RTT 5). */
const CHART_TYPE_NAMES = ['Initial', '0-RTT', 'Handshake', 'Retry', 'VN', '1-RTT'] as const;

export interface QuicTimelinePoint {
  /** First frame of the bucket (the frame itself when not downsampled). */
  frame: number;
  time: number;
  /** 'Initial' | '0-RTT' | 'Handshake' | 'Retry' | 'VersionNegotiation' | '1-RTT'. */
  type: (typeof PACKET_TYPE_NAMES)[number];
  /** 'client' → server or 'server' → client. */
  from: 'client' | 'server';
  /** Index into the connection's paths. */
  path: number;
  /** Packets this point stands for (1 unless downsampled). */
  count: number;
  /** Attributed by inference (see QuicJson.inferredFrames). */
  inferred: boolean;
}

export interface QuicTimeline {
  number: number;
  total: number;
  downsampled: boolean;
  points: QuicTimelinePoint[];
}

export interface QuicTimelineOptions {
  /** Time range (seconds since the epoch), inclusive. */
  from?: number;
  to?: number;
  /** At most this many points (long-header packets are always kept; 1-RTT packets are bucketed). */
  maxPoints?: number;
}

/** The QUIC tracker of an analysis, if it ran. */
export function quicTracker(a: Analysis): QuicTracker | null {
  for (const t of a.trackers) if (t instanceof QuicTracker) return t;
  return null;
}

/** Connection `number` (as in QuicJson), if the QUIC tracker ran and found it. */
export function quicConnection(a: Analysis, number: number): QuicConn | null {
  return quicTracker(a)?.conns[number] ?? null;
}

/**
 * QUIC packet types over time for connection `number` (the UI's lanes per type): the
 * connection's span, from its first to its last packet, cut into at most maxPoints
 * buckets of equal width; per type and non-empty bucket, the packets in it, at the
 * bucket's middle. Every QUIC packet counts, coalesced ones included.
 */
export function quicPacketTypes(a: Analysis, number: number, maxPoints: number): QuicPacketTypeCount[] {
  const c = quicConnection(a, number);
  if (!c) return [];
  const tl = c.timeline;
  const entries = tl.entries();
  if (entries.length === 0) return [];
  // entries added at the end of the capture (inferred paths) may come after later ones
  let from = Infinity, to = -Infinity;
  for (let k = 0; k < entries.length; k++) {
    const t = tl.time(entries[k]);
    if (t < from) from = t;
    if (t > to) to = t;
  }
  const n = Math.max(1, Math.min(Math.floor(maxPoints) || 1, entries.length));
  const width = Math.max((to - from) / n, 1e-9);
  const types = CHART_TYPE_NAMES.length;
  const counts = new Uint32Array(types * n);
  for (let k = 0; k < entries.length; k++) {
    const i = entries[k];
    const b = Math.min(n - 1, Math.max(0, Math.floor((tl.time(i) - from) / width)));
    counts[tl.type(i) * n + b]++;
  }
  const out: QuicPacketTypeCount[] = [];
  for (let type = 0; type < types; type++) {
    for (let b = 0; b < n; b++) {
      const count = counts[type * n + b];
      if (count) out.push({ type: CHART_TYPE_NAMES[type], t: from + (b + 0.5) * width, count });
    }
  }
  return out;
}

/** Packet types over time for one connection (number as in QuicJson). */
export function quicTimeline(a: Analysis, number: number, opts: QuicTimelineOptions = {}): QuicTimeline | null {
  const c = quicConnection(a, number);
  if (!c) return null;
  const tl = c.timeline;
  const inferred = new Set(c.inferredFrames.view());
  const idx: number[] = [];
  const entries = tl.entries();
  for (let k = 0; k < entries.length; k++) {
    const i = entries[k];
    const t = tl.time(i);
    if (opts.from !== undefined && t < opts.from) continue;
    if (opts.to !== undefined && t > opts.to) continue;
    idx.push(i);
  }
  idx.sort((x, y) => tl.frame(x) - tl.frame(y));
  const point = (i: number, count: number): QuicTimelinePoint => ({
    frame: tl.frame(i), time: tl.time(i), type: PACKET_TYPE_NAMES[tl.type(i)] ?? '1-RTT',
    from: tl.dir(i) === 0 ? 'client' : 'server', path: tl.path(i), count, inferred: inferred.has(tl.frame(i)),
  });
  const max = opts.maxPoints ?? Infinity;
  if (idx.length <= max) return { number, total: idx.length, downsampled: false, points: idx.map((i) => point(i, 1)) };
  // keep every long-header packet; bucket the 1-RTT ones by time, direction and path
  const long = idx.filter((i) => tl.type(i) !== 5);
  const short = idx.filter((i) => tl.type(i) === 5);
  const budget = Math.max(1, max - long.length);
  const t0 = tl.time(idx[0]), t1 = tl.time(idx[idx.length - 1]);
  const buckets = Math.max(1, Math.floor(budget / 4));
  const width = (t1 - t0) / buckets || 1;
  const agg = new Map<string, QuicTimelinePoint>();
  for (const i of short) {
    const b = Math.min(buckets - 1, Math.floor((tl.time(i) - t0) / width));
    const key = `${b}|${tl.dir(i)}|${tl.path(i)}`;
    const p = agg.get(key);
    if (p) p.count++;
    else agg.set(key, point(i, 1));
  }
  const points = [...long.map((i) => point(i, 1)), ...agg.values()].sort((x, y) => x.frame - y.frame);
  return { number, total: idx.length, downsampled: true, points };
}
