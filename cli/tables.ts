// The tables `stateline export` writes, as code: each table's columns (name, type, unit,
// meaning) and where its rows come from. This is the one schema: the Parquet and the
// NDJSON writers (./export) both read it, and the README's "Tables" section is rendered
// from it (schemaMarkdown; a test holds the README to it).
//
// No value is computed here. A row is a record the analysis already prints — the
// capture, flows[], events[], incidents[], dns[] and quic[] of `stateline analyze --json`
// (analysis/output.ts toJson, the model in analysis/model.ts) and the rows of
// `stateline packets` (./packets packetJson over CaptureQuery.packetRow) — and a column
// only picks a field of it, flattening nested objects (flows[].tcp.client.mss becomes
// tcpClientMss) and turning a field the JSON leaves out into its stated meaning (null,
// an empty list, false, or DNS's 'dns' protocol). Names are the JSON's own, camelCase.

import type { Analysis } from '../analysis/analyze';
import { CaptureQuery } from '../analysis/capture-query';
import type { AnalysisJson, CaptureSummaryJson, DnsJson, EventJson, FlowJson, IncidentJson, QuicJson, QuicPathJson, TcpEndpointJson } from '../analysis/model';
import { toJson } from '../analysis/output';
import { packetJson, type PacketJson } from './packets';

/** A column's type; `[]` is a list (never null: empty when there is nothing). */
export type ColumnType = 'int32' | 'int64' | 'double' | 'string' | 'boolean' | 'int32[]' | 'string[]';

export type Cell = number | string | boolean | null | readonly number[] | readonly string[];

export interface Column<R> {
  name: string;
  type: ColumnType;
  /** Whether the column holds nulls (lists never do). */
  nullable: boolean;
  /** 'seconds', 'bytes', 'frame', …; null for names and codes. */
  unit: string | null;
  doc: string;
  get: (row: R) => Cell;
}

export interface Table<R> {
  name: TableName;
  doc: string;
  columns: Column<R>[];
  rows: (src: TableSource) => Iterable<R>;
}

/** Any table, its row type forgotten: the writers hand each column's get() the rows of its own table. */
export interface AnyTable {
  name: TableName;
  doc: string;
  columns: readonly Column<never>[];
  rows: (src: TableSource) => Iterable<unknown>;
}

export const TABLE_NAMES = ['capture', 'flows', 'events', 'incidents', 'dns', 'quic', 'quic_paths', 'packets'] as const;
export type TableName = (typeof TABLE_NAMES)[number];
/** What `export` writes without --tables: every table but packets (one row per packet: by far the largest). */
export const DEFAULT_TABLES: readonly TableName[] = TABLE_NAMES.filter((t) => t !== 'packets');

/** The analysis, its JSON (built once, on first use) and its packet rows. */
export class TableSource {
  private json: AnalysisJson | null = null;
  constructor(readonly analysis: Analysis, readonly name: string) {}

  get analysisJson(): AnalysisJson {
    return (this.json ??= toJson(this.analysis));
  }

  *packets(): Generator<PacketJson> {
    const q = new CaptureQuery(this.analysis, this.name);
    for (let i = 0; i < this.analysis.packets; i++) yield packetJson(q.packetRow(i));
  }
}

/** quic[] carries more than OUTPUT.md's fields (analysis/quic/json.ts); these are the ones exported. */
interface QuicConnJson extends QuicJson {
  clientZeroLengthCid: boolean;
  handshakeDoneFrame: number | null;
  decryptedPackets: number;
  history: string;
  zeroRttPackets: number;
  resumedFrom: number | null;
  resumption: { by: string | null; ticketFrame: number | null; pskAccepted: boolean | null; earlyData: string | null } | null;
}

interface QuicPathRow extends QuicPathJson {
  connection: number;
  path: number;
}

