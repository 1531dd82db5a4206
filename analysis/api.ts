// StatelineApi: the one typed map of what the UI may ask (DESIGN.md "The query API").
//
// Each method takes one plain-JSON params object and resolves to plain JSON. The map
// below is the single definition: its argument checkers validate every call at the
// transport boundary (Electron's ipcMain handler, `stateline serve`'s POST /api/<name>),
// the HTTP client and the preload are generated from its keys, and the TypeScript type
// `StatelineApi` is derived from it. Pure TypeScript: no Node, no DOM (the renderer
// bundles this file).

import type { DelaySeries, DiffJson } from './diff/model';
import type { FieldNode } from '../parsers/dissect/tree';
import type { AnalysisJson, CaptureSummaryJson, DnsJson, FlowJson, IncidentJson, QuicJson, Severity, TcpStateJson } from './model';
import type { FollowedTcp, QuicStreamView, StreamMessage } from './stream/follow';

// ---------------------------------------------------------------- argument checkers

/** Thrown for a call whose arguments do not match the map (HTTP 400, IPC rejection). */
export class ApiArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiArgumentError';
  }
}

export interface Check<T> {
  (v: unknown, path: string): T;
}

type OptionalKeys<S> = { [K in keyof S]: S[K] extends Check<infer T> ? (undefined extends T ? K : never) : never }[keyof S];
type Flatten<T> = { [K in keyof T]: T[K] };
/** An object checker's result: fields whose checker accepts undefined are optional. */
export type Shape<S extends Record<string, Check<unknown>>> = Flatten<
  { [K in Exclude<keyof S, OptionalKeys<S>>]: ReturnType<S[K]> } & { [K in OptionalKeys<S>]?: ReturnType<S[K]> }
>;

const fail = (path: string, what: string): never => {
  throw new ApiArgumentError(`${path}: expected ${what}`);
};

export const is = {
  number(opts: { min?: number; max?: number; int?: boolean } = {}): Check<number> {
    return (v, p) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) return fail(p, 'a finite number');
      if (opts.int && !Number.isInteger(v)) return fail(p, 'an integer');
      if (opts.min !== undefined && v < opts.min) return fail(p, `a number >= ${opts.min}`);
      if (opts.max !== undefined && v > opts.max) return fail(p, `a number <= ${opts.max}`);
      return v;
    };
  },
  string(maxLength = 4096): Check<string> {
    return (v, p) => (typeof v === 'string' && v.length <= maxLength ? v : fail(p, `a string of at most ${maxLength} characters`));
  },
  boolean(): Check<boolean> {
    return (v, p) => (typeof v === 'boolean' ? v : fail(p, 'a boolean'));
  },
  oneOf<const T extends readonly string[]>(values: T): Check<T[number]> {
    return (v, p) => (typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T[number]) : fail(p, `one of ${values.join(', ')}`));
  },
  list<T>(c: Check<T>, maxItems: number): Check<T[]> {
    return (v, p) => (Array.isArray(v) && v.length <= maxItems ? v.map((x, i) => c(x, `${p}[${i}]`)) : fail(p, `a list of at most ${maxItems} items`));
  },
  nullable<T>(c: Check<T>): Check<T | null> {
    return (v, p) => (v === null ? null : c(v, p));
  },
  optional<T>(c: Check<T>): Check<T | undefined> {
    return (v, p) => (v === undefined ? undefined : c(v, p));
  },
  object<S extends Record<string, Check<unknown>>>(shape: S): Check<Shape<S>> {
    return (v, p) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(p, 'an object');
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return fail(p, 'a plain object');
      for (const k of Object.keys(v)) if (!Object.prototype.hasOwnProperty.call(shape, k)) return fail(`${p}.${k}`, 'no such field');
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(shape)) {
        const r = shape[k]((v as Record<string, unknown>)[k], `${p}.${k}`);
        if (r !== undefined) out[k] = r;
      }
      return out as Shape<S>;
    };
  },
};

// ---------------------------------------------------------------- result types

export type SessionState = 'empty' | 'loading' | 'ready' | 'error' | 'cancelled';

/**
 * What reading is doing: reading the file's records; finishing flows (the trackers'
 * end-of-capture work: open transactions, idle connections, QUIC decryption); building
 * indexes (the queries' tables and the incidents). The last two can take seconds on a
 * large capture after every byte was read: the UI says which, instead of "99%".
 */
export type ProgressPhase = 'reading' | 'finishing' | 'indexing';

