// The query layer: StatelineApi over an Analysis (DESIGN.md "The query API").
//
// The UI never holds the packets; it asks pages and downsampled series of this layer.
// `CaptureQuery` answers over one finished Analysis; `StatelineSession` owns the
// reading (open → progress → summary, cancel) and hands queries to the current
// CaptureQuery. Pure TypeScript: the hosts (stateline serve, Electron's analysis worker)
// give it their I/O (file streams) through `SessionHost`.

import type { Packet } from '../parsers/decode/index';
import type { Analysis, Tracker } from './analysis';
import { analyzeCapture } from './analyze';
import type {
  ApiArgs,
  DnsMessageView,
  DnsRow,
  EventExplanation,
  EventRow,
  FlowDetail,
  FlowFilter,
  FlowRow,
  FlowSort,
  KindCount,
  Marker,
  Page,
  PacketRow,
  Progress,
  QuicPathRow,
  QuicRow,
  RatePoint,
  SeqPoint,
  SessionStatus,
  StateSpan,
  StatelineApi,
  Summary,
  Timeline,
} from './api';
import { eventInfo } from './events.js'; // '.js': the lint's ban of Node's 'events' module also matches './events'
import { DnsTracker } from './dns/tracker';
import { dnsMessageView } from './dns/view';
import type { Flow } from './flows';
import type { AnalysisJson, EventJson, FlowJson, Severity } from './model';
import { toJson } from './output';

// ---------------------------------------------------------------- per-packet recorder

/** QUIC packet type codes recorded from the first byte of a UDP payload. */
const QUIC_TYPES = ['', 'Initial', '0-RTT', 'Handshake', 'Retry', 'VN', '1-RTT'];
const SEVERITY_RANK: Record<Severity, number> = { break: 3, warning: 2, info: 1 };
/** The events of a packet that has none (shared: a flow's points are many). */
const NO_KINDS: string[] = [];
/** How many of the largest TCP flows get their chart columns built while idle. */
const WARM_FLOWS = 4;

/**
 * A tracker of the query layer's own: keeps, per packet, what the charts need and the
 * flow table does not (TCP seq/ack/window, the QUIC packet type), as typed columns
 * indexed by frame − 1 (13 bytes per packet), plus each TCP flow's window scale.
 */
export class ChartRecorder implements Tracker {
  seq = new Uint32Array(1024);
  ack = new Uint32Array(1024);
  win = new Uint32Array(1024);
  quicType = new Uint8Array(1024);
  /** flow id → [client shift, server shift] (-1 = option absent). */
  readonly wscale = new Map<number, [number, number]>();
  /** TCP numbers and QUIC packet types: nothing to record of other packets. */
  readonly ipProtocols = [6, 17];

  onPacket(pkt: Packet, flow: Flow, dir: number, frame: number): void {
    const i = frame - 1;
    if (i >= this.seq.length) this.grow(i + 1);
    if (pkt.ipProto === 6) {
      this.seq[i] = pkt.tcpSeq >>> 0;
      this.ack[i] = pkt.tcpAck >>> 0;
      this.win[i] = pkt.tcpWindow;
      if (pkt.tcpFlags & 0x02) {
        let w = this.wscale.get(flow.id);
        if (!w) this.wscale.set(flow.id, (w = [-1, -1]));
        w[dir] = pkt.tcpWscale;
      }
    } else if (pkt.ipProto === 17 && pkt.payloadLen > 0) {
      const d = pkt.data, o = pkt.payloadOff;
      const b = d[o];
      let t = 0;
      if (b & 0x80) {
        if (pkt.payloadLen >= 5) {
          const v = ((d[o + 1] << 24) | (d[o + 2] << 16) | (d[o + 3] << 8) | d[o + 4]) >>> 0;
          const bits = (b >> 4) & 3;
          if (v === 0) t = 5;
          else if (v === 0x6b3343cf) t = [4, 1, 2, 3][bits];
          else t = [1, 2, 3, 4][bits];
        }
      } else if (b & 0x40) t = 6;
      this.quicType[i] = t;
    }
  }

  finish(): void {}

  private grow(min: number): void {
    let n = this.seq.length;
    while (n < min) n *= 2;
    const g = <T extends Uint32Array | Uint8Array>(old: T, next: T): T => {
      next.set(old as never);
      return next;
    };
    this.seq = g(this.seq, new Uint32Array(n));
    this.ack = g(this.ack, new Uint32Array(n));
    this.win = g(this.win, new Uint32Array(n));
    this.quicType = g(this.quicType, new Uint8Array(n));
  }
}

// ---------------------------------------------------------------- helpers

const FLAG_NAMES: [number, string][] = [
  [0x02, 'SYN'], [0x10, 'ACK'], [0x08, 'PSH'], [0x01, 'FIN'], [0x04, 'RST'], [0x20, 'URG'], [0x40, 'ECE'], [0x80, 'CWR'],
];

export function tcpFlagString(f: number): string {
  const out: string[] = [];
  for (const [bit, name] of FLAG_NAMES) if (f & bit) out.push(name);
  return out.join(',');
}

function portOf(endpoint: string): number {
  const i = endpoint.lastIndexOf(':');
  return i < 0 ? -1 : Number(endpoint.slice(i + 1));
}

function pageOf<T>(all: T[], offset = 0, limit = 200): Page<T> {
  return { total: all.length, offset, rows: all.slice(offset, offset + limit) };
}

function fallbackInfo(kind: string, severity: Severity): EventExplanation {
  return { kind, severity, title: kind, explanation: 'No explanation is registered for this kind of event yet.', reference: null };
}