// Short constructors keep the tables below one line per column.
const col = <R>(name: string, type: ColumnType, unit: string | null, doc: string, get: (row: R) => Cell, nullable = false): Column<R> => ({ name, type, nullable, unit, doc, get });
const opt = <R>(name: string, type: ColumnType, unit: string | null, doc: string, get: (row: R) => Cell | undefined): Column<R> => col(name, type, unit, doc, (r) => get(r) ?? null, true);
const list = <R>(name: string, type: 'int32[]' | 'string[]', unit: string | null, doc: string, get: (row: R) => readonly (number | string)[] | undefined): Column<R> =>
  col(name, type, unit, doc, (r) => (get(r) ?? []) as Cell);

function tcpEndpoint(side: 'client' | 'server'): Column<FlowJson>[] {
  const S = side === 'client' ? 'Client' : 'Server';
  const ep = (f: FlowJson): TcpEndpointJson | undefined => f.tcp?.[side];
  return [
    opt(`tcp${S}Isn`, 'int64', null, `the ${side}'s absolute initial sequence number (null: its SYN was not captured)`, (f) => ep(f)?.isn),
    opt(`tcp${S}Mss`, 'int32', 'bytes', `MSS option of the ${side}'s SYN`, (f) => ep(f)?.mss),
    opt(`tcp${S}WindowScale`, 'int32', 'shift', `the ${side}'s window scale shift`, (f) => ep(f)?.windowScale),
    opt(`tcp${S}WindowScaleFrom`, 'string', null, "where the shift comes from: 'syn', 'none', 'inferred', 'unknown'", (f) => ep(f)?.windowScaleFrom),
    opt(`tcp${S}SackPermitted`, 'boolean', null, `the ${side}'s SYN offered SACK`, (f) => ep(f)?.sackPermitted),
    opt(`tcp${S}Timestamps`, 'boolean', null, `the ${side} used TCP timestamps`, (f) => ep(f)?.timestamps),
    opt(`tcp${S}BytesSent`, 'int64', 'bytes', `sequence space the ${side} sent (highest relative seq − 1)`, (f) => ep(f)?.bytesSent),
    opt(`tcp${S}FinalState`, 'string', null, `the ${side}'s RFC 9293 state when the capture ended`, (f) => ep(f)?.finalState),
  ];
}

const capture: Table<CaptureSummaryJson & { file: string }> = {
  name: 'capture',
  doc: 'One row: the capture file itself (capture of analyze --json), so that tables from many captures say which one they came from and whether it was read whole.',
  rows: (s) => [{ ...s.analysisJson.capture, file: s.name }],
  columns: [
    col('file', 'string', null, 'the capture file as given to export', (c) => c.file),
    col('format', 'string', null, "'pcap' or 'pcapng'", (c) => c.format),
    col('compressed', 'boolean', null, 'gzip-compressed', (c) => c.compressed),
    col('packets', 'int64', 'packets', 'packets read', (c) => c.packets),
    col('bytes', 'int64', 'bytes', 'bytes on the wire, all packets', (c) => c.bytes),
    list('linkTypes', 'int32[]', null, 'link-layer types (LINKTYPE_ numbers)', (c) => c.linkTypes),
    opt('start', 'double', 'seconds', 'time of the first packet (null: no packets)', (c) => c.start),
    opt('end', 'double', 'seconds', 'time of the last packet', (c) => c.end),
    list('errors', 'string[]', null, "where the capture is damaged: 'frame 57 offset 9120: record length … exceeds snaplen' (empty: read whole)", (c) => c.errors.map((e) => `frame ${e.frame} offset ${e.offset}: ${e.message}`)),
    col('decodeProblems', 'int64', 'packets', 'packets whose headers were cut short or malformed', (c) => c.decodeProblems),
    col('nonIpPackets', 'int64', 'packets', 'decoded packets that carry no IP, and IP packets outside any flow', (c) => c.nonIpPackets),
  ],
};

