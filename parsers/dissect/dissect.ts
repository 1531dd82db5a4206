// One frame's layer tree (./tree): link layer (Ethernet, 802.1Q/802.1ad VLAN tags, Linux
// cooked v1/v2, BSD loopback, raw IP), IPv4 (options named), IPv6 (extension headers
// named), TCP with its options, UDP, ICMP and ICMPv6 with the quoted datagram dissected
// again, DNS over UDP and TCP, and QUIC's headers (./quic). A second reader beside the
// analysis's decoder (parsers/decode): the decoder is the hot path and keeps no
// positions; this one runs for the one frame a user looks at and keeps every field's
// bytes. Whatever the bytes do not hold ends the tree there with a "[Malformed]" node.
//
// Pure TypeScript: no Node, no DOM.

import { LinkType, linkTypeTitle } from '../decode/linktypes';
import { dissectDns } from './dns';
import { dissectQuic, looksLikeQuic, type QuicContext } from './quic';
import { bit, bitLabel, bytesHex, flag, hex2, hex4, hex8, ipv4, ipv6, mac, Tree, u16, u32, type FieldNode } from './tree';

export type { FieldNode } from './tree';

export interface DissectOptions {
  frame: number;
  /** Seconds since the epoch. */
  time: number;
  wireLen: number;
  linkType: number;
  /** QUIC decryption of this frame's packets (analysis/quic), when the analysis has keys. */
  quic?: QuicContext | null;
  /** The analysis took the frame's flow for QUIC (short headers carry no version to tell). */
  quicFlow?: boolean;
}

/** What a layer hands on: the protocol inside and where it starts. */
interface Next {
  proto: 'ipv4' | 'ipv6' | 'none';
  at: number;
}

