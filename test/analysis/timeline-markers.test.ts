// The timeline's markers (CaptureQuery.timeline, timelineMarkers): one per event while
// they are few; past MARKER_WALL events in range, one per pixel column with its count,
// its events per kind and its worst severity — never a wall. On the bench workload
// (gen-bench-pcap.js, 20,000 packets: 470 events in 12.6 s, the density of the
// 1,000,000-packet bench capture) and the sample.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../analysis/analyze';
import { CaptureQuery, MARKER_WALL } from '../../analysis/capture-query';
import type { EventJson, Severity } from '../../analysis/model';
import { benchCapture, BENCH_GENERATOR, HAVE_BENCH_GENERATOR } from './bench-capture';

const RANK: Record<Severity, number> = { info: 1, warning: 2, break: 3 };
const column = (t: number, from: number, bucket: number, n: number): number => Math.min(n - 1, Math.max(0, Math.floor((t - from) / bucket)));

describe('timeline markers on the sample', () => {
  it('are one per event, each of count 1', async () => {
    const q = new CaptureQuery(await analyzeCapture(readFileSync(join(__dirname, '../../fixtures/sample.pcapng'))));
    const events = q.exportJson().events;
    const tl = q.timeline({ flow: null, maxPoints: 1000 });
    expect(tl.markers.map((m) => [m.frame, m.kind, m.count, m.kinds])).toEqual(events.map((e) => [e.frame, e.kind, 1, [{ kind: e.kind, count: 1 }]]));
  });
});

if (!HAVE_BENCH_GENERATOR) console.warn(`\n[timeline markers] bench workload SKIPPED: ${BENCH_GENERATOR} is absent\n`);

describe.skipIf(!HAVE_BENCH_GENERATOR)('timeline markers on the bench workload (20,000 packets)', () => {
  let q: CaptureQuery;
  let events: EventJson[];
  let remove = (): void => {};

  beforeAll(async () => {
    const gen = benchCapture(20_000)!;
    remove = gen.remove;
    q = new CaptureQuery(await analyzeCapture(readFileSync(gen.file)));
    events = q.exportJson().events;
  }, 120_000);
  afterAll(() => remove());

  /** The events per pixel column of a timeline. */
  function columns(from: number, bucket: number, n: number, evs: EventJson[]): Map<number, EventJson[]> {
    const byCol = new Map<number, EventJson[]>();
    for (const e of evs) {
      const c = column(e.time, from, bucket, n);
      byCol.set(c, [...(byCol.get(c) ?? []), e]);
    }
    return byCol;
  }

  it('aggregates past MARKER_WALL events: one marker per pixel column, counted per kind, in its worst severity', () => {
    expect(events.length).toBeGreaterThan(MARKER_WALL);
    const n = 1300; // the overview's plot on a 1400-pixel window
    const tl = q.timeline({ flow: null, maxPoints: n });
    const ms = tl.markers;
    const byCol = columns(tl.from, tl.bucket, n, events);
    // one marker per column that has events, in time order
    expect(ms.length).toBe(byCol.size);
    expect(ms.length).toBeLessThan(events.length);
    const cols = ms.map((m) => column(m.t, tl.from, tl.bucket, n));
    expect(cols).toEqual([...byCol.keys()].sort((a, b) => a - b));
    // every event counted once; per kind as in the JSON
    expect(ms.reduce((s, m) => s + m.count, 0)).toBe(events.length);
    const perKind = new Map<string, number>();
    for (const m of ms) for (const k of m.kinds) perKind.set(k.kind, (perKind.get(k.kind) ?? 0) + k.count);
    const want = new Map<string, number>();
    for (const e of events) want.set(e.kind, (want.get(e.kind) ?? 0) + 1);
    expect(perKind).toEqual(want);
    ms.forEach((m, i) => {
      const evs = byCol.get(cols[i])!;
      expect(m.count).toBe(evs.length);
      expect(m.kinds.reduce((s, k) => s + k.count, 0)).toBe(m.count);
      for (let j = 1; j < m.kinds.length; j++) expect(m.kinds[j - 1].count).toBeGreaterThanOrEqual(m.kinds[j].count);
      // shown by the column's first event of its worst severity
      const worst = Math.max(...evs.map((e) => RANK[e.severity]));
      const first = evs.filter((e) => RANK[e.severity] === worst).sort((a, b) => a.time - b.time)[0];
      expect([m.severity, m.frame, m.kind, m.flow, m.message]).toEqual([first.severity, first.frame, first.kind, first.flow, first.message]);
    });
    // aggregated for real: columns holding several events, of several kinds
    expect(ms.filter((m) => m.count > 1).length).toBeGreaterThan(20);
    expect(ms.some((m) => m.kinds.length > 1)).toBe(true);
  });

  it('gives one marker per event again when a zoom holds at most MARKER_WALL of them', () => {
    const t0 = events[0].time;
    const inRange = (to: number) => events.filter((e) => e.time >= t0 && e.time <= to).length;
    let to = t0 + 1;
    while (inRange(to) > MARKER_WALL) to = t0 + (to - t0) / 2;
    const tl = q.timeline({ flow: null, from: t0, to, maxPoints: 1300 });
    expect(tl.markers.length).toBe(inRange(to));
    expect(tl.markers.every((m) => m.count === 1 && m.kinds.length === 1 && m.kinds[0].kind === m.kind)).toBe(true);
  });

  it('never sends more markers than columns', () => {
    for (const n of [1, 10, 200]) {
      const tl = q.timeline({ flow: null, maxPoints: n });
      expect(tl.markers.length).toBeLessThanOrEqual(n);
      expect(tl.markers.reduce((s, m) => s + m.count, 0)).toBe(events.length);
    }
  });
});