const flows: Table<FlowJson> = {
  name: 'flows',
  doc: 'One row per flow (flows[] of analyze --json, flows[].tcp flattened into the tcp… columns).',
  rows: (s) => s.analysisJson.flows,
  columns: [
    col('id', 'int32', null, 'flow number, 1-based in order of first packet (events.flow, dns.flow, packets.flow)', (f) => f.id),
    col('transport', 'string', null, "'tcp', 'udp' or 'icmp'", (f) => f.transport),
    opt('app', 'string', null, "'dns', 'quic' or null", (f) => f.app),
    col('client', 'string', null, 'the endpoint that opened the flow, ip:port ([ip]:port for IPv6)', (f) => f.client),
    col('server', 'string', null, 'the other endpoint, ip:port', (f) => f.server),
    list('vlan', 'int32[]', null, '802.1Q/802.1ad VLAN IDs of the flow key, outer first (empty: untagged)', (f) => f.vlan),
    col('firstFrame', 'int32', 'frame', 'first packet of the flow', (f) => f.firstFrame),
    col('lastFrame', 'int32', 'frame', 'last packet of the flow', (f) => f.lastFrame),
    col('start', 'double', 'seconds', 'time of the first packet (since the epoch)', (f) => f.start),
    col('end', 'double', 'seconds', 'time of the last packet (since the epoch)', (f) => f.end),
    col('packets', 'int64', 'packets', 'packets in both directions', (f) => f.packets),
    col('bytes', 'int64', 'bytes', 'bytes on the wire in both directions', (f) => f.bytes),
    col('clientPackets', 'int64', 'packets', 'packets sent by the client', (f) => f.clientPackets),
    col('clientBytes', 'int64', 'bytes', 'bytes sent by the client', (f) => f.clientBytes),
    col('serverPackets', 'int64', 'packets', 'packets sent by the server', (f) => f.serverPackets),
    col('serverBytes', 'int64', 'bytes', 'bytes sent by the server', (f) => f.serverBytes),
    col('clientBy', 'string', null, "how the client was chosen: 'syn', 'syn-ack', 'port', 'payload', 'first'", (f) => f.clientBy),
    opt('tcpConnState', 'string', null, "Zeek's conn_state (SF, S0, REJ, RSTO, …); null for a flow that is not TCP", (f) => f.tcp?.connState),
    opt('tcpHistory', 'string', null, "Zeek's history string", (f) => f.tcp?.history),
    opt('tcpHandshakeRtt', 'double', 'seconds', 'SYN → ACK of the SYN-ACK', (f) => f.tcp?.handshakeRtt),
    opt('tcpRttSamples', 'int32', 'samples', 'data → ACK round-trip samples (Karn: none from retransmissions)', (f) => f.tcp?.rtt?.samples),
    opt('tcpRttMin', 'double', 'seconds', 'smallest RTT sample', (f) => f.tcp?.rtt?.min),
    opt('tcpRttMean', 'double', 'seconds', 'mean RTT sample', (f) => f.tcp?.rtt?.mean),
    opt('tcpRttMax', 'double', 'seconds', 'largest RTT sample', (f) => f.tcp?.rtt?.max),
    ...tcpEndpoint('client'),
    ...tcpEndpoint('server'),
  ],
};

const events: Table<EventJson> = {
  name: 'events',
  doc: 'One row per event (events[] of analyze --json; the kinds are EVENTS.md\'s), in frame order.',
  rows: (s) => s.analysisJson.events,
  columns: [
    col('kind', 'string', null, "event kind, e.g. 'tcp.peer-lost-state'", (e) => e.kind),
    col('severity', 'string', null, "'break', 'warning' or 'info'", (e) => e.severity),
    col('frame', 'int32', 'frame', 'the packet that shows it', (e) => e.frame),
    col('time', 'double', 'seconds', 'time of that packet (since the epoch)', (e) => e.time),
    opt('flow', 'int32', null, 'flows.id (null: no flow)', (e) => e.flow),
    col('message', 'string', null, 'one line, with the numbers', (e) => e.message),
    list('related', 'int32[]', 'frame', 'other frames that prove it', (e) => e.related),
    opt('incident', 'int32', null, 'incidents.id this event is a symptom of', (e) => e.incident),
  ],
};

