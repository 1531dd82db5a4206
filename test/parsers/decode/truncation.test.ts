// Truncated and hostile input: real frames cut at every length (the problem names the
// layer, the bytes needed and present, and the offset; earlier layers stay decoded),
// every frame under every link type, random bytes and mutations — never a throw, never
// a read outside the record (checked with a Proxy), never a NaN.

import { describe, expect, it } from 'vitest';
import { DecodeProblem, Decoder, formatIp, Packet, TcpFlag } from '../../../parsers/decode/index';
import * as F from './frames';

/** A view of `b` that throws on any index read outside [0, length). */
function guarded(b: Uint8Array): Uint8Array {
  return new Proxy(b, {
    get(t, k) {
      if (typeof k === 'string' && /^-?\d+$/.test(k)) {
        const i = Number(k);
        if (i < 0 || i >= t.length) throw new Error(`read at ${i} outside a record of ${t.length} bytes`);
        return t[i];
      }
      const v = Reflect.get(t, k);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

function cut(f: Uint8Array, n: number): Uint8Array {
  return guarded(f.slice(0, n));
}

/** Invariants that hold for every decoded record, whatever its bytes. */
function checkInvariants(pkt: Packet): void {
  for (const [k, v] of Object.entries(pkt)) {
    if (typeof v === 'number' && !Number.isInteger(v)) throw new Error(`${k} = ${v}`);
  }
  for (const [k, v] of Object.entries(pkt.quote)) {
    if (typeof v === 'number' && !Number.isInteger(v)) throw new Error(`quote.${k} = ${v}`);
  }
  const n = pkt.data.length;
  expect(pkt.problem >= 0 && pkt.problem <= 3).toBe(true);
  if (pkt.problem !== DecodeProblem.NONE) expect(pkt.problemMessage.length).toBeGreaterThan(0);
  expect(pkt.l3Off).toBeLessThanOrEqual(n);
  expect(pkt.l4Off).toBeLessThan(Math.max(n, 1));
  expect(pkt.payloadLen).toBeGreaterThanOrEqual(0);
  expect(pkt.payloadWireLen).toBeGreaterThanOrEqual(0);
  expect(pkt.payloadOff + pkt.payloadLen).toBeLessThanOrEqual(n);
  if (pkt.ipVersion !== 0) {
    const len = pkt.ipVersion === 4 ? 4 : 16;
    expect(pkt.ipSrcOff + len).toBeLessThanOrEqual(n);
    expect(pkt.ipDstOff + len).toBeLessThanOrEqual(n);
    expect(formatIp(pkt.data, pkt.ipSrcOff, pkt.ipVersion as 4 | 6)).not.toBe('?');
  }
  if (pkt.srcPort !== -1) expect(pkt.srcPort >= 0 && pkt.srcPort <= 0xffff && pkt.l4Off >= 0).toBe(true);
  if (pkt.isFragment && pkt.fragOffset > 0 && !pkt.reassembled) {
    expect(pkt.l4Off).toBe(-1);
    expect(pkt.srcPort).toBe(-1);
  }
  expect(pkt.vlanCount).toBeLessThanOrEqual(8);
  expect(pkt.tcpSackCount).toBeLessThanOrEqual(4);
  if (pkt.tcpWscale !== -1) expect(pkt.tcpWscale).toBeLessThanOrEqual(14);
  if (pkt.hasQuote) {
    const q = pkt.quote;
    const len = q.ipVersion === 4 ? 4 : 16;
    expect(q.ipSrcOff + len).toBeLessThanOrEqual(n);
    expect(q.ipDstOff + len).toBeLessThanOrEqual(n);
    if (q.l4Off >= 0) expect(q.l4Off + q.l4Len).toBeLessThanOrEqual(n);
  }
}

const ALL_FRAMES = Object.entries(F).filter((e): e is [string, Uint8Array] => e[1] instanceof Uint8Array);
const LINK_TYPES = [0, 1, 9, 12, 14, 50, 101, 108, 113, 228, 229, 276, 147];

describe('a Linux SYN cut at every length (lo-record frame 1)', () => {
  const f = F.LO_TCP_SYN;
  for (let n = 0; n <= f.length; n++) {
    it(`${n} bytes`, () => {
      const dec = new Decoder();
      const pkt = new Packet();
      dec.decode(pkt, cut(f, n), 1, 1);
      checkInvariants(pkt);
      if (n < 14) {
        expect(pkt.problem).toBe(DecodeProblem.TRUNCATED);
        expect(pkt.problemMessage).toBe(`Ethernet header needs 14 bytes at offset 0, ${n} captured`);
        expect(pkt.problemOffset).toBe(0);
        expect(pkt.l3Off).toBe(-1);
        expect(dec.stats.truncated.link).toBe(1);
      } else if (n < 34) {
        expect(pkt.problem).toBe(DecodeProblem.TRUNCATED);
        expect(pkt.problemMessage).toBe(`IPv4 header needs 20 bytes at offset 14, ${n - 14} captured`);
        expect(pkt.problemOffset).toBe(14);
        expect(pkt.etherType).toBe(0x0800);
        expect(pkt.l3Off).toBe(14);
        expect(pkt.ipVersion).toBe(0);
        expect(dec.stats.truncated.ipv4).toBe(1);
      } else if (n < 54) {
        expect(pkt.problem).toBe(DecodeProblem.TRUNCATED);
        expect(pkt.problemMessage).toBe(`TCP header needs 20 bytes at offset 34, ${n - 34} captured`);
        expect(pkt.problemOffset).toBe(34);
        expect(pkt.ipVersion).toBe(4);
        expect(formatIp(pkt.data, pkt.ipSrcOff, 4)).toBe('127.0.0.1');
        expect(pkt.ipProto).toBe(6);
        expect(pkt.l4Off).toBe(-1);
        expect(pkt.srcPort).toBe(-1);
        expect(dec.stats.truncated.tcp).toBe(1);
      } else if (n < 74) {
        expect(pkt.problem).toBe(DecodeProblem.TRUNCATED);
        expect(pkt.problemMessage).toBe(`TCP header with options needs 40 bytes at offset 34, ${n - 34} captured`);
        expect([pkt.srcPort, pkt.dstPort, pkt.tcpSeq, pkt.tcpFlags, pkt.tcpWindow]).toEqual([40572, 8080, 251654320, TcpFlag.SYN, 64240]);
        // Options wholly inside the captured bytes are kept.
        expect(pkt.tcpMss).toBe(n >= 58 ? 1460 : -1);
        expect(pkt.tcpSackPermitted).toBe(n >= 60);
        expect(pkt.tcpHasTimestamp).toBe(n >= 70);
        expect(pkt.tcpWscale).toBe(-1);
        expect(pkt.payloadLen).toBe(0);
        expect(pkt.payloadWireLen).toBe(0);
      } else {
        expect(pkt.problem).toBe(DecodeProblem.NONE);
        expect(pkt.tcpWscale).toBe(10);
      }
    });
  }

  it('the message of the brief: "TCP header needs 20 bytes at offset 34, 6 captured"', () => {
    const pkt = new Packet();
    new Decoder().decode(pkt, F.LO_TCP_SYN.subarray(0, 40), 1, 1);
    expect(pkt.problemMessage).toBe('TCP header needs 20 bytes at offset 34, 6 captured');
  });
});

describe('IPv6 with extension headers cut at every length (lo-record frame 21)', () => {
  const f = F.LO_IPV6_HBH_DSTOPTS;
  const expected = (n: number): [number, string] | null => {
    if (n < 14) return [0, `Ethernet header needs 14 bytes at offset 0, ${n} captured`];
    if (n < 54) return [14, `IPv6 header needs 40 bytes at offset 14, ${n - 14} captured`];
    if (n < 56) return [54, `IPv6 hop-by-hop options header needs 2 bytes at offset 54, ${n - 54} captured`];
    if (n < 62) return [54, `IPv6 hop-by-hop options header needs 8 bytes at offset 54, ${n - 54} captured`];
    if (n < 64) return [62, `IPv6 destination options header needs 2 bytes at offset 62, ${n - 62} captured`];
    if (n < 78) return [62, `IPv6 destination options header needs 16 bytes at offset 62, ${n - 62} captured`];
    if (n < 86) return [78, `UDP header needs 8 bytes at offset 78, ${n - 78} captured`];
    return null;
  };
  it('every length', () => {
    const dec = new Decoder();
    const pkt = new Packet();
    for (let n = 0; n <= f.length; n++) {
      dec.decode(pkt, cut(f, n), 1, n);
      checkInvariants(pkt);
      const e = expected(n);
      if (e === null) {
        expect(pkt.problem).toBe(DecodeProblem.NONE);
        expect(pkt.payloadWireLen).toBe(11);
        expect(pkt.payloadLen).toBe(n - 86);
      } else {
        expect(pkt.problem).toBe(DecodeProblem.TRUNCATED);
        expect(pkt.problemMessage).toBe(e[1]);
        expect(pkt.problemOffset).toBe(e[0]);
        if (n >= 54) expect(formatIp(pkt.data, pkt.ipSrcOff, 6)).toBe('::1');
      }
    }
    expect(dec.stats.truncated.ipv6).toBe(40 + 2 + 6 + 2 + 14);
    expect(dec.stats.truncated.udp).toBe(8);
  });
});

describe('ICMP port unreachable cut at every length (lo-record frame 12)', () => {
  it('every length', () => {
    const f = F.LO_ICMP_PORT_UNREACH;
    const dec = new Decoder();
    const pkt = new Packet();
    for (let n = 34; n <= f.length; n++) {
      dec.decode(pkt, cut(f, n), 1, n);
      checkInvariants(pkt);
      if (n < 42) {
        expect(pkt.problemMessage).toBe(`ICMP header needs 8 bytes at offset 34, ${n - 34} captured`);
        expect(pkt.icmpType).toBe(n >= 36 ? 3 : -1);
      } else if (n < 62) {
        expect(pkt.problemMessage).toBe(`quoted IPv4 header needs 20 bytes at offset 42, ${n - 42} captured`);
        expect(pkt.icmpType).toBe(3);
        expect(pkt.hasQuote).toBe(false);
      } else {
        expect(pkt.problem).toBe(DecodeProblem.NONE);
        expect(pkt.hasQuote).toBe(true);
        expect(pkt.quote.l4Len).toBe(n - 62);
        expect(pkt.quote.srcPort).toBe(n >= 66 ? 50251 : -1);
        expect(pkt.quote.udpLength).toBe(n >= 68 ? 19 : -1);
      }
    }
  });
});

describe('link-layer headers cut short', () => {
  const cases: [string, Uint8Array, number, number, string][] = [
    ['SLL', F.SLL_TCP_SYN, 113, 10, 'Linux SLL header needs 16 bytes at offset 0, 10 captured'],
    ['SLL2', F.SLL2_ICMP, 276, 10, 'Linux SLL2 header needs 20 bytes at offset 0, 10 captured'],
    ['null', F.NULL_IPV4_UDP, 0, 3, 'null/loopback header needs 4 bytes at offset 0, 3 captured'],
    ['LOOP', F.NULL_IPV4_UDP, 108, 2, 'LOOP header needs 4 bytes at offset 0, 2 captured'],
    ['PPP', F.PPP_IPV4_UDP, 9, 1, 'PPP header needs 2 bytes at offset 0, 1 captured'],
    ['raw', F.RAW_IPV4_DNS, 101, 0, 'IP header needs 20 bytes at offset 0, 0 captured'],
    ['raw IPv4', F.RAW_IPV4_DNS, 101, 12, 'IPv4 header needs 20 bytes at offset 0, 12 captured'],
    ['raw IPv6', F.RAW_IPV6_TCP_SYN, 229, 39, 'IPv6 header needs 40 bytes at offset 0, 39 captured'],
    ['802.1Q', F.ETH_VLAN_TCP, 1, 16, '802.1Q tag needs 4 bytes at offset 14, 2 captured'],
    ['MPLS', F.ETH_MPLS_TCP, 1, 16, 'MPLS label needs 4 bytes at offset 14, 2 captured'],
    ['after MPLS', F.ETH_MPLS_TCP, 1, 18, 'IP header after MPLS needs 20 bytes at offset 18, 0 captured'],
    ['IPv4 options', F.LO_IPV4_RECORD_ROUTE, 1, 54, 'IPv4 header with options needs 60 bytes at offset 14, 40 captured'],
    ['ICMPv6', F.ARKIME_ICMP6_PORT_UNREACH, 1, 60, 'ICMPv6 header needs 8 bytes at offset 54, 6 captured'],
    ['quoted IPv6', F.ARKIME_ICMP6_PORT_UNREACH, 1, 100, 'quoted IPv6 header needs 40 bytes at offset 62, 38 captured'],
    ['IPv6 fragment header', F.ZEEK_V6FRAG_FIRST, 1, 60, 'IPv6 fragment header needs 8 bytes at offset 54, 6 captured'],
  ];
  for (const [name, f, lt, n, msg] of cases) {
    it(name, () => {
      const pkt = new Packet();
      new Decoder().decode(pkt, cut(f, n), lt, 1);
      expect(pkt.problem).toBe(DecodeProblem.TRUNCATED);
      expect(pkt.problemMessage).toBe(msg);
      checkInvariants(pkt);
    });
  }

  it('IPv4 options cut: the fixed header stays decoded', () => {
    const pkt = new Packet();
    new Decoder().decode(pkt, cut(F.LO_IPV4_RECORD_ROUTE, 54), 1, 1);
    expect(pkt.ipVersion).toBe(4);
    expect(pkt.ipHdrLen).toBe(60);
    expect(formatIp(pkt.data, pkt.ipDstOff, 4)).toBe('127.0.0.1');
    expect(pkt.l4Off).toBe(-1);
  });
});

describe('never throws, never reads outside the record', () => {
  it('every prefix of every frame under every link type', () => {
    const dec = new Decoder();
    const pkt = new Packet();
    let decoded = 0;
    for (const [, f] of ALL_FRAMES) {
      for (const lt of LINK_TYPES) {
        const step = f.length > 200 ? 7 : 1;
        for (let n = 0; n <= f.length; n += step) {
          dec.decode(pkt, cut(f, n), lt, ++decoded);
          checkInvariants(pkt);
        }
      }
    }
    expect(decoded).toBeGreaterThan(10000);
  });

  it('random bytes and mutated real frames', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    const dec = new Decoder({ reassemblyLimits: { maxDatagrams: 16 } });
    const pkt = new Packet();
    for (let i = 0; i < 20000; i++) {
      let f: Uint8Array;
      if (i % 2 === 0) {
        f = new Uint8Array(rnd() % 120);
        for (let j = 0; j < f.length; j++) f[j] = rnd() & 0xff;
        // Steer random bytes into the interesting paths half the time.
        if (f.length > 14 && rnd() % 2 === 0) f.set(rnd() % 2 ? [0x08, 0x00, 0x45] : [0x86, 0xdd, 0x60], 12);
      } else {
        const base = ALL_FRAMES[rnd() % ALL_FRAMES.length][1];
        f = base.slice(0, base.length - (rnd() % 8 === 0 ? rnd() % base.length : 0));
        const flips = 1 + (rnd() % 4);
        for (let j = 0; j < flips && f.length > 0; j++) f[rnd() % Math.min(f.length, 120)] = rnd() & 0xff;
      }
      const lt = i % 2 === 0 ? LINK_TYPES[rnd() % LINK_TYPES.length] : 1;
      dec.decode(pkt, guarded(f), lt, i, i / 1000);
      checkInvariants(pkt);
    }
  });

  it('a datagram reassembled from hostile fragments is bounded', () => {
    // Fragments of one datagram whose offsets reach past 64 KiB: dropped, counted, no throw.
    const dec = new Decoder();
    const pkt = new Packet();
    const f = F.LO_UDP_FRAG2.slice();
    f[20] = 0x1f; // offset 0x1fff * 8 = 65528, + 1480 bytes > 65535
    f[21] = 0xff;
    dec.decode(pkt, guarded(f), 1, 1);
    dec.decode(pkt, guarded(F.LO_UDP_FRAG1), 1, 2);
    expect(dec.stats.fragmentsDropped).toBe(2);
    expect(pkt.reassembled).toBe(false);
    checkInvariants(pkt);
    expect(dec.reassembler!.pendingCount).toBe(1); // kept as broken until it ages out or is evicted
  });
});