export function explain(kind: string, severity: Severity): EventExplanation {
  const i = eventInfo(kind);
  if (!i) return fallbackInfo(kind, severity);
  return { kind, severity: i.severity ?? severity, title: i.title, explanation: i.explanation, reference: i.reference ?? null };
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

interface ParsedFilter {
  protocols: string[];
  ports: number[];
  kinds: string[];
  text: string[];
  hasBreaks: boolean;
}

/**
 * The filter box's grammar: space-separated terms, all must match. `tcp`, `udp`,
 * `icmp`, `dns`, `quic` — protocol; `:443`, `port:443` or a bare number — either port;
 * `tcp.refused`, `kind:dns` — an event kind (prefix); `breaks` / `has:breaks` — flows with
 * breaks; anything else — part of the client or server address.
 */
export function parseFlowFilter(f: FlowFilter | undefined): ParsedFilter {
  const out: ParsedFilter = { protocols: [], ports: [], kinds: [], text: [], hasBreaks: f?.hasBreaks === true };
  for (const raw of (f?.q ?? '').trim().split(/\s+/)) {
    const t = raw.toLowerCase();
    if (!t) continue;
    let m: RegExpMatchArray | null;
    if (t === 'breaks' || t === 'has:breaks') out.hasBreaks = true;
    else if (['tcp', 'udp', 'icmp', 'dns', 'quic'].includes(t)) out.protocols.push(t);
    else if (t.startsWith('proto:')) out.protocols.push(t.slice(6));
    else if ((m = /^(?:port:|:)?(\d{1,5})$/.exec(t))) out.ports.push(Number(m[1]));
    else if (t.startsWith('kind:')) out.kinds.push(t.slice(5));
    else if (/^[a-z]+\.[a-z-]*$/.test(t)) out.kinds.push(t);
    else out.text.push(t.startsWith('addr:') ? t.slice(5) : t);
  }
  return out;
}

/** "a.b.c.d:port" (or without the port) as address × 65536 + port; -1 if it is not one. */
export function ipv4EndpointNumber(s: string): number {
  let ip = 0, part = 0, digits = 0, dots = 0, i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      if (part > 255) return -1;
      ip = ip * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else break;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  ip = ip * 256 + part;
  let port = 0;
  if (i < s.length) {
    if (s.charCodeAt(i) !== 58 || i + 1 === s.length || s.length - i - 1 > 5) return -1;
    for (i++; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return -1;
      port = port * 10 + (c - 48);
    }
    if (port > 65535) return -1;
  }
  return ip * 65536 + port;
}

/**
 * A key whose code-unit order is the numeric order of an endpoint: IPv4 before IPv6,
 * each by address then port; anything else after them, as text.
 */
export function endpointSortKey(endpoint: string): string {
  const pad = (v: string | number, w: number): string => String(v).padStart(w, '0');
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::(\d{1,5}))?$/.exec(endpoint);
  if (v4) return `4${pad(v4[1], 3)}${pad(v4[2], 3)}${pad(v4[3], 3)}${pad(v4[4], 3)}${pad(v4[5] ?? '', 5)}`;
  const v6 = /^\[([0-9a-fA-F:]+)\](?::(\d{1,5}))?$/.exec(endpoint) ?? /^([0-9a-fA-F:]+)$/.exec(endpoint);
  if (v6 && v6[1].includes(':')) {
    const halves = v6[1].toLowerCase().split('::');
    if (halves.length <= 2) {
      const head = halves[0] ? halves[0].split(':') : [];
      const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
      const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
      const groups = [...head, ...new Array<string>(Math.max(0, fill)).fill('0'), ...tail];
      if (groups.length === 8 && groups.every((g) => g.length <= 4)) return `6${groups.map((g) => pad(g, 4)).join('')}${pad(v6[2] ?? '', 5)}`;
    }
  }
  return `9${endpoint}`;
}

function bucketIndex(t: number, from: number, width: number, n: number): number {
  const k = Math.floor((t - from) / width);
  return k < 0 ? 0 : k >= n ? n - 1 : k;
}

// ---------------------------------------------------------------- queries over one analysis

interface FlowFacts {
  row: FlowRow;
  ports: [number, number];
  kindSet: Set<string>;
  search: string;
}

export class CaptureQuery {
  readonly json: AnalysisJson;
  private readonly facts: FlowFacts[];
  private readonly flowById = new Map<number, FlowFacts>();
  private readonly eventRows: EventRow[];
  private readonly eventsByFrame = new Map<number, EventRow[]>();
  private readonly eventsByFlow = new Map<number, EventRow[]>();
  private readonly dnsRows: DnsRow[];
  private readonly quicRows: QuicRow[];
  private readonly quicByFlow = new Map<number, QuicRow[]>();
  private readonly dnsByFlow = new Map<number, DnsRow[]>();
  /** Packet indices grouped by flow (counting sort): flow f's are pktIndex[pktStart[f] .. pktStart[f+1]). */
  private readonly pktStart: Uint32Array;
  private readonly pktIndex: Uint32Array;
  private sortCache: { key: string; ids: number[] } | null = null;
  private readonly sortOrders = new Map<string, Uint32Array>();
  private seqCache = new Map<number, SeqColumns>();

  constructor(
    readonly analysis: Analysis,
    readonly recorder: ChartRecorder | null = null,
    readonly name: string | null = null,
  ) {
    const a = analysis;
    this.json = toJson(a);
    const cols = a.columns;
    const n = cols.length;

    // Packets per flow.
    const nf = a.flows.size;
    const start = new Uint32Array(nf + 2);
    for (let i = 0; i < n; i++) start[cols.flow[i] + 1]++;
    for (let f = 1; f < start.length; f++) start[f] += start[f - 1];
    const fill = start.slice(0, nf + 1);
    const index = new Uint32Array(n);
    for (let i = 0; i < n; i++) index[fill[cols.flow[i]]++] = i;
    this.pktStart = start;
    this.pktIndex = index;

    // Events.
    this.eventRows = this.json.events.map((e, index) => this.eventRow(e, index));
    for (const e of this.eventRows) {
      let l = this.eventsByFrame.get(e.frame);
      if (!l) this.eventsByFrame.set(e.frame, (l = []));
      l.push(e);
      if (e.flow !== null) {
        let g = this.eventsByFlow.get(e.flow);
        if (!g) this.eventsByFlow.set(e.flow, (g = []));
        g.push(e);
      }
    }

    // DNS.
    const clientGoneIcmp = new Map<number, number>();
    for (const e of this.json.events) if (e.kind === 'dns.client-gone' && e.related.length) clientGoneIcmp.set(e.frame, e.related[e.related.length - 1]);
    this.dnsRows = this.json.dns.map((d, i) => {
      const qt = d.queryFrames.length ? this.timeOf(d.queryFrames[0]) : d.responseFrame !== null ? this.timeOf(d.responseFrame) : 0;
      const icmp = d.responseFrame !== null ? clientGoneIcmp.get(d.responseFrame) ?? null : null;
      return { ...d, index: i, queryTime: qt, responseTime: d.responseFrame !== null ? this.timeOf(d.responseFrame) : null, icmpFrame: icmp };
    });
    const dnsByFlow = this.dnsByFlow;
    for (const d of this.dnsRows) {
      let l = dnsByFlow.get(d.flow);
      if (!l) dnsByFlow.set(d.flow, (l = []));
      l.push(d);
    }

    // Flows.
    const byEndpoints = new Map<string, number>();
    for (const f of this.json.flows) byEndpoints.set(`${f.transport} ${f.client} ${f.server}`, f.id);
    this.quicRows = this.json.quic.map((q) => this.quicRow(q, byEndpoints));
    for (const q of this.quicRows)
      for (const id of q.flows) {
        let l = this.quicByFlow.get(id);
        if (!l) this.quicByFlow.set(id, (l = []));
        l.push(q);
      }
    this.facts = this.json.flows.map((f) => this.flowFacts(f, dnsByFlow.get(f.id) ?? []));
    for (const x of this.facts) this.flowById.set(x.row.id, x);
  }

