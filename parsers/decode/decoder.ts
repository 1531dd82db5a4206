// The packet decoder: link layer → IPv4/IPv6 (+ extension headers, fragments) →
// TCP/UDP/ICMP/ICMPv6, into one reused Packet (gopacket's DecodingLayerParser idea).
//
// Hot-path rules: no allocation (except fragment reassembly and problem messages), no
// DataView, no exceptions, no closures; every read is bounds-checked against the end of
// the bytes captured (`this.end`) or the end the headers state, whichever is smaller.
// The record is read where it lies, bytes[base, end) of the reader's buffer (decodeAt:
// no view of it is made): offsets run from `base` while decoding, are reported from the
// record's start in messages (`this.base` subtracted), and are made record-relative in
// the Packet at the end (rebase).
// A record too short for a header it claims stops decoding with TRUNCATED; impossible
// fields stop it with MALFORMED; what we do not decode stops it with UNSUPPORTED.
// Whatever was decoded before the stop stays in the Packet.
//
// Wire formats: IEEE 802.3 / 802.1Q / 802.1ad; RFC 3032 (MPLS label stack); RFC 2516
// (PPPoE); RFC 1661/1662 (PPP, HDLC-like framing); tcpdump.org LINKTYPE_LINUX_SLL/SLL2,
// NULL/LOOP, RAW; RFC 791 (IPv4), RFC 8200 (IPv6 and its extension headers, 4.5
// fragments), RFC 4302 (AH length); RFC 9293 (TCP header), RFC 7323 (window scale,
// timestamps), RFC 2018 (SACK); RFC 768 (UDP); RFC 792 / RFC 4443 (ICMP errors quote the
// offending datagram).

import { LinkType } from './linktypes';
import { DecodeProblem, IpProto, Packet, type QuotedDatagram } from './packet';
import { Reassembler, type ReassemblerLimits } from './reassembly';
import { DecodeStats, bump, type Layer } from './stats';

export interface DecoderOptions {
  /** Reassemble IPv4/IPv6 fragments (default true). */
  reassemble?: boolean;
  /** Bounds of the reassembler (defaults: 1024 datagrams, 16 MiB, 60 s). */
  reassemblyLimits?: Partial<ReassemblerLimits>;
}

// IP protocol / IPv6 next-header numbers, module-level for the hot paths
const TCP = IpProto.TCP, UDP = IpProto.UDP, ICMP = IpProto.ICMP, ICMPV6 = IpProto.ICMPV6;
const HOPOPT = IpProto.HOPOPT, ROUTING = IpProto.ROUTING, FRAGMENT = IpProto.FRAGMENT, AH = IpProto.AH, DSTOPTS = IpProto.DSTOPTS, NO_NEXT = IpProto.NONE;

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = 0x8100;
const ETH_QINQ = 0x88a8;
const ETH_QINQ_OLD = 0x9100;
const ETH_MPLS = 0x8847;
const ETH_MPLS_MC = 0x8848;
const ETH_PPPOE_SESSION = 0x8864;

/** No bound from a length field (link layers): a short header is always TRUNCATED. */
const UNBOUNDED = 0x7fffffff;
const MAX_VLAN_TAGS = 8;

// Hot-path u32 reads are written out in place: a u32 above 2^30 returned from a call
// that V8 did not inline is boxed (a HeapNumber per read); stored straight into a
// number field of the Packet it is not.
function u32(d: Uint8Array, o: number): number {
  return ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;
}

function hex4(v: number): string {
  return '0x' + v.toString(16).padStart(4, '0');
}

export class Decoder {
  readonly stats = new DecodeStats();
  /** null when reassembly is off. */
  readonly reassembler: Reassembler | null;
  /** Capture time of the record being decoded (seconds), < 0 when the caller gave none. */
  private time = -1;
  /** Where the bytes being decoded start and end in the buffer read (`d`). */
  private base = 0;
  private end = 0;

  constructor(opts: DecoderOptions = {}) {
    this.reassembler = opts.reassemble === false ? null : new Reassembler(this.stats, opts.reassemblyLimits);
  }

  /**
   * Decode one record into `pkt` (pkt.reset is called first). Never throws on bad bytes.
   * `time` (capture time in seconds, optional) lets the reassembler drop datagrams whose
   * fragments stopped coming 60 s ago; without it only the size bounds apply.
   */
  decode(pkt: Packet, data: Uint8Array, linkType: number, _frame: number, time = -1): void {
    pkt.reset(data, linkType);
    this.record(pkt, data, 0, data.length, linkType, time);
  }

  /**
   * decode() of the record at bytes[off, off + len) (a CaptureRecord's bytes/bytesOff),
   * without making a view of it: pkt.data is made only if someone asks for it.
   */
  decodeAt(pkt: Packet, bytes: Uint8Array, off: number, len: number, linkType: number, _frame: number, time = -1): void {
    pkt.resetAt(bytes, off, len, linkType);
    pkt.payloadOff = off; // (its default, 0 from the record's start: rebase subtracts off)
    this.record(pkt, bytes, off, len, linkType, time);
    if (off !== 0) this.rebase(pkt, off);
  }

