// IPv4 (options, lengths, fragments), IPv6 (extension headers, fragments) and the
// fragment reassembler, from real frames and variants built from them.

import { describe, expect, it } from 'vitest';
import { DecodeProblem, Decoder, formatIp, Packet } from '../../../parsers/decode/index';
import * as F from './frames';
import { be16, cat, decodeOne, payloadText } from './util';

/** The 3072-byte UDP payload of lo-record frames 15-17: bytes 0..255 twelve times. */
function isPattern(b: Uint8Array): boolean {
  if (b.length !== 3072) return false;
  for (let i = 0; i < b.length; i++) if (b[i] !== (i & 0xff)) return false;
  return true;
}

function withByte(f: Uint8Array, off: number, v: number): Uint8Array {
  const g = f.slice();
  g[off] = v;
  return g;
}

describe('IPv4 header', () => {
  it('fields of lo-record frame 11', () => {
    const { pkt } = decodeOne(F.LO_UDP, 1);
    expect(pkt.ipVersion).toBe(4);
    expect(pkt.ipSrcOff).toBe(26);
    expect(pkt.ipDstOff).toBe(30);
    expect(pkt.ipHdrLen).toBe(20);
    expect(pkt.ipTotalLen).toBe(39);
    expect(pkt.ipTtl).toBe(64);
    expect(pkt.ipId).toBe(0x1b45);
    expect(pkt.ipProto).toBe(17);
    expect(pkt.isFragment).toBe(false);
  });

  it('options are skipped by IHL (record route, lo-record frame 22)', () => {
    const { pkt } = decodeOne(F.LO_IPV4_RECORD_ROUTE, 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.ipHdrLen).toBe(60);
    expect(pkt.ipTotalLen).toBe(124);
    expect(pkt.l4Off).toBe(74);
    expect([pkt.ipProto, pkt.icmpType, pkt.icmpCode]).toEqual([1, 8, 0]);
    expect(pkt.payloadWireLen).toBe(124 - 60 - 8);
  });

  it('IHL < 5 is MALFORMED; the addresses stay', () => {
    const { pkt, dec } = decodeOne(withByte(F.LO_UDP, 14, 0x44), 1);
    expect(pkt.problem).toBe(DecodeProblem.MALFORMED);
    expect(pkt.problemMessage).toBe('IPv4 header length 16 (IHL 4 < 5) at offset 14');
    expect(pkt.problemOffset).toBe(14);
    expect(pkt.ipVersion).toBe(4);
    expect(formatIp(pkt.data, pkt.ipSrcOff, 4)).toBe('127.0.0.1');
    expect(pkt.l4Off).toBe(-1);
    expect(pkt.srcPort).toBe(-1);
    expect(dec.stats.malformed.ipv4).toBe(1);
  });

  it('a wrong version or a total length below the header length is MALFORMED', () => {
    let { pkt } = decodeOne(withByte(F.LO_UDP, 14, 0x65), 1);
    expect(pkt.problem).toBe(DecodeProblem.MALFORMED);
    expect(pkt.problemMessage).toBe('IPv4 header at offset 14 has version 6');
    expect(pkt.ipVersion).toBe(0);
    ({ pkt } = decodeOne(withByte(F.LO_UDP, 17, 10), 1));
    expect(pkt.problem).toBe(DecodeProblem.MALFORMED);
    expect(pkt.problemMessage).toBe('IPv4 total length 10 < header length 20 at offset 14');
  });

  it('the total length bounds the payload: Ethernet padding is not payload', () => {
    const padded = cat(F.LO_UDP, new Uint8Array(60 - F.LO_UDP.length));
    const { pkt } = decodeOne(padded, 1);
    expect(pkt.payloadLen).toBe(11);
    expect(pkt.payloadWireLen).toBe(11);
    expect(payloadText(pkt)).toBe('knock-knock');
  });

  it('total length 0 (TSO): the captured length is used', () => {
    const f = F.LO_TCP_DATA.slice();
    f[16] = 0;
    f[17] = 0;
    const { pkt } = decodeOne(f, 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.ipTotalLen).toBe(68);
    expect(pkt.payloadLen).toBe(16);
    expect(pkt.payloadWireLen).toBe(16);
    expect(payloadText(pkt)).toBe('hello stateline\n');
  });

  it('a snaplen cut leaves payloadWireLen from the IP length and payloadLen from the capture', () => {
    const { pkt } = decodeOne(F.LO_TCP_DATA.subarray(0, 70), 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.payloadWireLen).toBe(16);
    expect(pkt.payloadLen).toBe(4);
  });
});