  timeOf(frame: number): number {
    const i = frame - 1;
    return i >= 0 && i < this.analysis.columns.length ? this.analysis.columns.time[i] : 0;
  }

  private eventRow(e: EventJson, index: number): EventRow {
    return { index, kind: e.kind, severity: e.severity, frame: e.frame, time: e.time, flow: e.flow, message: e.message, related: e.related, title: explain(e.kind, e.severity).title };
  }

  private flowFacts(f: FlowJson, dns: DnsRow[]): FlowFacts {
    const evs = this.eventsByFlow.get(f.id) ?? [];
    let breaks = 0, warnings = 0;
    const kindSet = new Set<string>();
    for (const e of evs) {
      if (e.severity === 'break') breaks++;
      else if (e.severity === 'warning') warnings++;
      kindSet.add(e.kind);
    }
    let state = '';
    if (f.tcp) state = `${f.tcp.connState} ${f.tcp.history}`.trim();
    if (f.app === 'dns' && dns.length) {
      const counts = new Map<string, number>();
      for (const d of dns) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
      const dnsState = [...counts].map(([s, c]) => (c > 1 ? `${s} ×${c}` : s)).join(', ');
      state = state ? `${state} · ${dnsState}` : dnsState;
    }
    if (f.app === 'quic') {
      const quicBreak = [...kindSet].find((k) => k.startsWith('quic.') && (eventInfo(k)?.severity ?? 'info') === 'break');
      state = quicBreak ? quicBreak.slice(5) : kindSet.has('quic.connection-close') ? 'closed' : kindSet.has('quic.migration') ? 'migrated' : 'open';
    }
    const protocol = f.app ? (f.transport === 'udp' ? f.app : `${f.transport}/${f.app}`) : f.transport;
    const row: FlowRow = {
      id: f.id,
      protocol,
      transport: f.transport,
      app: f.app,
      client: f.client,
      server: f.server,
      start: f.start,
      duration: Math.max(0, f.end - f.start),
      packets: f.packets,
      bytes: f.bytes,
      state,
      breaks,
      warnings,
      kinds: [...kindSet].sort(),
    };
    return { row, ports: [portOf(f.client), portOf(f.server)], kindSet, search: `${f.client} ${f.server}`.toLowerCase() };
  }

  private quicRow(q: AnalysisJson['quic'][number], byEndpoints: Map<string, number>): QuicRow {
    const cols = this.analysis.columns;
    const pathFlows = q.paths.map((p) => byEndpoints.get(`udp ${p.client} ${p.server}`) ?? byEndpoints.get(`udp ${p.server} ${p.client}`) ?? null);
    const flows = [...new Set(pathFlows.filter((x): x is number => x !== null))];
    const counts = new Map<number, number>();
    for (const fr of q.frames) {
      const fl = fr - 1 < cols.length ? cols.flow[fr - 1] : 0;
      counts.set(fl, (counts.get(fl) ?? 0) + 1);
    }
    const paths: QuicPathRow[] = q.paths.map((p, i) => ({
      ...p,
      from: this.timeOf(p.firstFrame),
      to: this.timeOf(p.lastFrame),
      packets: pathFlows[i] !== null ? counts.get(pathFlows[i]!) ?? 0 : 0,
    }));
    const first = q.frames.length ? Math.min(...q.frames.slice(0, 1), ...q.paths.map((p) => p.firstFrame)) : null;
    const last = q.frames.length ? Math.max(q.frames[q.frames.length - 1], ...q.paths.map((p) => p.lastFrame)) : null;
    const frameSet = new Set(q.frames);
    const events = this.eventRows.filter((e) => frameSet.has(e.frame) && e.kind.startsWith('quic.'));
    return {
      number: q.number,
      versions: q.versions,
      sni: q.sni,
      alpn: q.alpn,
      clientCids: q.clientCids,
      serverCids: q.serverCids,
      frames: q.frames.length,
      firstFrame: first,
      lastFrame: last,
      from: first !== null ? this.timeOf(first) : null,
      to: last !== null ? this.timeOf(last) : null,
      flows,
      paths,
      packetTypes: [],
      events,
    };
  }

  /** QUIC packet types over time for one connection (bucketed to maxPoints). */
  private quicTypes(q: QuicRow, maxPoints: number): QuicRow['packetTypes'] {
    const rec = this.recorder;
    const src = this.json.quic.find((x) => x.number === q.number);
    if (!src || q.from === null || q.to === null) return [];
    const n = Math.max(1, Math.min(maxPoints, src.frames.length));
    const width = Math.max((q.to - q.from) / n, 1e-9);
    const acc = new Map<string, number>();
    for (const fr of src.frames) {
      const code = rec && fr - 1 < rec.quicType.length ? rec.quicType[fr - 1] : 0;
      const type = QUIC_TYPES[code] || 'other';
      const b = bucketIndex(this.timeOf(fr), q.from, width, n);
      const key = `${type}|${b}`;
      acc.set(key, (acc.get(key) ?? 0) + 1);
    }
    return [...acc].map(([k, count]) => {
      const [type, b] = k.split('|');
      return { type, t: q.from! + (Number(b) + 0.5) * width, count };
    });
  }