  private record(pkt: Packet, d: Uint8Array, b: number, len: number, linkType: number, time: number): void {
    this.stats.packets++;
    this.time = time;
    this.base = b;
    this.end = b + len;
    switch (linkType) {
      case LinkType.ETHERNET:
        if (len < 14) {
          this.short(pkt, 'link', 'Ethernet header', b, 14, UNBOUNDED);
          return;
        }
        this.ether(pkt, d, b + 14, (d[b + 12] << 8) | d[b + 13], true);
        return;
      case LinkType.LINUX_SLL: // 16-byte header, protocol at 14
        if (len < 16) {
          this.short(pkt, 'link', 'Linux SLL header', b, 16, UNBOUNDED);
          return;
        }
        this.sllPayload(pkt, d, b + 16, (d[b + 14] << 8) | d[b + 15]);
        return;
      case LinkType.LINUX_SLL2: // 20-byte header, protocol at 0
        if (len < 20) {
          this.short(pkt, 'link', 'Linux SLL2 header', b, 20, UNBOUNDED);
          return;
        }
        this.sllPayload(pkt, d, b + 20, (d[b] << 8) | d[b + 1]);
        return;
      case LinkType.NULL: // AF_ value in the capturing host's byte order
      case LinkType.LOOP: // network byte order
        this.loopback(pkt, d, b, linkType === LinkType.LOOP);
        return;
      case LinkType.RAW:
      case LinkType.RAW_BSD:
      case LinkType.RAW_OPENBSD:
        this.rawIp(pkt, d, b);
        return;
      case LinkType.IPV4:
        pkt.etherType = ETH_IPV4;
        this.ipv4(pkt, d, b, true);
        return;
      case LinkType.IPV6:
        pkt.etherType = ETH_IPV6;
        this.ipv6(pkt, d, b, true);
        return;
      case LinkType.PPP: // optionally with the HDLC ff 03 prefix
      case LinkType.PPP_HDLC:
        this.ppp(pkt, d, b);
        return;
      default:
        bump(this.stats.unsupportedLinkTypes, linkType);
        this.fail(pkt, DecodeProblem.UNSUPPORTED, null, `link type ${linkType} not decoded`, b);
    }
  }

  /**
   * The offsets decodeAt left in `pkt` ran from `b` (where the record starts in the
   * buffer read): from the record's start, as Packet says. problemOffset already is
   * (fail); a reassembled datagram's offsets are into its own buffer (from 0).
   */
  private rebase(pkt: Packet, b: number): void {
    if (pkt.reassembled) return;
    if (pkt.l3Off >= 0) pkt.l3Off -= b;
    if (pkt.ipVersion !== 0) {
      pkt.ipSrcOff -= b;
      pkt.ipDstOff -= b;
    }
    if (pkt.l4Off >= 0) pkt.l4Off -= b;
    pkt.payloadOff -= b;
    if (pkt.hasQuote) {
      const q = pkt.quote;
      q.ipSrcOff -= b;
      q.ipDstOff -= b;
      if (q.l4Off >= 0) q.l4Off -= b;
    }
  }

  // ------------------------------------------------------------------ problems

  private fail(pkt: Packet, problem: number, layer: Layer | null, message: string, off: number): void {
    if (layer !== null) {
      if (problem === DecodeProblem.TRUNCATED) this.stats.truncated[layer]++;
      else if (problem === DecodeProblem.MALFORMED) this.stats.malformed[layer]++;
    }
    if (pkt.problem === DecodeProblem.NONE) {
      pkt.problem = problem;
      pkt.problemMessage = message;
      pkt.problemOffset = off - this.base;
    }
  }

  /**
   * `what` needs `need` bytes at `off`: TRUNCATED when the capture ends first, MALFORMED
   * when the enclosing header's length field (`wireEnd`) already ends before it.
   */
  private short(pkt: Packet, layer: Layer, what: string, off: number, need: number, wireEnd: number): void {
    const end = this.end;
    if (off + need > wireEnd && wireEnd <= end) {
      const left = wireEnd > off ? wireEnd - off : 0;
      this.fail(pkt, DecodeProblem.MALFORMED, layer, `${what} needs ${need} bytes at offset ${off - this.base}, the enclosing length leaves ${left}`, off);
    } else {
      const have = end > off ? end - off : 0;
      this.fail(pkt, DecodeProblem.TRUNCATED, layer, `${what} needs ${need} bytes at offset ${off - this.base}, ${have} captured`, off);
    }
  }

  private unsupportedEther(pkt: Packet, type: number, off: number): void {
    pkt.etherType = type;
    bump(this.stats.unsupportedEtherTypes, type);
    this.fail(pkt, DecodeProblem.UNSUPPORTED, null, `EtherType ${hex4(type)} not decoded`, off);
  }