export interface Progress {
  bytesRead: number;
  totalBytes: number | null;
  packets: number;
  phase: ProgressPhase;
}

export interface SessionStatus {
  state: SessionState;
  /** Increases with every open; the UI reloads its views when it changes. */
  generation: number;
  /** File name (no directories) of the capture being read or shown. */
  name: string | null;
  progress: Progress;
  /** Milliseconds spent reading (so far, or in total once ready). */
  elapsedMs: number;
  /** Why reading failed: the message, and where (frame and byte offset) when known. */
  error: { message: string; frame: number | null; offset: number | null } | null;
  /** A recorded sample capture ships with this build. */
  sampleAvailable: boolean;
  /** A TLS key log is applied to the capture (QUIC decryption). */
  keylog: string | null;
}

export interface KindCount {
  kind: string;
  severity: Severity;
  count: number;
  title: string;
  explanation: string;
  reference: string | null;
}

export interface Summary {
  name: string | null;
  capture: CaptureSummaryJson;
  /** capture.linkTypes as a user reads them: "Ethernet (1)" (parsers/decode/linktypes). */
  linkTypeTitles: string[];
  /** capture.unsupported[i].what as a user reads it: "ARP (EtherType 0x0806)" (parsers/decode/ethertypes). */
  unsupportedTitles: string[];
  flows: number;
  /** Flows per protocol: tcp, udp, icmp, and the apps dns, quic. */
  flowsByProtocol: { protocol: string; count: number }[];
  events: number;
  breaks: number;
  warnings: number;
  eventsByKind: KindCount[];
  dnsTransactions: number;
  quicConnections: number;
}

export interface FlowRow {
  id: number;
  /** tcp, udp, icmp, or tcp/dns, udp/dns, udp/quic */
  protocol: string;
  transport: FlowJson['transport'];
  app: FlowJson['app'];
  client: string;
  server: string;
  /** The flow's VLAN IDs, outer first (FlowJson.vlan); absent when untagged. */
  vlan?: number[];
  start: number;
  duration: number;
  packets: number;
  bytes: number;
  /** Zeek connState + history for TCP, DNS status, QUIC state. */
  state: string;
  breaks: number;
  warnings: number;
  /** Distinct event kinds of the flow. */
  kinds: string[];
}

export interface Page<T> {
  total: number;
  offset: number;
  rows: T[];
}

export const FLOW_SORT_KEYS = ['id', 'protocol', 'client', 'server', 'start', 'duration', 'packets', 'bytes', 'state', 'breaks'] as const;
export type FlowSortKey = (typeof FLOW_SORT_KEYS)[number];

export interface EventRow {
  /** Index in the analysis's event list (stable for a capture). */
  index: number;
  kind: string;
  severity: Severity;
  frame: number;
  time: number;
  flow: number | null;
  message: string;
  related: number[];
  title: string;
  /** The incident (IncidentRow.id) this event is a symptom of, if any. */
  incident?: number;
}

/** One incident (OUTPUT.md incidents[]) with what the UI draws of it: its member flows and events. */
export interface IncidentRow extends IncidentJson {
  /** The kind's title ("Server lost the state of its connections"). */
  title: string;
  /** The flows of `flows`, as the flows table shows them (for a swimlane of the members on one time axis). */
  memberFlows: FlowRow[];
  /** The member events, in frame order. */
  events: EventRow[];
}

export interface EventExplanation {
  kind: string;
  severity: Severity;
  title: string;
  explanation: string;
  reference: string | null;
}

export interface FlowDetail {
  flow: FlowJson;
  row: FlowRow;
  events: EventRow[];
  /** One explanation per event kind that occurs in the flow. */
  explanations: EventExplanation[];
  /** TCP: each endpoint's RFC 9293 state over time, as intervals, and where one of them lost it. */
  lanes: StateLanes | null;
  dns: DnsRow[];
  quic: QuicRow[];
}

export interface StateSpan {
  state: string;
  from: number;
  to: number;
  /** The frame whose packet caused the change into this state. */
  frame: number;
}

/** A TCP flow's state lanes (analysis/tcp/query.ts). */
export interface StateLanes {
  client: StateSpan[];
  server: StateSpan[];
  /** Where an endpoint lost the connection's state (one per tcp.peer-lost-state). */
  lost: LostStateSpan[];
}