const incidents: Table<IncidentJson> = {
  name: 'incidents',
  doc: 'One row per incident: one cause across flows (incidents[] of analyze --json, downtime flattened).',
  rows: (s) => s.analysisJson.incidents ?? [],
  columns: [
    col('id', 'int32', null, 'incident number, 1-based in order of start (events.incident)', (i) => i.id),
    col('kind', 'string', null, "e.g. 'incident.server-lost-state'", (i) => i.kind),
    col('severity', 'string', null, "'break', 'warning' or 'info'", (i) => i.severity),
    col('subject', 'string', null, 'what it is about: an endpoint (ip:port), a host, a host pair', (i) => i.subject),
    col('start', 'double', 'seconds', 'time of the first member event', (i) => i.start),
    col('end', 'double', 'seconds', 'time of the last member event', (i) => i.end),
    list('flows', 'int32[]', null, 'flows.id of the member events, ascending', (i) => i.flows),
    list('frames', 'int32[]', 'frame', 'frames of the member events, ascending', (i) => i.frames),
    col('message', 'string', null, 'one line, with the numbers', (i) => i.message),
    col('explanation', 'string', null, 'plain words: which state was held by whom, what was lost', (i) => i.explanation),
    list('evidence', 'string[]', null, 'facts, each with its frames', (i) => i.evidence),
    col('confidence', 'string', null, "'high', 'medium' or 'low'", (i) => i.confidence),
    list('alternatives', 'string[]', null, 'the other causes that would look alike, and why it is or is not them', (i) => i.alternatives),
    opt('downtimeLastUp', 'int32', 'frame', 'last frame proving the subject up (server, service and resolver incidents)', (i) => i.downtime?.lastUp),
    opt('downtimeFirstDown', 'int32', 'frame', 'first frame proving it down', (i) => i.downtime?.firstDown),
    opt('downtimeLastDown', 'int32', 'frame', 'last frame proving it down', (i) => i.downtime?.lastDown),
    opt('downtimeBackUp', 'int32', 'frame', 'first frame proving it back', (i) => i.downtime?.backUp),
    opt('downtimeAtLeast', 'double', 'seconds', 'down for at least this long', (i) => i.downtime?.atLeast),
    opt('downtimeAtMost', 'double', 'seconds', 'and at most this long', (i) => i.downtime?.atMost),
  ],
};

