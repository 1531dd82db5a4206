// Link layers: every link type the decoder knows, from real frames (frames.ts) and
// variants built from them (other AF_ values, byte orders, tags, labels, framings).

import { describe, expect, it } from 'vitest';
import { DecodeProblem, Decoder, formatIp, Packet } from '../../../parsers/decode/index';
import { LinkType, linkTypeName, linkTypeTitle } from '../../../parsers/decode/index';
import * as F from './frames';
import { be16, cat, decodeOne, payloadText } from './util';

const IPV4_OF_LO_UDP = F.LO_UDP.subarray(14); // 127.0.0.1:50251 → 127.0.0.1:9999 "knock-knock"

function expectLoUdp(pkt: Packet, l3Off: number): void {
  expect(pkt.problem).toBe(DecodeProblem.NONE);
  expect(pkt.etherType).toBe(0x0800);
  expect(pkt.l3Off).toBe(l3Off);
  expect(pkt.ipVersion).toBe(4);
  expect(formatIp(pkt.data, pkt.ipSrcOff, 4)).toBe('127.0.0.1');
  expect(pkt.srcPort).toBe(50251);
  expect(pkt.dstPort).toBe(9999);
  expect(payloadText(pkt)).toBe('knock-knock');
}

describe('Ethernet (1)', () => {
  it('decodes IPv4 TCP (lo-record frame 1)', () => {
    const { pkt } = decodeOne(F.LO_TCP_SYN, LinkType.ETHERNET);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.linkType).toBe(1);
    expect(pkt.etherType).toBe(0x0800);
    expect(pkt.l3Off).toBe(14);
    expect(pkt.l4Off).toBe(34);
    expect(pkt.vlanCount).toBe(0);
    expect(pkt.mplsCount).toBe(0);
    expect([pkt.srcPort, pkt.dstPort]).toEqual([40572, 8080]);
  });

  it('decodes IPv6 (arkime-v6 frame 82)', () => {
    const { pkt } = decodeOne(F.ARKIME_UDP6_PROBE, 1);
    expect(pkt.etherType).toBe(0x86dd);
    expect(pkt.ipVersion).toBe(6);
    expect(formatIp(pkt.data, pkt.ipSrcOff, 6)).toBe('3ffe:507:0:1:200:86ff:fe05:80da');
    expect(formatIp(pkt.data, pkt.ipDstOff, 6)).toBe('3ffe:501:410:0:2c0:dfff:fe47:33e');
    expect([pkt.srcPort, pkt.dstPort, pkt.udpLength]).toEqual([41077, 33435, 20]);
  });

  it('802.1Q: records the VLAN id; the F5 trailer after the IP packet is not payload (mixed-vlan-mpls frame 34)', () => {
    const { pkt } = decodeOne(F.ETH_VLAN_TCP, 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.vlanCount).toBe(1);
    expect(pkt.vlanIds[0]).toBe(4093);
    expect(pkt.l3Off).toBe(18);
    expect(formatIp(pkt.data, pkt.ipSrcOff, 4)).toBe('10.20.80.1');
    expect([pkt.srcPort, pkt.dstPort, pkt.tcpSeq]).toEqual([50343, 80, 4084526270]);
    expect(pkt.payloadLen).toBe(0);
    expect(pkt.payloadWireLen).toBe(0);
  });

  it('stacked tags 802.1ad / 0x9100 outside 802.1Q: ids outermost first', () => {
    for (const tpid of [0x88a8, 0x9100, 0x8100]) {
      const f = cat(F.ETH_VLAN_TCP.subarray(0, 12), be16(tpid), be16(0x2064), F.ETH_VLAN_TCP.subarray(12));
      const { pkt } = decodeOne(f, 1);
      expect(pkt.problem).toBe(DecodeProblem.NONE);
      expect(pkt.vlanCount).toBe(2);
      expect([pkt.vlanIds[0], pkt.vlanIds[1]]).toEqual([100, 4093]); // PCP bits (0x2000) are not the id
      expect(pkt.l3Off).toBe(22);
      expect(pkt.srcPort).toBe(50343);
    }
  });

  it('more than 8 tags is MALFORMED, not a read past vlanIds', () => {
    const tags: number[] = [];
    for (let i = 0; i < 9; i++) tags.push(0x81, 0x00, 0x00, i + 1);
    const f = cat(F.LO_UDP.subarray(0, 12), tags, F.LO_UDP.subarray(12));
    const { pkt } = decodeOne(f, 1);
    expect(pkt.problem).toBe(DecodeProblem.MALFORMED);
    expect(pkt.vlanCount).toBe(8);
    expect(pkt.problemMessage).toMatch(/more than 8 VLAN tags/);
  });

  it('MPLS: skips the label stack to bottom-of-stack and guesses IPv4 (mixed-vlan-mpls frame 1)', () => {
    const { pkt } = decodeOne(F.ETH_MPLS_TCP, 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.mplsCount).toBe(1);
    expect(pkt.etherType).toBe(0x0800);
    expect(pkt.l3Off).toBe(18);
    expect(formatIp(pkt.data, pkt.ipSrcOff, 4)).toBe('10.1.2.1');
    expect(formatIp(pkt.data, pkt.ipDstOff, 4)).toBe('10.34.0.1');
    expect([pkt.srcPort, pkt.dstPort, pkt.tcpSeq, pkt.tcpMss]).toEqual([11001, 23, 2553417723, 536]);
  });

  it('MPLS: two labels (one without bottom-of-stack), multicast 0x8848, IPv6 payload', () => {
    const twoLabels = cat(F.ETH_MPLS_TCP.subarray(0, 14), [0x00, 0x10, 0x00, 0x40], F.ETH_MPLS_TCP.subarray(14));
    let { pkt } = decodeOne(twoLabels, 1);
    expect(pkt.mplsCount).toBe(2);
    expect(pkt.l3Off).toBe(22);
    expect(pkt.srcPort).toBe(11001);

    const mc = cat(F.ETH_MPLS_TCP.subarray(0, 12), [0x88, 0x48], F.ETH_MPLS_TCP.subarray(14));
    ({ pkt } = decodeOne(mc, 1));
    expect(pkt.mplsCount).toBe(1);
    expect(pkt.srcPort).toBe(11001);

    const v6 = cat(F.ETH_MPLS_TCP.subarray(0, 12), [0x88, 0x47, 0x00, 0x01, 0xdd, 0xff], F.ARKIME_UDP6_PROBE.subarray(14));
    ({ pkt } = decodeOne(v6, 1));
    expect(pkt.etherType).toBe(0x86dd);
    expect(pkt.ipVersion).toBe(6);
    expect(pkt.srcPort).toBe(41077);
  });

  it('MPLS with a payload that is not IP: UNSUPPORTED, counted', () => {
    const f = cat(F.ETH_MPLS_TCP.subarray(0, 18), [0x00], F.ETH_MPLS_TCP.subarray(19));
    const { pkt, dec } = decodeOne(f, 1);
    expect(pkt.problem).toBe(DecodeProblem.UNSUPPORTED);
    expect(pkt.mplsCount).toBe(1);
    expect(pkt.ipVersion).toBe(0);
    expect(dec.stats.unsupportedOther.get('MPLS payload (not IP)')).toBe(1);
  });

  it('PPPoE session with PPP protocol 0x0021 / 0x0057', () => {
    const f = cat(F.LO_UDP.subarray(0, 12), [0x88, 0x64, 0x11, 0x00], be16(0x1234), be16(2 + IPV4_OF_LO_UDP.length), [0x00, 0x21], IPV4_OF_LO_UDP);
    expectLoUdp(decodeOne(f, 1).pkt, 22);
    const v6 = F.ARKIME_UDP6_PROBE.subarray(14);
    const g = cat(F.LO_UDP.subarray(0, 12), [0x88, 0x64, 0x11, 0x00], be16(0x1234), be16(2 + v6.length), [0x00, 0x57], v6);
    const { pkt } = decodeOne(g, 1);
    expect(pkt.ipVersion).toBe(6);
    expect(pkt.l3Off).toBe(22);
    expect(pkt.dstPort).toBe(33435);
    const lcp = cat(F.LO_UDP.subarray(0, 12), [0x88, 0x64, 0x11, 0x00], be16(0x1234), be16(4), [0xc0, 0x21, 1, 1]);
    const r = decodeOne(lcp, 1);
    expect(r.pkt.problem).toBe(DecodeProblem.UNSUPPORTED);
    expect(r.dec.stats.unsupportedOther.get('PPP protocol 0xc021')).toBe(1);
  });

  it('802.3 length + LLC (STP, zeek-wikipedia frame 4) is UNSUPPORTED and counted', () => {
    const { pkt, dec } = decodeOne(F.ETH_LLC_STP, 1);
    expect(pkt.problem).toBe(DecodeProblem.UNSUPPORTED);
    expect(pkt.problemMessage).toBe('802.3/LLC frame not decoded');
    expect(pkt.etherType).toBe(0);
    expect(pkt.l3Off).toBe(-1);
    expect(dec.stats.unsupportedOther.get('802.3/LLC frame')).toBe(1);
  });

  it('802.3 length + LLC/SNAP with an EtherType is decoded', () => {
    const f = cat(F.LO_UDP.subarray(0, 12), be16(8 + IPV4_OF_LO_UDP.length), [0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00], IPV4_OF_LO_UDP);
    expectLoUdp(decodeOne(f, 1).pkt, 22);
  });

  it('ARP (zeek-wikipedia frame 5): UNSUPPORTED EtherType 0x0806, counted by value', () => {
    const dec = new Decoder();
    const pkt = new Packet();
    dec.decode(pkt, F.ETH_ARP, 1, 1);
    dec.decode(pkt, F.ETH_ARP, 1, 2);
    expect(pkt.problem).toBe(DecodeProblem.UNSUPPORTED);
    expect(pkt.problemMessage).toBe('EtherType 0x0806 not decoded');
    expect(pkt.etherType).toBe(0x0806);
    expect(pkt.ipVersion).toBe(0);
    expect(dec.stats.unsupportedEtherTypes.get(0x0806)).toBe(2);
  });
});

