// Counters the Decoder keeps across records: what it could not decode and why.
// Hot-path counters are typed arrays or plain numbers; the Maps are touched only for
// records that are not decoded (unknown link types, EtherTypes, IP protocols).

/** Layers named in truncated / malformed counts (and in problem messages). */
export interface LayerCounts {
  /** Link layer: Ethernet, 802.1Q, MPLS, PPPoE, SLL, SLL2, null/loopback, PPP. */
  link: number;
  ipv4: number;
  ipv6: number;
  tcp: number;
  udp: number;
  icmp: number;
  icmpv6: number;
}

export type Layer = keyof LayerCounts;

function layerCounts(): LayerCounts {
  return { link: 0, ipv4: 0, ipv6: 0, tcp: 0, udp: 0, icmp: 0, icmpv6: 0 };
}

export class DecodeStats {
  /** Records given to decode(). */
  packets = 0;
  /** Records whose link type is not decoded: LINKTYPE value → records. */
  readonly unsupportedLinkTypes = new Map<number, number>();
  /**
   * EtherTypes (Ethernet, 802.1Q inner type, Linux SLL/SLL2 protocol, LOOP family as
   * EtherType) that select no network layer we decode: value → records.
   */
  readonly unsupportedEtherTypes = new Map<number, number>();
  /**
   * Other link-layer payloads not decoded, by description: "802.3/LLC frame",
   * "PPP protocol 0xc021", "null/loopback family 17", "MPLS payload (not IP)".
   */
  readonly unsupportedOther = new Map<string, number>();
  /** IP packets per final IP protocol (index = protocol number, after IPv6 extension headers). */
  readonly ipProtocols = new Float64Array(256);
  /** IP protocols we do not decode past the IP header (not TCP/UDP/ICMP/ICMPv6/59): value → records. */
  readonly unsupportedIpProtocols = new Map<number, number>();
  /** Records cut short, by the layer whose header was cut. */
  readonly truncated: LayerCounts = layerCounts();
  /** Records with impossible header fields, by layer. */
  readonly malformed: LayerCounts = layerCounts();
  /** ICMP errors whose quoted datagram was too short for its IP header. */
  quotesTruncated = 0;

  // ---- fragments (IPv4 and IPv6)
  /** Records that are fragments (IPv4 MF / offset; IPv6 fragment header other than atomic). */
  fragmentsSeen = 0;
  /** Datagrams completed by reassembly (one per completing record). */
  datagramsReassembled = 0;
  /** Pending datagrams dropped because they went stale (60 s of capture time). */
  datagramsExpired = 0;
  /** Pending datagrams dropped to stay within the bounds (count, bytes). */
  datagramsEvicted = 0;
  /** Fragments not usable for reassembly: cut by the snaplen, past 64 KiB, too many pieces. */
  fragmentsDropped = 0;
  /** Fragments that overlapped bytes already received (later bytes win). */
  fragmentOverlaps = 0;

  /** Plain JSON view (Maps as objects, only the non-zero IP protocols). */
  toJSON(): Record<string, unknown> {
    const protos: Record<string, number> = {};
    for (let i = 0; i < 256; i++) if (this.ipProtocols[i] !== 0) protos[i] = this.ipProtocols[i];
    return {
      packets: this.packets,
      unsupportedLinkTypes: Object.fromEntries(this.unsupportedLinkTypes),
      unsupportedEtherTypes: Object.fromEntries(this.unsupportedEtherTypes),
      unsupportedOther: Object.fromEntries(this.unsupportedOther),
      ipProtocols: protos,
      unsupportedIpProtocols: Object.fromEntries(this.unsupportedIpProtocols),
      truncated: { ...this.truncated },
      malformed: { ...this.malformed },
      quotesTruncated: this.quotesTruncated,
      fragmentsSeen: this.fragmentsSeen,
      datagramsReassembled: this.datagramsReassembled,
      datagramsExpired: this.datagramsExpired,
      datagramsEvicted: this.datagramsEvicted,
      fragmentsDropped: this.fragmentsDropped,
      fragmentOverlaps: this.fragmentOverlaps,
    };
  }
}

export function bump<K>(m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}
