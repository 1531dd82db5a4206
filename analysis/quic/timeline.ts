// QUIC packet types over time, per connection, for the UI timeline: the query function
// the UI asks (DESIGN.md: never more points than pixels).

import type { Analysis } from '../analysis';
import { PACKET_TYPE_NAMES } from '../../parsers/quic/header';
import type { QuicConn } from './conn';
import { QuicTracker } from './tracker';

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

export function quicConnection(a: Analysis, number: number): QuicConn | null {
  return quicTracker(a)?.conns[number] ?? null;
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