describe('Linux SLL (113) and SLL2 (276)', () => {
  it('SLL: protocol at 14, network header at 16 (tcpdump-tcp-handshake-nano frame 1)', () => {
    const { pkt } = decodeOne(F.SLL_TCP_SYN, LinkType.LINUX_SLL);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.l3Off).toBe(16);
    expect(formatIp(pkt.data, pkt.ipSrcOff, 4)).toBe('131.155.215.69');
    expect(formatIp(pkt.data, pkt.ipDstOff, 4)).toBe('137.116.81.94');
    expect([pkt.srcPort, pkt.dstPort, pkt.tcpSeq, pkt.tcpMss, pkt.tcpWscale, pkt.tcpTsVal]).toEqual([46656, 80, 797190859, 1360, 7, 1131021154]);
  });

  it('SLL: Linux pseudo protocols below 0x0600 (802.2 etc.) are UNSUPPORTED', () => {
    const f = F.SLL_TCP_SYN.slice();
    f[14] = 0x00;
    f[15] = 0x04;
    const { pkt, dec } = decodeOne(f, 113);
    expect(pkt.problem).toBe(DecodeProblem.UNSUPPORTED);
    expect(dec.stats.unsupportedEtherTypes.get(4)).toBe(1);
  });

  it('SLL2: protocol at 0, network header at 20 (zeek-linux_dlt_sll2 frames 1, 3, 5)', () => {
    let { pkt } = decodeOne(F.SLL2_ICMP, LinkType.LINUX_SLL2);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.l3Off).toBe(20);
    expect(formatIp(pkt.data, pkt.ipSrcOff, 4)).toBe('192.0.2.1');
    expect([pkt.ipProto, pkt.icmpType, pkt.icmpCode]).toEqual([1, 8, 0]);

    ({ pkt } = decodeOne(F.SLL2_ICMP6, 276));
    expect(pkt.ipVersion).toBe(6);
    expect(formatIp(pkt.data, pkt.ipSrcOff, 6)).toBe('fe80::8c36:6ff:fe44:acaf');
    expect([pkt.ipProto, pkt.icmpType, pkt.icmpCode]).toEqual([58, 128, 0]);

    const r = decodeOne(F.SLL2_ARP, 276);
    expect(r.pkt.problem).toBe(DecodeProblem.UNSUPPORTED);
    expect(r.dec.stats.unsupportedEtherTypes.get(0x0806)).toBe(1);
  });
});