  private unsupportedOther(pkt: Packet, what: string, off: number): void {
    bump(this.stats.unsupportedOther, what);
    this.fail(pkt, DecodeProblem.UNSUPPORTED, null, `${what} not decoded`, off);
  }

  // ------------------------------------------------------------------ link layer

  /**
   * Everything after an EtherType: 802.1Q/802.1ad/0x9100 tags, MPLS, PPPoE session,
   * 802.3 length + LLC/SNAP (when `llc`), then IPv4/IPv6.
   */
  private ether(pkt: Packet, d: Uint8Array, off: number, type: number, llc: boolean): void {
    const n = this.end;
    for (;;) {
      if (type === ETH_IPV4) {
        pkt.etherType = ETH_IPV4;
        this.ipv4(pkt, d, off, true);
        return;
      }
      if (type === ETH_IPV6) {
        pkt.etherType = ETH_IPV6;
        this.ipv6(pkt, d, off, true);
        return;
      }
      if (type === ETH_VLAN || type === ETH_QINQ || type === ETH_QINQ_OLD) {
        if (off + 4 > n) {
          pkt.etherType = type;
          this.short(pkt, 'link', '802.1Q tag', off, 4, UNBOUNDED);
          return;
        }
        if (pkt.vlanCount >= MAX_VLAN_TAGS) {
          pkt.etherType = type;
          this.fail(pkt, DecodeProblem.MALFORMED, 'link', `more than ${MAX_VLAN_TAGS} VLAN tags at offset ${off - this.base}`, off);
          return;
        }
        pkt.vlanIds[pkt.vlanCount++] = ((d[off] & 0x0f) << 8) | d[off + 1];
        type = (d[off + 2] << 8) | d[off + 3];
        off += 4;
        continue;
      }
      if (type === ETH_MPLS || type === ETH_MPLS_MC) {
        // Label stack entries (4 bytes) down to the bottom-of-stack bit, then guess the
        // payload from its first nibble (RFC 3032 leaves the payload type implicit).
        for (;;) {
          if (off + 4 > n) {
            pkt.etherType = type;
            this.short(pkt, 'link', 'MPLS label', off, 4, UNBOUNDED);
            return;
          }
          pkt.mplsCount++;
          const bos = d[off + 2] & 1;
          off += 4;
          if (bos !== 0) break;
        }
        if (off >= n) {
          pkt.etherType = type;
          this.short(pkt, 'link', 'IP header after MPLS', off, 20, UNBOUNDED);
          return;
        }
        const nibble = d[off] >> 4;
        if (nibble === 4) type = ETH_IPV4;
        else if (nibble === 6) type = ETH_IPV6;
        else {
          pkt.etherType = type;
          this.unsupportedOther(pkt, 'MPLS payload (not IP)', off);
          return;
        }
        continue;
      }
      if (type === ETH_PPPOE_SESSION) {
        // RFC 2516: ver/type, code, session id, length; then the PPP protocol.
        if (off + 8 > n) {
          pkt.etherType = type;
          this.short(pkt, 'link', 'PPPoE header', off, 8, UNBOUNDED);
          return;
        }
        const proto = (d[off + 6] << 8) | d[off + 7];
        off += 8;
        if (proto === 0x0021) type = ETH_IPV4;
        else if (proto === 0x0057) type = ETH_IPV6;
        else {
          pkt.etherType = type;
          this.unsupportedOther(pkt, `PPP protocol ${hex4(proto)}`, off - 2);
          return;
        }
        continue;
      }
      if (type <= 1500 && llc) {
        // IEEE 802.3 length field: 802.2 LLC follows; only SNAP with an EtherType is decoded.
        llc = false;
        if (off + 3 > n) {
          this.short(pkt, 'link', '802.2 LLC header', off, 3, UNBOUNDED);
          return;
        }
        if (d[off] === 0xaa && d[off + 1] === 0xaa && d[off + 2] === 0x03) {
          if (off + 8 > n) {
            this.short(pkt, 'link', 'SNAP header', off, 8, UNBOUNDED);
            return;
          }
          type = (d[off + 6] << 8) | d[off + 7];
          off += 8;
          continue;
        }
        this.unsupportedOther(pkt, '802.3/LLC frame', off);
        return;
      }
      this.unsupportedEther(pkt, type, off);
      return;
    }
  }

  private sllPayload(pkt: Packet, d: Uint8Array, off: number, proto: number): void {
    // Protocol values below 0x0600 are Linux ETH_P_* pseudo types (802.2, 802.3, CAN…).
    if (proto < 0x0600) this.unsupportedEther(pkt, proto, off - 2);
    else this.ether(pkt, d, off, proto, false);
  }

