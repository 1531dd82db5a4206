// One reusable, allocation-free view of a decoded record (gopacket's DecodingLayerParser
// idea): the decoder overwrites the fields of the same Packet for every record. Offsets
// are into `data`; addresses are read from `data` at ipSrcOff/ipDstOff (4 or 16 bytes).
// `data` itself is made on first use from `bytes` (at `bytesOff`), where it lies.

export const EMPTY = new Uint8Array(0);

/** TCP flag bits as in the header's flags byte (plus NS in bit 8). */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
  NS: 0x100,
} as const;

export const IpProto = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58, HOPOPT: 0, ROUTING: 43, FRAGMENT: 44, ESP: 50, AH: 51, NONE: 59, DSTOPTS: 60 } as const;

/** Why decoding stopped short, if it did. */
export const DecodeProblem = {
  NONE: 0,
  /** The record is too short for a header it claims (message in `problem`). */
  TRUNCATED: 1,
  /** A header's fields are impossible (bad IHL, bad version, length < header). */
  MALFORMED: 2,
  /** Link type or ethertype / IP protocol we do not decode (counted, not fatal). */
  UNSUPPORTED: 3,
} as const;

/** The IP and transport headers an ICMP error quotes (RFC 792 / RFC 4443). */
export class QuotedDatagram {
  ipVersion = 0;
  ipSrcOff = 0;
  ipDstOff = 0;
  ipProto = -1;
  /** Ports when the quote holds at least the first 4 bytes of a TCP/UDP header; else -1. */
  srcPort = -1;
  dstPort = -1;
  /** TCP sequence number when the quote holds it; else -1. */
  tcpSeq = -1;
  /** UDP length field when quoted; else -1. */
  udpLength = -1;
  /** Offset of the quoted transport header in the outer `data`, and the quoted bytes after it. */
  l4Off = -1;
  l4Len = 0;
  /** True when the quoted IP header is for a non-first fragment (no transport header in it). */
  nonFirstFragment = false;
  reset(): void {
    this.ipVersion = 0;
    this.ipSrcOff = 0;
    this.ipDstOff = 0;
    this.ipProto = -1;
    this.srcPort = -1;
    this.dstPort = -1;
    this.tcpSeq = -1;
    this.udpLength = -1;
    this.l4Off = -1;
    this.l4Len = 0;
    this.nonFirstFragment = false;
  }
}

export class Packet {
  /**
   * The bytes the offsets below are into: the record's (or, after reassembly, the
   * datagram's). They are `bytes[bytesOff, bytesOff + dataLen)`; the `data` view of
   * them is made only when asked for (most packets never need one: the flow table reads
   * `bytes` itself), sparing an object per packet.
   */
  bytes: Uint8Array = EMPTY;
  bytesOff = 0;
  dataLen = 0;
  private view: Uint8Array | null = EMPTY;
  /** The record's own bytes, while `bytes` holds a reassembled datagram. */
  private recBytes: Uint8Array = EMPTY;
  private recOff = 0;
  private recLen = 0;
  private recView: Uint8Array | null = EMPTY;
  linkType = 0;

