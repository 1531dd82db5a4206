// Packet decoding: link layer → IP → TCP/UDP/ICMP into one reused Packet view.
export { EMPTY, TcpFlag, IpProto, DecodeProblem, QuotedDatagram, Packet } from './packet';
export { Decoder, type DecoderOptions } from './decoder';
export { LinkType, linkTypeName, linkTypeTitle, type LinkTypeId } from './linktypes';
export { etherTypeName, unsupportedTitle } from './ethertypes';
export { DecodeStats, type LayerCounts, type Layer } from './stats';
export { Reassembler, DEFAULT_REASSEMBLY_LIMITS, type ReassemblerLimits } from './reassembly';
export { formatIp, formatEndpoint } from './format';