/**
 * "Lost somewhere here": the endpoint lost its state between its last packet that proved
 * it held the connection and the RST that proved it did not (tcp.peer-lost-state). When
 * in between is not in the capture; CLOSED follows.
 */
export interface LostStateSpan {
  /** The endpoint that lost the state (the RST's sender). */
  endpoint: 'client' | 'server';
  /** Time of fromFrame and of toFrame. */
  from: number;
  to: number;
  /** Its last packet before the RST: the last proof that it held the connection. */
  fromFrame: number;
  /** Its RST: the first proof that it did not. */
  toFrame: number;
}

export interface RatePoint {
  t: number;
  packets: number;
  bytes: number;
}

/**
 * An event on a timeline, or — past a few hundred in range (MARKER_WALL in
 * capture-query.ts) — all the events of one pixel column: then t, frame, flow, kind and
 * message are those of the column's first event of its worst severity.
 */
export interface Marker {
  t: number;
  frame: number;
  flow: number | null;
  kind: string;
  /** The worst severity among the events it stands for. */
  severity: Severity;
  message: string;
  /** How many events it stands for (1 for a single event). */
  count: number;
  /** Those events per kind, most first. */
  kinds: { kind: string; count: number }[];
}

/** One packet of a flow for the time/sequence graph (relative seq/ack, scaled window). */
export interface SeqPoint {
  t: number;
  frame: number;
  /** 0 client → server, 1 server → client. */
  dir: number;
  /** Relative sequence number of the segment's first byte, and its payload length. */
  seq: number;
  len: number;
  /** Relative to the other direction's sequence space. */
  ack: number | null;
  /** Receive window in bytes, scaled as Wireshark's tcp.window_size (by the SYNs' option, or the shift the TCP tracker inferred). */
  win: number;
  flags: number;
  /** Event kinds flagged on this frame. */
  kinds: string[];
  /** Bytes in flight after this segment (Wireshark's tcp.analysis.bytes_in_flight); null where it is not computed (pure ACKs). */
  inFlight: number | null;
}

export interface Timeline {
  flow: number | null;
  from: number;
  to: number;
  /** Seconds per rate bucket. */
  bucket: number;
  rate: RatePoint[];
  markers: Marker[];
  /** For one TCP flow: its packets, downsampled to maxPoints with flagged ones kept. */
  points: SeqPoint[] | null;
  /** How many packets the range held before downsampling. */
  packetsInRange: number;
}

/** One packet: what the packet list shows and `stateline packets` prints (OUTPUT.md). TCP fields null elsewhere. */
export interface PacketRow {
  frame: number;
  time: number;
  /** Flow id, 0 for a packet outside any flow. */
  flow: number;
  dir: number;
  flags: string;
  seq: number | null;
  ack: number | null;
  len: number;
  wireLen: number;
  /** tcp.window_size: scaled, bytes. */
  win: number | null;
  /** tcp.analysis.bytes_in_flight. */
  bytesInFlight: number | null;
  /** tcp.analysis.ack_rtt, seconds. */
  ackRtt: number | null;
  kinds: string[];
  /**
   * Wireshark's Source, Destination, Protocol and Info columns, from the frame's bytes:
   * set by the session's `packets` when the capture can be read again (absent in
   * `stateline packets`).
   */
  source?: string;
  destination?: string;
  protocol?: string;
  info?: string;
}

/** One frame's bytes and layer tree (parsers/dissect): the packet detail and hex views. */
export interface PacketDetail {
  frame: number;
  time: number;
  /** Flow id, 0 outside any flow. */
  flow: number;
  linkType: number;
  wireLen: number;
  /** The captured bytes, as lowercase hex (two digits a byte). */
  bytes: string;
  /** Layers, each with its fields; every node has its byte range [start, end) in `bytes`. */
  tree: FieldNode[];
  source: string;
  destination: string;
  protocol: string;
  info: string;
}

/** A display filter that does not parse: the reason, and the offending text's offsets (0-based, end exclusive). */
export interface FilterCheck {
  /** The reason followed by "(column N)". */
  message: string;
  start: number;
  end: number;
}

/** One field of the display-filter language (analysis/filter/fields). */
export interface FilterFieldInfo {
  name: string;
  /** uint, bool, label (presence only), protocol, ipv4, ipv6, string, time. */
  type: string;
  description: string;
}

export interface FilterProgress {
  filter: string;
  bytesRead: number;
  totalBytes: number | null;
}