const dns: Table<DnsJson> = {
  name: 'dns',
  doc: 'One row per DNS transaction (dns[] of analyze --json).',
  rows: (s) => s.analysisJson.dns,
  columns: [
    col('flow', 'int32', null, 'flows.id', (d) => d.flow),
    col('transport', 'string', null, "'udp' or 'tcp'", (d) => d.transport),
    col('id', 'int32', null, 'DNS message ID', (d) => d.id),
    col('question', 'string', null, "'example.com. A IN'", (d) => d.question),
    list('queryFrames', 'int32[]', 'frame', 'the query and its retransmissions', (d) => d.queryFrames),
    opt('responseFrame', 'int32', 'frame', 'the response (null: none)', (d) => d.responseFrame),
    opt('rtt', 'double', 'seconds', 'first query → response', (d) => d.rtt),
    opt('rcode', 'string', null, "'NOERROR', 'NXDOMAIN', …", (d) => d.rcode),
    col('status', 'string', null, "'answered', 'unanswered', 'orphan', 'client-gone', 'mismatch'", (d) => d.status),
    list('answers', 'string[]', null, "answer section as text: 'example.com. 300 A 1.2.3.4'", (d) => d.answers),
    col('protocol', 'string', null, "'dns' (unicast), 'mdns' or 'llmnr'", (d) => d.protocol ?? 'dns'),
    opt('time', 'double', 'seconds', 'time of the first query (of the response for an orphan)', (d) => d.time),
    col('multicast', 'boolean', null, 'the query went to a multicast group', (d) => d.multicast === true),
    col('truncated', 'boolean', null, 'the response had the TC bit', (d) => d.truncated === true),
    opt('tcpRetryFrame', 'int32', 'frame', 'the TCP query that asked again after TC', (d) => d.tcpRetryFrame),
    opt('icmpFrame', 'int32', 'frame', 'ICMP unreachable that refused the response (client-gone)', (d) => d.icmpFrame),
    opt('serverIcmpFrame', 'int32', 'frame', 'ICMP unreachable that refused the query', (d) => d.serverIcmpFrame),
    list('mismatchFrames', 'int32[]', 'frame', "responses with this query's ID but another question", (d) => d.mismatchFrames),
    opt('retryOf', 'int32', 'frame', 'first query frame of the transaction this one re-sends from a new port', (d) => d.retryOf),
    opt('failoverOf', 'int32', 'frame', 'first query frame of the failed transaction at another resolver', (d) => d.failoverOf),
    opt('failedOverTo', 'int32', 'frame', 'first query frame of the transaction at the next resolver', (d) => d.failedOverTo),
    opt('duplicateOf', 'int32', 'frame', 'for an orphan duplicating an answer: the frame that answered first', (d) => d.duplicateOf),
  ],
};

const quic: Table<QuicConnJson> = {
  name: 'quic',
  doc: 'One row per QUIC connection (quic[] of analyze --json; its paths are the quic_paths table).',
  rows: (s) => s.analysisJson.quic as QuicConnJson[],
  columns: [
    col('number', 'int32', null, 'connection number, 0-based (quic_paths.connection)', (q) => q.number),
    list('versions', 'string[]', null, "QUIC versions seen, hex ('0x00000001')", (q) => q.versions),
    opt('sni', 'string', null, 'TLS server name', (q) => q.sni),
    list('alpn', 'string[]', null, 'ALPN protocols offered', (q) => q.alpn),
    list('clientCids', 'string[]', null, 'connection IDs the client chose, hex', (q) => q.clientCids),
    list('serverCids', 'string[]', null, 'connection IDs the server chose, hex', (q) => q.serverCids),
    col('clientZeroLengthCid', 'boolean', null, 'the client used a zero-length connection ID', (q) => q.clientZeroLengthCid),
    col('paths', 'int32', 'paths', 'number of 4-tuples the connection used (rows in quic_paths)', (q) => q.paths.length),
    list('frames', 'int32[]', 'frame', 'every frame carrying a packet of the connection (ICMP quoting one too)', (q) => q.frames),
    list('inferredFrames', 'int32[]', 'frame', 'frames attributed by inference', (q) => q.inferredFrames),
    opt('handshakeDoneFrame', 'int32', 'frame', 'HANDSHAKE_DONE (decrypted)', (q) => q.handshakeDoneFrame),
    col('decryptedPackets', 'int32', 'packets', 'packets decrypted with the key log', (q) => q.decryptedPackets),
    col('history', 'string', null, "Zeek-style history of the connection", (q) => q.history),
    col('zeroRttPackets', 'int32', 'packets', '0-RTT packets', (q) => q.zeroRttPackets),
    opt('resumedFrom', 'int32', null, 'quic.number of the connection whose ticket it resumed', (q) => q.resumedFrom),
    opt('resumptionBy', 'string', null, "how the resumption was matched: 'psk-identity', 'sni-client-host'", (q) => q.resumption?.by),
    opt('resumptionTicketFrame', 'int32', 'frame', 'the NewSessionTicket it resumed', (q) => q.resumption?.ticketFrame),
    opt('resumptionPskAccepted', 'boolean', null, 'the server accepted the PSK', (q) => q.resumption?.pskAccepted),
    opt('resumptionEarlyData', 'string', null, "'accepted', 'rejected', 'unknown'", (q) => q.resumption?.earlyData),
  ],
};