  // ------------------------------------------------------------ API methods

  summary(): Summary {
    const protos = new Map<string, number>();
    for (const x of this.facts) protos.set(x.row.protocol, (protos.get(x.row.protocol) ?? 0) + 1);
    const kinds = new Map<string, KindCount>();
    let breaks = 0, warnings = 0;
    for (const e of this.eventRows) {
      if (e.severity === 'break') breaks++;
      else if (e.severity === 'warning') warnings++;
      let k = kinds.get(e.kind);
      if (!k) {
        const x = explain(e.kind, e.severity);
        kinds.set(e.kind, (k = { kind: e.kind, severity: e.severity, count: 0, title: x.title, explanation: x.explanation, reference: x.reference }));
      }
      k.count++;
    }
    return {
      name: this.name,
      capture: this.json.capture,
      flows: this.facts.length,
      flowsByProtocol: [...protos].map(([protocol, count]) => ({ protocol, count })).sort((x, y) => y.count - x.count),
      events: this.eventRows.length,
      breaks,
      warnings,
      eventsByKind: [...kinds.values()].sort((x, y) => SEVERITY_RANK[y.severity] - SEVERITY_RANK[x.severity] || y.count - x.count || x.kind.localeCompare(y.kind)),
      dnsTransactions: this.dnsRows.length,
      quicConnections: this.quicRows.length,
    };
  }