describe('IPv4 fragments without reassembly (lo-record frames 15, 16, 17)', () => {
  const dec = new Decoder({ reassemble: false });
  const pkt = new Packet();

  it('first fragment: MF, offset 0, transport header decoded, marked as a fragment', () => {
    dec.decode(pkt, F.LO_UDP_FRAG1, 1, 15);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.isFragment).toBe(true);
    expect(pkt.moreFragments).toBe(true);
    expect(pkt.fragOffset).toBe(0);
    expect(pkt.ipId).toBe(0x1b4a);
    expect([pkt.srcPort, pkt.dstPort, pkt.udpLength]).toEqual([50251, 5353, 3080]);
    expect(pkt.payloadLen).toBe(1480 - 8);
    expect(pkt.payloadWireLen).toBe(1480 - 8);
    expect(pkt.reassembled).toBe(false);
  });

  it('middle fragment: offset 1480, MF, never a transport header', () => {
    dec.decode(pkt, F.LO_UDP_FRAG2, 1, 16);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.isFragment).toBe(true);
    expect(pkt.moreFragments).toBe(true);
    expect(pkt.fragOffset).toBe(1480);
    expect(pkt.ipProto).toBe(17);
    expect(pkt.l4Off).toBe(-1);
    expect(pkt.srcPort).toBe(-1);
    expect(pkt.dstPort).toBe(-1);
    expect(pkt.udpLength).toBe(0);
    expect(pkt.payloadOff).toBe(34);
    expect(pkt.payloadLen).toBe(1480);
  });

  it('last fragment: offset 2960, no MF, never a transport header', () => {
    dec.decode(pkt, F.LO_UDP_FRAG3, 1, 17);
    expect(pkt.isFragment).toBe(true);
    expect(pkt.moreFragments).toBe(false);
    expect(pkt.fragOffset).toBe(2960);
    expect(pkt.l4Off).toBe(-1);
    expect(pkt.srcPort).toBe(-1);
    expect(pkt.reassembled).toBe(false);
    expect(pkt.payloadLen).toBe(120);
    expect(dec.stats.fragmentsSeen).toBe(3);
    expect(dec.stats.datagramsReassembled).toBe(0);
    expect(dec.reassembler).toBeNull();
  });

  it('a non-first fragment whose bytes look like a UDP header still yields no ports', () => {
    // The middle fragment's payload starts with bytes 200..207 of the pattern.
    const f = F.LO_UDP_FRAG2.slice();
    f.set([0x00, 0x35, 0x00, 0x35, 0x00, 0x10, 0, 0], 34);
    dec.decode(pkt, f, 1, 16);
    expect(pkt.srcPort).toBe(-1);
    expect(pkt.l4Off).toBe(-1);
  });
});

