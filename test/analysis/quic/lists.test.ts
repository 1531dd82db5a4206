// The connections' shared append-only logs (analysis/quic/lists.ts) against plain arrays.
import { describe, expect, it } from 'vitest';
import { FrameList, IntLog, Timeline, TimelineLog } from '../../../analysis/quic/lists';

describe('QUIC connection lists', () => {
  it('frame lists of many connections interleaved in one log, across chunk boundaries', () => {
    const log = new IntLog();
    const lists = Array.from({ length: 7 }, () => new FrameList(log));
    const want: number[][] = lists.map(() => []);
    for (let i = 0; i < 30_000; i++) {
      const k = (i * 7919) % 7;
      const v = (i * 104_729) % 50_000;
      lists[k].push(v);
      want[k].push(v);
    }
    lists.forEach((l, k) => {
      expect(l.length).toBe(want[k].length);
      expect(l.toArray()).toEqual(want[k]);
    });
    // once read whole, a list goes on in its own array
    lists[0].push(-5);
    want[0].push(-5);
    lists[0].retain((v) => v % 3 !== 0);
    lists[0].sort();
    expect(lists[0].toArray()).toEqual(want[0].filter((v) => v % 3 !== 0).sort((x, y) => x - y));
    lists[0].push(1);
    expect(lists[0].view().at(-1)).toBe(1);
    const empty = new FrameList(log);
    expect(empty.toArray()).toEqual([]);
    empty.push(3);
    expect(empty.toArray()).toEqual([3]);
  });

  it('timelines: entries in the order pushed, fields packed and unpacked', () => {
    const log = new TimelineLog();
    const a = new Timeline(log), b = new Timeline(log);
    const rows: [number, number, number, number, number][] = [];
    for (let i = 0; i < 20_000; i++) {
      const row: [number, number, number, number, number] = [i + 1, 1.7e9 + i / 1000, i % 6, i & 1, (i % 5) - 1];
      if (i % 3 === 0) { a.push(...row); rows.push(row); } else b.push(...row);
    }
    expect(a.length).toBe(rows.length);
    expect([...a.entries()].map((e) => [a.frame(e), a.time(e), a.type(e), a.dir(e), a.path(e)])).toEqual(rows);
    expect(b.length).toBe(20_000 - rows.length);
  });
});