describe('BSD null/loopback (0) and LOOP (108)', () => {
  const v4 = F.NULL_IPV4_UDP.subarray(4);
  const v6 = F.NULL_IPV6_UDP.subarray(4);

  it('family 2 little-endian (anemo-stateless-reset frame 61)', () => {
    const { pkt } = decodeOne(F.NULL_IPV4_UDP, LinkType.NULL);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.etherType).toBe(0x0800);
    expect(pkt.l3Off).toBe(4);
    expect([pkt.srcPort, pkt.dstPort, pkt.udpLength]).toEqual([8081, 8080, 36]);
  });

  it('family 30 little-endian: Darwin AF_INET6 (tcpdump-quic_vn frame 2)', () => {
    const { pkt } = decodeOne(F.NULL_IPV6_UDP, 0);
    expect(pkt.etherType).toBe(0x86dd);
    expect(pkt.ipVersion).toBe(6);
    expect(formatIp(pkt.data, pkt.ipSrcOff, 6)).toBe('::1');
    expect([pkt.srcPort, pkt.dstPort, pkt.udpLength]).toEqual([443, 57406, 31]);
  });

  it('accepts both host byte orders and AF_INET6 = 24, 28, 30', () => {
    expect(decodeOne(cat([0, 0, 0, 2], v4), 0).pkt.srcPort).toBe(8081);
    for (const fam of [24, 28, 30]) {
      expect(decodeOne(cat([fam, 0, 0, 0], v6), 0).pkt.ipVersion).toBe(6);
      expect(decodeOne(cat([0, 0, 0, fam], v6), 0).pkt.srcPort).toBe(443);
    }
  });

  it('LOOP is network byte order only', () => {
    expect(decodeOne(cat([0, 0, 0, 2], v4), LinkType.LOOP).pkt.srcPort).toBe(8081);
    expect(decodeOne(cat([0, 0, 0, 30], v6), 108).pkt.ipVersion).toBe(6);
    const r = decodeOne(F.NULL_IPV4_UDP, 108); // 02 00 00 00 read big-endian
    expect(r.pkt.problem).toBe(DecodeProblem.UNSUPPORTED);
    expect(r.dec.stats.unsupportedOther.get(`LOOP family ${0x02000000}`)).toBe(1);
  });

  it('an unknown family is UNSUPPORTED and counted', () => {
    const r = decodeOne(cat([17, 0, 0, 0], v4), 0);
    expect(r.pkt.problem).toBe(DecodeProblem.UNSUPPORTED);
    expect(r.dec.stats.unsupportedOther.get('null/loopback family 17')).toBe(1);
  });
});

