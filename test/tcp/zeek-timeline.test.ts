// Zeek's history letters (case, repetition rules) and conn_state, and the timeline
// query of the UI (state intervals, series per direction, downsampling that keeps
// every flagged point).

import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tcpTimeline } from '../../analysis/tcp/timeline';
import { ZeekConn } from '../../analysis/tcp/zeek';
import type { Seg } from './build';
import { CASES, HANDSHAKE } from './cases';
import { analyzeFile, analyzeSegs } from './helpers';

describe('Zeek history', () => {
  it('upper case for the originator, lower for the responder; a/d once per side', () => {
    const z = new ZeekConn();
    z.packet(true, 0x02, 100, 0, 65535, 7); // S
    z.packet(false, 0x12, 500, 0, 65535, 7); // h
    z.packet(true, 0x10, 101, 0, 502, -1); // A
    z.packet(true, 0x18, 101, 10, 502, -1); // D
    z.packet(true, 0x18, 111, 10, 502, -1); // (D again: once)
    z.packet(false, 0x10, 501, 0, 502, -1); // a
    z.packet(false, 0x10, 501, 0, 502, -1); // (a again: once)
    expect(z.history).toBe('ShADa');
    expect(z.connState(20, 0)).toBe('S1');
  });

  it('repeats S/H/F/R only when the (relative) sequence number changes', () => {
    const z = new ZeekConn();
    z.packet(true, 0x02, 100, 0, 65535, -1);
    z.packet(true, 0x02, 100, 0, 65535, -1); // same ISN: no letter
    z.packet(true, 0x02, 900, 0, 65535, -1); // a new ISN re-initialises the start (init_endpoint): relative 0 again
    expect(z.history).toBe('S');
    z.packet(false, 0x12, 500, 0, 65535, -1);
    z.packet(true, 0x11, 901, 0, 502, -1); // F
    z.packet(true, 0x11, 901, 0, 502, -1); // same FIN: no letter
    z.packet(true, 0x11, 901, 5, 502, -1); // a FIN further on: F again
    expect(z.history).toBe('ShFF');
  });

  it('repeats T (and W, G) on a log scale: at 1, 10, 100 occurrences', () => {
    const z = new ZeekConn();
    z.packet(true, 0x02, 100, 0, 65535, -1);
    z.packet(false, 0x12, 500, 0, 65535, -1);
    z.packet(true, 0x18, 101, 10, 502, -1);
    for (let i = 0; i < 100; i++) z.packet(true, 0x18, 101, 10, 502, -1); // 100 retransmissions
    expect(z.history).toBe('ShDTTT');
    for (let i = 0; i < 9; i++) z.packet(false, 0x10, 501, 0, 0, -1); // 9 zero windows
    expect(z.history).toBe('ShDTTTaw'); // 'a' (history) before 'w' (window), and one w for 9 zero windows
  });

  it('conn_state follows base/protocols/conn (REJ, S0, SH, RSTO, OTH)', () => {
    const rej = new ZeekConn();
    rej.packet(true, 0x02, 1, 0, 100, -1);
    rej.packet(false, 0x14, 0, 0, 0, -1);
    expect([rej.connState(0, 0), rej.history]).toEqual(['REJ', 'Sr']);
    const s0 = new ZeekConn();
    s0.packet(true, 0x02, 1, 0, 100, -1);
    expect(s0.connState(0, 0)).toBe('S0');
    const sh = new ZeekConn();
    sh.packet(true, 0x02, 1, 0, 100, -1);
    sh.packet(true, 0x11, 2, 0, 100, -1);
    expect(sh.connState(0, 0)).toBe('SH');
    const oth = new ZeekConn();
    oth.packet(true, 0x18, 1, 10, 100, -1);
    oth.packet(false, 0x18, 1, 10, 100, -1);
    expect([oth.connState(10, 10), oth.history]).toEqual(['OTH', 'Dd']);
  });
});

describe('timeline query', () => {
  it('gives state intervals per endpoint and the series per direction', async () => {
    const r = await analyzeFile(resolve(__dirname, '../../fixtures/tcp/tcp-loss-delay.pcap'));
    const tl = tcpTimeline(r.analysis, { flow: 1 })!;
    expect(tl.states.filter((s) => s.endpoint === 'client').map((s) => s.state)).toEqual(['SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'TIME-WAIT', 'CLOSED']);
    expect(tl.states[0]).toMatchObject({ endpoint: 'client', state: 'SYN-SENT', frame: 1 });
    expect(tl.states[1]).toMatchObject({ endpoint: 'server', state: 'LISTEN', frame: 1, guess: 'server assumed LISTEN' });
    const srv = tl.directions[1];
    expect(srv.from).toBe('10.81.0.2:8080');
    // the server's data: 15 segments + 1 fast retransmission + 1 retransmitted + 1 late, SYN-ACK, FIN and RST
    expect(srv.points.find((p) => p.frame === 30)!.kinds).toEqual(['tcp.fast-retransmission']);
    expect(srv.points.at(-1)).toMatchObject({ frame: 39, flags: 0x04 });
    expect(Math.max(...srv.ack.map((a) => a.value))).toBe(20002);
    expect(srv.windowEdge.every((w, i) => w.value >= srv.ack[i].value)).toBe(true);
    expect(srv.rtt.length).toBeGreaterThan(3);
    expect(srv.inFlight.length).toBeGreaterThan(5);
    expect(tl.packetsInRange).toBe(39);
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
    const all = tcpTimeline(r.analysis, { flow: 1, maxPoints: 100000 })!;
    const thin = tcpTimeline(r.analysis, { flow: 1, maxPoints: 50 })!;
    expect(all.directions[0].points.length).toBe(402);
    expect(thin.downsampled).toBe(true);
    expect(thin.directions[0].points.length).toBeLessThanOrEqual(52);
    const flagged = all.directions[0].points.filter((p) => p.kinds.length || p.flags & 7).map((p) => p.frame);
    const kept = new Set(thin.directions[0].points.map((p) => p.frame));
    for (const f of flagged) expect(kept.has(f)).toBe(true);
  });

  it('keeps relative numbers continuous across the absolute 2^32 wrap, and below the base', async () => {
    const segs: Seg[] = [{ t: 0, from: 'c', flags: 'S', seq: 0xffffff00 }, { t: 0.01, from: 's', flags: 'SA', seq: 5000, ack: 0xffffff01 }];
    for (let i = 0; i < 4; i++) segs.push({ t: 1 + i, from: 'c', flags: 'PA', seq: (0xffffff01 + i * 100) >>> 0, ack: 5001, len: 100 });
    const r = await analyzeSegs(segs);
    expect(tcpTimeline(r.analysis, { flow: 1 })!.directions[0].points.map((x) => x.seq)).toEqual([0, 1, 101, 201, 301]);
    // mid-stream: a retransmission of bytes from before the first segment seen goes below 0
    const m = await analyzeSegs([{ t: 0, from: 'c', flags: 'PA', seq: 7000, ack: 9000, len: 10 }, { t: 1, from: 'c', flags: 'PA', seq: 6990, ack: 9000, len: 10 }]);
    expect(tcpTimeline(m.analysis, { flow: 1 })!.directions[0].points.map((x) => x.seq)).toEqual([1, -9]);
  });

  it('returns null for a flow that is not TCP', async () => {
    const r = await analyzeSegs(CASES.keepAlive);
    expect(tcpTimeline(r.analysis, { flow: 99 })).toBeNull();
  });
});
