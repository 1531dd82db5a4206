// DNS pairing (tracker), statistics and timelines for the UI (stats), the wire reader.
export { DnsTracker, DnsTransaction, RETRY_WINDOW_SECONDS, type DnsProtocol, type DnsTrackerOptions } from './tracker';
export { dnsStats, dnsFlowTimeline, questionName, type DnsStats, type DnsGroupStats, type DnsRttPercentiles, type DnsStatsInput, type DnsSpan, type DnsFlowTimeline, type UdpUnreachableMarker } from './stats';
export { decodeMessage, answerTexts, recordText, DnsDecodeError, type DnsMessage, type DnsRecord } from '../../parsers/dns/wire';
export { DNS_EVENT_KINDS } from './kinds';