export interface DnsRow extends DnsJson {
  index: number;
  queryTime: number;
  responseTime: number | null;
  /** ICMP frame that quoted the response (client-gone). */
  icmpFrame: number | null;
}

/** One record of a full DNS message, in presentation form. */
export interface DnsRecordView {
  name: string;
  type: string;
  class: string;
  /** null for questions. */
  ttl: number | null;
  /** RDATA as text ('' for questions). */
  data: string;
}

/** A transaction's whole response message, decoded for the user to read. */
export interface DnsMessageView {
  transaction: number;
  frame: number;
  /** Which decoder read it: dns-packet on the Node hosts (serve, the Electron worker), else Stateline's own reader. */
  decoder: 'dns-packet' | 'stateline';
  id: number;
  opcode: string;
  rcode: string;
  /** Header flags set: QR, AA, TC, RD, RA, AD, CD. */
  flags: string[];
  sections: { name: 'question' | 'answer' | 'authority' | 'additional'; records: DnsRecordView[] }[];
  /** Set instead of the sections when the message cannot be decoded. */
  error: string | null;
}

/** A flow's payload as the application saw it (Follow stream; analysis/stream/follow.ts). */
export interface FollowedStream {
  flow: number;
  transport: FlowJson['transport'];
  app: FlowJson['app'];
  client: string;
  server: string;
  /** TCP: both directions reassembled, in the order they became readable; null for UDP and ICMP. */
  tcp: FollowedTcp | null;
  /** UDP: each datagram's payload; DNS (over UDP or TCP): each message, decoded. */
  messages: (StreamMessage & { dns: DnsMessageView | null })[];
  /** QUIC: the streams of the flow's connections, from the packets decrypted with a key log (empty without one); null for other flows. */
  quic: QuicStreamView[] | null;
  /** Output stopped at the size bound (8 MiB of payload). */
  truncated: boolean;
  /** What is not shown, and why (QUIC payloads are encrypted). */
  note: string | null;
}

export interface QuicPacketTypeCount {
  type: string;
  t: number;
  count: number;
}

export interface QuicPathRow {
  client: string;
  server: string;
  firstFrame: number;
  lastFrame: number;
  from: number;
  to: number;
  packets: number;
}

export interface QuicRow extends Omit<QuicJson, 'frames' | 'paths'> {
  frames: number;
  firstFrame: number | null;
  lastFrame: number | null;
  from: number | null;
  to: number | null;
  flows: number[];
  paths: QuicPathRow[];
  /** Packet types over time (buckets), from the packets' first byte. */
  packetTypes: QuicPacketTypeCount[];
  events: EventRow[];
}

/**
 * The second capture opened beside the first for the Compare view (issue 13): read, then
 * both re-read for the packets' identities and compared (analysis/diff). Both must have
 * been opened from a path (an upload cannot be read twice).
 */
export interface CompareStatus {
  state: 'empty' | 'loading' | 'ready' | 'error';
  /** Increases with every openCompare (and when the first capture changes). */
  generation: number;
  /** File name of the second capture. */
  name: string | null;
  progress: Progress;
  error: string | null;
}

/** The diff of the open capture (A) and the compared one (B), with labels for the flows it names. */
export interface CompareView {
  nameA: string | null;
  nameB: string | null;
  diff: DiffJson;
  /** Per matched flow, its packets' one-way delay over time and the packets one capture lacks. */
  series: DelaySeries[];
  /** A's first packet (seconds since the epoch): the charts' time origin. */
  startA: number | null;
  /** "tcp 10.0.0.1:40000 → 10.0.0.2:80" of the flows only in one capture. */
  onlyInA: { id: number; label: string }[];
  onlyInB: { id: number; label: string }[];
}

// ---------------------------------------------------------------- the map

const page = { offset: is.optional(is.number({ min: 0, int: true })), limit: is.optional(is.number({ min: 0, max: 100_000, int: true })) };
const flowFilter = is.object({
  q: is.optional(is.string(1000)),
  hasBreaks: is.optional(is.boolean()),
});
const flowSort = is.object({ key: is.oneOf(FLOW_SORT_KEYS), dir: is.oneOf(['asc', 'desc'] as const) });
const none = is.object({});
/** `path`: a capture file, or a directory read as a capture set; `paths`: more files read with it as one set. */
const optPath = is.object({ path: is.string(8192), paths: is.optional(is.list(is.string(8192), 10_000)), keylogPath: is.optional(is.nullable(is.string(8192))) });
/** The largest key log a client may send as text (loadKeylog; the JSON body's limit is 1 MiB). */
export const MAX_KEYLOG_TEXT = 900_000;