describe('IPv4 reassembly', () => {
  it('completes on the last fragment: synthesized header + payload, recordData kept', () => {
    const dec = new Decoder();
    const pkt = new Packet();
    dec.decode(pkt, F.LO_UDP_FRAG1, 1, 15);
    expect(pkt.reassembled).toBe(false);
    expect(pkt.srcPort).toBe(50251); // the first fragment still shows its header
    dec.decode(pkt, F.LO_UDP_FRAG2, 1, 16);
    expect(pkt.reassembled).toBe(false);
    expect(dec.reassembler!.pendingCount).toBe(1);
    dec.decode(pkt, F.LO_UDP_FRAG3, 1, 17);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.reassembled).toBe(true);
    expect(pkt.recordData).toBe(F.LO_UDP_FRAG3);
    expect(pkt.data).not.toBe(F.LO_UDP_FRAG3);
    expect(pkt.data.length).toBe(20 + 3080);
    expect(pkt.l3Off).toBe(0);
    expect(pkt.ipVersion).toBe(4);
    expect(pkt.ipHdrLen).toBe(20);
    expect(pkt.ipTotalLen).toBe(3100);
    expect(pkt.ipId).toBe(0x1b4a);
    expect(formatIp(pkt.data, pkt.ipSrcOff, 4)).toBe('127.0.0.1');
    expect(pkt.isFragment).toBe(true);
    expect(pkt.fragOffset).toBe(2960);
    expect(pkt.moreFragments).toBe(false);
    expect(pkt.l4Off).toBe(20);
    expect([pkt.srcPort, pkt.dstPort, pkt.udpLength]).toEqual([50251, 5353, 3080]);
    expect(pkt.payloadLen).toBe(3072);
    expect(pkt.payloadWireLen).toBe(3072);
    expect(isPattern(pkt.data.subarray(pkt.payloadOff, pkt.payloadOff + pkt.payloadLen))).toBe(true);
    expect(dec.stats.datagramsReassembled).toBe(1);
    expect(dec.reassembler!.pendingCount).toBe(0);
    // The header of the synthesized datagram decodes on its own as an unfragmented packet.
    const again = decodeOne(pkt.data, 228, { reassemble: false }).pkt;
    expect(again.isFragment).toBe(false);
    expect(again.dstPort).toBe(5353);
  });

  it('any arrival order; the record that completes it shows it', () => {
    for (const order of [
      [3, 1, 2],
      [2, 3, 1],
      [1, 3, 2],
    ]) {
      const dec = new Decoder();
      const pkt = new Packet();
      const frags = [F.LO_UDP_FRAG1, F.LO_UDP_FRAG2, F.LO_UDP_FRAG3];
      const seen: boolean[] = [];
      for (const i of order) {
        dec.decode(pkt, frags[i - 1], 1, i);
        seen.push(pkt.reassembled);
        if (i !== 1) expect(pkt.reassembled || pkt.srcPort === -1).toBe(true);
      }
      expect(seen).toEqual([false, false, true]);
      expect(pkt.dstPort).toBe(5353);
      expect(isPattern(pkt.data.subarray(pkt.payloadOff, pkt.payloadOff + pkt.payloadLen))).toBe(true);
    }
  });

  it('a duplicated fragment is counted as an overlap and does not break it', () => {
    const dec = new Decoder();
    const pkt = new Packet();
    for (const f of [F.LO_UDP_FRAG1, F.LO_UDP_FRAG1, F.LO_UDP_FRAG2, F.LO_UDP_FRAG3]) dec.decode(pkt, f, 1, 1);
    expect(pkt.reassembled).toBe(true);
    expect(dec.stats.fragmentOverlaps).toBe(1);
    expect(isPattern(pkt.data.subarray(pkt.payloadOff, pkt.payloadOff + pkt.payloadLen))).toBe(true);
  });

  it('a missing fragment: nothing completes, the datagram stays pending', () => {
    const dec = new Decoder();
    const pkt = new Packet();
    dec.decode(pkt, F.LO_UDP_FRAG1, 1, 1);
    dec.decode(pkt, F.LO_UDP_FRAG3, 1, 2);
    expect(pkt.reassembled).toBe(false);
    expect(pkt.srcPort).toBe(-1);
    expect(dec.reassembler!.pendingCount).toBe(1);
  });

  it('drops a datagram 60 s of capture time after its first fragment', () => {
    const dec = new Decoder();
    const pkt = new Packet();
    dec.decode(pkt, F.LO_UDP_FRAG1, 1, 1, 1000);
    dec.decode(pkt, F.LO_UDP_FRAG2, 1, 2, 1030);
    dec.decode(pkt, F.LO_UDP_FRAG3, 1, 3, 1061);
    expect(pkt.reassembled).toBe(false);
    expect(dec.stats.datagramsExpired).toBe(1);
    // Within 60 s it completes.
    const dec2 = new Decoder();
    dec2.decode(pkt, F.LO_UDP_FRAG1, 1, 1, 1000);
    dec2.decode(pkt, F.LO_UDP_FRAG2, 1, 2, 1030);
    dec2.decode(pkt, F.LO_UDP_FRAG3, 1, 3, 1059);
    expect(pkt.reassembled).toBe(true);
  });

  it('stays within the bound on pending datagrams (the oldest go first)', () => {
    const dec = new Decoder({ reassemblyLimits: { maxDatagrams: 2 } });
    const pkt = new Packet();
    for (let id = 1; id <= 3; id++) {
      const f = F.LO_UDP_FRAG1.slice();
      f[18] = 0;
      f[19] = id;
      dec.decode(pkt, f, 1, id);
    }
    expect(dec.reassembler!.pendingCount).toBe(2);
    expect(dec.stats.datagramsEvicted).toBe(1);
  });

  it('a fragment cut by the snaplen cannot be reassembled: dropped and counted', () => {
    const dec = new Decoder();
    const pkt = new Packet();
    dec.decode(pkt, F.LO_UDP_FRAG1, 1, 1);
    dec.decode(pkt, F.LO_UDP_FRAG2.subarray(0, 200), 1, 2);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.payloadLen).toBe(200 - 34);
    expect(pkt.payloadWireLen).toBe(1480);
    dec.decode(pkt, F.LO_UDP_FRAG3, 1, 3);
    expect(pkt.reassembled).toBe(false);
    expect(dec.stats.fragmentsDropped).toBe(2);
  });
});