  private loopback(pkt: Packet, d: Uint8Array, b: number, network: boolean): void {
    if (this.end - b < 4) {
      this.short(pkt, 'link', network ? 'LOOP header' : 'null/loopback header', b, 4, UNBOUNDED);
      return;
    }
    let fam = u32(d, b);
    // LINKTYPE_NULL is in the capturing host's order: a value with its low 16 bits zero
    // when read big-endian was written little-endian.
    if (!network && (fam & 0xffff) === 0) fam = (d[b] | (d[b + 1] << 8) | (d[b + 2] << 16) | (d[b + 3] << 24)) >>> 0;
    if (fam === 2) {
      pkt.etherType = ETH_IPV4;
      this.ipv4(pkt, d, b + 4, true);
    } else if (fam === 24 || fam === 28 || fam === 30) {
      // AF_INET6 on NetBSD/OpenBSD (24), FreeBSD/DragonFly (28), Darwin (30).
      pkt.etherType = ETH_IPV6;
      this.ipv6(pkt, d, b + 4, true);
    } else {
      this.unsupportedOther(pkt, `${network ? 'LOOP' : 'null/loopback'} family ${fam}`, b);
    }
  }

  private rawIp(pkt: Packet, d: Uint8Array, b: number): void {
    if (this.end - b < 1) {
      this.short(pkt, 'link', 'IP header', b, 20, UNBOUNDED);
      return;
    }
    const v = d[b] >> 4;
    if (v === 4) {
      pkt.etherType = ETH_IPV4;
      this.ipv4(pkt, d, b, true);
    } else if (v === 6) {
      pkt.etherType = ETH_IPV6;
      this.ipv6(pkt, d, b, true);
    } else {
      this.fail(pkt, DecodeProblem.MALFORMED, 'link', `raw IP packet with IP version ${v}`, b);
    }
  }

  private ppp(pkt: Packet, d: Uint8Array, b: number): void {
    const n = this.end;
    let off = b;
    if (n - b >= 2 && d[b] === 0xff && d[b + 1] === 0x03) off = b + 2; // HDLC address + control
    if (off + 1 > n) {
      this.short(pkt, 'link', 'PPP header', off, 2, UNBOUNDED);
      return;
    }
    let proto = d[off];
    if ((proto & 1) !== 0) {
      off += 1; // protocol field compression (RFC 1661 6.5)
    } else {
      if (off + 2 > n) {
        this.short(pkt, 'link', 'PPP header', off, 2, UNBOUNDED);
        return;
      }
      proto = (proto << 8) | d[off + 1];
      off += 2;
    }
    if (proto === 0x0021) {
      pkt.etherType = ETH_IPV4;
      this.ipv4(pkt, d, off, true);
    } else if (proto === 0x0057) {
      pkt.etherType = ETH_IPV6;
      this.ipv6(pkt, d, off, true);
    } else if (proto === 0x0281 || proto === 0x0283) {
      this.ether(pkt, d, off, proto === 0x0281 ? ETH_MPLS : ETH_MPLS_MC, false);
    } else {
      this.unsupportedOther(pkt, `PPP protocol ${hex4(proto)}`, off);
    }
  }

  // ------------------------------------------------------------------ IPv4