const IP_PROTOS: Record<number, string> = { 0: 'IPv6 Hop-by-Hop Option', 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 43: 'Routing Header for IPv6', 44: 'Fragment Header for IPv6', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMPv6', 59: 'IPv6 No Next Header', 60: 'Destination Options for IPv6', 132: 'SCTP' };
const ETHERTYPES: Record<number, string> = { 0x0800: 'IPv4', 0x86dd: 'IPv6', 0x0806: 'ARP', 0x8100: '802.1Q Virtual LAN', 0x88a8: '802.1ad Provider Bridge (Q-in-Q)', 0x9100: 'VLAN-tagged frame (Q-in-Q)', 0x8847: 'MPLS label switched packet', 0x8864: 'PPPoE Session', 0x88cc: 'LLDP' };
const ethertypeName = (t: number): string => `${ETHERTYPES[t] ?? 'Unknown'} (${hex4(t)})`;
const protoName = (p: number): string => `${IP_PROTOS[p] ?? 'Unknown'} (${p})`;

/** The layer tree of a frame's bytes `d`. */
export function dissect(d: Uint8Array, o: DissectOptions): FieldNode[] {
  const root = new Tree();
  const fr = root.group('frame', `Frame ${o.frame}: ${o.wireLen} bytes on wire, ${d.length} bytes captured`, 0, d.length);
  fr.field('frame.number', 'Frame Number', o.frame, 0, 0);
  fr.field('frame.time_epoch', 'Epoch Time', o.time.toFixed(9), 0, 0, `${o.time.toFixed(9)} seconds`);
  fr.field('frame.len', 'Frame Length', o.wireLen, 0, 0, `${o.wireLen} bytes`);
  fr.field('frame.cap_len', 'Capture Length', d.length, 0, 0, `${d.length} bytes`);
  fr.field('frame.encap_type', 'Encapsulation type', o.linkType, 0, 0, linkTypeTitle(o.linkType));
  let next: Next = { proto: 'none', at: d.length };
  try {
    next = link(root, d, o.linkType);
    if (next.proto !== 'none') ip(root, d, next.proto, next.at, d.length, o, false);
  } catch (e) {
    if (!(e instanceof Short)) throw e;
    root.nodes.push({ name: '_ws.malformed', label: `[Malformed Packet: ${e.message}]`, value: '', start: e.at, end: d.length });
  }
  return root.nodes;
}

/** The bytes end before a field: stops the tree there. */
class Short extends Error {
  constructor(readonly at: number, what: string) {
    super(`${what} cut short at byte ${at}`);
  }
}

function need(d: Uint8Array | number, at: number, n: number, what: string): void {
  const len = typeof d === 'number' ? d : d.length;
  if (at + n > len) throw new Short(Math.min(at, len), what);
}

// ---------------------------------------------------------------- link layers

function link(root: Tree, d: Uint8Array, lt: number): Next {
  switch (lt) {
    case LinkType.ETHERNET: {
      need(d, 0, 14, 'Ethernet header');
      const e = root.group('eth', `Ethernet II, Src: ${mac(d, 6)}, Dst: ${mac(d, 0)}`, 0, 14);
      e.field('eth.dst', 'Destination', mac(d, 0), 0, 6);
      e.field('eth.src', 'Source', mac(d, 6), 6, 6);
      e.field('eth.type', 'Type', hex4(u16(d, 12)), 12, 2, ethertypeName(u16(d, 12)));
      return ethertype(root, d, u16(d, 12), 14);
    }
    case LinkType.LINUX_SLL: {
      need(d, 0, 16, 'Linux cooked header');
      const s = root.group('sll', 'Linux cooked capture v1', 0, 16);
      s.field('sll.pkttype', 'Packet type', u16(d, 0), 0, 2, pktType(u16(d, 0)));
      s.field('sll.hatype', 'Link-layer address type', u16(d, 2), 2, 2);
      const hl = u16(d, 4);
      s.field('sll.halen', 'Link-layer address length', hl, 4, 2);
      if (hl === 6) s.field('sll.src.eth', 'Source', mac(d, 6), 6, 6);
      s.field('sll.etype', 'Protocol', hex4(u16(d, 14)), 14, 2, ethertypeName(u16(d, 14)));
      return ethertype(root, d, u16(d, 14), 16);
    }
    case LinkType.LINUX_SLL2: {
      need(d, 0, 20, 'Linux cooked v2 header');
      const s = root.group('sll', 'Linux cooked capture v2', 0, 20);
      s.field('sll.etype', 'Protocol', hex4(u16(d, 0)), 0, 2, ethertypeName(u16(d, 0)));
      s.field('sll.ifindex', 'Interface index', u32(d, 4), 4, 4);
      s.field('sll.hatype', 'Link-layer address type', u16(d, 8), 8, 2);
      s.field('sll.pkttype', 'Packet type', d[10], 10, 1, pktType(d[10]));
      s.field('sll.halen', 'Link-layer address length', d[11], 11, 1);
      if (d[11] === 6) s.field('sll.src.eth', 'Source', mac(d, 12), 12, 6);
      return ethertype(root, d, u16(d, 0), 20);
    }
    case LinkType.NULL:
    case LinkType.LOOP: {
      need(d, 0, 4, 'loopback header');
      // NULL: the family in the capturing host's byte order; LOOP: network order.
      const be = u32(d, 0);
      const le = (d[0] | (d[1] << 8) | (d[2] << 16) | (d[3] << 24)) >>> 0;
      const fam = lt === LinkType.LOOP || be < 256 ? be : le;
      const l = root.group('null', 'Null/Loopback', 0, 4);
      l.field('null.family', 'Family', fam, 0, 4, fam === 2 ? 'IP (2)' : [24, 28, 30].includes(fam) ? `IPv6 (${fam})` : String(fam));
      return { proto: fam === 2 ? 'ipv4' : [24, 28, 30, 10].includes(fam) ? 'ipv6' : 'none', at: 4 };
    }
    case LinkType.RAW:
    case LinkType.RAW_BSD:
    case LinkType.RAW_OPENBSD:
    case LinkType.IPV4:
    case LinkType.IPV6: {
      need(d, 0, 1, 'IP header');
      root.group('raw', 'Raw packet data', 0, 0);
      const v = d[0] >> 4;
      return { proto: v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : 'none', at: 0 };
    }
    default:
      root.nodes.push({ name: 'data', label: `Data (${d.length} bytes): ${linkTypeTitle(lt)} is not dissected`, value: '', start: 0, end: d.length });
      return { proto: 'none', at: d.length };
  }
}

function pktType(t: number): string {
  return ['Unicast to us (0)', 'Broadcast (1)', 'Multicast (2)', 'Unicast to another host (3)', 'Sent by us (4)'][t] ?? String(t);
}

/** After an EtherType: VLAN tags, then IPv4 / IPv6 (others are named, not dissected). */
function ethertype(root: Tree, d: Uint8Array, type: number, at: number): Next {
  while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
    need(d, at, 4, '802.1Q tag');
    const tci = u16(d, at);
    const inner = u16(d, at + 2);
    // an 802.1ad service tag has Wireshark's ieee8021ad.* names; 802.1Q (and 0x9100) vlan.*
    const ad = type === 0x88a8;
    const pre = ad ? 'ieee8021ad' : 'vlan';
    const v = root.group(pre, `${ad ? '802.1ad' : '802.1Q Virtual LAN'}, PRI: ${tci >> 13}, DEI: ${(tci >> 12) & 1}, ID: ${tci & 0xfff}`, at, at + 4);
    // (Wireshark places 802.1ad's priority and DEI in the tag's first byte, 802.1Q's in both)
    v.nodes.push({ name: `${pre}.priority`, label: bitLabel(tci, 0xe000, 16, 'Priority', String(tci >> 13)), value: String(tci >> 13), start: at, end: at + (ad ? 1 : 2) });
    v.nodes.push({ name: `${pre}.dei`, label: bitLabel(tci, 0x1000, 16, 'DEI', String((tci >> 12) & 1)), value: bit(tci, 0x1000), start: at, end: at + (ad ? 1 : 2) });
    v.nodes.push({ name: `${pre}.id`, label: bitLabel(tci, 0x0fff, 16, 'ID', String(tci & 0xfff)), value: String(tci & 0xfff), start: at, end: at + 2 });
    v.field(ad ? 'ieee8021ad.etype' : 'vlan.etype', 'Type', hex4(inner), at + 2, 2, ethertypeName(inner));
    type = inner;
    at += 4;
  }
  if (type === 0x0806) {
    arp(root, d, at);
    return { proto: 'none', at };
  }
  if (type === 0x0800) return { proto: 'ipv4', at };
  if (type === 0x86dd) return { proto: 'ipv6', at };
  if (at < d.length) root.nodes.push({ name: 'data', label: `Data (${d.length - at} bytes): ${ethertypeName(type)} is not dissected`, value: '', start: at, end: d.length });
  return { proto: 'none', at };
}