describe('raw IP (101, 12, 14, 228, 229)', () => {
  it('101: version from the first nibble (pcapplusplus-raw_ip frames 1 and 51)', () => {
    let { pkt } = decodeOne(F.RAW_IPV6_TCP_SYN, LinkType.RAW);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.l3Off).toBe(0);
    expect(pkt.etherType).toBe(0x86dd);
    expect(formatIp(pkt.data, pkt.ipSrcOff, 6)).toBe('2001:618:400::5199:cc70');
    expect(formatIp(pkt.data, pkt.ipDstOff, 6)).toBe('2001:618:1:8000::5');
    expect([pkt.srcPort, pkt.dstPort, pkt.tcpSeq, pkt.tcpMss, pkt.tcpWscale]).toEqual([35995, 80, 1793525558, 1420, 2]);

    ({ pkt } = decodeOne(F.RAW_IPV4_DNS, 101));
    expect(pkt.etherType).toBe(0x0800);
    expect(formatIp(pkt.data, pkt.ipSrcOff, 4)).toBe('10.0.0.1');
    expect([pkt.srcPort, pkt.dstPort, pkt.udpLength]).toEqual([55145, 53, 43]);
  });

  it('12 and 14 behave like 101; 228 is IPv4 and 229 IPv6', () => {
    for (const lt of [12, 14]) {
      expect(decodeOne(F.RAW_IPV4_DNS, lt).pkt.dstPort).toBe(53);
      expect(decodeOne(F.RAW_IPV6_TCP_SYN, lt).pkt.dstPort).toBe(80);
    }
    expect(decodeOne(F.RAW_IPV4_DNS, LinkType.IPV4).pkt.dstPort).toBe(53);
    expect(decodeOne(F.RAW_IPV6_TCP_SYN, LinkType.IPV6).pkt.dstPort).toBe(80);
  });

  it('228 given an IPv6 packet, or 101 given version 5: MALFORMED', () => {
    expect(decodeOne(F.RAW_IPV6_TCP_SYN, 228).pkt.problem).toBe(DecodeProblem.MALFORMED);
    expect(decodeOne(F.RAW_IPV4_DNS, 229).pkt.problem).toBe(DecodeProblem.MALFORMED);
    const f = F.RAW_IPV4_DNS.slice();
    f[0] = 0x55;
    const r = decodeOne(f, 101);
    expect(r.pkt.problem).toBe(DecodeProblem.MALFORMED);
    expect(r.pkt.problemMessage).toBe('raw IP packet with IP version 5');
  });
});

