// What the analysis keeps per packet (README "Speed and memory"): the columns' bytes per
// packet slot from their typed arrays, with and without packet detail (what `stateline
// analyze` drops: it reads no frame back and builds no packet row), the slack their
// growth leaves, and the reservation from the file size. Sizes, not timings: a column
// added or widened, or a growth policy that leaves more unused, fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../analysis/analyze';
import { PacketColumns } from '../../analysis/columns';
import { readFrame } from '../../analysis/frame-bytes';
import { toJson } from '../../analysis/output';
import { tcpTrackerOf } from '../../analysis/tcp/query';
import { benchCapture, BENCH_GENERATOR, HAVE_BENCH_GENERATOR } from './bench-capture';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(__dirname, '../../fixtures', name)));

describe('bytes per packet', () => {
  it('17 without packet detail and no TCP per-packet columns; 27 and 16 more per TCP frame slot with it; the same JSON', async () => {
    const bytes = fixture('sample.pcapng');
    const lean = await analyzeCapture(bytes, { packetDetail: false });
    const full = await analyzeCapture(bytes);
    expect(lean.packets).toBeGreaterThan(0);
    // time 8, flow 4, direction 1, payload length 4
    expect(lean.columns.bytesPerPacket).toBe(17);
    expect(lean.columns.byteLength).toBe(lean.columns.capacity * 17);
    // + wire length 4, TCP flags 2, record offset 4 (every frame of the fixture is whole)
    expect(full.columns.bytesPerPacket).toBe(27);
    const tcpLean = tcpTrackerOf(lean)!.columns, tcpFull = tcpTrackerOf(full)!.columns;
    expect(tcpLean.byteLength).toBe(0);
    expect(tcpLean.rttCount).toBe(0);
    expect(tcpFull.byteLength).toBeGreaterThanOrEqual(16 * tcpFull.length);
    expect(tcpFull.rttCount).toBeGreaterThan(0);
    // what the per-packet detail is for, and what it is not
    expect(toJson(lean)).toEqual(toJson(full));
    const src = { read: async (o: number, n: number) => bytes.slice(o, o + n), close: async () => {} };
    await expect(readFrame(full, src, 1)).resolves.toMatchObject({ frame: 1, wireLen: full.columns.wireLen[0] });
    await expect(readFrame(lean, src, 1)).rejects.toThrow(/no packet detail/);
  });

  it('growing leaves at most half the slots unused past a million packets', () => {
    const c = new PacketColumns();
    c.withoutDetail();
    let worst = 1;
    for (let i = 0; i < 2_500_000; i++) {
      c.push(i, 1, 0, 60, 0, 0, 0, 60, 1);
      if (c.length > 1 << 20) worst = Math.max(worst, c.capacity / c.length);
    }
    expect(worst).toBeLessThanOrEqual(1.5);
    expect(c.byteLength).toBe(c.capacity * 17);
    // every value pushed is there after the copies
    expect([c.time[0], c.time[1 << 20], c.time[2_499_999], c.flow[2_499_999]]).toEqual([0, 1 << 20, 2_499_999, 1]);
  });
});

describe.skipIf(!HAVE_BENCH_GENERATOR)('the reservation from the file size (bench workload)', () => {
  if (!HAVE_BENCH_GENERATOR) console.log(`${BENCH_GENERATOR} absent: the reservation test of test/analysis/packet-memory.test.ts is skipped`);
  let cap: ReturnType<typeof benchCapture> = null;
  beforeAll(() => {
    cap = benchCapture(30_000);
  }, 60_000);
  afterAll(() => cap?.remove());

  it('reserves the packets the file size promises, 10% over', async () => {
    const bytes = new Uint8Array(readFileSync(cap!.file));
    const a = await analyzeCapture(bytes, { totalBytes: bytes.length, packetDetail: false });
    expect(a.packets).toBe(30_000);
    // one reservation at packet 4096 from the bytes so far; no doubling after it
    expect(a.columns.capacity).toBeGreaterThanOrEqual(30_000);
    expect(a.columns.capacity).toBeLessThan(30_000 * 1.25);
  }, 60_000);
});