/** ARP (RFC 826) for Ethernet/IPv4. */
function arp(root: Tree, d: Uint8Array, at: number): void {
  need(d, at, 28, 'ARP');
  const op = u16(d, at + 6);
  const t = root.group('arp', `Address Resolution Protocol (${op === 1 ? 'request' : op === 2 ? 'reply' : op})`, at, at + 28);
  t.field('arp.hw.type', 'Hardware type', u16(d, at), at, 2);
  t.field('arp.proto.type', 'Protocol type', hex4(u16(d, at + 2)), at + 2, 2);
  t.field('arp.hw.size', 'Hardware size', d[at + 4], at + 4, 1);
  t.field('arp.proto.size', 'Protocol size', d[at + 5], at + 5, 1);
  t.field('arp.opcode', 'Opcode', op, at + 6, 2, op === 1 ? 'request (1)' : op === 2 ? 'reply (2)' : String(op));
  t.field('arp.src.hw_mac', 'Sender MAC address', mac(d, at + 8), at + 8, 6);
  t.field('arp.src.proto_ipv4', 'Sender IP address', ipv4(d, at + 14), at + 14, 4);
  t.field('arp.dst.hw_mac', 'Target MAC address', mac(d, at + 18), at + 18, 6);
  t.field('arp.dst.proto_ipv4', 'Target IP address', ipv4(d, at + 24), at + 24, 4);
}

// ---------------------------------------------------------------- IP

/**
 * The IP datagram at `at` (ending at `end`, the bytes present), and what it carries.
 * `quoted`: inside an ICMP error (the datagram may be cut after 8 bytes of transport).
 */