describe('PPP (9)', () => {
  it('2-byte protocol 0x0021 (zeek-quic-go-retry frame 6)', () => {
    const { pkt } = decodeOne(F.PPP_IPV4_UDP, LinkType.PPP);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.l3Off).toBe(2);
    expect(pkt.etherType).toBe(0x0800);
    expect(formatIp(pkt.data, pkt.ipSrcOff, 4)).toBe('193.167.100.100');
    expect([pkt.srcPort, pkt.dstPort, pkt.udpLength]).toEqual([443, 42834, 133]);
  });

  it('with the HDLC address/control prefix ff 03, and with a compressed 1-byte protocol', () => {
    let { pkt } = decodeOne(cat([0xff, 0x03], F.PPP_IPV4_UDP), 9);
    expect(pkt.l3Off).toBe(4);
    expect(pkt.dstPort).toBe(42834);
    ({ pkt } = decodeOne(cat([0x21], F.PPP_IPV4_UDP.subarray(2)), 9));
    expect(pkt.l3Off).toBe(1);
    expect(pkt.dstPort).toBe(42834);
    ({ pkt } = decodeOne(cat([0x00, 0x57], F.ARKIME_UDP6_PROBE.subarray(14)), 9));
    expect(pkt.ipVersion).toBe(6);
    expect(pkt.dstPort).toBe(33435);
  });

  it('LCP is UNSUPPORTED', () => {
    const r = decodeOne(cat([0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 4]), 9);
    expect(r.pkt.problem).toBe(DecodeProblem.UNSUPPORTED);
    expect(r.dec.stats.unsupportedOther.get('PPP protocol 0xc021')).toBe(1);
  });
});

describe('the link-type table', () => {
  it('names every link type the decoder reads, and only those', () => {
    for (const [id, lt] of Object.entries(LinkType)) {
      const { dec } = decodeOne(F.LO_UDP, lt);
      expect([id, dec.stats.unsupportedLinkTypes.size]).toEqual([id, 0]);
      expect(linkTypeName(lt)).toBeTruthy();
      expect(linkTypeTitle(lt)).toMatch(new RegExp(`^[A-Za-z].* \\(${lt}\\)$`));
    }
    expect(linkTypeTitle(LinkType.LINUX_SLL)).toBe('Linux cooked (SLL) (113)');
    expect(linkTypeTitle(147)).toBe('link type 147');
    expect(linkTypeName(LinkType.LINUX_SLL)).toBe('linux sll');
    expect(decodeOne(F.LO_UDP, 147).dec.stats.unsupportedLinkTypes.get(147)).toBe(1);
    expect(linkTypeName(147)).toBeNull();
  });
});

describe('unknown link types', () => {
  it('are UNSUPPORTED, counted by value, never fatal', () => {
    const dec = new Decoder();
    const pkt = new Packet();
    dec.decode(pkt, F.LO_UDP, 147, 1);
    dec.decode(pkt, F.LO_UDP, 147, 2);
    dec.decode(pkt, F.LO_UDP, 127, 3);
    expect(pkt.problem).toBe(DecodeProblem.UNSUPPORTED);
    expect(pkt.problemMessage).toBe('link type 127 not decoded');
    expect(pkt.l3Off).toBe(-1);
    expect(dec.stats.unsupportedLinkTypes.get(147)).toBe(2);
    expect(dec.stats.unsupportedLinkTypes.get(127)).toBe(1);
    dec.decode(pkt, F.LO_UDP, 1, 4);
    expectLoUdp(pkt, 14);
    expect(dec.stats.packets).toBe(4);
  });
});

describe('one reused Packet', () => {
  it('carries nothing over from the previous record', () => {
    const dec = new Decoder();
    const pkt = new Packet();
    dec.decode(pkt, F.ARKIME_ICMP6_PORT_UNREACH, 1, 1);
    expect(pkt.hasQuote).toBe(true);
    dec.decode(pkt, F.ETH_VLAN_TCP, 1, 2);
    dec.decode(pkt, F.LO_TCP_SYN, 1, 3);
    expect(pkt.hasQuote).toBe(false);
    expect(pkt.icmpType).toBe(-1);
    expect(pkt.vlanCount).toBe(0);
    expect(pkt.ipVersion).toBe(4);
    dec.decode(pkt, F.LO_TCP_DATA, 1, 4);
    expect(pkt.tcpMss).toBe(-1);
    expect(pkt.tcpWscale).toBe(-1);
    expect(pkt.tcpSackPermitted).toBe(false);
    dec.decode(pkt, F.ETH_ARP, 1, 5);
    expect(pkt.ipVersion).toBe(0);
    expect(pkt.l4Off).toBe(-1);
    expect(pkt.srcPort).toBe(-1);
    expect(pkt.ipProto).toBe(-1);
  });
});