  /**
   * Every flow's position (index into `facts`) in the order of one column, computed once
   * per column and direction over typed keys (string columns ranked once with a
   * collator), so a sort of 100,000 flows costs one typed-array sort and later ones
   * nothing; a filter then keeps the order it walks.
   */
  private sortedOrder(sort: FlowSort): Uint32Array {
    const cacheKey = `${sort.key} ${sort.dir}`;
    const hit = this.sortOrders.get(cacheKey);
    if (hit) return hit;
    const facts = this.facts;
    const n = facts.length;
    const k = sort.key;
    const keys = new Float64Array(n);
    const ids = new Float64Array(n);
    for (let i = 0; i < n; i++) ids[i] = facts[i].row.id;
    if (n > 0 && typeof facts[0].row[k] === 'number') {
      for (let i = 0; i < n; i++) keys[i] = facts[i].row[k] as number;
    } else {
      // Addresses in numeric order (10.0.0.2 before 10.0.0.10, then by port); other
      // text columns by the locale's collation, ranked once per distinct value.
      const addr = k === 'client' || k === 'server';
      // IPv4 endpoints straight to a number (address × 65536 + port); the rest ranked.
      const strs: (string | null)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = String(facts[i].row[k]);
        const num = addr ? ipv4EndpointNumber(v) : -1;
        if (num >= 0) {
          keys[i] = num;
          strs[i] = null;
        } else strs[i] = addr ? endpointSortKey(v) : v;
      }
      const uniq = [...new Set(strs.filter((x): x is string => x !== null))];
      if (addr) uniq.sort();
      else uniq.sort(new Intl.Collator().compare);
      const rank = new Map<string, number>();
      uniq.forEach((u, r) => rank.set(u, r));
      const after = addr ? 2 ** 48 : 0;
      for (let i = 0; i < n; i++) if (strs[i] !== null) keys[i] = after + rank.get(strs[i]!)!;
    }
    const sign = sort.dir === 'asc' ? 1 : -1;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => sign * (keys[a] - keys[b]) || ids[a] - ids[b]);
    this.sortOrders.set(cacheKey, order);
    return order;
  }

  /**
   * Compute every column's order in the background, one column and direction per task
   * (a few ms to ~20 ms each on 50,000 flows), so the first click on a header finds it
   * ready. Stops when `stillCurrent` says this analysis was replaced.
   */
  warmSortOrders(stillCurrent: () => boolean = () => true): void {
    const todo: FlowSort[] = [];
    for (const key of ['packets', 'bytes', 'duration', 'start', 'breaks', 'protocol', 'state', 'client', 'server', 'id'] as const)
      for (const dir of ['desc', 'asc'] as const) if (!(key === 'id' && dir === 'asc')) todo.push({ key, dir });
    // Then the chart columns of the largest TCP flows, the ones a user opens first from
    // a table sorted by packets (each takes ~15 ms per 27k packets to build).
    const biggest = (): number[] => {
      const order = this.sortedOrder({ key: 'packets', dir: 'desc' });
      const out: number[] = [];
      for (let i = 0; i < order.length && out.length < WARM_FLOWS; i++) {
        const r = this.facts[order[i]].row;
        if (r.transport === 'tcp') out.push(r.id);
      }
      return out;
    };
    let charts: number[] | null = null;
    const step = (): void => {
      if (!stillCurrent()) return;
      const next = todo.shift();
      if (next) this.sortedOrder(next);
      else {
        charts ??= biggest();
        const id = charts.shift();
        if (id === undefined) return;
        this.seqColumns(id);
      }
      const t = setTimeout(step, 0) as { unref?(): void };
      t.unref?.();
    };
    const t = setTimeout(step, 0) as { unref?(): void };
    t.unref?.();
  }

  private filteredSorted(filter: FlowFilter | undefined, sort: FlowSort | undefined): number[] {
    const key = JSON.stringify([filter ?? {}, sort ?? {}]);
    if (this.sortCache?.key === key) return this.sortCache.ids;
    const p = parseFlowFilter(filter);
    const facts = this.facts;
    const filtering = p.hasBreaks || p.protocols.length > 0 || p.ports.length > 0 || p.kinds.length > 0 || p.text.length > 0;
    const keep = (x: FlowFacts): boolean => {
      const r = x.row;
      if (p.hasBreaks && r.breaks === 0) return false;
      for (const pr of p.protocols) if (r.transport !== pr && r.app !== pr && r.protocol !== pr) return false;
      for (const port of p.ports) if (x.ports[0] !== port && x.ports[1] !== port) return false;
      for (const k of p.kinds) if (!r.kinds.some((kk) => kk === k || kk.startsWith(k))) return false;
      for (const t of p.text) if (!x.search.includes(t)) return false;
      return true;
    };
    const ids: number[] = [];
    if (sort && !(sort.key === 'id' && sort.dir === 'asc')) {
      for (const i of this.sortedOrder(sort)) if (!filtering || keep(facts[i])) ids.push(facts[i].row.id);
    } else {
      for (const x of facts) if (!filtering || keep(x)) ids.push(x.row.id);
    }
    this.sortCache = { key, ids };
    return ids;
  }

  flows(args: ApiArgs<'flows'>): Page<FlowRow> {
    const ids = this.filteredSorted(args.filter, args.sort);
    const offset = args.offset ?? 0;
    const limit = args.limit ?? 200;
    return { total: ids.length, offset, rows: ids.slice(offset, offset + limit).map((id) => this.flowById.get(id)!.row) };
  }

  flowsCsv(args: ApiArgs<'exportFlowsCsv'>): string {
    const ids = this.filteredSorted(args.filter, args.sort);
    const head = ['id', 'protocol', 'client', 'server', 'start', 'duration', 'packets', 'bytes', 'state', 'breaks', 'warnings', 'kinds'];
    const lines = [head.join(',')];
    for (const id of ids) {
      const r = this.flowById.get(id)!.row;
      lines.push([r.id, r.protocol, r.client, r.server, r.start.toFixed(6), r.duration.toFixed(6), r.packets, r.bytes, r.state, r.breaks, r.warnings, r.kinds.join(' ')].map(csvCell).join(','));
    }
    return lines.join('\n') + '\n';
  }

  flow(id: number): FlowDetail | null {
    const x = this.flowById.get(id);
    if (!x) return null;
    const f = this.json.flows[id - 1]?.id === id ? this.json.flows[id - 1] : this.json.flows.find((g) => g.id === id)!;
    const events = this.eventsByFlow.get(id) ?? [];
    const seen = new Set<string>();
    const explanations: EventExplanation[] = [];
    for (const e of events) if (!seen.has(e.kind)) {
      seen.add(e.kind);
      explanations.push(explain(e.kind, e.severity));
    }
    return {
      flow: f,
      row: x.row,
      events,
      explanations,
      lanes: f.tcp ? this.lanes(f) : null,
      dns: this.dnsByFlow.get(id) ?? [],
      quic: (this.quicByFlow.get(id) ?? []).map((q) => ({ ...q, packetTypes: this.quicTypes(q, 200) })),
    };
  }

  private lanes(f: FlowJson): { client: StateSpan[]; server: StateSpan[] } {
    const states = f.tcp!.states;
    const end = Math.max(f.end, this.json.capture.end ?? f.end);
    const build = (side: 'client' | 'server'): StateSpan[] => {
      const out: StateSpan[] = [];
      for (const s of states) {
        const last = out[out.length - 1];
        if (last && last.state === s[side]) continue;
        if (last) last.to = s.time;
        out.push({ state: s[side], from: s.time, to: end, frame: s.frame });
      }
      if (out.length) out[out.length - 1].to = Math.max(out[out.length - 1].from, f.end);
      return out;
    };
    return { client: build('client'), server: build('server') };
  }

  events(args: ApiArgs<'events'>): Page<EventRow> {
    let list = this.eventRows;
    if (args.flow !== undefined) list = this.eventsByFlow.get(args.flow) ?? [];
    if (args.kind !== undefined) list = list.filter((e) => e.kind === args.kind || (args.kind!.endsWith('.') && e.kind.startsWith(args.kind!)));
    if (args.severity !== undefined) list = list.filter((e) => e.severity === args.severity);
    return pageOf(list, args.offset, args.limit);
  }

  /** Decodes a DNS message for dnsMessage (the host's dns-packet, or Stateline's reader). */
  decodeDns: DnsDecoder = dnsMessageView;

  dnsMessage(index: number): DnsMessageView | null {
    const row = this.dnsRows[index];
    const dns = this.analysis.trackers.find((t): t is DnsTracker => t instanceof DnsTracker);
    if (!row || row.responseFrame === null || !dns || index >= dns.count || !dns.hasResponse(index)) return null;
    return this.decodeDns(dns.responseBytes(index), row.responseFrame, index);
  }

  dnsTransactions(args: ApiArgs<'dnsTransactions'>): Page<DnsRow> {
    let list = this.dnsRows;
    if (args.flow !== undefined) list = this.dnsByFlow.get(args.flow) ?? [];
    if (args.status !== undefined) list = list.filter((d) => d.status === args.status);
    return pageOf(list, args.offset, args.limit);
  }

  quicConnections(args: ApiArgs<'quicConnections'>): QuicRow[] {
    return this.quicRows.map((q) => ({ ...q, packetTypes: this.quicTypes(q, args.maxPoints ?? 200) }));
  }

  /** Packet indices of a flow (0 = packets outside any flow). */
  flowPackets(id: number): Uint32Array {
    if (id < 0 || id + 1 >= this.pktStart.length) return new Uint32Array(0);
    return this.pktIndex.subarray(this.pktStart[id], this.pktStart[id + 1]);
  }

  packets(args: ApiArgs<'packets'>): Page<PacketRow> {
    const idx = this.flowPackets(args.flow);
    const cols = this.analysis.columns;
    let offset = args.offset ?? 0;
    if (args.at !== undefined) {
      // First packet at or after `at`: a binary search (file order is time order), a
      // scan when the capture's clock went backwards inside the flow.
      const at = args.at;
      let lo = 0, hi = idx.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cols.time[idx[mid]] < at) lo = mid + 1;
        else hi = mid;
      }
      if ((lo > 0 && cols.time[idx[lo - 1]] >= at) || (lo < idx.length && cols.time[idx[lo]] < at)) {
        lo = idx.length;
        for (let k = 0; k < idx.length; k++) if (cols.time[idx[k]] >= at) { lo = k; break; }
      }
      offset = Math.min(lo, Math.max(0, idx.length - 1));
    }
    const limit = args.limit ?? 200;
    const isTcp = this.flowById.get(args.flow)?.row.transport === 'tcp';
    const c = isTcp ? this.seqColumns(args.flow) : null;
    const rows: PacketRow[] = [];
    for (let k = offset; k < Math.min(idx.length, offset + limit); k++) {
      const i = idx[k];
      const frame = i + 1;
      const p = c ? c.point(k, this.eventsByFrame, args.flow) : null;
      rows.push({
        frame,
        time: cols.time[i],
        dir: cols.dir[i],
        flags: isTcp ? tcpFlagString(cols.tcpFlags[i]) : '',
        seq: p ? p.seq : null,
        ack: p ? p.ack : null,
        len: cols.payloadLen[i],
        wireLen: cols.wireLen[i],
        win: p ? p.win : null,
        kinds: (this.eventsByFrame.get(frame) ?? []).filter((e) => e.flow === args.flow || e.flow === null).map((e) => e.kind),
      });
    }
    return { total: idx.length, offset, rows };
  }

  /** All packets of a TCP flow as chart points (relative numbers, in flight). */
  seqPoints(id: number): SeqPoint[] {
    const c = this.seqColumns(id);
    const out: SeqPoint[] = new Array(c.n);
    for (let k = 0; k < c.n; k++) out[k] = c.point(k, this.eventsByFrame, id);
    return out;
  }

  /**
   * A TCP flow's packets as chart columns (relative numbers, in flight), cached: typed
   * arrays, so the first look at a 100,000-packet flow builds no object per packet —
   * points are made only for what a chart is sent.
   */
  private seqColumns(id: number): SeqColumns {
    const hit = this.seqCache.get(id);
    if (hit) return hit;
    const idx = this.flowPackets(id);
    const cols = this.analysis.columns;
    const rec = this.recorder;
    const ws = rec?.wscale.get(id);
    const scale = ws && ws[0] >= 0 && ws[1] >= 0 ? ws : null;
    const mul = scale ? [2 ** scale[0], 2 ** scale[1]] : [1, 1];
    const isn = [0, 0];
    const haveIsn = [false, false];
    const high = [0, 0];
    const acked = [0, 0];
    const haveAcked = [false, false];
    const c = new SeqColumns(idx.length);
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      const dir = cols.dir[i];
      const flags = cols.tcpFlags[i];
      const frame = i + 1;
      const rawSeq = rec && i < rec.seq.length ? rec.seq[i] : 0;
      const rawAck = rec && i < rec.ack.length ? rec.ack[i] : 0;
      if (!haveIsn[dir]) {
        isn[dir] = rawSeq;
        haveIsn[dir] = true;
      }
      const seq = (rawSeq - isn[dir]) >>> 0;
      const len = cols.payloadLen[i] + (flags & 0x02 ? 1 : 0) + (flags & 0x01 ? 1 : 0);
      const other = 1 - dir;
      let ack = NaN;
      if (flags & 0x10 && haveIsn[other]) ack = (rawAck - isn[other]) >>> 0;
      const rawWin = rec && i < rec.win.length ? rec.win[i] : 0;
      const win = flags & 0x02 ? rawWin : rawWin * mul[dir];
      if (((seq + len) >>> 0) > high[dir] && seq < 0x80000000) high[dir] = seq + len;
      if (ack === ack) {
        acked[other] = ack;
        haveAcked[other] = true;
      }
      const t = cols.time[i];
      if (k > 0 && t < c.t[k - 1]) c.sorted = false;
      c.t[k] = t;
      c.frame[k] = frame;
      c.dir[k] = dir;
      c.seq[k] = seq;
      c.len[k] = len;
      c.ack[k] = ack;
      c.win[k] = win;
      c.flags[k] = flags;
      c.inFlight[k] = haveAcked[dir] ? Math.max(0, high[dir] - acked[dir]) : high[dir];
      const evs = this.eventsByFrame.get(frame);
      if (evs) for (const e of evs) if (e.flow === id) c.hasKinds[k] = 1;
    }
    if (this.seqCache.size > 32) this.seqCache.clear();
    this.seqCache.set(id, c);
    return c;
  }

  timeline(args: ApiArgs<'timeline'>): Timeline {
    const cols = this.analysis.columns;
    const flowId = args.flow;
    const x = flowId !== null ? this.flowById.get(flowId) : null;
    const cFrom = x ? x.row.start : this.json.capture.start ?? 0;
    const cTo = x ? x.row.start + x.row.duration : this.json.capture.end ?? cFrom;
    let from = args.from ?? cFrom;
    let to = args.to ?? cTo;
    if (!(to > from)) {
      from -= 0.0005;
      to = from + 0.001;
    }
    const n = Math.max(1, Math.min(args.maxPoints, 20_000));
    const width = (to - from) / n;
    const pk = new Float64Array(n), by = new Float64Array(n);
    let inRange = 0;
    const take = (i: number): void => {
      const t = cols.time[i];
      if (t < from || t > to) return;
      const b = bucketIndex(t, from, width, n);
      pk[b]++;
      by[b] += cols.wireLen[i];
      inRange++;
    };
    if (flowId === null) for (let i = 0; i < cols.length; i++) take(i);
    else for (const i of this.flowPackets(flowId)) take(i);
    const rate: RatePoint[] = new Array(n);
    for (let b = 0; b < n; b++) rate[b] = { t: from + (b + 0.5) * width, packets: pk[b], bytes: by[b] };

    // Markers: every event in range; thinned to one per pixel (the most severe) if needed.
    const evs = (flowId === null ? this.eventRows : this.eventsByFlow.get(flowId) ?? []).filter((e) => e.time >= from && e.time <= to);
    let markers: Marker[] = evs.map((e) => ({ t: e.time, frame: e.frame, flow: e.flow, kind: e.kind, severity: e.severity, message: e.message }));
    if (markers.length > n) {
      const best = new Map<number, Marker>();
      for (const m of markers) {
        const b = bucketIndex(m.t, from, width, n);
        const cur = best.get(b);
        if (!cur || SEVERITY_RANK[m.severity] > SEVERITY_RANK[cur.severity]) best.set(b, m);
      }
      markers = [...best.values()].sort((p, q) => p.t - q.t);
    }

    let points: SeqPoint[] | null = null;
    if (x && x.row.transport === 'tcp') {
      const c = this.seqColumns(flowId!);
      // The packets in the window: a binary search when file order is time order (all
      // but captures whose clock jumped back), a scan otherwise.
      let inWindow: Uint32Array;
      if (c.sorted) {
        const lo = lowerBound(c.t, c.n, from, false), hi = lowerBound(c.t, c.n, to, true);
        inWindow = new Uint32Array(Math.max(0, hi - lo));
        for (let k = lo; k < hi; k++) inWindow[k - lo] = k;
      } else {
        const ks: number[] = [];
        for (let k = 0; k < c.n; k++) if (c.t[k] >= from && c.t[k] <= to) ks.push(k);
        inWindow = Uint32Array.from(ks);
      }
      points = Array.from(downsample(c, inWindow, n, from, to), (k) => c.point(k, this.eventsByFrame, flowId!));
    }
    return { flow: flowId, from, to, bucket: width, rate, markers, points, packetsInRange: inRange };
  }
}

