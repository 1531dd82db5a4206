// The serialisable model of an analysis: what `stateline analyze --json` prints
// (../shared/docs/OUTPUT.md) and what the query layer hands the UI. Plain data only.

import type { CaptureSetFile } from '../parsers/capture/set';

export type Severity = 'break' | 'warning' | 'info';
export type Transport = 'tcp' | 'udp' | 'icmp';

export interface CaptureErrorJson {
  frame: number;
  offset: number;
  message: string;
  /** In a capture set: the file the error is in (`offset` is in that file, `frame` the set's). */
  file?: string;
}

/** One file of a capture set (capture.files): what the set reader says of it. */
export type CaptureFileJson = CaptureSetFile;

export interface CaptureSummaryJson {
  format: 'pcap' | 'pcapng';
  compressed: boolean;
  packets: number;
  bytes: number;
  linkTypes: number[];
  start: number | null;
  end: number | null;
  errors: CaptureErrorJson[];
  /** Link types, EtherTypes and IP protocols seen but not decoded, with packet counts. */
  unsupported: { what: string; packets: number }[];
  /** Packets whose headers were cut short or malformed (first ones listed in errors). */
  decodeProblems: number;
  /** Decoded packets that carry no IP (ARP, LLDP, …), and IP packets outside any flow. */
  nonIpPackets: number;
  /** A capture set's files in the set's order, with the set frames of each one's first and last record (absent for one file). */
  files?: CaptureFileJson[];
}

export interface TcpStateJson {
  frame: number;
  time: number;
  client: string;
  server: string;
  /** Set when this state is a guess of the passive observer (mid-stream pickup, a side never seen). */
  guess?: string;
}

/** What the TCP tracker learned about one endpoint of a connection (added by analysis/tcp). */
export interface TcpEndpointJson {
  /** Absolute initial sequence number (the SYN's), or null when the SYN was not captured. */
  isn: number | null;
  mss: number | null;
  /** Window scale shift: from the SYN options, or inferred from the data (at least this much). */
  windowScale: number | null;
  /** 'syn' (negotiated in the handshake), 'none' (a SYN lacked the option: no scaling), 'inferred' (bytes in flight exceeded the unscaled window), 'unknown'. */
  windowScaleFrom: 'syn' | 'none' | 'inferred' | 'unknown';
  sackPermitted: boolean;
  timestamps: boolean;
  /** Bytes of sequence space sent (payload, relative: highest seq − first seq). */
  bytesSent: number;
  /** RFC 9293 state when the capture ended. */
  finalState: string;
}

export interface TcpFlowJson {
  connState: string;
  history: string;
  states: TcpStateJson[];
  client?: TcpEndpointJson;
  server?: TcpEndpointJson;
  /** Handshake RTT (SYN → ACK of the SYN-ACK, as Wireshark's first RTT), seconds. */
  handshakeRtt?: number | null;
  /** Data → ACK round-trip samples (Karn: none from retransmitted segments): count, min, mean, max in seconds. */
  rtt?: { samples: number; min: number; mean: number; max: number } | null;
}

export interface FlowJson {
  id: number;
  transport: Transport;
  app: 'dns' | 'quic' | null;
  client: string;
  server: string;
  firstFrame: number;
  lastFrame: number;
  start: number;
  end: number;
  packets: number;
  bytes: number;
  /** Per direction: packets and bytes sent by the client and by the server. */
  clientPackets: number;
  clientBytes: number;
  serverPackets: number;
  serverBytes: number;
  /** How the client was chosen: 'syn' (SYN sender), 'syn-ack' (receiver of a SYN-ACK), 'port' (well-known/lower port), 'first' (first sender). */
  clientBy: 'syn' | 'syn-ack' | 'port' | 'payload' | 'first';
  /** The 802.1Q / 802.1ad VLAN IDs in the flow's key, outer first; absent when untagged (or with mergeVlans). */
  vlan?: number[];
  tcp?: TcpFlowJson;
}

export interface EventJson {
  kind: string;
  severity: Severity;
  frame: number;
  time: number;
  flow: number | null;
  message: string;
  related: number[];
  /** The incident (incidents[].id) this event is a symptom of; only on member events. */
  incident?: number;
}

/** How sure an incident's reading of the evidence is. */
export type Confidence = 'high' | 'medium' | 'low';

/**
 * When a server, a service or a resolver was down, as far as the capture proves it:
 * frames, and the bounds in seconds they give.
 */