describe('IPv6 extension headers', () => {
  it('hop-by-hop + destination options before UDP (lo-record frame 21)', () => {
    const { pkt } = decodeOne(F.LO_IPV6_HBH_DSTOPTS, 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.ipVersion).toBe(6);
    expect(pkt.ipProto).toBe(17);
    expect(pkt.ipHdrLen).toBe(40 + 8 + 16);
    expect(pkt.ipTotalLen).toBe(40 + 43);
    expect(pkt.l4Off).toBe(14 + 64);
    expect([pkt.srcPort, pkt.dstPort, pkt.udpLength]).toEqual([56111, 5354, 19]);
    expect(payloadText(pkt)).toBe('ext-headers');
  });

  // Built from frame 21: hop-by-hop → routing → atomic fragment → AH → destination options → UDP.
  const f21 = F.LO_IPV6_HBH_DSTOPTS;
  const hbh = withByte(f21.subarray(54, 62), 0, 43);
  const routing = [44, 0, 0, 0, 0, 0, 0, 0];
  const atomicFrag = [51, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef];
  const ah = cat([60, 4, 0, 0], [0, 0, 1, 0], [0, 0, 0, 7], new Uint8Array(12)); // (4 + 2) * 4 = 24 bytes
  const dst = f21.subarray(62, 78);
  const udp = f21.subarray(78);
  const chain = cat(hbh, routing, atomicFrag, ah, dst, udp);
  const v6hdr = (nh: number, plen: number) => cat(f21.subarray(0, 18), be16(plen), [nh], f21.subarray(21, 54));

  it('routing, atomic fragment (RFC 6946) and AH (length in 4-byte units + 2) are skipped', () => {
    const { pkt } = decodeOne(cat(v6hdr(0, chain.length), chain), 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.ipProto).toBe(17);
    expect(pkt.ipHdrLen).toBe(40 + 8 + 8 + 8 + 24 + 16);
    expect(pkt.isFragment).toBe(false);
    expect(pkt.ipId).toBe(0xdeadbeef);
    expect([pkt.srcPort, pkt.dstPort]).toEqual([56111, 5354]);
    expect(payloadText(pkt)).toBe('ext-headers');
  });

  it('ESP (50) stops the chain: ipProto 50, UNSUPPORTED, no transport', () => {
    const esp = cat([0, 0, 1, 0, 0, 0, 0, 1], new Uint8Array(24));
    const { pkt, dec } = decodeOne(cat(v6hdr(0, 8 + esp.length), withByte(hbh, 0, 50), esp), 1);
    expect(pkt.ipProto).toBe(50);
    expect(pkt.ipHdrLen).toBe(48);
    expect(pkt.problem).toBe(DecodeProblem.UNSUPPORTED);
    expect(pkt.l4Off).toBe(-1);
    expect(dec.stats.unsupportedIpProtocols.get(50)).toBe(1);
  });

  it('no next header (59) ends the packet without a problem', () => {
    const { pkt } = decodeOne(cat(v6hdr(60, 16), withByte(dst, 0, 59)), 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.ipProto).toBe(59);
    expect(pkt.ipHdrLen).toBe(56);
    expect(pkt.l4Off).toBe(-1);
  });

  it('payload length 0 (jumbo / offload): the captured length is used', () => {
    const f = F.LO_UDP6.slice();
    f[18] = 0;
    f[19] = 0;
    const { pkt } = decodeOne(f, 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.ipTotalLen).toBe(f.length - 14);
    expect([pkt.srcPort, pkt.dstPort]).toEqual([51119, 9998]);
    expect(payloadText(pkt)).toBe('knock6');
  });

  it('an extension header longer than the payload length is MALFORMED', () => {
    const f = F.LO_IPV6_HBH_DSTOPTS.slice();
    f[63] = 9; // destination options: (9 + 1) * 8 = 80 bytes, 35 left in the payload
    const { pkt } = decodeOne(f, 1);
    expect(pkt.problem).toBe(DecodeProblem.MALFORMED);
    expect(pkt.problemMessage).toBe('IPv6 destination options header needs 80 bytes at offset 62, the enclosing length leaves 35');
    expect(pkt.ipVersion).toBe(6);
    expect(pkt.l4Off).toBe(-1);
  });
});