  private ipv4(pkt: Packet, d: Uint8Array, off: number, allowReassembly: boolean): void {
    const n = this.end;
    pkt.l3Off = off;
    if (off + 20 > n) {
      this.short(pkt, 'ipv4', 'IPv4 header', off, 20, UNBOUNDED);
      return;
    }
    const vihl = d[off];
    if (vihl >> 4 !== 4) {
      this.fail(pkt, DecodeProblem.MALFORMED, 'ipv4', `IPv4 header at offset ${off - this.base} has version ${vihl >> 4}`, off);
      return;
    }
    const ihl = (vihl & 15) << 2;
    const totalLen = (d[off + 2] << 8) | d[off + 3];
    const id = (d[off + 4] << 8) | d[off + 5];
    pkt.ipVersion = 4;
    pkt.ipSrcOff = off + 12;
    pkt.ipDstOff = off + 16;
    pkt.ipHdrLen = ihl;
    pkt.ipTotalLen = totalLen;
    pkt.ipTtl = d[off + 8];
    pkt.ipId = id;
    if (ihl < 20) {
      this.fail(pkt, DecodeProblem.MALFORMED, 'ipv4', `IPv4 header length ${ihl} (IHL ${ihl >> 2} < 5) at offset ${off - this.base}`, off);
      return;
    }
    let wireEnd: number;
    if (totalLen === 0) {
      // TCP segmentation offload: the stack hands the capture a super-packet with total
      // length 0; the captured length is all we have.
      wireEnd = n;
      pkt.ipTotalLen = n - off;
    } else if (totalLen < ihl) {
      this.fail(pkt, DecodeProblem.MALFORMED, 'ipv4', `IPv4 total length ${totalLen} < header length ${ihl} at offset ${off - this.base}`, off);
      return;
    } else {
      wireEnd = off + totalLen;
    }
    if (off + ihl > n) {
      this.short(pkt, 'ipv4', 'IPv4 header with options', off, ihl, UNBOUNDED);
      return;
    }
    const capEnd = wireEnd < n ? wireEnd : n;
    const proto = d[off + 9];
    pkt.ipProto = proto;
    const p = off + ihl;
    const b6 = d[off + 6];
    const fragOff = (((b6 & 0x1f) << 8) | d[off + 7]) << 3;
    const more = (b6 & 0x20) !== 0;
    if (fragOff !== 0 || more) {
      pkt.isFragment = true;
      pkt.fragOffset = fragOff;
      pkt.moreFragments = more;
      this.stats.fragmentsSeen++;
      if (allowReassembly && this.reassembler !== null) {
        const buf = this.reassembler.add(4, d, off + 12, off + 16, id, proto, fragOff, more, p, wireEnd - p, capEnd - p, this.time, 20);
        if (buf !== null) {
          // Synthesized header: no options, no fragment bits; the record's TTL, TOS, id.
          const total = buf.length;
          buf[0] = 0x45;
          buf[1] = d[off + 1];
          buf[2] = total > 0xffff ? 0 : total >> 8;
          buf[3] = total > 0xffff ? 0 : total & 0xff;
          buf[4] = id >> 8;
          buf[5] = id & 0xff;
          buf[8] = d[off + 8];
          buf[9] = proto;
          for (let i = 0; i < 8; i++) buf[12 + i] = d[off + 12 + i];
          pkt.data = buf;
          pkt.reassembled = true;
          this.base = 0; // from here on the datagram's buffer is read
          this.end = buf.length;
          this.ipv4(pkt, buf, 0, false);
          return;
        }
      }
      if (fragOff !== 0) {
        // A non-first fragment carries no transport header: never read ports from it.
        this.stats.ipProtocols[proto]++;
        pkt.payloadOff = p;
        pkt.payloadLen = capEnd - p;
        pkt.payloadWireLen = wireEnd - p;
        return;
      }
    }
    this.transport(pkt, d, p, capEnd, wireEnd, proto, false);
  }

  // ------------------------------------------------------------------ IPv6

  private ipv6(pkt: Packet, d: Uint8Array, off: number, allowReassembly: boolean): void {
    const n = this.end;
    pkt.l3Off = off;
    if (off + 40 > n) {
      this.short(pkt, 'ipv6', 'IPv6 header', off, 40, UNBOUNDED);
      return;
    }
    if (d[off] >> 4 !== 6) {
      this.fail(pkt, DecodeProblem.MALFORMED, 'ipv6', `IPv6 header at offset ${off - this.base} has version ${d[off] >> 4}`, off);
      return;
    }
    const plen = (d[off + 4] << 8) | d[off + 5];
    pkt.ipVersion = 6;
    pkt.ipSrcOff = off + 8;
    pkt.ipDstOff = off + 24;
    pkt.ipTtl = d[off + 7];
    // Payload length 0: a jumbogram (RFC 2675) or offload; the captured length is all we have.
    const wireEnd = plen === 0 ? n : off + 40 + plen;
    pkt.ipTotalLen = wireEnd - off;
    const capEnd = wireEnd < n ? wireEnd : n;
    let nh = d[off + 6];
    let p = off + 40;
    for (;;) {
      if (nh === TCP || nh === UDP || nh === ICMPV6) break;
      if (nh === HOPOPT || nh === ROUTING || nh === DSTOPTS || nh === AH) {
        const what = nh === HOPOPT ? 'IPv6 hop-by-hop options header' : nh === ROUTING ? 'IPv6 routing header' : nh === DSTOPTS ? 'IPv6 destination options header' : 'IPv6 authentication header';
        pkt.ipHdrLen = p - off;
        if (p + 2 > capEnd) {
          this.short(pkt, 'ipv6', what, p, 2, wireEnd);
          return;
        }
        // Length in 8-octet units not counting the first 8; AH: 4-octet units minus 2.
        const len = nh === AH ? (d[p + 1] + 2) << 2 : (d[p + 1] + 1) << 3;
        if (p + len > capEnd) {
          this.short(pkt, 'ipv6', what, p, len, wireEnd);
          return;
        }
        nh = d[p];
        p += len;
        continue;
      }
      if (nh === FRAGMENT) {
        pkt.ipHdrLen = p - off;
        if (p + 8 > capEnd) {
          this.short(pkt, 'ipv6', 'IPv6 fragment header', p, 8, wireEnd);
          return;
        }
        const fragOff = ((d[p + 2] << 8) | d[p + 3]) & 0xfff8;
        const more = (d[p + 3] & 1) !== 0;
        const id = u32(d, p + 4);
        const fnh = d[p];
        pkt.ipId = id;
        p += 8;
        nh = fnh;
        if (fragOff === 0 && !more) continue; // atomic fragment (RFC 6946): a whole datagram
        pkt.isFragment = true;
        pkt.fragOffset = fragOff;
        pkt.moreFragments = more;
        this.stats.fragmentsSeen++;
        if (allowReassembly && this.reassembler !== null) {
          const buf = this.reassembler.add(6, d, off + 8, off + 24, id, fnh, fragOff, more, p, wireEnd - p, capEnd - p, this.time, 40);
          if (buf !== null) {
            // Synthesized header: the record's version/class/flow label and hop limit, the
            // fragment header's next header; the unfragmentable extension headers dropped.
            const plen2 = buf.length - 40;
            buf[0] = d[off];
            buf[1] = d[off + 1];
            buf[2] = d[off + 2];
            buf[3] = d[off + 3];
            buf[4] = plen2 > 0xffff ? 0 : plen2 >> 8;
            buf[5] = plen2 > 0xffff ? 0 : plen2 & 0xff;
            buf[6] = fnh;
            buf[7] = d[off + 7];
            for (let i = 0; i < 32; i++) buf[8 + i] = d[off + 8 + i];
            pkt.data = buf;
            pkt.reassembled = true;
            this.base = 0; // from here on the datagram's buffer is read
            this.end = buf.length;
            this.ipv6(pkt, buf, 0, false);
            return;
          }
        }
        if (fragOff !== 0) {
          pkt.ipHdrLen = p - off;
          pkt.ipProto = fnh;
          this.stats.ipProtocols[fnh]++;
          pkt.payloadOff = p;
          pkt.payloadLen = capEnd > p ? capEnd - p : 0;
          pkt.payloadWireLen = wireEnd > p ? wireEnd - p : 0;
          return;
        }
        continue;
      }
      break; // a transport or other protocol, NONE (no next header), ESP (encrypted from here)
    }
    pkt.ipHdrLen = p - off;
    pkt.ipProto = nh;
    this.transport(pkt, d, p, capEnd, wireEnd, nh, true);
  }