function ip(root: Tree, d: Uint8Array, proto: 'ipv4' | 'ipv6', at: number, end: number, o: DissectOptions, quoted: boolean): void {
  if (proto === 'ipv4') {
    need(end, at, 20, 'IPv4 header');
    const ihl = (d[at] & 0x0f) * 4;
    const total = u16(d, at + 2);
    const src = ipv4(d, at + 12), dst = ipv4(d, at + 16);
    const p = d[at + 9];
    const t = root.group('ip', `Internet Protocol Version 4, Src: ${src}, Dst: ${dst}`, at, at + Math.max(20, Math.min(ihl, end - at)));
    t.nodes.push({ name: 'ip.version', label: bitLabel(d[at], 0xf0, 8, 'Version', String(d[at] >> 4)), value: String(d[at] >> 4), start: at, end: at + 1 });
    t.nodes.push({ name: 'ip.hdr_len', label: bitLabel(d[at], 0x0f, 8, 'Header Length', `${ihl} bytes (${ihl / 4})`), value: String(ihl), start: at, end: at + 1 });
    const ds = t.group('ip.dsfield', `Differentiated Services Field: ${hex2(d[at + 1])} (DSCP: ${d[at + 1] >> 2}, ECN: ${d[at + 1] & 3})`, at + 1, at + 2, hex2(d[at + 1]));
    ds.nodes.push({ name: 'ip.dsfield.dscp', label: bitLabel(d[at + 1], 0xfc, 8, 'Differentiated Services Codepoint', String(d[at + 1] >> 2)), value: String(d[at + 1] >> 2), start: at + 1, end: at + 2 });
    ds.nodes.push({ name: 'ip.dsfield.ecn', label: bitLabel(d[at + 1], 0x03, 8, 'Explicit Congestion Notification', String(d[at + 1] & 3)), value: String(d[at + 1] & 3), start: at + 1, end: at + 2 });
    t.field('ip.len', 'Total Length', total, at + 2, 2);
    t.field('ip.id', 'Identification', hex4(u16(d, at + 4)), at + 4, 2, `${hex4(u16(d, at + 4))} (${u16(d, at + 4)})`);
    const ff = u16(d, at + 6);
    const fl = t.group('ip.flags', `Flags: ${hex2(ff >> 8)}${ff & 0x4000 ? ", Don't fragment" : ''}${ff & 0x2000 ? ', More fragments' : ''}`, at + 6, at + 7, hex2(ff >> 13));
    flag(fl, 'ip.flags.rb', 'Reserved bit', ff >> 8, 0x80, 8, at + 6, 1);
    flag(fl, 'ip.flags.df', "Don't fragment", ff >> 8, 0x40, 8, at + 6, 1);
    flag(fl, 'ip.flags.mf', 'More fragments', ff >> 8, 0x20, 8, at + 6, 1);
    t.nodes.push({ name: 'ip.frag_offset', label: bitLabel(ff, 0x1fff, 16, 'Fragment Offset', `${(ff & 0x1fff) * 8} bytes`), value: String(ff & 0x1fff), start: at + 6, end: at + 8 });
    t.field('ip.ttl', 'Time to Live', d[at + 8], at + 8, 1);
    t.field('ip.proto', 'Protocol', p, at + 9, 1, protoName(p));
    t.field('ip.checksum', 'Header Checksum', hex4(u16(d, at + 10)), at + 10, 2);
    t.field('ip.src', 'Source Address', src, at + 12, 4);
    t.field('ip.dst', 'Destination Address', dst, at + 16, 4);
    if (ihl > 20) {
      need(end, at + 20, ihl - 20, 'IPv4 options');
      t.field('ip.options', 'Options', bytesHex(d, at + 20, ihl - 20, ':'), at + 20, ihl - 20, `(${ihl - 20} bytes)`);
    }
    // The payload ends where the datagram says it does (Ethernet padding follows), or with the bytes.
    const pend = Math.min(end, quoted ? end : at + Math.max(total, ihl));
    if ((ff & 0x3fff) !== 0 && (ff & 0x1fff) !== 0) {
      root.nodes.push({ name: 'data', label: `Fragment data (${pend - at - ihl} bytes at offset ${(ff & 0x1fff) * 8})`, value: '', start: at + ihl, end: pend });
      return;
    }
    transport(root, d, p, at + ihl, pend, o, quoted, 4);
    return;
  }
  need(end, at, 40, 'IPv6 header');
  const src = ipv6(d, at + 8), dst = ipv6(d, at + 24);
  const plen = u16(d, at + 4);
  const t = root.group('ipv6', `Internet Protocol Version 6, Src: ${src}, Dst: ${dst}`, at, at + 40);
  const w = u32(d, at);
  t.nodes.push({ name: 'ipv6.version', label: bitLabel(d[at], 0xf0, 8, 'Version', String(d[at] >> 4)), value: String(d[at] >> 4), start: at, end: at + 1 });
  t.nodes.push({ name: 'ipv6.tclass', label: `Traffic Class: ${hex8((w >>> 20) & 0xff)} (DSCP: ${(w >>> 22) & 0x3f}, ECN: ${(w >>> 20) & 3})`, value: hex8((w >>> 20) & 0xff), start: at, end: at + 4 });
  t.nodes.push({ name: 'ipv6.flow', label: `Flow Label: 0x${(w & 0xfffff).toString(16).padStart(5, '0')}`, value: '0x' + (w & 0xfffff).toString(16).padStart(6, '0'), start: at + 1, end: at + 4 });
  t.field('ipv6.plen', 'Payload Length', plen, at + 4, 2);
  t.field('ipv6.nxt', 'Next Header', d[at + 6], at + 6, 1, protoName(d[at + 6]));
  t.field('ipv6.hlim', 'Hop Limit', d[at + 7], at + 7, 1);
  t.field('ipv6.src', 'Source Address', src, at + 8, 16);
  t.field('ipv6.dst', 'Destination Address', dst, at + 24, 16);
  let nh = d[at + 6];
  let p = at + 40;
  const pend = Math.min(end, quoted ? end : at + 40 + plen);
  // extension headers: named with their length; a fragment ends the tree
  for (let k = 0; k < 8 && (nh === 0 || nh === 43 || nh === 60 || nh === 44 || nh === 51); k++) {
    need(pend, p, 8, 'IPv6 extension header');
    const len = nh === 44 ? 8 : nh === 51 ? (d[p + 1] + 2) * 4 : (d[p + 1] + 1) * 8;
    const name = nh === 0 ? 'ipv6.hopopts' : nh === 43 ? 'ipv6.routing' : nh === 60 ? 'ipv6.dstopts' : nh === 44 ? 'ipv6.fraghdr' : 'ah';
    const x = t.group(name, `${IP_PROTOS[nh]}`, p, Math.min(pend, p + len));
    x.field(nh === 44 ? 'ipv6.fragment.nxt' : 'ipv6.opt.nxt', 'Next Header', d[p], p, 1, protoName(d[p]));
    if (nh === 44) {
      const fo = u16(d, p + 2);
      x.field('ipv6.fragment.offset', 'Offset', fo >> 3, p + 2, 2);
      x.field('ipv6.fragment.more', 'More Fragments', bit(fo, 1), p + 2, 2, fo & 1 ? 'Yes' : 'No');
      x.field('ipv6.fragment.id', 'Identification', hex8(u32(d, p + 4)), p + 4, 4);
      if ((fo >> 3) !== 0 || fo & 1) {
        root.nodes.push({ name: 'data', label: `Fragment data (${pend - p - 8} bytes)`, value: '', start: p + 8, end: pend });
        return;
      }
    }
    const cur = nh;
    nh = d[p];
    p += len;
    if (cur !== 44) t.node!.end = Math.min(pend, p); // Wireshark's IPv6 layer spans its extension headers (a fragment's too once reassembled)
  }
  transport(root, d, nh, p, pend, o, quoted, 6);
}

