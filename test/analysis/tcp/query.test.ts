// The TCP query module (analysis/tcp/query.ts) through the capture query: the charts
// and the packet list read the TCP tracker's columns — state lanes per endpoint and the
// "lost somewhere here" spans on them, the series per direction, downsampling that keeps
// every flagged point, sequence numbers unwrapped across 2^32 — on recorded and built
// captures.

import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureQuery } from '../../../analysis/capture-query';
import type { SeqPoint } from '../../../analysis/api';
import type { Seg } from './build';
import { CASES, HANDSHAKE } from './cases';
import { analyzeFile, analyzeSegs } from './helpers';

const dirPoints = (pts: SeqPoint[], dir: number): SeqPoint[] => pts.filter((p) => p.dir === dir);

describe('TCP query', () => {
  it('gives state lanes per endpoint and the series per direction from the tracker', async () => {
    const r = await analyzeFile(resolve(__dirname, '../../../fixtures/tcp/tcp-loss-delay.pcap'));
    const q = new CaptureQuery(r.analysis);
    const d = q.flow(1)!;
    expect(d.lanes!.client.map((s) => s.state)).toEqual(['SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'TIME-WAIT', 'CLOSED']);
    expect(d.lanes!.client[0]).toMatchObject({ state: 'SYN-SENT', frame: 1 });
    expect(d.lanes!.server[0]).toMatchObject({ state: 'LISTEN', frame: 1 });
    expect(d.flow.tcp!.states[0].guess).toBe('server assumed LISTEN');
    expect(d.row.client).toBe('10.81.0.1:' + d.row.client.split(':')[1]);
    expect(d.row.server).toBe('10.81.0.2:8080');
    const pts = q.seqPoints(1);
    expect(pts.length).toBe(39);
    // the server's fast retransmission and its closing RST
    expect(pts.find((p) => p.frame === 30)!.kinds).toEqual(['tcp.fast-retransmission']);
    expect(dirPoints(pts, 1).at(-1)).toMatchObject({ frame: 39, flags: 0x04 });
    // the client acknowledges the server's 20,001 bytes and its FIN
    expect(Math.max(...dirPoints(pts, 0).map((p) => p.ack ?? 0))).toBe(20002);
    // bytes in flight where Wireshark computes them (data segments: frame 26 has 2,896,
    // tshark -e tcp.analysis.bytes_in_flight), never on pure ACKs
    const srvData = dirPoints(pts, 1).filter((p) => p.len > 0 && !(p.flags & 0x02));
    expect(srvData.filter((p) => p.inFlight !== null).length).toBeGreaterThan(5);
    expect(pts.find((p) => p.frame === 26)!.inFlight).toBe(2896);
    expect(dirPoints(pts, 0).filter((p) => p.len === 0 && p.flags === 0x10).every((p) => p.inFlight === null)).toBe(true);
    // ACK RTT samples on the client's ACKs (the packet list)
    const rows = q.packets({ flow: 1, limit: 100 }).rows;
    expect(rows.filter((x) => x.ackRtt !== null).length).toBeGreaterThan(3);
    expect(rows.filter((x) => x.ackRtt !== null).every((x) => x.ackRtt! > 0)).toBe(true);
    // as tshark's tcp.analysis.ack_rtt on the same frame
    expect(rows.find((x) => x.frame === 31)!.ackRtt).toBeCloseTo(0.000152, 6);
  });

  it('spans "lost somewhere here" on the lane of the endpoint that lost state, CLOSED after (tcp-restarted-server)', async () => {
    // tcpdump -tt: frame 6 (1795866010.012903) is the server's echo of "hello 1", its last
    // packet before the restart; frame 9 (1795866013.014340) its new listener's bare RST to
    // "hello 2" (frame 8)
    const r = await analyzeFile(resolve(__dirname, '../../../fixtures/tcp/tcp-restarted-server.pcap'));
    const lanes = new CaptureQuery(r.analysis).flow(1)!.lanes!;
    expect(lanes.lost).toHaveLength(1);
    const b = lanes.lost[0];
    expect(b).toMatchObject({ endpoint: 'server', fromFrame: 6, toFrame: 9 });
    expect(b.from).toBeCloseTo(1795866010.012903, 6);
    expect(b.to).toBeCloseTo(1795866013.01434, 6);
    // the lanes: the server held ESTABLISHED across the band; both CLOSED from the RST on
    expect(lanes.server.map((s) => [s.state, s.frame])).toEqual([['LISTEN', 1], ['SYN-RECEIVED', 2], ['ESTABLISHED', 3], ['CLOSED', 9]]);
    expect(lanes.client.at(-1)).toMatchObject({ state: 'CLOSED', frame: 9 });
    expect(lanes.server.at(-1)!.from).toBe(b.to);
  });

  it('gives each of the five connections a restarted server reset its own band (server-restart)', async () => {
    // fixtures/incidents/README.md: the server's last echoes 6, 13, 20, 27, 34 (all at
    // 0.002 s), the new listener's bare RSTs 43 … 51 to the idle clients' "again K"
    const r = await analyzeFile(resolve(__dirname, '../../../fixtures/incidents/server-restart.pcap'));
    const q = new CaptureQuery(r.analysis);
    const want: [number, number, number, number][] = [
      [6, 1796157482.822714, 43, 1796157485.814809],
      [13, 1796157482.822941, 45, 1796157485.915116],
      [20, 1796157482.823116, 47, 1796157486.015472],
      [27, 1796157482.823269, 49, 1796157486.115782],
      [34, 1796157482.823484, 51, 1796157486.216078],
    ];
    want.forEach(([fromFrame, from, toFrame, to], i) => {
      const lanes = q.flow(i + 1)!.lanes!;
      expect(lanes.lost).toHaveLength(1);
      expect(lanes.lost[0]).toMatchObject({ endpoint: 'server', fromFrame, toFrame });
      expect(lanes.lost[0].from).toBeCloseTo(from, 6);
      expect(lanes.lost[0].to).toBeCloseTo(to, 6);
      for (const side of ['client', 'server'] as const) expect(lanes[side].at(-1)).toMatchObject({ state: 'CLOSED', frame: toFrame });
    });
    // the refused SYNs (flows 6–8) and the clean reconnect (9) lost nothing
    for (const id of [6, 7, 8, 9]) expect(q.flow(id)!.lanes!.lost).toEqual([]);
  });

  it('draws no band where no endpoint lost state (tcp-loss-delay: a RST after both FINs)', async () => {
    const r = await analyzeFile(resolve(__dirname, '../../../fixtures/tcp/tcp-loss-delay.pcap'));
    expect(new CaptureQuery(r.analysis).flow(1)!.lanes!.lost).toEqual([]);
  });

  it('downsamples to maxPoints but keeps every flagged point', async () => {
    const segs: Seg[] = [...HANDSHAKE];
    let seq = 1001;
    for (let i = 0; i < 400; i++) {
      segs.push({ t: 1 + i * 0.001, from: 'c', flags: 'PA', seq, ack: 5001, len: 100, win: 502 });
      if (i === 200) segs.push({ t: 1.2005, from: 'c', flags: 'PA', seq: 1001, ack: 5001, len: 100, win: 502 });
      seq += 100;
    }
    const r = await analyzeSegs(segs);
    const q = new CaptureQuery(r.analysis);
    const all = q.timeline({ flow: 1, maxPoints: 20_000 }).points!;
    const thin = q.timeline({ flow: 1, maxPoints: 50 }).points!;
    expect(all.length).toBe(r.json.flows[0].packets);
    expect(thin.length).toBeLessThanOrEqual(50);
    const flagged = all.filter((p) => p.kinds.length || p.flags & 7).map((p) => p.frame);
    expect(flagged.length).toBeGreaterThan(3);
    const kept = new Set(thin.map((p) => p.frame));
    for (const f of flagged) expect(kept.has(f)).toBe(true);
  });

  it('keeps relative numbers continuous across the absolute 2^32 wrap, and below the base', async () => {
    const segs: Seg[] = [{ t: 0, from: 'c', flags: 'S', seq: 0xffffff00 }, { t: 0.01, from: 's', flags: 'SA', seq: 5000, ack: 0xffffff01 }];
    for (let i = 0; i < 4; i++) segs.push({ t: 1 + i, from: 'c', flags: 'PA', seq: (0xffffff01 + i * 100) >>> 0, ack: 5001, len: 100 });
    const r = await analyzeSegs(segs);
    expect(dirPoints(new CaptureQuery(r.analysis).seqPoints(1), 0).map((x) => x.seq)).toEqual([0, 1, 101, 201, 301]);
    // mid-stream: a retransmission of bytes from before the first segment seen goes below 0
    const m = await analyzeSegs([{ t: 0, from: 'c', flags: 'PA', seq: 7000, ack: 9000, len: 10 }, { t: 1, from: 'c', flags: 'PA', seq: 6990, ack: 9000, len: 10 }]);
    expect(new CaptureQuery(m.analysis).seqPoints(1).map((x) => x.seq)).toEqual([1, -9]);
  });

  it('draws the window scaled as the tracker inferred it for a mid-stream flow', async () => {
    // mid-stream: no SYN, so no window scale option; the data in flight exceeds the
    // unscaled window, so the tracker infers a shift (windowScaleFrom "inferred")
    const segs: Seg[] = [
      { t: 1, from: 'c', flags: 'PA', seq: 1_000_001, ack: 5001, len: 100, win: 500 },
      { t: 1.01, from: 's', flags: 'A', seq: 5001, ack: 1_000_101, len: 0, win: 300 },
    ];
    let seq = 1_000_101;
    for (let i = 0; i < 40; i++) {
      segs.push({ t: 1.1 + i * 0.0001, from: 'c', flags: 'A', seq, ack: 5001, len: 1448, win: 500 });
      seq += 1448;
    }
    segs.push({ t: 1.2, from: 's', flags: 'A', seq: 5001, ack: (seq - 1448 * 10) >>> 0, len: 0, win: 300 });
    const r = await analyzeSegs(segs);
    const tcp = r.json.flows[0].tcp!;
    expect(tcp.server!.windowScaleFrom).toBe('inferred');
    const shift = tcp.server!.windowScale!;
    expect(shift).toBeGreaterThan(0);
    const acks = new CaptureQuery(r.analysis).seqPoints(1).filter((p) => p.dir === 1);
    // the ACK before the inference is drawn raw (as Wireshark shows an unknown scale), the one after scaled
    expect(acks[0].win).toBe(300);
    expect(acks.at(-1)!.win).toBe(300 * 2 ** shift);
  });

  it('has no chart points for a flow that is not TCP', async () => {
    const r = await analyzeSegs(CASES.keepAlive);
    const q = new CaptureQuery(r.analysis);
    expect(q.timeline({ flow: 99, maxPoints: 100 }).points).toBeNull();
  });
});