/** Type-only marker for a method's result. */
const returns = <T>(): T => undefined as unknown as T;

function method<A, R>(args: Check<A>, result: R, opts: { session?: true } = {}) {
  return { args, result, session: opts.session === true };
}

/**
 * The single definition. `session: true` marks methods that start or stop reading (the
 * hosts give them their I/O); the others are queries over the open analysis.
 */
export const API = {
  /** With `waitMs`, while a capture is being read: answered when its state changes, or after that long (at most 1 s). */
  status: method(is.object({ waitMs: is.optional(is.number({ min: 0, max: 60_000 })) }), returns<SessionStatus>()),
  openPath: method(optPath, returns<SessionStatus>(), { session: true }),
  openSample: method(none, returns<SessionStatus>(), { session: true }),
  cancel: method(none, returns<SessionStatus>(), { session: true }),
  /** Close the open capture: back to the start screen (state 'empty'). */
  close: method(none, returns<SessionStatus>(), { session: true }),
  /**
   * A TLS key log (NSS format) as text, from a browser that cannot name a path: applied
   * from now on. A capture opened by path is read again with it at once (`reread`); one
   * that was uploaded the client uploads again.
   */
  loadKeylog: method(is.object({ text: is.string(MAX_KEYLOG_TEXT), name: is.string(255) }), returns<SessionStatus & { reread: boolean }>(), { session: true }),
  recentFiles: method(none, returns<string[]>()),
  summary: method(none, returns<Summary | null>()),
  flows: method(is.object({ filter: is.optional(flowFilter), sort: is.optional(flowSort), ...page }), returns<Page<FlowRow>>()),
  flow: method(is.object({ id: is.number({ min: 0, int: true }) }), returns<FlowDetail | null>()),
  timeline: method(
    is.object({
      flow: is.nullable(is.number({ min: 0, int: true })),
      from: is.optional(is.nullable(is.number())),
      to: is.optional(is.nullable(is.number())),
      maxPoints: is.number({ min: 1, max: 20_000, int: true }),
    }),
    returns<Timeline>(),
  ),
  events: method(
    is.object({
      kind: is.optional(is.string(200)),
      severity: is.optional(is.oneOf(['break', 'warning', 'info'] as const)),
      flow: is.optional(is.number({ min: 0, int: true })),
      /** Only the member events of this incident. */
      incident: is.optional(is.number({ min: 1, int: true })),
      /** false: only the events in no incident (the Breaks view lists incidents' members in their group). */
      inIncident: is.optional(is.boolean()),
      ...page,
    }),
    returns<Page<EventRow>>(),
  ),
  /** Every incident of the capture (few: one per cause), with its member flows and events. */
  incidents: method(none, returns<IncidentRow[]>()),
  /**
   * The DNS transactions (dns[] with times), of one flow and/or one status; with `from`
   * or `to` (seconds since the epoch), only those whose span — first query to response,
   * to the capture's end when none came — meets that window (the DNS view's zoom), those
   * that begin in it first. With `at` (a time), the page starts at the first transaction
   * that begins at or after it (its offset is returned; the total when none does).
   */
  dnsTransactions: method(
    is.object({ flow: is.optional(is.number({ min: 0, int: true })), status: is.optional(is.string(40)), from: is.optional(is.nullable(is.number())), to: is.optional(is.nullable(is.number())), at: is.optional(is.number()), ...page }),
    returns<Page<DnsRow>>(),
  ),
  /** The full response message of DNS transaction `index` (null when it has none). */
  dnsMessage: method(is.object({ index: is.number({ min: 0, int: true }) }), returns<DnsMessageView | null>()),
  quicConnections: method(is.object({ maxPoints: is.optional(is.number({ min: 1, max: 20_000, int: true })) }), returns<QuicRow[]>()),
  /**
   * A flow's packets, or the whole capture's without `flow`; with `filter` (a Wireshark
   * display filter, analysis/filter) only the frames it selects — found by a pass over
   * the capture's file the first time a filter is asked, then cached per filter text. A
   * filter that does not parse is rejected with its position (ApiArgumentError). With
   * `at` (a time), the page starts at the first packet at or after it (its offset is returned).
   */
  packets: method(
    is.object({ flow: is.optional(is.number({ min: 0, int: true })), filter: is.optional(is.string(4096)), at: is.optional(is.number()), ...page }),
    returns<Page<PacketRow>>(),
  ),
  /** Whether a display filter parses: null when it does, else why and where (for the filter box, as the user types). */
  checkFilter: method(is.object({ filter: is.string(4096) }), returns<FilterCheck | null>()),
  /** The display filter's fields and protocols, for the filter box's autocomplete. */
  filterFields: method(none, returns<FilterFieldInfo[]>()),
  /** The display-filter pass in progress (bytes of the file read), or null. */
  filterProgress: method(none, returns<FilterProgress | null>()),
  /** Stop the display-filter pass in progress (its packets call rejects). */
  cancelFilter: method(none, returns<FilterProgress | null>()),
  /** Flow `flow`'s payload reassembled (the capture is read again: a pass over the file). */
  followStream: method(is.object({ flow: is.number({ min: 1, int: true }) }), returns<FollowedStream | null>()),
  /** Frame `frame`'s bytes and layer tree; null when there is no such frame or the capture cannot be read again. */
  packetDetail: method(is.object({ frame: is.number({ min: 1, int: true }) }), returns<PacketDetail | null>()),
  /** Where frame N is (its flow and time, for "go to frame"); null past the capture's end. */
  locateFrame: method(is.object({ frame: is.number({ min: 1, int: true }) }), returns<PacketRow | null>()),
  exportJson: method(none, returns<AnalysisJson | null>()),
  /** Open a second capture beside the first and compare them (CompareView); progress through compareStatus. */
  openCompare: method(optPath, returns<CompareStatus>(), { session: true }),
  closeCompare: method(none, returns<CompareStatus>(), { session: true }),
  compareStatus: method(none, returns<CompareStatus>()),
  compare: method(none, returns<CompareView | null>()),
  exportFlowsCsv: method(is.object({ filter: is.optional(flowFilter), sort: is.optional(flowSort) }), returns<string>()),
};