/** The first k in [0, n) with t[k] >= x (or > x when `strict`); t ascending. */
function lowerBound(t: Float64Array, n: number, x: number, strict: boolean): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strict ? t[mid] <= x : t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A TCP flow's packets as columns, in file order; `point(k)` makes the API's object. */
export class SeqColumns {
  readonly t: Float64Array;
  readonly frame: Uint32Array;
  readonly dir: Uint8Array;
  readonly seq: Float64Array;
  readonly len: Float64Array;
  /** NaN where the packet acknowledges nothing (no ACK flag, or the other ISN unseen). */
  readonly ack: Float64Array;
  readonly win: Float64Array;
  readonly flags: Uint16Array;
  readonly inFlight: Float64Array;
  /** 1 where the frame carries events of this flow. */
  readonly hasKinds: Uint8Array;
  /** Whether the times ascend (file order is time order). */
  sorted = true;

  constructor(readonly n: number) {
    this.t = new Float64Array(n);
    this.frame = new Uint32Array(n);
    this.dir = new Uint8Array(n);
    this.seq = new Float64Array(n);
    this.len = new Float64Array(n);
    this.ack = new Float64Array(n);
    this.win = new Float64Array(n);
    this.flags = new Uint16Array(n);
    this.inFlight = new Float64Array(n);
    this.hasKinds = new Uint8Array(n);
  }