// ---------------------------------------------------------------- transport

function transport(root: Tree, d: Uint8Array, p: number, at: number, end: number, o: DissectOptions, quoted: boolean, v: 4 | 6): void {
  if (at >= end) return;
  if (p === 6) tcp(root, d, at, end, quoted);
  else if (p === 17) udp(root, d, at, end, o, quoted);
  else if (p === 1 && v === 4) icmp(root, d, at, end, o, false);
  else if (p === 58) icmp(root, d, at, end, o, true);
  else root.nodes.push({ name: 'data', label: `Data (${end - at} bytes)`, value: '', start: at, end });
}

const TCP_OPTS: Record<number, string> = { 0: 'End of Option List (EOL)', 1: 'No-Operation (NOP)', 2: 'Maximum segment size', 3: 'Window scale', 4: 'SACK permitted', 5: 'SACK', 8: 'Timestamps', 28: 'User Timeout', 29: 'TCP Authentication Option', 30: 'Multipath TCP', 34: 'TCP Fast Open Cookie' };

function tcp(root: Tree, d: Uint8Array, at: number, end: number, quoted: boolean): void {
  // an ICMP error may quote only the first 8 bytes
  const short = quoted && end - at < 20;
  need(end, at, short ? 8 : 20, 'TCP header');
  const sp = u16(d, at), dp = u16(d, at + 2);
  const hl = short ? 0 : (d[at + 12] >> 4) * 4;
  const fl = short ? 0 : u16(d, at + 12) & 0x0fff;
  const payload = short ? 0 : Math.max(0, end - at - hl);
  const t = root.group('tcp', `Transmission Control Protocol, Src Port: ${sp}, Dst Port: ${dp}${short ? '' : `, Seq: ${u32(d, at + 4)}, Len: ${payload}`}`, at, short ? end : Math.min(end, at + hl));
  t.field('tcp.srcport', 'Source Port', sp, at, 2);
  t.field('tcp.dstport', 'Destination Port', dp, at + 2, 2);
  t.field('tcp.seq_raw', 'Sequence Number (raw)', u32(d, at + 4), at + 4, 4);
  if (short) return;
  t.field('tcp.ack_raw', 'Acknowledgment number (raw)', u32(d, at + 8), at + 8, 4);
  t.nodes.push({ name: 'tcp.hdr_len', label: bitLabel(d[at + 12], 0xf0, 8, 'Header Length', `${hl} bytes (${hl / 4})`), value: String(hl), start: at + 12, end: at + 13 });
  const names = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'AE'].filter((_, i) => fl & (1 << i));
  const f = t.group('tcp.flags', `Flags: ${hex4(fl).replace(/^0x0/, '0x')} (${names.join(', ') || '<None>'})`, at + 12, at + 14, hex4(fl));
  f.nodes.push({ name: 'tcp.flags.res', label: bitLabel(fl, 0x0e00, 12, 'Reserved', String((fl >> 9) & 7)), value: String((fl >> 9) & 7), start: at + 12, end: at + 13 });
  const bits: [string, string, number][] = [
    ['tcp.flags.ns', 'Accurate ECN', 0x100], ['tcp.flags.cwr', 'Congestion Window Reduced', 0x80], ['tcp.flags.ecn', 'ECN-Echo', 0x40],
    ['tcp.flags.urg', 'Urgent', 0x20], ['tcp.flags.ack', 'Acknowledgment', 0x10], ['tcp.flags.push', 'Push', 0x08],
    ['tcp.flags.reset', 'Reset', 0x04], ['tcp.flags.syn', 'Syn', 0x02], ['tcp.flags.fin', 'Fin', 0x01],
  ];
  for (const [n, title, m] of bits) flag(f, n, title, fl, m, 12, m > 0xff ? at + 12 : at + 13, 1);
  t.field('tcp.window_size_value', 'Window', u16(d, at + 14), at + 14, 2);
  t.field('tcp.checksum', 'Checksum', hex4(u16(d, at + 16)), at + 16, 2);
  t.field('tcp.urgent_pointer', 'Urgent Pointer', u16(d, at + 18), at + 18, 2);
  if (hl > 20) {
    need(end, at + 20, hl - 20, 'TCP options');
    const os = t.group('tcp.options', `Options: (${hl - 20} bytes)`, at + 20, at + hl, bytesHex(d, at + 20, hl - 20, ':'));
    tcpOptions(os, d, at + 20, at + hl);
  }
  if (payload > 0) {
    const pl = at + hl;
    if ((sp === 53 || dp === 53) && payload >= 2) dissectDns(root, d, pl, end, true);
    else root.nodes.push({ name: 'tcp.payload', label: `TCP payload (${payload} byte${payload === 1 ? '' : 's'})`, value: bytesHex(d, pl, Math.min(payload, 64), ':'), start: pl, end });
  }
}