export type ApiMap = typeof API;
export type ApiMethod = keyof ApiMap;
export type ApiArgs<K extends ApiMethod> = ReturnType<ApiMap[K]['args']>;
export type ApiResult<K extends ApiMethod> = ApiMap[K]['result'];

/** What the renderer may call: every method of the map, one params object each. */
export type StatelineApi = {
  [K in ApiMethod]: Record<never, never> extends ApiArgs<K> ? (args?: ApiArgs<K>) => Promise<ApiResult<K>> : (args: ApiArgs<K>) => Promise<ApiResult<K>>;
};

export type FlowFilter = NonNullable<ApiArgs<'flows'>['filter']>;
export type FlowSort = NonNullable<ApiArgs<'flows'>['sort']>;

export const API_METHODS = Object.keys(API) as ApiMethod[];

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(API, name);
}

/** Validate a call's method and arguments; throws ApiArgumentError. */
export function checkCall<K extends ApiMethod>(name: K, args: unknown): ApiArgs<K>;
export function checkCall(name: unknown, args: unknown): ApiArgs<ApiMethod>;
export function checkCall(name: unknown, args: unknown): unknown {
  if (!isApiMethod(name)) throw new ApiArgumentError(`unknown method ${String(name).slice(0, 80)}`);
  return API[name].args(args === undefined ? {} : args, name);
}

/** Dispatch one validated call to an implementation (the IPC and HTTP hosts use this). */
export async function dispatch(impl: StatelineApi, name: unknown, args: unknown): Promise<unknown> {
  const checked = checkCall(name, args);
  const fn = impl[name as ApiMethod] as (a: unknown) => Promise<unknown>;
  return fn.call(impl, checked);
}

/** Build a StatelineApi whose every method goes through one `call` (HTTP, IPC, worker). */
export function makeClient(call: (name: ApiMethod, args: unknown) => Promise<unknown>): StatelineApi {
  const out: Record<string, (a: unknown) => Promise<unknown>> = {};
  for (const m of API_METHODS) out[m] = (a: unknown) => call(m, a ?? {});
  return out as unknown as StatelineApi;
}

/** The layer tree's nodes (parsers/dissect/tree), for the renderer. */
export type { FieldNode };

/** The recorded TCP states of OUTPUT.md as lanes (re-exported for the renderer's types). */
export type { TcpStateJson };
/** The capture diff's JSON (OUTPUT.md "Other commands", analysis/diff), for the Compare view. */
export type { DelayJson, DelaySeries, DiffJson, MatchedFlowJson, MissingJson } from './diff/model';
