// TCP (every header field, options), UDP, ICMP / ICMPv6 and the datagram an ICMP error
// quotes, from real frames and variants built from them.

import { describe, expect, it } from 'vitest';
import { DecodeProblem, formatIp, TcpFlag } from '../../../parsers/decode/index';
import * as F from './frames';
import { be16, cat, decodeOne, payloadText } from './util';

function edit(f: Uint8Array, edits: [number, number][]): Uint8Array {
  const g = f.slice();
  for (const [o, v] of edits) g[o] = v;
  return g;
}

describe('TCP', () => {
  it('a Linux SYN: every header field and MSS, SACK-permitted, timestamps, window scale (lo-record frame 1)', () => {
    const { pkt } = decodeOne(F.LO_TCP_SYN, 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.ipProto).toBe(6);
    expect(pkt.l4Off).toBe(34);
    expect(pkt.srcPort).toBe(40572);
    expect(pkt.dstPort).toBe(8080);
    expect(pkt.tcpSeq).toBe(251654320);
    expect(pkt.tcpAck).toBe(0);
    expect(pkt.tcpFlags).toBe(TcpFlag.SYN);
    expect(pkt.tcpWindow).toBe(64240);
    expect(pkt.tcpHdrLen).toBe(40);
    expect(pkt.tcpUrgent).toBe(0);
    expect(pkt.tcpMss).toBe(1460);
    expect(pkt.tcpSackPermitted).toBe(true);
    expect(pkt.tcpHasTimestamp).toBe(true);
    expect(pkt.tcpTsVal).toBe(642607962);
    expect(pkt.tcpTsEcr).toBe(0);
    expect(pkt.tcpWscale).toBe(10);
    expect(pkt.tcpWscaleRaw).toBe(10);
    expect(pkt.tcpSackCount).toBe(0);
    expect(pkt.payloadOff).toBe(74);
    expect(pkt.payloadLen).toBe(0);
    expect(pkt.payloadWireLen).toBe(0);
  });

  it('a data segment: flags, ack, NOP NOP timestamps, payload (lo-record frame 4)', () => {
    const { pkt } = decodeOne(F.LO_TCP_DATA, 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.tcpFlags).toBe(TcpFlag.PSH | TcpFlag.ACK);
    expect(pkt.tcpSeq).toBe(251654321);
    expect(pkt.tcpAck).toBe(1054731359);
    expect(pkt.tcpWindow).toBe(63);
    expect(pkt.tcpHdrLen).toBe(32);
    expect([pkt.tcpTsVal, pkt.tcpTsEcr]).toEqual([642607962, 2889719515]);
    expect(pkt.tcpMss).toBe(-1);
    expect(pkt.tcpWscale).toBe(-1);
    expect(pkt.tcpSackPermitted).toBe(false);
    expect(pkt.payloadLen).toBe(16);
    expect(pkt.payloadWireLen).toBe(16);
    expect(payloadText(pkt)).toBe('hello stateline\n');
  });

  it('SACK blocks (suricata-verify-tcp-rst-unacked-stream-10 frame 59)', () => {
    const { pkt } = decodeOne(F.ETH_TCP_SACK2, 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.tcpFlags).toBe(TcpFlag.ACK);
    expect([pkt.tcpSeq, pkt.tcpAck]).toEqual([1975569888, 2136321145]);
    expect(pkt.tcpSackCount).toBe(2);
    expect(Array.from(pkt.tcpSack.subarray(0, 4))).toEqual([2136327585, 2136330161, 2136322433, 2136323721]);
  });

  it('four SACK blocks (the most that fit)', () => {
    const blocks = [1, 2, 3, 4, 5, 6, 7, 0xffffffff].flatMap((v) => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
    const f = F.ETH_TCP_SACK2;
    const tcp20 = edit(f.subarray(34, 54), [[12, 0xe0]]);
    const ip = edit(f.subarray(14, 34), [
      [2, 0],
      [3, 20 + 56],
    ]);
    const { pkt } = decodeOne(cat(f.subarray(0, 14), ip, tcp20, [1, 1, 5, 34], blocks), 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.tcpHdrLen).toBe(56);
    expect(pkt.tcpSackCount).toBe(4);
    expect(Array.from(pkt.tcpSack)).toEqual([1, 2, 3, 4, 5, 6, 7, 0xffffffff]);
  });

  it('window scale above 14 is used as 14 (RFC 7323 2.3); the raw value is kept', () => {
    const { pkt } = decodeOne(edit(F.LO_TCP_SYN, [[73, 15]]), 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.tcpWscale).toBe(14);
    expect(pkt.tcpWscaleRaw).toBe(15);
  });

  it('NS flag (bit 8)', () => {
    const { pkt } = decodeOne(edit(F.LO_TCP_SYN, [[46, 0xa1]]), 1);
    expect(pkt.tcpFlags).toBe(TcpFlag.SYN | TcpFlag.NS);
  });

  it('unknown options are skipped by length; EOL ends the list', () => {
    let { pkt } = decodeOne(edit(F.LO_TCP_SYN, [[58, 0xfe]]), 1); // SACK_PERM → kind 254, length 2
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.tcpSackPermitted).toBe(false);
    expect([pkt.tcpMss, pkt.tcpTsVal, pkt.tcpWscale]).toEqual([1460, 642607962, 10]);

    ({ pkt } = decodeOne(edit(F.LO_TCP_SYN, [[58, 0]]), 1)); // EOL after MSS
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.tcpMss).toBe(1460);
    expect(pkt.tcpSackPermitted).toBe(false);
    expect(pkt.tcpHasTimestamp).toBe(false);
    expect(pkt.tcpWscale).toBe(-1);
  });

  it('a bad option length stops option parsing: MALFORMED, header fields and earlier options kept', () => {
    let r = decodeOne(edit(F.LO_TCP_SYN, [[61, 11]]), 1); // timestamps with length 11
    expect(r.pkt.problem).toBe(DecodeProblem.MALFORMED);
    expect(r.pkt.problemMessage).toBe('TCP option 8 at offset 60 has bad length 11');
    expect(r.pkt.problemOffset).toBe(60);
    expect([r.pkt.srcPort, r.pkt.dstPort, r.pkt.tcpSeq, r.pkt.tcpFlags]).toEqual([40572, 8080, 251654320, TcpFlag.SYN]);
    expect(r.pkt.tcpMss).toBe(1460);
    expect(r.pkt.tcpSackPermitted).toBe(true);
    expect(r.pkt.tcpHasTimestamp).toBe(false);
    expect(r.pkt.tcpWscale).toBe(-1);
    expect(r.pkt.payloadOff).toBe(74);
    expect(r.dec.stats.malformed.tcp).toBe(1);

    r = decodeOne(edit(F.LO_TCP_SYN, [[59, 0]]), 1); // length 0 would loop forever
    expect(r.pkt.problem).toBe(DecodeProblem.MALFORMED);
    expect(r.pkt.problemMessage).toBe('TCP option 4 at offset 58 has bad length 0');

    r = decodeOne(edit(F.LO_TCP_SYN, [[55, 40]]), 1); // past the end of the header
    expect(r.pkt.problem).toBe(DecodeProblem.MALFORMED);
    expect(r.pkt.problemMessage).toBe('TCP option 2 at offset 54 has bad length 40');
    expect(r.pkt.tcpMss).toBe(-1);

    r = decodeOne(
      edit(F.LO_TCP_SYN, [
        [71, 1],
        [72, 1],
        [73, 0xfd],
      ]),
      1,
    ); // NOP NOP, then an option kind in the header's last byte: no room for its length
    expect(r.pkt.problem).toBe(DecodeProblem.MALFORMED);
    expect(r.pkt.problemMessage).toBe('TCP option 253 at offset 73 has no length byte');
    expect(r.pkt.tcpHasTimestamp).toBe(true);
  });

  it('data offset < 5 is MALFORMED; ports and flags stay', () => {
    const { pkt } = decodeOne(edit(F.LO_TCP_SYN, [[46, 0x40]]), 1);
    expect(pkt.problem).toBe(DecodeProblem.MALFORMED);
    expect(pkt.problemMessage).toBe('TCP data offset 4 (< 5) at offset 34');
    expect([pkt.srcPort, pkt.dstPort, pkt.tcpFlags]).toEqual([40572, 8080, TcpFlag.SYN]);
    expect(pkt.tcpMss).toBe(-1);
  });

  it('a header longer than the IP total length allows is MALFORMED, not TRUNCATED', () => {
    const { pkt } = decodeOne(
      edit(F.LO_TCP_SYN, [
        [16, 0],
        [17, 40],
      ]),
      1,
    );
    expect(pkt.problem).toBe(DecodeProblem.MALFORMED);
    expect(pkt.problemMessage).toBe('TCP header with options needs 40 bytes at offset 34, the enclosing length leaves 20');
    expect(pkt.srcPort).toBe(40572);
    expect(pkt.payloadLen).toBe(0);
    expect(pkt.payloadWireLen).toBe(0);
  });
});