describe('IPv6 fragments and reassembly (zeek-ipv6-fragmented-dns frames 4, 6, 7, 8)', () => {
  it('a lone last fragment: fragment fields, ipProto from the fragment header, no ports', () => {
    const { pkt, dec } = decodeOne(F.ZEEK_V6FRAG_LONE_LAST, 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.isFragment).toBe(true);
    expect(pkt.fragOffset).toBe(2896);
    expect(pkt.moreFragments).toBe(false);
    expect(pkt.ipId).toBe(1);
    expect(pkt.ipProto).toBe(17);
    expect(pkt.ipHdrLen).toBe(48);
    expect(pkt.l4Off).toBe(-1);
    expect(pkt.srcPort).toBe(-1);
    expect(pkt.reassembled).toBe(false);
    expect(dec.reassembler!.pendingCount).toBe(1);
  });

  it('first, middle, last: the last record carries the reassembled DNS response', () => {
    const dec = new Decoder();
    const pkt = new Packet();
    dec.decode(pkt, F.ZEEK_V6FRAG_LONE_LAST, 1, 4, 15.242709);
    dec.decode(pkt, F.ZEEK_V6FRAG_FIRST, 1, 6, 20.237139);
    expect(pkt.isFragment).toBe(true);
    expect(pkt.moreFragments).toBe(true);
    expect(pkt.fragOffset).toBe(0);
    expect(pkt.ipId).toBe(2);
    expect([pkt.srcPort, pkt.dstPort, pkt.udpLength]).toEqual([53, 51851, 3238]);
    expect(pkt.reassembled).toBe(false);

    dec.decode(pkt, F.ZEEK_V6FRAG_MIDDLE, 1, 7, 20.2376);
    expect(pkt.fragOffset).toBe(1432);
    expect(pkt.srcPort).toBe(-1);
    expect(pkt.l4Off).toBe(-1);

    dec.decode(pkt, F.ZEEK_V6FRAG_LAST, 1, 8, 20.237826);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.reassembled).toBe(true);
    expect(pkt.recordData).toBe(F.ZEEK_V6FRAG_LAST);
    expect(pkt.l3Off).toBe(0);
    expect(pkt.data.length).toBe(40 + 3238);
    expect(pkt.ipVersion).toBe(6);
    expect(pkt.ipHdrLen).toBe(40);
    expect(pkt.ipProto).toBe(17);
    expect(pkt.ipId).toBe(2);
    expect(pkt.isFragment).toBe(true);
    expect(pkt.fragOffset).toBe(2864);
    expect(formatIp(pkt.data, pkt.ipSrcOff, 6)).toBe('2607:f740:b::f93');
    expect(formatIp(pkt.data, pkt.ipDstOff, 6)).toBe('2001:470:1f11:81f:d138:5f55:6d4:1fe2');
    expect([pkt.srcPort, pkt.dstPort, pkt.udpLength]).toEqual([53, 51851, 3238]);
    expect(pkt.payloadLen).toBe(3230);
    expect(pkt.payloadWireLen).toBe(3230);
    // DNS header of the response: id 0x9f91, QR set, one question.
    const d = pkt.data;
    const p = pkt.payloadOff;
    expect((d[p] << 8) | d[p + 1]).toBe(0x9f91);
    expect(d[p + 2] & 0x80).toBe(0x80);
    expect((d[p + 4] << 8) | d[p + 5]).toBe(1);
    expect(dec.stats.fragmentsSeen).toBe(4);
    expect(dec.stats.datagramsReassembled).toBe(1);
    // Identification 1 (frame 4) never completes.
    expect(dec.reassembler!.pendingCount).toBe(1);
  });
});

describe('DecodeStats', () => {
  it('counts IP protocols after extension headers, unsupported ones by value, and serialises', () => {
    const dec = new Decoder();
    const pkt = new Packet();
    for (const f of [F.LO_TCP_SYN, F.LO_TCP_DATA, F.LO_UDP, F.LO_IPV6_HBH_DSTOPTS, F.LO_ICMP6_PORT_UNREACH, F.ETH_GRE_PPTP, F.ETH_ARP]) dec.decode(pkt, f, 1, 1);
    const s = dec.stats;
    expect(s.packets).toBe(7);
    expect([s.ipProtocols[6], s.ipProtocols[17], s.ipProtocols[58], s.ipProtocols[47], s.ipProtocols[0]]).toEqual([2, 2, 1, 1, 0]);
    expect(s.unsupportedIpProtocols.get(47)).toBe(1);
    expect(JSON.parse(JSON.stringify(s))).toMatchObject({
      packets: 7,
      ipProtocols: { 6: 2, 17: 2, 47: 1, 58: 1 },
      unsupportedEtherTypes: { 2054: 1 },
      unsupportedIpProtocols: { 47: 1 },
      truncated: { link: 0, ipv4: 0, ipv6: 0, tcp: 0, udp: 0, icmp: 0, icmpv6: 0 },
    });
  });
});