const quicPaths: Table<QuicPathRow> = {
  name: 'quic_paths',
  doc: 'One row per path (4-tuple) of a QUIC connection (quic[].paths of analyze --json).',
  rows: function* (s) {
    for (const q of s.analysisJson.quic) for (const [k, p] of q.paths.entries()) yield { ...p, connection: q.number, path: k };
  },
  columns: [
    col('connection', 'int32', null, 'quic.number', (p) => p.connection),
    col('path', 'int32', null, 'position of the path in the connection, 0-based', (p) => p.path),
    col('client', 'string', null, "the client's address on this path, ip:port (flows.client)", (p) => p.client),
    col('server', 'string', null, "the server's, ip:port (flows.server)", (p) => p.server),
    col('firstFrame', 'int32', 'frame', 'first packet on the path', (p) => p.firstFrame),
    col('lastFrame', 'int32', 'frame', 'last packet on the path', (p) => p.lastFrame),
    col('inferred', 'boolean', null, 'attributed by inference (no CID of the connection seen on it)', (p) => p.inferred === true),
  ],
};

const packets: Table<PacketJson> = {
  name: 'packets',
  doc: 'One row per packet, as `stateline packets --json` prints it (TCP columns null for other packets). Written only on request: --tables …,packets.',
  rows: (s) => s.packets(),
  columns: [
    col('frame', 'int32', 'frame', 'frame number, 1-based in file order', (p) => p.frame),
    col('time', 'double', 'seconds', 'capture time (since the epoch)', (p) => p.time),
    opt('flow', 'int32', null, 'flows.id (null: outside any flow)', (p) => p.flow),
    opt('sender', 'string', null, "'client' or 'server'", (p) => p.sender),
    opt('flags', 'string', null, "TCP flags, 'SYN,ACK'", (p) => p.flags),
    opt('seq', 'int64', null, 'tcp.seq: relative sequence number', (p) => p.seq),
    opt('ack', 'int64', null, 'tcp.ack: relative acknowledgement number (null without ACK)', (p) => p.ack),
    col('len', 'int32', 'bytes', 'transport payload length', (p) => p.len),
    opt('window', 'int64', 'bytes', 'tcp.window_size: advertised window, scaled', (p) => p.window),
    opt('bytesInFlight', 'int64', 'bytes', 'tcp.analysis.bytes_in_flight', (p) => p.bytesInFlight),
    opt('ackRtt', 'double', 'seconds', 'tcp.analysis.ack_rtt', (p) => p.ackRtt),
    list('events', 'string[]', null, 'kinds of the events on this packet', (p) => p.events),
  ],
};

export const TABLES: Record<TableName, AnyTable> = { capture, flows, events, incidents, dns, quic, quic_paths: quicPaths, packets };

/** The SQL type an engine reads each column as (DuckDB names). */
export const SQL_TYPE: Record<ColumnType, string> = {
  int32: 'INTEGER', int64: 'BIGINT', double: 'DOUBLE', string: 'VARCHAR', boolean: 'BOOLEAN', 'int32[]': 'INTEGER[]', 'string[]': 'VARCHAR[]',
};

/** The README's "Tables" section: one table of columns per exported table. */
export function schemaMarkdown(): string {
  const out: string[] = [];
  for (const name of TABLE_NAMES) {
    const t = TABLES[name];
    out.push(`#### \`${name}\``, '', t.doc, '', '| column | type | unit | null | meaning |', '|---|---|---|---|---|');
    for (const c of t.columns) out.push(`| \`${c.name}\` | ${SQL_TYPE[c.type]} | ${c.unit ?? ''} | ${c.nullable ? 'yes' : ''} | ${c.doc.replace(/\|/g, '\\|')} |`);
    out.push('');
  }
  return out.join('\n');
}
