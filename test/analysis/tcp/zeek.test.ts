// Zeek's history letters (case, repetition rules) and conn_state.

import { describe, expect, it } from 'vitest';
import { ZeekConn } from '../../../analysis/tcp/zeek';

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