export interface DowntimeJson {
  /** The last frame proving the subject still held its state or answered (null: none in the capture). */
  lastUp: number | null;
  /** The first frame proving it had lost its state or failed. */
  firstDown: number;
  /** The last frame proving it down (a refused or unanswered SYN, a failed query, a reset). */
  lastDown: number;
  /** The first frame proving it back: a handshake it answered, a query it answered (null: not in the capture). */
  backUp: number | null;
  /** Down for at least this long: from the first to the last refused, unanswered or failed attempt (0 when one). */
  atLeast: number;
  /** And at most this long: from lastUp to backUp (null when either is not in the capture). */
  atMost: number | null;
}

/** One cause across flows (EVENTS.md "Incidents"): its member events carry `incident: id`. */
export interface IncidentJson {
  /** 1-based, in order of start. */
  id: number;
  kind: string;
  severity: Severity;
  /** What the incident is about: an endpoint (ip:port), a host, a host pair ("a ⇄ b"). */
  subject: string;
  /** Time of the first and of the last member event. */
  start: number;
  end: number;
  /** The flows of the member events, ascending. */
  flows: number[];
  /** The frames of the member events, ascending. */
  frames: number[];
  /** One line, with the numbers. */
  message: string;
  /** Plain words: which state was held by whom, what was lost, what followed. */
  explanation: string;
  /** Facts, each with its frames. */
  evidence: string[];
  confidence: Confidence;
  /** What the evidence rules in or out: the other causes that would look alike, and why it is or is not them. */
  alternatives: string[];
  /** Server, service and resolver incidents: when it was down (as far as the capture proves). */
  downtime?: DowntimeJson;
}

export interface DnsJson {
  flow: number;
  transport: 'udp' | 'tcp';
  id: number;
  question: string;
  queryFrames: number[];
  responseFrame: number | null;
  rtt: number | null;
  rcode: string | null;
  status: 'answered' | 'unanswered' | 'orphan' | 'client-gone' | 'mismatch';
  // ---- added by the DNS tracker (analysis/dns); optional so older producers still type-check
  /** Answer section as text: "example.com. 300 A 1.2.3.4" (empty when no response). */
  answers?: string[];
  /** 'mdns' (5353) and 'llmnr' (5355), multicast name resolution: never flagged unanswered (absent = unicast DNS). */
  protocol?: 'dns' | 'mdns' | 'llmnr';
  /** Time of the first query (of the response for an orphan), seconds since the epoch. */
  time?: number;
  /** The query went to a multicast group (mDNS / LLMNR). */
  multicast?: boolean;
  /** The response had the TC bit; tcpRetryFrame = the TCP query that asked again. */
  truncated?: boolean;
  tcpRetryFrame?: number;
  /** ICMP port unreachable that refused the response (status client-gone). */
  icmpFrame?: number | null;
  /** ICMP unreachable that refused the query (nothing listened on the server). */
  serverIcmpFrame?: number;
  /** Responses with this query's ID but another question (dns.question-mismatch). */
  mismatchFrames?: number[];
  /** First query frame of the transaction this one re-sends from a new source port. */
  retryOf?: number;
  /** First query frame of the unanswered (or refused) transaction at another resolver this one fails over from (dns.failover). */
  failoverOf?: number;
  /** On that failed transaction: the first query frame of the transaction at the next resolver. */
  failedOverTo?: number;
  /** For an orphan that duplicates an answer: the frame that answered first. */
  duplicateOf?: number;
}

export interface QuicPathJson {
  client: string;
  server: string;
  firstFrame: number;
  lastFrame: number;
  /** Set when the path was attributed by inference (no CID of the connection seen on it). */
  inferred?: boolean;
}

export interface QuicJson {
  number: number;
  versions: string[];
  sni: string | null;
  alpn: string[];
  clientCids: string[];
  serverCids: string[];
  paths: QuicPathJson[];
  /** Frames whose packets carry one of the connection's CIDs (or quote one, ICMP). */
  frames: number[];
  /** Frames attributed by inference: a repeating unknown DCID on the connection's 4-tuple, an inferred path. */
  inferredFrames?: number[];
}

export interface AnalysisJson {
  capture: CaptureSummaryJson;
  flows: FlowJson[];
  events: EventJson[];
  /** Present when the analysis found any (so a capture without incidents prints as before). */
  incidents?: IncidentJson[];
  dns: DnsJson[];
  quic: QuicJson[];
}
