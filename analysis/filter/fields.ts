// The display-filter field table: every name the filter language knows (the Wireshark
// subset of issue 15), its type — which decides the literals a comparison accepts and
// how values compare — and a line of description for the UI's autocomplete. The
// parser (./parse) checks names and literals against it; the frame reader (./frame)
// produces each field's values for one frame.
//
// Types, as Wireshark's (epan/ftypes):
//  - uint:     unsigned integer (`max` bounds a literal: "too big for this field");
//  - bool:     a flag bit; compares as 0/1, any non-zero literal is 1, True/False too;
//  - label:    a field without a value (Wireshark's FT_NONE, the tcp.analysis.* flags):
//              only its presence can be tested;
//  - protocol: a protocol name: presence only;
//  - ipv4 / ipv6: an address, a literal may carry a CIDR prefix (/8, /64);
//  - string:   text (dns.qry.name), `contains` and `matches` apply;
//  - bytes:    raw bytes (tcp.payload; and the `frame` protocol, the whole record):
//              `contains` and `matches`, and == / != with aa:bb:cc or a quoted string;
//  - time:     seconds as a decimal number (frame.time_relative).

export type FieldType = 'uint' | 'bool' | 'label' | 'protocol' | 'ipv4' | 'ipv6' | 'string' | 'time' | 'bytes';

export interface FieldSpec {
  name: string;
  type: FieldType;
  /** The largest value a literal may have (the field's width), for uint fields. */
  max?: number;
  description: string;
}

const U8 = 0xff, U16 = 0xffff, U32 = 0xffffffff;

const f = (name: string, type: FieldType, description: string, max?: number): FieldSpec => (max === undefined ? { name, type, description } : { name, type, description, max });