  // ------------------------------------------------------------------ transport

  private transport(pkt: Packet, d: Uint8Array, off: number, capEnd: number, wireEnd: number, proto: number, v6: boolean): void {
    this.stats.ipProtocols[proto]++;
    if (proto === TCP) {
      this.tcp(pkt, d, off, capEnd, wireEnd);
      return;
    }
    if (proto === UDP) {
      this.udp(pkt, d, off, capEnd, wireEnd);
      return;
    }
    if (proto === (v6 ? ICMPV6 : ICMP)) {
      this.icmp(pkt, d, off, capEnd, wireEnd, v6);
      return;
    }
    pkt.payloadOff = off;
    pkt.payloadLen = capEnd > off ? capEnd - off : 0;
    pkt.payloadWireLen = wireEnd > off ? wireEnd - off : 0;
    if (proto === NO_NEXT) return; // IPv6 "no next header": nothing follows
    bump(this.stats.unsupportedIpProtocols, proto);
    this.fail(pkt, DecodeProblem.UNSUPPORTED, null, `IP protocol ${proto} not decoded`, off);
  }

  private tcp(pkt: Packet, d: Uint8Array, off: number, capEnd: number, wireEnd: number): void {
    if (off + 20 > capEnd) {
      this.short(pkt, 'tcp', 'TCP header', off, 20, wireEnd);
      return;
    }
    pkt.l4Off = off;
    pkt.srcPort = (d[off] << 8) | d[off + 1];
    pkt.dstPort = (d[off + 2] << 8) | d[off + 3];
    pkt.tcpSeq = ((d[off + 4] << 24) | (d[off + 5] << 16) | (d[off + 6] << 8) | d[off + 7]) >>> 0;
    pkt.tcpAck = ((d[off + 8] << 24) | (d[off + 9] << 16) | (d[off + 10] << 8) | d[off + 11]) >>> 0;
    const b12 = d[off + 12];
    const hl = (b12 >> 4) << 2;
    pkt.tcpHdrLen = hl;
    pkt.tcpFlags = ((b12 & 1) << 8) | d[off + 13];
    pkt.tcpWindow = (d[off + 14] << 8) | d[off + 15];
    pkt.tcpUrgent = (d[off + 18] << 8) | d[off + 19];
    if (hl < 20) {
      this.fail(pkt, DecodeProblem.MALFORMED, 'tcp', `TCP data offset ${hl >> 2} (< 5) at offset ${off - this.base}`, off);
      return;
    }
    const pay = off + hl;
    // payloadOff + payloadLen never passes the bytes captured, even when the header does.
    pkt.payloadOff = pay < capEnd ? pay : capEnd;
    pkt.payloadWireLen = wireEnd > pay ? wireEnd - pay : 0;
    pkt.payloadLen = capEnd > pay ? capEnd - pay : 0;
    if (pay > capEnd) this.short(pkt, 'tcp', 'TCP header with options', off, hl, wireEnd);
    if (hl > 20) this.tcpOptions(pkt, d, off + 20, pay < capEnd ? pay : capEnd, pay);
  }