  /** Flagged for downsampling: events, or SYN/FIN/RST. */
  flagged(k: number): boolean {
    return this.hasKinds[k] === 1 || (this.flags[k] & 0x07) !== 0;
  }

  point(k: number, eventsByFrame: Map<number, EventRow[]>, flow: number): SeqPoint {
    const frame = this.frame[k];
    let kinds = NO_KINDS;
    if (this.hasKinds[k]) kinds = eventsByFrame.get(frame)!.filter((e) => e.flow === flow).map((e) => e.kind);
    const ack = this.ack[k];
    return {
      t: this.t[k], frame, dir: this.dir[k], seq: this.seq[k], len: this.len[k], ack: ack === ack ? ack : null,
      win: this.win[k], flags: this.flags[k], kinds, inFlight: this.inFlight[k],
    };
  }
}

/**
 * Keep at most `max` of the packets `ks` (indices into `c`): flagged ones (events,
 * SYN/FIN/RST) first, then, per time bucket and direction, the one reaching highest in
 * sequence space (the curve's top). Returns indices in time order.
 */
export function downsample(c: SeqColumns, ks: Uint32Array, max: number, from: number, to: number): Uint32Array {
  if (ks.length <= max) return ks;
  const flagged: number[] = [];
  const rest: number[] = [];
  for (const k of ks) (c.flagged(k) ? flagged : rest).push(k);
  let keepFlagged = flagged;
  const flaggedBudget = Math.floor(max / 2);
  if (flagged.length > flaggedBudget) {
    keepFlagged = [];
    const step = flagged.length / flaggedBudget;
    for (let j = 0; j < flaggedBudget; j++) keepFlagged.push(flagged[Math.floor(j * step)]);
  }
  const buckets = Math.max(1, Math.floor((max - keepFlagged.length) / 2));
  const width = Math.max((to - from) / buckets, 1e-12);
  // per bucket and direction, the packet reaching highest (-1: none)
  const best = new Int32Array(buckets * 2).fill(-1);
  for (const k of rest) {
    const key = bucketIndex(c.t[k], from, width, buckets) * 2 + (c.dir[k] ? 1 : 0);
    const cur = best[key];
    if (cur < 0 || c.seq[k] + c.len[k] > c.seq[cur] + c.len[cur]) best[key] = k;
  }
  const out = keepFlagged.slice();
  for (let b = 0; b < best.length; b++) if (best[b] >= 0) out.push(best[b]);
  out.sort((p, q) => c.t[p] - c.t[q] || c.frame[p] - c.frame[q]);
  return Uint32Array.from(out.slice(0, max));
}

// ---------------------------------------------------------------- the session

export interface OpenedSource {
  source: AsyncIterable<Uint8Array>;
  size: number | null;
  /** Release the source when reading stops early. */
  close?(): void;
}

/** A full DNS message decoder: bytes → what the user reads. */
export type DnsDecoder = (msg: Uint8Array, frame: number, transaction: number) => DnsMessageView;

/** What a host (stateline serve, Electron's analysis worker) lends the session. */
export interface SessionHost {
  /** Full DNS message decoding (the Node hosts use dns-packet); Stateline's reader when absent. */
  decodeDns?: DnsDecoder;
  openPath?(path: string): Promise<OpenedSource>;
  /** Read a small text file (the TLS key log). */
  readText?(path: string): Promise<string>;
  samplePath?: string | null;
  recent?: { list(): string[]; add(path: string): void };
}

export interface OpenOptions {
  name: string;
  size: number | null;
  keylog?: string | null;
  keylogName?: string | null;
  /** The path, for recent files and for re-reading with a key log. */
  path?: string | null;
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}

export class StatelineSession implements StatelineApi {
  private gen = 0;
  private state: SessionStatus['state'] = 'empty';
  private name: string | null = null;
  private progress: Progress = { bytesRead: 0, totalBytes: null, packets: 0 };
  private startedAt = 0;
  private elapsed = 0;
  private error: SessionStatus['error'] = null;
  private abort: AbortController | null = null;
  private current: CaptureQuery | null = null;
  private keylogName: string | null = null;
  private settled: Promise<void> = Promise.resolve();
  /** Path of the open capture (re-read when a key log is loaded). */
  currentPath: string | null = null;

  constructor(private readonly host: SessionHost = {}) {}

