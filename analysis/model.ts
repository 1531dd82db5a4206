// The serialisable model of an analysis: what `stateline analyze --json` prints
// (../shared/docs/OUTPUT.md) and what the query layer hands the UI. Plain data only.

export type Severity = 'break' | 'warning' | 'info';
export type Transport = 'tcp' | 'udp' | 'icmp';

export interface CaptureErrorJson {
  frame: number;
  offset: number;
  message: string;
}

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
}

export interface TcpStateJson {
  frame: number;
  time: number;
  client: string;
  server: string;
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
  tcp?: { connState: string; history: string; states: TcpStateJson[] };
}

export interface EventJson {
  kind: string;
  severity: Severity;
  frame: number;
  time: number;
  flow: number | null;
  message: string;
  related: number[];
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
}

export interface QuicPathJson {
  client: string;
  server: string;
  firstFrame: number;
  lastFrame: number;
}

export interface QuicJson {
  number: number;
  versions: string[];
  sni: string | null;
  alpn: string[];
  clientCids: string[];
  serverCids: string[];
  paths: QuicPathJson[];
  frames: number[];
}

export interface AnalysisJson {
  capture: CaptureSummaryJson;
  flows: FlowJson[];
  events: EventJson[];
  dns: DnsJson[];
  quic: QuicJson[];
}