  get data(): Uint8Array {
    return (this.view ??= new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + this.bytesOff, this.dataLen));
  }

  set data(d: Uint8Array) {
    this.bytes = d;
    this.bytesOff = 0;
    this.dataLen = d.length;
    this.view = d;
  }

  /** The record's own bytes (`data` unless it completed a reassembled datagram). */
  get recordData(): Uint8Array {
    if (!this.reassembled) return this.data;
    return (this.recView ??= new Uint8Array(this.recBytes.buffer, this.recBytes.byteOffset + this.recOff, this.recLen));
  }

  // ---- link layer
  /** 802.1Q / 802.1ad tags, outermost first (VLAN ids). */
  vlanCount = 0;
  readonly vlanIds = new Uint16Array(8);
  /** MPLS labels skipped before the IP header. */
  mplsCount = 0;
  /** Final EtherType (or equivalent) that selected the network layer; 0 when unknown. */
  etherType = 0;
  /** Offset of the network-layer header; -1 when there is none. */
  l3Off = -1;

  // ---- IP (v4 or v6)
  /** 4, 6, or 0 when the packet carries no IP. */
  ipVersion = 0;
  ipSrcOff = 0;
  ipDstOff = 0;
  /** IPv4 header length / IPv6 fixed header + extension headers. */
  ipHdrLen = 0;
  /** Total IP length from the header (IPv4 total length, IPv6 40 + payload length). */
  ipTotalLen = 0;
  ipTtl = 0;
  /** IPv4 identification, or the IPv6 fragment header's identification; 0 otherwise. */
  ipId = 0;
  /** Transport protocol after any IPv6 extension headers; -1 when none. */
  ipProto = -1;

  // ---- fragments
  /** The datagram is a fragment (IPv4 MF or offset > 0; IPv6 fragment header). */
  isFragment = false;
  /** Fragment offset in bytes. */
  fragOffset = 0;
  moreFragments = false;
  /**
   * Set when this record completed a fragmented datagram: `data` then points at the
   * reassembled datagram's bytes (starting at the IP header, l3Off = 0) for the
   * transport fields below. The record's own bytes stay in `recordData`.
   * (All offsets, problemOffset included, are then into the reassembled `data`; the
   * link-layer fields and the fragment fields still describe the record.)
   */
  reassembled = false;

  // ---- transport
  /** Offset of the transport header; -1 when absent (non-first fragment, truncated). */
  l4Off = -1;
  srcPort = -1;
  dstPort = -1;
  /** Offset and length of the transport payload (clipped to the bytes captured). */
  payloadOff = 0;
  payloadLen = 0;
  /** Payload length as the headers state it (may exceed payloadLen when snaplen cut it). */
  payloadWireLen = 0;

  // ---- TCP
  tcpSeq = 0;
  tcpAck = 0;
  tcpFlags = 0;
  tcpWindow = 0;
  tcpHdrLen = 0;
  tcpUrgent = 0;
  /** Options: -1 = absent. */
  tcpMss = -1;
  tcpWscale = -1;
  /** Window scale shift as sent (tcpWscale is capped at 14 as RFC 7323 2.3 says); -1 = absent. */
  tcpWscaleRaw = -1;
  tcpSackPermitted = false;
  tcpSackCount = 0;
  /** SACK blocks as left,right pairs (up to 4 blocks). */
  readonly tcpSack = new Uint32Array(8);
  tcpHasTimestamp = false;
  tcpTsVal = 0;
  tcpTsEcr = 0;

  // ---- UDP
  udpLength = 0;

  // ---- ICMP / ICMPv6
  icmpType = -1;
  icmpCode = -1;
  /** For ICMP errors (dest unreachable, time exceeded, parameter problem, packet too big). */
  hasQuote = false;
  readonly quote = new QuotedDatagram();

  // ---- problems
  problem: number = DecodeProblem.NONE;
  problemMessage = '';
  /** Byte offset within the record where decoding stopped. */
  problemOffset = 0;

  reset(data: Uint8Array, linkType: number): void {
    this.resetAt(data, 0, data.length, linkType);
    this.view = this.recView = data;
  }

  /** reset() for the record at bytes[off, off + len), its `data` view not made yet. */
  resetAt(bytes: Uint8Array, off: number, len: number, linkType: number): void {
    this.bytes = this.recBytes = bytes;
    this.bytesOff = this.recOff = off;
    this.dataLen = this.recLen = len;
    this.view = this.recView = null;
    this.linkType = linkType;
    this.vlanCount = 0;
    this.mplsCount = 0;
    this.etherType = 0;
    this.l3Off = -1;
    this.ipVersion = 0;
    this.ipSrcOff = 0;
    this.ipDstOff = 0;
    this.ipHdrLen = 0;
    this.ipTotalLen = 0;
    this.ipTtl = 0;
    this.ipId = 0;
    this.ipProto = -1;
    this.isFragment = false;
    this.fragOffset = 0;
    this.moreFragments = false;
    this.reassembled = false;
    this.l4Off = -1;
    this.srcPort = -1;
    this.dstPort = -1;
    this.payloadOff = 0;
    this.payloadLen = 0;
    this.payloadWireLen = 0;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpFlags = 0;
    this.tcpWindow = 0;
    this.tcpHdrLen = 0;
    this.tcpUrgent = 0;
    this.tcpMss = -1;
    this.tcpWscale = -1;
    this.tcpWscaleRaw = -1;
    this.tcpSackPermitted = false;
    this.tcpSackCount = 0;
    this.tcpHasTimestamp = false;
    this.tcpTsVal = 0;
    this.tcpTsEcr = 0;
    this.udpLength = 0;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.hasQuote = false;
    this.problem = DecodeProblem.NONE;
    this.problemMessage = '';
    this.problemOffset = 0;
  }
}