  /** Options in [p, lim); `hdrEnd` is where the header ends (lim < hdrEnd when the capture cut it). */
  private tcpOptions(pkt: Packet, d: Uint8Array, p: number, lim: number, hdrEnd: number): void {
    while (p < lim) {
      const kind = d[p];
      if (kind === 0) return; // EOL
      if (kind === 1) {
        p++; // NOP
        continue;
      }
      if (p + 1 >= lim) {
        if (lim === hdrEnd) this.fail(pkt, DecodeProblem.MALFORMED, 'tcp', `TCP option ${kind} at offset ${p - this.base} has no length byte`, p);
        return;
      }
      const len = d[p + 1];
      if (len < 2 || p + len > hdrEnd) {
        this.fail(pkt, DecodeProblem.MALFORMED, 'tcp', `TCP option ${kind} at offset ${p - this.base} has bad length ${len}`, p);
        return;
      }
      if (p + len > lim) return; // cut by the capture (already TRUNCATED)
      let ok = true;
      switch (kind) {
        case 2: // MSS
          if (len === 4) pkt.tcpMss = (d[p + 2] << 8) | d[p + 3];
          else ok = false;
          break;
        case 3: // window scale; RFC 7323 2.3: a shift above 14 is used as 14
          if (len === 3) {
            const s = d[p + 2];
            pkt.tcpWscaleRaw = s;
            pkt.tcpWscale = s > 14 ? 14 : s;
          } else ok = false;
          break;
        case 4: // SACK permitted
          if (len === 2) pkt.tcpSackPermitted = true;
          else ok = false;
          break;
        case 5: // SACK blocks
          if (len >= 10 && ((len - 2) & 7) === 0) {
            let count = (len - 2) >> 3;
            if (count > 4) count = 4;
            const sack = pkt.tcpSack;
            for (let i = 0; i < count; i++) {
              const b = p + 2 + 8 * i;
              sack[2 * i] = (d[b] << 24) | (d[b + 1] << 16) | (d[b + 2] << 8) | d[b + 3]; // Uint32Array: no >>> 0 needed
              sack[2 * i + 1] = (d[b + 4] << 24) | (d[b + 5] << 16) | (d[b + 6] << 8) | d[b + 7];
            }
            pkt.tcpSackCount = count;
          } else ok = false;
          break;
        case 8: // timestamps
          if (len === 10) {
            pkt.tcpHasTimestamp = true;
            pkt.tcpTsVal = ((d[p + 2] << 24) | (d[p + 3] << 16) | (d[p + 4] << 8) | d[p + 5]) >>> 0;
            pkt.tcpTsEcr = ((d[p + 6] << 24) | (d[p + 7] << 16) | (d[p + 8] << 8) | d[p + 9]) >>> 0;
          } else ok = false;
          break;
      }
      if (!ok) {
        this.fail(pkt, DecodeProblem.MALFORMED, 'tcp', `TCP option ${kind} at offset ${p - this.base} has bad length ${len}`, p);
        return;
      }
      p += len;
    }
  }

  private udp(pkt: Packet, d: Uint8Array, off: number, capEnd: number, wireEnd: number): void {
    if (off + 8 > capEnd) {
      this.short(pkt, 'udp', 'UDP header', off, 8, wireEnd);
      return;
    }
    pkt.l4Off = off;
    pkt.srcPort = (d[off] << 8) | d[off + 1];
    pkt.dstPort = (d[off + 2] << 8) | d[off + 3];
    const ulen = (d[off + 4] << 8) | d[off + 5];
    pkt.udpLength = ulen;
    let end = wireEnd;
    if (ulen >= 8) {
      if (off + ulen < end) end = off + ulen;
    } else if (ulen !== 0) {
      // 0 is allowed for IPv6 jumbograms (RFC 2675); 1..7 cannot be.
      this.fail(pkt, DecodeProblem.MALFORMED, 'udp', `UDP length ${ulen} (< 8) at offset ${off - this.base}`, off);
    }
    const pay = off + 8;
    pkt.payloadOff = pay;
    pkt.payloadWireLen = end > pay ? end - pay : 0;
    const ce = end < capEnd ? end : capEnd;
    pkt.payloadLen = ce > pay ? ce - pay : 0;
  }

  private icmp(pkt: Packet, d: Uint8Array, off: number, capEnd: number, wireEnd: number, v6: boolean): void {
    const layer: Layer = v6 ? 'icmpv6' : 'icmp';
    if (off + 2 <= capEnd) {
      pkt.icmpType = d[off];
      pkt.icmpCode = d[off + 1];
    }
    if (off + 8 > capEnd) {
      this.short(pkt, layer, v6 ? 'ICMPv6 header' : 'ICMP header', off, 8, wireEnd);
      return;
    }
    pkt.l4Off = off;
    const pay = off + 8;
    pkt.payloadOff = pay;
    pkt.payloadLen = capEnd - pay;
    pkt.payloadWireLen = wireEnd > pay ? wireEnd - pay : 0;
    const t = pkt.icmpType;
    const error = v6 ? t >= 1 && t <= 4 : t === 3 || t === 4 || t === 5 || t === 11 || t === 12;
    if (error) this.quote(pkt, d, pay, capEnd, wireEnd, layer);
  }