function tcpOptions(t: Tree, d: Uint8Array, p: number, end: number): void {
  while (p < end) {
    const kind = d[p];
    if (kind === 0 || kind === 1) {
      const x = t.group(kind === 0 ? 'tcp.options.eol' : 'tcp.options.nop', `TCP Option - ${TCP_OPTS[kind]}`, p, p + 1, hex2(kind).slice(2));
      x.field('tcp.option_kind', 'Kind', kind, p, 1, `${TCP_OPTS[kind]} (${kind})`);
      p++;
      if (kind === 0) break;
      continue;
    }
    if (p + 2 > end) break;
    const len = d[p + 1];
    if (len < 2 || p + len > end) {
      t.nodes.push({ name: '_ws.malformed', label: `[Malformed option: length ${len}]`, value: '', start: p, end });
      break;
    }
    const name = kind === 2 ? 'tcp.options.mss' : kind === 3 ? 'tcp.options.wscale' : kind === 4 ? 'tcp.options.sack_perm' : kind === 5 ? 'tcp.options.sack' : kind === 8 ? 'tcp.options.timestamp' : 'tcp.options.unknown';
    let summary = '';
    if (kind === 2 && len === 4) summary = `: ${u16(d, p + 2)} bytes`;
    else if (kind === 3 && len === 3) summary = `: ${d[p + 2]} (multiply by ${1 << Math.min(d[p + 2], 14)})`;
    else if (kind === 8 && len === 10) summary = `: TSval ${u32(d, p + 2)}, TSecr ${u32(d, p + 6)}`;
    const x = t.group(name, `TCP Option - ${TCP_OPTS[kind] ?? `Unknown (${kind})`}${summary}`, p, p + len, bytesHex(d, p, len, ':'));
    x.field('tcp.option_kind', 'Kind', kind, p, 1, `${TCP_OPTS[kind] ?? 'Unknown'} (${kind})`);
    x.field('tcp.option_len', 'Length', len, p + 1, 1);
    if (kind === 2 && len === 4) x.field('tcp.options.mss_val', 'MSS Value', u16(d, p + 2), p + 2, 2);
    else if (kind === 3 && len === 3) {
      x.field('tcp.options.wscale.shift', 'Shift count', d[p + 2], p + 2, 1);
      x.field('tcp.options.wscale.multiplier', 'Multiplier', 1 << Math.min(d[p + 2], 14), p + 2, 1);
    } else if (kind === 8 && len === 10) {
      x.field('tcp.options.timestamp.tsval', 'Timestamp value', u32(d, p + 2), p + 2, 4);
      x.field('tcp.options.timestamp.tsecr', 'Timestamp echo reply', u32(d, p + 6), p + 6, 4);
    } else if (kind === 5) {
      for (let q = p + 2; q + 8 <= p + len; q += 8) {
        x.field('tcp.options.sack_le', 'left edge (raw)', u32(d, q), q, 4);
        x.field('tcp.options.sack_re', 'right edge (raw)', u32(d, q + 4), q + 4, 4);
      }
    }
    p += len;
  }
}