describe('UDP', () => {
  it('ports, length, payload (lo-record frame 11)', () => {
    const { pkt } = decodeOne(F.LO_UDP, 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.l4Off).toBe(34);
    expect([pkt.srcPort, pkt.dstPort, pkt.udpLength]).toEqual([50251, 9999, 19]);
    expect(pkt.payloadOff).toBe(42);
    expect(pkt.payloadLen).toBe(11);
    expect(pkt.payloadWireLen).toBe(11);
    expect(payloadText(pkt)).toBe('knock-knock');
  });

  it('the payload is bounded by the UDP length and by the IP length', () => {
    let { pkt } = decodeOne(edit(F.LO_UDP, [[39, 15]]), 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect(pkt.payloadLen).toBe(7);
    expect(payloadText(pkt)).toBe('knock-k');
    ({ pkt } = decodeOne(edit(F.LO_UDP, [[39, 200]]), 1));
    expect(pkt.udpLength).toBe(200);
    expect(pkt.payloadLen).toBe(11);
    expect(pkt.payloadWireLen).toBe(11);
  });

  it('a UDP length below 8 is MALFORMED; the ports stay', () => {
    const { pkt } = decodeOne(edit(F.LO_UDP, [[39, 4]]), 1);
    expect(pkt.problem).toBe(DecodeProblem.MALFORMED);
    expect(pkt.problemMessage).toBe('UDP length 4 (< 8) at offset 34');
    expect([pkt.srcPort, pkt.dstPort]).toEqual([50251, 9999]);
  });
});

describe('ICMP and ICMPv6', () => {
  it('echo request: type/code, no quote (zeek-linux_dlt_sll2 frame 1)', () => {
    const { pkt } = decodeOne(F.SLL2_ICMP, 276);
    expect([pkt.icmpType, pkt.icmpCode]).toEqual([8, 0]);
    expect(pkt.l4Off).toBe(40);
    expect(pkt.hasQuote).toBe(false);
    expect(pkt.srcPort).toBe(-1);
    expect(pkt.payloadLen).toBe(56);
  });

  it('port unreachable quoting the UDP datagram (lo-record frame 12 quotes frame 11)', () => {
    const { pkt } = decodeOne(F.LO_ICMP_PORT_UNREACH, 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect([pkt.ipProto, pkt.icmpType, pkt.icmpCode]).toEqual([1, 3, 3]);
    expect(pkt.l4Off).toBe(34);
    expect(pkt.hasQuote).toBe(true);
    const q = pkt.quote;
    expect(q.ipVersion).toBe(4);
    expect(q.ipSrcOff).toBe(54);
    expect(q.ipDstOff).toBe(58);
    expect(formatIp(pkt.data, q.ipSrcOff, 4)).toBe('127.0.0.1');
    expect(q.ipProto).toBe(17);
    expect([q.srcPort, q.dstPort, q.udpLength]).toEqual([50251, 9999, 19]);
    expect(q.tcpSeq).toBe(-1);
    expect(q.l4Off).toBe(62);
    expect(q.l4Len).toBe(19);
    expect(q.nonFirstFragment).toBe(false);
    // The quoted UDP header is byte for byte the one of frame 11.
    expect(Array.from(pkt.data.subarray(q.l4Off, q.l4Off + 8))).toEqual(Array.from(F.LO_UDP.subarray(34, 42)));
  });

  it('ICMPv6 port unreachable: the quoted source is the ICMP destination (arkime-v6 frame 107)', () => {
    const { pkt } = decodeOne(F.ARKIME_ICMP6_PORT_UNREACH, 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect([pkt.ipProto, pkt.icmpType, pkt.icmpCode]).toEqual([58, 1, 4]);
    expect(formatIp(pkt.data, pkt.ipSrcOff, 6)).toBe('3ffe:501:410:0:2c0:dfff:fe47:33e');
    const q = pkt.quote;
    expect(pkt.hasQuote).toBe(true);
    expect(q.ipVersion).toBe(6);
    expect(formatIp(pkt.data, q.ipSrcOff, 6)).toBe('3ffe:507:0:1:200:86ff:fe05:80da');
    expect(formatIp(pkt.data, q.ipSrcOff, 6)).toBe(formatIp(pkt.data, pkt.ipDstOff, 6));
    expect(formatIp(pkt.data, q.ipDstOff, 6)).toBe(formatIp(pkt.data, pkt.ipSrcOff, 6));
    expect(q.ipProto).toBe(17);
    expect([q.srcPort, q.dstPort, q.udpLength]).toEqual([41077, 33444, 20]);
    expect(q.l4Off).toBe(102);
    expect(q.l4Len).toBe(20);
  });

  it('ICMPv6 port unreachable on ::1 (lo-record frame 14 quotes frame 13)', () => {
    const { pkt } = decodeOne(F.LO_ICMP6_PORT_UNREACH, 1);
    expect([pkt.icmpType, pkt.icmpCode]).toEqual([1, 4]);
    expect([pkt.quote.srcPort, pkt.quote.dstPort, pkt.quote.udpLength]).toEqual([51119, 9998, 14]);
  });

  // Built from frame 12's outer headers: an ICMP error quoting other real datagrams.
  const icmpError = (type: number, code: number, quoted: Uint8Array) => {
    const ip = F.LO_ICMP_PORT_UNREACH.slice(14, 34);
    ip.set(be16(20 + 8 + quoted.length), 2);
    return cat(F.LO_ICMP_PORT_UNREACH.subarray(0, 14), ip, [type, code, 0, 0, 0, 0, 0, 0], quoted);
  };

  it('time exceeded quoting IPv4 header + 8 bytes of TCP: ports and sequence number', () => {
    const { pkt } = decodeOne(icmpError(11, 0, F.LO_TCP_SYN.subarray(14, 14 + 28)), 1);
    expect(pkt.problem).toBe(DecodeProblem.NONE);
    expect([pkt.icmpType, pkt.icmpCode]).toEqual([11, 0]);
    const q = pkt.quote;
    expect(q.ipProto).toBe(6);
    expect([q.srcPort, q.dstPort, q.tcpSeq]).toEqual([40572, 8080, 251654320]);
    expect(q.udpLength).toBe(-1);
    expect(q.l4Len).toBe(8);
  });

  it('a quote with only 4 transport bytes has ports but no sequence number', () => {
    const { pkt } = decodeOne(icmpError(3, 1, F.LO_TCP_SYN.subarray(14, 14 + 24)), 1);
    expect([pkt.quote.srcPort, pkt.quote.dstPort, pkt.quote.tcpSeq]).toEqual([40572, 8080, -1]);
  });

  it('a quoted non-first fragment has no transport header', () => {
    const { pkt } = decodeOne(icmpError(3, 3, F.LO_UDP_FRAG2.subarray(14, 14 + 28)), 1);
    expect(pkt.hasQuote).toBe(true);
    expect(pkt.quote.nonFirstFragment).toBe(true);
    expect(pkt.quote.ipProto).toBe(17);
    expect(pkt.quote.srcPort).toBe(-1);
    expect(pkt.quote.l4Off).toBe(-1);
  });

  it('parameter problem (12) and source quench (4) quote too; echo reply does not', () => {
    for (const t of [4, 5, 12]) expect(decodeOne(icmpError(t, 0, F.LO_UDP.subarray(14, 42)), 1).pkt.quote.dstPort).toBe(9999);
    expect(decodeOne(icmpError(0, 0, F.LO_UDP.subarray(14, 42)), 1).pkt.hasQuote).toBe(false);
  });

  it('a quote cut by the capture: TRUNCATED, the ICMP type stays', () => {
    const { pkt, dec } = decodeOne(F.LO_ICMP_PORT_UNREACH.subarray(0, 50), 1);
    expect(pkt.problem).toBe(DecodeProblem.TRUNCATED);
    expect(pkt.problemMessage).toBe('quoted IPv4 header needs 20 bytes at offset 42, 8 captured');
    expect([pkt.icmpType, pkt.icmpCode]).toEqual([3, 3]);
    expect(pkt.hasQuote).toBe(false);
    expect(dec.stats.quotesTruncated).toBe(1);
    expect(dec.stats.truncated.icmp).toBe(1);
  });
});