  /** The datagram an ICMP error quotes, from `q` to `end` (RFC 792: IP header + 8 bytes; RFC 4443: as much as fits). */
  private quote(pkt: Packet, d: Uint8Array, q: number, end: number, wireEnd: number, layer: Layer): void {
    if (q >= end) {
      if (q >= wireEnd) return; // nothing quoted at all
      this.stats.quotesTruncated++;
      if (layer === 'icmp') this.short(pkt, layer, 'quoted IPv4 header', q, 20, wireEnd);
      else this.short(pkt, layer, 'quoted IPv6 header', q, 40, wireEnd);
      return;
    }
    const qd = pkt.quote;
    const v = d[q] >> 4;
    if (v === 4) {
      if (q + 20 > end) {
        this.stats.quotesTruncated++;
        this.short(pkt, layer, 'quoted IPv4 header', q, 20, wireEnd);
        return;
      }
      const ihl = (d[q] & 15) << 2;
      if (ihl < 20) {
        this.fail(pkt, DecodeProblem.MALFORMED, layer, `quoted IPv4 header length ${ihl} (< 20) at offset ${q - this.base}`, q);
        return;
      }
      qd.reset();
      pkt.hasQuote = true;
      qd.ipVersion = 4;
      qd.ipSrcOff = q + 12;
      qd.ipDstOff = q + 16;
      const proto = d[q + 9];
      qd.ipProto = proto;
      const fragOff = ((d[q + 6] & 0x1f) << 8) | d[q + 7];
      if (fragOff !== 0) {
        qd.nonFirstFragment = true;
        return;
      }
      const totalLen = (d[q + 2] << 8) | d[q + 3];
      let qEnd = end;
      if (totalLen >= ihl && q + totalLen < qEnd) qEnd = q + totalLen;
      if (q + ihl > qEnd) return; // options cut: no transport header
      this.quoteTransport(qd, d, q + ihl, qEnd);
      return;
    }
    if (v === 6) {
      if (q + 40 > end) {
        this.stats.quotesTruncated++;
        this.short(pkt, layer, 'quoted IPv6 header', q, 40, wireEnd);
        return;
      }
      qd.reset();
      pkt.hasQuote = true;
      qd.ipVersion = 6;
      qd.ipSrcOff = q + 8;
      qd.ipDstOff = q + 24;
      const plen = (d[q + 4] << 8) | d[q + 5];
      let qEnd = end;
      if (plen !== 0 && q + 40 + plen < qEnd) qEnd = q + 40 + plen;
      let nh = d[q + 6];
      let p = q + 40;
      for (;;) {
        if (nh === HOPOPT || nh === ROUTING || nh === DSTOPTS || nh === AH) {
          if (p + 2 > qEnd) break;
          const len = nh === AH ? (d[p + 1] + 2) << 2 : (d[p + 1] + 1) << 3;
          if (p + len > qEnd) break;
          nh = d[p];
          p += len;
          continue;
        }
        if (nh === FRAGMENT) {
          if (p + 8 > qEnd) break;
          const fragOff = ((d[p + 2] << 8) | d[p + 3]) & 0xfff8;
          nh = d[p];
          p += 8;
          if (fragOff !== 0) {
            qd.ipProto = nh;
            qd.nonFirstFragment = true;
            return;
          }
          continue;
        }
        qd.ipProto = nh;
        this.quoteTransport(qd, d, p, qEnd);
        return;
      }
      // The quote ends inside the extension headers: the protocol stays unknown.
      qd.ipProto = -1;
      return;
    }
    this.fail(pkt, DecodeProblem.MALFORMED, layer, `quoted datagram at offset ${q - this.base} has IP version ${v}`, q);
  }

  private quoteTransport(qd: QuotedDatagram, d: Uint8Array, l4: number, end: number): void {
    qd.l4Off = l4;
    qd.l4Len = end > l4 ? end - l4 : 0;
    const proto = qd.ipProto;
    if (proto !== TCP && proto !== UDP) return;
    const len = qd.l4Len;
    if (len >= 4) {
      qd.srcPort = (d[l4] << 8) | d[l4 + 1];
      qd.dstPort = (d[l4 + 2] << 8) | d[l4 + 3];
    }
    if (proto === TCP && len >= 8) qd.tcpSeq = ((d[l4 + 4] << 24) | (d[l4 + 5] << 16) | (d[l4 + 6] << 8) | d[l4 + 7]) >>> 0;
    if (proto === UDP && len >= 6) qd.udpLength = (d[l4 + 4] << 8) | d[l4 + 5];
  }
}