function udp(root: Tree, d: Uint8Array, at: number, end: number, o: DissectOptions, quoted: boolean): void {
  need(end, at, 8, 'UDP header');
  const sp = u16(d, at), dp = u16(d, at + 2), len = u16(d, at + 4);
  const t = root.group('udp', `User Datagram Protocol, Src Port: ${sp}, Dst Port: ${dp}`, at, at + 8);
  t.field('udp.srcport', 'Source Port', sp, at, 2);
  t.field('udp.dstport', 'Destination Port', dp, at + 2, 2);
  t.field('udp.length', 'Length', len, at + 4, 2);
  t.field('udp.checksum', 'Checksum', hex4(u16(d, at + 6)), at + 6, 2);
  const pend = quoted ? end : Math.min(end, at + Math.max(8, len));
  if (pend <= at + 8) return;
  if (sp === 53 || dp === 53 || sp === 5353 || dp === 5353 || sp === 5355 || dp === 5355) dissectDns(root, d, at + 8, pend, false);
  else if (!quoted && (o.quicFlow === true || looksLikeQuic(d, at + 8, pend, sp, dp))) dissectQuic(root, d, at + 8, pend, o.quic ?? null);
  else root.nodes.push({ name: 'data', label: `Data (${pend - at - 8} bytes)`, value: bytesHex(d, at + 8, Math.min(64, pend - at - 8), ':'), start: at + 8, end: pend });
}

const ICMP_TYPES: Record<number, string> = { 0: 'Echo (ping) reply', 3: 'Destination unreachable', 4: 'Source quench', 5: 'Redirect', 8: 'Echo (ping) request', 11: 'Time-to-live exceeded', 12: 'Parameter problem', 13: 'Timestamp', 14: 'Timestamp reply' };
const UNREACH: Record<number, string> = { 0: 'Network unreachable', 1: 'Host unreachable', 2: 'Protocol unreachable', 3: 'Port unreachable', 4: 'Fragmentation needed', 9: 'Network administratively prohibited', 10: 'Host administratively prohibited', 13: 'Communication administratively filtered' };
const ICMP6_TYPES: Record<number, string> = { 1: 'Destination Unreachable', 2: 'Packet Too Big', 3: 'Time Exceeded', 4: 'Parameter Problem', 128: 'Echo (ping) request', 129: 'Echo (ping) reply', 133: 'Router Solicitation', 134: 'Router Advertisement', 135: 'Neighbor Solicitation', 136: 'Neighbor Advertisement', 137: 'Redirect' };
const UNREACH6: Record<number, string> = { 0: 'no route to destination', 1: 'communication with destination administratively prohibited', 3: 'Address unreachable', 4: 'Port unreachable' };