/** The fields, in the order the autocomplete lists them (protocols first). */
export const FILTER_FIELDS: readonly FieldSpec[] = [
  f('frame', 'protocol', 'Every frame (frame contains "text" searches its bytes)'),
  f('eth', 'protocol', 'Ethernet'),
  f('vlan', 'protocol', '802.1Q VLAN tag'),
  f('arp', 'protocol', 'ARP'),
  f('ip', 'protocol', 'IPv4 (also the header an ICMP error quotes)'),
  f('ipv6', 'protocol', 'IPv6 (also the header an ICMPv6 error quotes)'),
  f('tcp', 'protocol', 'TCP'),
  f('udp', 'protocol', 'UDP'),
  f('icmp', 'protocol', 'ICMP'),
  f('icmpv6', 'protocol', 'ICMPv6'),
  f('dns', 'protocol', 'DNS (port 53)'),
  f('mdns', 'protocol', 'Multicast DNS (port 5353)'),
  f('llmnr', 'protocol', 'LLMNR (port 5355)'),
  f('quic', 'protocol', 'QUIC (the datagrams of the flows where the QUIC analysis found a connection)'),

  f('frame.number', 'uint', 'Frame number (1 = first)', U32),
  f('frame.time_relative', 'time', 'Seconds since the first frame'),
  f('frame.len', 'uint', 'Frame length on the wire (bytes)', U32),
  f('frame.cap_len', 'uint', 'Bytes captured of the frame', U32),

  f('vlan.id', 'uint', 'VLAN ID (each tag, outer first)', 4095),

  f('ip.src', 'ipv4', 'IPv4 source address'),
  f('ip.dst', 'ipv4', 'IPv4 destination address'),
  f('ip.addr', 'ipv4', 'IPv4 source or destination address'),
  f('ip.proto', 'uint', 'IPv4 protocol number (6 TCP, 17 UDP, 1 ICMP)', U8),
  f('ip.ttl', 'uint', 'IPv4 time to live', U8),
  f('ipv6.src', 'ipv6', 'IPv6 source address'),
  f('ipv6.dst', 'ipv6', 'IPv6 destination address'),
  f('ipv6.addr', 'ipv6', 'IPv6 source or destination address'),
  f('ipv6.hlim', 'uint', 'IPv6 hop limit', U8),

  f('tcp.port', 'uint', 'TCP source or destination port', U16),
  f('tcp.srcport', 'uint', 'TCP source port', U16),
  f('tcp.dstport', 'uint', 'TCP destination port', U16),
  f('tcp.len', 'uint', 'TCP payload length (bytes)', U32),
  f('tcp.seq', 'uint', 'TCP sequence number (relative)', U32),
  f('tcp.ack', 'uint', 'TCP acknowledgement number (relative)', U32),
  f('tcp.seq_raw', 'uint', 'TCP sequence number (raw)', U32),
  f('tcp.ack_raw', 'uint', 'TCP acknowledgement number (raw)', U32),
  f('tcp.hdr_len', 'uint', 'TCP header length (bytes)', U8),
  f('tcp.flags', 'uint', 'TCP flags (FIN 0x001 … CWR 0x080, NS 0x100)', 0xfff),
  f('tcp.flags.syn', 'bool', 'TCP SYN flag'),
  f('tcp.flags.ack', 'bool', 'TCP ACK flag'),
  f('tcp.flags.fin', 'bool', 'TCP FIN flag'),
  f('tcp.flags.reset', 'bool', 'TCP RST flag'),
  f('tcp.flags.push', 'bool', 'TCP PSH flag'),
  f('tcp.flags.urg', 'bool', 'TCP URG flag'),
  f('tcp.flags.ece', 'bool', 'TCP ECE flag'),
  f('tcp.flags.cwr', 'bool', 'TCP CWR flag'),
  f('tcp.flags.ns', 'bool', 'TCP NS (nonce) flag'),
  f('tcp.payload', 'bytes', 'TCP payload bytes (captured)'),
  f('tcp.window_size_value', 'uint', 'TCP window field as sent (unscaled)', U16),
  f('tcp.window_size', 'uint', 'TCP receive window in bytes (scaled)', U32),
  f('tcp.analysis.flags', 'label', 'Any TCP analysis flag below'),
  f('tcp.analysis.retransmission', 'label', 'Retransmission (fast and spurious ones included)'),
  f('tcp.analysis.fast_retransmission', 'label', 'Fast retransmission'),
  f('tcp.analysis.spurious_retransmission', 'label', 'Spurious retransmission'),
  f('tcp.analysis.out_of_order', 'label', 'Out-of-order segment'),
  f('tcp.analysis.lost_segment', 'label', 'Previous segment not captured'),
  f('tcp.analysis.ack_lost_segment', 'label', 'ACK of a segment that was not captured'),
  f('tcp.analysis.duplicate_ack', 'label', 'Duplicate ACK'),
  f('tcp.analysis.zero_window', 'label', 'Zero window'),
  f('tcp.analysis.zero_window_probe', 'label', 'Zero-window probe'),
  f('tcp.analysis.window_full', 'label', 'Window full'),
  f('tcp.analysis.window_update', 'label', 'Window update'),
  f('tcp.analysis.keep_alive', 'label', 'Keep-alive'),
  f('tcp.analysis.keep_alive_ack', 'label', 'Keep-alive ACK'),
  f('tcp.analysis.reused_ports', 'label', 'New connection on a 4-tuple already used'),
  f('tcp.analysis.bytes_in_flight', 'uint', 'Bytes in flight after this segment', U32),
  f('tcp.analysis.ack_rtt', 'time', 'Seconds from the segment this ACK acknowledges to the ACK'),

  f('udp.port', 'uint', 'UDP source or destination port', U16),
  f('udp.srcport', 'uint', 'UDP source port', U16),
  f('udp.dstport', 'uint', 'UDP destination port', U16),
  f('udp.length', 'uint', 'UDP length field (header + payload)', U16),
  f('udp.payload', 'bytes', 'UDP payload bytes (captured)'),

  f('icmp.type', 'uint', 'ICMP type', U8),
  f('icmp.code', 'uint', 'ICMP code', U8),
  f('icmpv6.type', 'uint', 'ICMPv6 type', U8),
  f('icmpv6.code', 'uint', 'ICMPv6 code', U8),

  f('dns.id', 'uint', 'DNS transaction ID', U16),
  f('dns.flags.response', 'bool', 'DNS message is a response (QR)'),
  f('dns.flags.opcode', 'uint', 'DNS opcode', 15),
  f('dns.flags.rcode', 'uint', 'DNS response code (0 NoError, 2 ServFail, 3 NXDomain)', 15),
  f('dns.qry.name', 'string', 'DNS question name'),
  f('dns.qry.type', 'uint', 'DNS question type (1 A, 28 AAAA)', U16),
  f('dns.count.queries', 'uint', 'DNS question count', U16),
  f('dns.count.answers', 'uint', 'DNS answer count', U16),
];

const BY_NAME = new Map(FILTER_FIELDS.map((s, i) => [s.name, i]));

/** The field's index in FILTER_FIELDS (its id), or -1. */
export function fieldId(name: string): number {
  return BY_NAME.get(name) ?? -1;
}