  /** The current analysis's queries, once reading has finished. */
  get query(): CaptureQuery | null {
    return this.current;
  }

  /** Resolves when the current reading finishes (for hosts and tests). */
  whenSettled(): Promise<void> {
    return this.settled;
  }

  async status(): Promise<SessionStatus> {
    return this.snapshot();
  }

  private snapshot(): SessionStatus {
    return {
      state: this.state,
      generation: this.gen,
      name: this.name,
      progress: { ...this.progress },
      elapsedMs: this.state === 'loading' ? Date.now() - this.startedAt : this.elapsed,
      error: this.error,
      sampleAvailable: !!this.host.samplePath,
      keylog: this.keylogName,
    };
  }

  /** Start reading a capture from any byte source (an upload, a file stream). */
  openSource(src: OpenedSource, opts: OpenOptions): SessionStatus {
    this.abort?.abort();
    const gen = ++this.gen;
    const ac = new AbortController();
    this.abort = ac;
    this.state = 'loading';
    this.name = opts.name;
    this.currentPath = opts.path ?? null;
    this.keylogName = opts.keylogName ?? null;
    this.progress = { bytesRead: 0, totalBytes: opts.size, packets: 0 };
    this.error = null;
    this.current = null;
    this.startedAt = Date.now();
    const recorder = new ChartRecorder();
    let analysis: Analysis | null = null;
    const run = async (): Promise<void> => {
      try {
        analysis = await analyzeCapture(src.source, {
          totalBytes: opts.size ?? undefined,
          signal: ac.signal,
          trackers: [recorder],
          trackerOptions: opts.keylog ? { keylog: opts.keylog } : {},
          onProgress: (p) => {
            if (gen === this.gen) this.progress = { bytesRead: p.bytesRead, totalBytes: p.totalBytes ?? opts.size, packets: p.packets };
          },
        });
        if (gen !== this.gen) return;
        this.progress = { ...this.progress, bytesRead: Math.max(this.progress.bytesRead, analysis.info.bytes ?? 0), packets: analysis.packets };
        const query = new CaptureQuery(analysis, recorder, opts.name);
        if (this.host.decodeDns) query.decodeDns = this.host.decodeDns;
        this.current = query;
        this.state = 'ready';
        query.warmSortOrders(() => this.current === query);
        if (opts.path) this.host.recent?.add(opts.path);
      } catch (e) {
        if (gen !== this.gen) return;
        const err = e as Error & { offset?: number; frame?: number };
        if (ac.signal.aborted || err.name === 'CaptureCancelledError') {
          this.state = 'cancelled';
          this.error = null;
        } else {
          this.state = 'error';
          this.error = {
            message: err.message || String(e),
            frame: typeof err.frame === 'number' ? err.frame : null,
            offset: typeof err.offset === 'number' ? err.offset : null,
          };
        }
        src.close?.();
      } finally {
        if (gen === this.gen) {
          this.elapsed = Date.now() - this.startedAt;
          this.abort = null;
        }
      }
    };
    this.settled = run();
    return this.snapshot();
  }

  async openPath(args: ApiArgs<'openPath'>): Promise<SessionStatus> {
    if (!this.host.openPath) throw new Error('this host cannot open files by path');
    let keylog: string | null = null;
    if (args.keylogPath) {
      if (!this.host.readText) throw new Error('this host cannot read key logs');
      keylog = await this.host.readText(args.keylogPath);
    }
    let src: OpenedSource;
    try {
      src = await this.host.openPath(args.path);
    } catch (e) {
      this.abort?.abort();
      this.gen++;
      this.state = 'error';
      this.name = baseName(args.path);
      this.current = null;
      this.progress = { bytesRead: 0, totalBytes: null, packets: 0 };
      this.error = { message: (e as Error).message, frame: null, offset: null };
      return this.snapshot();
    }
    return this.openSource(src, { name: baseName(args.path), size: src.size, keylog, keylogName: args.keylogPath ? baseName(args.keylogPath) : null, path: args.path });
  }

  async openSample(): Promise<SessionStatus> {
    if (!this.host.samplePath) throw new Error('no sample capture ships with this build');
    return this.openPath({ path: this.host.samplePath });
  }

  async cancel(): Promise<SessionStatus> {
    this.abort?.abort();
    return this.snapshot();
  }

  async recentFiles(): Promise<string[]> {
    return this.host.recent?.list() ?? [];
  }

  async summary(): Promise<Summary | null> {
    return this.current?.summary() ?? null;
  }

  async flows(args: ApiArgs<'flows'> = {}): Promise<Page<FlowRow>> {
    return this.current?.flows(args) ?? { total: 0, offset: 0, rows: [] };
  }

  async flow(args: ApiArgs<'flow'>): Promise<FlowDetail | null> {
    return this.current?.flow(args.id) ?? null;
  }

  async timeline(args: ApiArgs<'timeline'>): Promise<Timeline> {
    return this.current?.timeline(args) ?? { flow: args.flow, from: 0, to: 0, bucket: 0, rate: [], markers: [], points: null, packetsInRange: 0 };
  }

  async events(args: ApiArgs<'events'> = {}): Promise<Page<EventRow>> {
    return this.current?.events(args) ?? { total: 0, offset: 0, rows: [] };
  }

  async dnsTransactions(args: ApiArgs<'dnsTransactions'> = {}): Promise<Page<DnsRow>> {
    return this.current?.dnsTransactions(args) ?? { total: 0, offset: 0, rows: [] };
  }

  async dnsMessage(args: ApiArgs<'dnsMessage'>): Promise<DnsMessageView | null> {
    return this.current?.dnsMessage(args.index) ?? null;
  }

  async quicConnections(args: ApiArgs<'quicConnections'> = {}): Promise<QuicRow[]> {
    return this.current?.quicConnections(args) ?? [];
  }

  async packets(args: ApiArgs<'packets'>): Promise<Page<PacketRow>> {
    return this.current?.packets(args) ?? { total: 0, offset: 0, rows: [] };
  }

  async exportJson(): Promise<AnalysisJson | null> {
    return this.current?.json ?? null;
  }

  async exportFlowsCsv(args: ApiArgs<'exportFlowsCsv'> = {}): Promise<string> {
    return this.current?.flowsCsv(args) ?? '';
  }
}