/** ICMP (RFC 792) or ICMPv6 (RFC 4443); errors quote the offending datagram, dissected again. */
function icmp(root: Tree, d: Uint8Array, at: number, end: number, o: DissectOptions, v6: boolean): void {
  need(end, at, 4, v6 ? 'ICMPv6 header' : 'ICMP header');
  const type = d[at], code = d[at + 1];
  const pre = v6 ? 'icmpv6' : 'icmp';
  const tname = (v6 ? ICMP6_TYPES : ICMP_TYPES)[type] ?? 'Unknown';
  const cname = (v6 ? type === 1 : type === 3) ? (v6 ? UNREACH6 : UNREACH)[code] : undefined;
  const t = root.group(pre, v6 ? 'Internet Control Message Protocol v6' : 'Internet Control Message Protocol', at, end);
  t.field(`${pre}.type`, 'Type', type, at, 1, `${type} (${tname})`);
  t.field(`${pre}.code`, 'Code', code, at + 1, 1, cname ? `${code} (${cname})` : String(code));
  t.field(`${pre}.checksum`, 'Checksum', hex4(u16(d, at + 2)), at + 2, 2);
  const error = v6 ? type >= 1 && type <= 4 : type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
  if (error) {
    if (end - at < 8) return;
    if (!v6 && type === 3 && code === 4) {
      t.field('icmp.unused', 'Unused', bytesHex(d, at + 4, 2, ':'), at + 4, 2);
      t.field('icmp.mtu', 'MTU of next hop', u16(d, at + 6), at + 6, 2);
    } else if (v6 && type === 2) t.field('icmpv6.mtu', 'MTU', u32(d, at + 4), at + 4, 4);
    else t.field(v6 ? 'icmpv6.reserved' : 'icmp.unused', v6 ? 'Reserved' : 'Unused', bytesHex(d, at + 4, 4, ':'), at + 4, 4);
    if (end - at <= 8) return;
    const ver = d[at + 8] >> 4;
    if (ver !== 4 && ver !== 6) return;
    // the quoted datagram, as a subtree of the ICMP layer (Wireshark nests it likewise)
    try {
      ip(t, d, ver === 4 ? 'ipv4' : 'ipv6', at + 8, end, o, true);
    } catch (e) {
      if (!(e instanceof Short)) throw e;
      t.nodes.push({ name: '_ws.malformed', label: `[Quoted datagram cut short at byte ${e.at}]`, value: '', start: e.at, end });
    }
    return;
  }
  if (v6 ? type === 128 || type === 129 : type === 0 || type === 8) {
    if (end - at < 8) return;
    t.field(`${pre}.${v6 ? 'echo.identifier' : 'ident'}`, 'Identifier', v6 ? hex4(u16(d, at + 4)) : u16(d, at + 4), at + 4, 2, `${u16(d, at + 4)} (${hex4(u16(d, at + 4))})`);
    t.field(`${pre}.${v6 ? 'echo.sequence_number' : 'seq'}`, 'Sequence Number', u16(d, at + 6), at + 6, 2, `${u16(d, at + 6)} (${hex4(u16(d, at + 6))})`);
    if (end > at + 8) t.nodes.push({ name: 'data', label: `Data (${end - at - 8} bytes)`, value: '', start: at + 8, end });
    return;
  }
  if (end > at + 4) t.nodes.push({ name: 'data', label: `Message body (${end - at - 4} bytes)`, value: '', start: at + 4, end });
}

/** Wireshark's Protocol column for a tree: the deepest layer's short name. */
export function protocolOf(tree: FieldNode[]): string {
  const names: Record<string, string> = { eth: 'Ethernet', sll: 'SLL', ip: 'IPv4', ipv6: 'IPv6', tcp: 'TCP', udp: 'UDP', icmp: 'ICMP', icmpv6: 'ICMPv6', dns: 'DNS', mdns: 'MDNS', quic: 'QUIC' };
  let out = '';
  for (const n of tree) if (names[n.name]) out = names[n.name];
  return out;
}
