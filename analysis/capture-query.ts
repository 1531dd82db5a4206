// The capture query: StatelineApi's questions answered over one finished Analysis
// (DESIGN.md "The query API"). The UI never holds the packets; it asks pages and
// downsampled series of this layer. It composes the protocol query modules — TCP's
// (./tcp/query) reads the TCP tracker's columns, so what a chart draws is what the
// analysis computed — and builds only what a question needs: the flows table's rows at
// once (light: no per-flow state history), a flow's full JSON when it is opened, the
// whole JSON only for an export.

import type { CaptureSource } from '../parsers/capture/index';
import { linkTypeTitle, unsupportedTitle } from '../parsers/decode/index';
import type { Analysis } from './analysis';
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
  FollowedStream,
  IncidentRow,
  KindCount,
  Marker,
  Page,
  PacketRow,
  QuicPathRow,
  QuicRow,
  RatePoint,
  SeqPoint,
  Summary,
  Timeline,
} from './api';
import { eventInfo } from './events.js'; // '.js': the lint's ban of Node's 'events' module also matches './events'
import { incidentInfo } from './incidents/index';
import { dnsFlowStates, DnsQuery, firstAtOrAfter, type DnsMessageDecoder } from './dns/query';
import { DnsTracker } from './dns/tracker';
import { dnsMessageView } from './dns/view';
import { endpointSortKey, ipv4EndpointNumber, parseFlowFilter, vlanMatches } from './flow-filter';
import type { AnalysisJson, CaptureSummaryJson, DnsJson, EventJson, FlowJson, Severity } from './model';
import { captureSummary, flowJson, toJson } from './output';
import { quicPacketTypes, quicTracker } from './quic/query';
import { followFlow } from './stream/query';
import { downsample, inWindow, lostStateSpans, packetFacts, stateLanes, tcpFlagString, tcpFlowColumns, tcpTrackerOf, type TcpFlowColumns } from './tcp/query';
import type { TcpTracker } from './tcp/tracker';

export { tcpFlagString } from './tcp/query';

/** A full DNS message decoder: bytes → what the user reads (the Node hosts lend dns-packet's). */
export type DnsDecoder = DnsMessageDecoder;

const SEVERITY_RANK: Record<Severity, number> = { break: 3, warning: 2, info: 1 };
/** The events of a packet that has none (shared: a flow's points are many). */
const NO_KINDS: string[] = [];
/** How many of the largest TCP flows get their chart columns built while idle. */
const WARM_FLOWS = 4;
/** The points of the warm-up timelines (about a chart's width). */
const WARM_POINTS = 1000;
/** How many times opening a flow is rehearsed while idle (warmUp). */
const WARM_OPEN_ROUNDS = 3;
/** Flows per slice of the tables' idle build (~6 ms each at the bench capture's flows). */
const TABLE_SLICE = 2000;
/** DNS transactions per slice of the DNS rows' idle build (~8 ms each on the bench capture). */
const DNS_SLICE = 2048;

// ---------------------------------------------------------------- helpers

/** The flows table's protocol: tcp, udp, icmp, or with the app: dns, quic (over UDP), tcp/dns. */
function protocolOf(transport: string, app: string | null): string {
  return app ? (transport === 'udp' ? app : `${transport}/${app}`) : transport;
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

function bucketIndex(t: number, from: number, width: number, n: number): number {
  const k = Math.floor((t - from) / width);
  return k < 0 ? 0 : k >= n ? n - 1 : k;
}

/** Past this many events in range, a timeline's markers are aggregated per pixel column. */
export const MARKER_WALL = 300;

/**
 * A timeline's markers for the events `evs` (in range) over `n` columns of `width`
 * seconds from `from`: one per event while they are few (at most MARKER_WALL, and no more
 * than columns), else one per pixel column that has any — its count, its events per kind
 * and its worst severity, shown by the column's first event of that severity.
 */
export function timelineMarkers(evs: readonly EventRow[], from: number, width: number, n: number): Marker[] {
  if (evs.length <= Math.min(n, MARKER_WALL))
    return evs.map((e) => ({ t: e.time, frame: e.frame, flow: e.flow, kind: e.kind, severity: e.severity, message: e.message, count: 1, kinds: [{ kind: e.kind, count: 1 }] }));
  const cols = new Map<number, { shown: EventRow; count: number; kinds: Map<string, number> }>();
  for (const e of evs) {
    const b = bucketIndex(e.time, from, width, n);
    const c = cols.get(b);
    if (!c) {
      cols.set(b, { shown: e, count: 1, kinds: new Map([[e.kind, 1]]) });
      continue;
    }
    c.count++;
    c.kinds.set(e.kind, (c.kinds.get(e.kind) ?? 0) + 1);
    const d = SEVERITY_RANK[e.severity] - SEVERITY_RANK[c.shown.severity];
    if (d > 0 || (d === 0 && e.time < c.shown.time)) c.shown = e;
  }
  const out: Marker[] = [];
  for (const b of [...cols.keys()].sort((p, q) => p - q)) {
    const { shown: e, count, kinds } = cols.get(b)!;
    const byKind = [...kinds].map(([kind, k]) => ({ kind, count: k })).sort((p, q) => q.count - p.count || (p.kind < q.kind ? -1 : 1));
    out.push({ t: e.time, frame: e.frame, flow: e.flow, kind: e.kind, severity: e.severity, message: e.message, count, kinds: byKind });
  }
  return out;
}

// ---------------------------------------------------------------- queries over one analysis

interface Tables {
  facts: FlowFacts[];
  flowById: Map<number, FlowFacts>;
  quicRows: QuicRow[];
  quicByFlow: Map<number, QuicRow[]>;
}

interface FlowFacts {
  /** flows[] of the JSON without the protocol parts (flow() adds them when the flow is opened). */
  json: FlowJson;
  row: FlowRow;
  ports: [number, number];
  kindSet: Set<string>;
  search: string;
}

export class CaptureQuery {
  readonly capture: CaptureSummaryJson;
  /** The TCP tracker, when it ran (its columns are what the TCP charts draw). */
  private readonly tcp: TcpTracker | null;
  private readonly eventRows: EventRow[];
  private readonly eventsByFrame = new Map<number, EventRow[]>();
  private readonly eventsByFlow = new Map<number, EventRow[]>();
  private readonly eventsByIncident = new Map<number, EventRow[]>();
  /** The flows table and QUIC rows: built on first use (or while idle), not before the capture is ready. */
  private built: Tables | null = null;
  private tableBuilder: Generator<void, Tables> | null = null;
  /** The tables being built, and whether their flows' facts are done (the QUIC rows come last). */
  private partial: Tables | null = null;
  private factsBuilt = false;
  private dnsQuery: DnsQuery | null = null;
  /** The DNS rows read so far while idle, and what reads the rest (null: all read). */
  private dnsBuild: { rows: DnsJson[]; from: Generator<DnsJson> | null } | null = null;
  /** Packet indices grouped by flow (counting sort): flow f's are pktIndex[pktStart[f] .. pktStart[f+1]). */
  private readonly pktStart: Uint32Array;
  private readonly pktIndex: Uint32Array;
  private sortCache: { key: string; ids: number[] } | null = null;
  private readonly sortOrders = new Map<string, Uint32Array>();
  private seqCache = new Map<number, TcpFlowColumns>();

  constructor(
    readonly analysis: Analysis,
    readonly name: string | null = null,
  ) {
    const a = analysis;
    this.capture = captureSummary(a);
    this.tcp = tcpTrackerOf(a);
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
    this.eventRows = a.events.map((e, index) => this.eventRow(e, index));
    for (const e of this.eventRows) {
      let l = this.eventsByFrame.get(e.frame);
      if (!l) this.eventsByFrame.set(e.frame, (l = []));
      l.push(e);
      if (e.flow !== null) {
        let g = this.eventsByFlow.get(e.flow);
        if (!g) this.eventsByFlow.set(e.flow, (g = []));
        g.push(e);
      }
      if (e.incident !== undefined) {
        let g = this.eventsByIncident.get(e.incident);
        if (!g) this.eventsByIncident.set(e.incident, (g = []));
        g.push(e);
      }
    }

  }

  /** The rows of the flows table and QUIC views (built once, on first use or while idle). */
  private get tables(): Tables {
    while (!this.buildTablesSlice());
    return this.built!;
  }

  /** The flows' facts (facts, flowById): the tables built at least that far. */
  private get flowTables(): Tables {
    while (!this.factsBuilt && !this.buildTablesSlice());
    return this.built ?? this.partial!;
  }

  /**
   * One slice (a few ms) of the tables' build; true once they are built. The idle warm-up
   * builds them slice by slice so that a host answering requests meanwhile (stateline
   * serve's status poll) is never kept waiting for the whole build (~0.4 s at 46k flows).
   */
  private buildTablesSlice(): boolean {
    if (this.built) return true;
    this.tableBuilder ??= this.buildTables();
    const r = this.tableBuilder.next();
    if (r.done) {
      this.built = r.value;
      this.tableBuilder = null;
    }
    return !!this.built;
  }

  /**
   * The tables' build, yielding between slices of TABLE_SLICE items: the flows' facts
   * first (the flows table waits only for them: `flowTables`), then the QUIC rows.
   */
  private *buildTables(): Generator<void, Tables> {
    const a = this.analysis;
    const t: Tables = { facts: [], flowById: new Map(), quicRows: [], quicByFlow: new Map() };
    this.partial = t;

    // Flows.
    const flows = a.flows.flows;
    const light: FlowJson[] = [];
    for (let i = 0; i < flows.length; i++) {
      light.push(flowJson(flows[i]));
      if (i % TABLE_SLICE === TABLE_SLICE - 1) yield;
    }
    const tcp = this.tcp;
    const dnsStates = dnsFlowStates(a);
    yield;
    for (let i = 0; i < light.length; i++) {
      const x = this.flowFacts(light[i], dnsStates.get(light[i].id) ?? '', tcp ? tcp.zeekOf(flows[i]) : null);
      t.facts.push(x);
      t.flowById.set(x.row.id, x);
      if (i % TABLE_SLICE === TABLE_SLICE - 1) yield;
    }
    this.factsBuilt = true;
    yield;

    // QUIC connections, with the flows of their paths.
    const quicJson = [...(quicTracker(a)?.quicRows() ?? [])];
    yield;
    const byEndpoints = new Map<string, number>();
    for (const f of light) byEndpoints.set(`${f.transport} ${f.client} ${f.server}`, f.id);
    for (let i = 0; i < quicJson.length; i++) {
      const q = this.quicRow(quicJson[i], byEndpoints);
      t.quicRows.push(q);
      for (const id of q.flows) {
        let l = t.quicByFlow.get(id);
        if (!l) t.quicByFlow.set(id, (l = []));
        l.push(q);
      }
      if (i % (TABLE_SLICE >> 3) === (TABLE_SLICE >> 3) - 1) yield;
    }
    return t;
  }

  /** Frame N's packet row (its flow, 0 outside any, and time); null past the capture's end. */
  locateFrame(frame: number): PacketRow | null {
    return frame >= 1 && frame <= this.analysis.columns.length ? this.packetRow(frame - 1) : null;
  }

  timeOf(frame: number): number {
    const i = frame - 1;
    return i >= 0 && i < this.analysis.columns.length ? this.analysis.columns.time[i] : 0;
  }

  private eventRow(e: EventJson, index: number): EventRow {
    const row: EventRow = { index, kind: e.kind, severity: e.severity, frame: e.frame, time: e.time, flow: e.flow, message: e.message, related: e.related, title: explain(e.kind, e.severity).title };
    if (e.incident !== undefined) row.incident = e.incident;
    return row;
  }

  private flowFacts(f: FlowJson, dnsState: string, zeek: { connState: string; history: string } | null): FlowFacts {
    const evs = this.eventsByFlow.get(f.id) ?? [];
    let breaks = 0, warnings = 0;
    const kindSet = new Set<string>();
    for (const e of evs) {
      if (e.severity === 'break') breaks++;
      else if (e.severity === 'warning') warnings++;
      kindSet.add(e.kind);
    }
    let state = '';
    if (zeek) state = `${zeek.connState} ${zeek.history}`.trim();
    if (f.app === 'dns' && dnsState) {
      state = state ? `${state} · ${dnsState}` : dnsState;
    }
    if (f.app === 'quic') {
      const quicBreak = [...kindSet].find((k) => k.startsWith('quic.') && (eventInfo(k)?.severity ?? 'info') === 'break');
      state = quicBreak ? quicBreak.slice(5) : kindSet.has('quic.connection-close') ? 'closed' : kindSet.has('quic.migration') ? 'migrated' : 'open';
    }
    const protocol = protocolOf(f.transport, f.app);
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
    if (f.vlan) row.vlan = f.vlan;
    return { json: f, row, ports: [portOf(f.client), portOf(f.server)], kindSet, search: `${f.client} ${f.server}`.toLowerCase() };
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
    // the QUIC events on the connection's frames (ascending, each frame once), in list order
    const events: EventRow[] = [];
    let prev = -1;
    for (const fr of q.frames) {
      if (fr === prev) continue;
      prev = fr;
      const evs = this.eventsByFrame.get(fr);
      if (evs) for (const e of evs) if (e.kind.startsWith('quic.')) events.push(e);
    }
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
    // the QUIC tracker's own per-packet record of the connection
    return quicPacketTypes(this.analysis, q.number, maxPoints);
  }


  // ------------------------------------------------------------ API methods

  summary(): Summary {
    // counted from the analysis, so that the summary does not wait for the tables
    const protos = new Map<string, number>();
    for (const f of this.analysis.flows.flows) {
      const p = protocolOf(f.transport, f.app);
      protos.set(p, (protos.get(p) ?? 0) + 1);
    }
    const dns = this.dnsTracker();
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
      capture: this.capture,
      linkTypeTitles: this.capture.linkTypes.map(linkTypeTitle),
      unsupportedTitles: this.capture.unsupported.map((u) => unsupportedTitle(u.what)),
      flows: this.analysis.flows.size,
      flowsByProtocol: [...protos].map(([protocol, count]) => ({ protocol, count })).sort((x, y) => y.count - x.count),
      events: this.eventRows.length,
      breaks,
      warnings,
      eventsByKind: [...kinds.values()].sort((x, y) => SEVERITY_RANK[y.severity] - SEVERITY_RANK[x.severity] || y.count - x.count || x.kind.localeCompare(y.kind)),
      dnsTransactions: dns ? dns.count : 0,
      quicConnections: quicTracker(this.analysis)?.conns.length ?? 0,
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
    const facts = this.flowTables.facts;
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
   * Build the tables, the DNS rows, then every column's order, in the background: a
   * slice of the tables or of the DNS rows, or one column and direction per task (a few
   * ms to ~20 ms each on 50,000 flows), so that the flows table, the DNS view and the
   * first click on a header find them ready. Then the chart columns of the largest
   * TCP flows, and the code that opens a flow run a few times (`warmOpen`). Stops when
   * `stillCurrent` says this analysis was replaced.
   */
  warmUp(stillCurrent: () => boolean = () => true, warmOpen?: (flow: number) => Promise<unknown>): void {
    const todo: FlowSort[] = [];
    for (const key of ['packets', 'bytes', 'duration', 'start', 'breaks', 'protocol', 'state', 'client', 'server', 'id'] as const)
      for (const dir of ['desc', 'asc'] as const) if (!(key === 'id' && dir === 'asc')) todo.push({ key, dir });
    // Then the chart columns of the largest TCP flows, the ones a user opens first from
    // a table sorted by packets (each takes ~15 ms per 27k packets to build); and the
    // next largest, whose opening is rehearsed.
    const biggest = (): number[] => {
      const order = this.sortedOrder({ key: 'packets', dir: 'desc' });
      const out: number[] = [];
      for (let i = 0; i < order.length && out.length <= WARM_FLOWS; i++) {
        const r = this.flowTables.facts[order[i]].row;
        if (r.transport === 'tcp') out.push(r.id);
      }
      return out;
    };
    let charts: number[] | null = null;
    // Opening a flow runs code nothing before it ran — its detail, its timeline's rate,
    // markers and downsampled points, whole and zoomed, and (`warmOpen`, the host's) its
    // first packets dissected — compiled as it is first used: the server's share of the
    // bench capture's first open was ~45 ms against ~12 ms for the same open repeated
    // (README, "Speed and memory"). It is run WARM_OPEN_ROUNDS times here, the answers
    // dropped, on the fifth largest TCP flow (with fewer, the smallest of them), not one
    // of those a user opens first: any flow's first open finds that code compiled, and
    // nothing of its own cached but the chart columns of the four largest.
    let rehearse: number | null = null;
    let rounds = 0;
    const next = (): void => {
      const t = setTimeout(step, 0) as { unref?(): void };
      t.unref?.();
    };
    const step = (): void => {
      if (!stillCurrent()) return;
      if (!this.built) this.buildTablesSlice();
      else if (!this.dnsQuery) this.buildDnsSlice();
      else if (todo.length) this.sortedOrder(todo.shift()!);
      else if (rehearse !== null) {
        if (rounds++ >= WARM_OPEN_ROUNDS) return;
        const d = this.flow(rehearse)!;
        const a = d.row.start, w = d.row.duration;
        this.timeline({ flow: rehearse, maxPoints: WARM_POINTS });
        this.timeline({ flow: rehearse, from: a + w * 0.45, to: a + w * 0.55, maxPoints: WARM_POINTS });
        if (warmOpen) return void warmOpen(rehearse).catch(() => undefined).finally(next);
      } else {
        charts ??= biggest();
        const id = charts.shift();
        if (id === undefined) return;
        if (charts.length === 0) rehearse = id;
        else this.seqColumns(id);
      }
      next();
    };
    next();
  }

  private filteredSorted(filter: FlowFilter | undefined, sort: FlowSort | undefined): number[] {
    const key = JSON.stringify([filter ?? {}, sort ?? {}]);
    if (this.sortCache?.key === key) return this.sortCache.ids;
    const p = parseFlowFilter(filter);
    const facts = this.flowTables.facts;
    const filtering = p.hasBreaks || p.protocols.length > 0 || p.ports.length > 0 || p.kinds.length > 0 || p.text.length > 0 || p.vlans.length > 0;
    const keep = (x: FlowFacts): boolean => {
      const r = x.row;
      if (p.hasBreaks && r.breaks === 0) return false;
      for (const pr of p.protocols) if (r.transport !== pr && r.app !== pr && r.protocol !== pr) return false;
      for (const port of p.ports) if (x.ports[0] !== port && x.ports[1] !== port) return false;
      for (const k of p.kinds) if (!r.kinds.some((kk) => kk === k || kk.startsWith(k))) return false;
      for (const t of p.text) if (!x.search.includes(t)) return false;
      for (const v of p.vlans) if (!vlanMatches(r.vlan, v)) return false;
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
    return { total: ids.length, offset, rows: ids.slice(offset, offset + limit).map((id) => this.flowTables.flowById.get(id)!.row) };
  }

  flowsCsv(args: ApiArgs<'exportFlowsCsv'>): string {
    const ids = this.filteredSorted(args.filter, args.sort);
    const head = ['id', 'protocol', 'client', 'server', 'start', 'duration', 'packets', 'bytes', 'state', 'breaks', 'warnings', 'kinds'];
    const lines = [head.join(',')];
    for (const id of ids) {
      const r = this.flowTables.flowById.get(id)!.row;
      lines.push([r.id, r.protocol, r.client, r.server, r.start.toFixed(6), r.duration.toFixed(6), r.packets, r.bytes, r.state, r.breaks, r.warnings, r.kinds.join(' ')].map(csvCell).join(','));
    }
    return lines.join('\n') + '\n';
  }

  /** The whole JSON of OUTPUT.md (the CLI's --json), built on request. */
  exportJson(): AnalysisJson {
    return toJson(this.analysis);
  }

  /** flows[id] of the JSON with its protocol parts (flows[].tcp), built when the flow is opened. */
  flowJsonOf(id: number): FlowJson | null {
    const x = this.flowTables.flowById.get(id);
    if (!x) return null;
    const flow = this.analysis.flows.flows[id - 1];
    const tcp = this.tcp && flow?.id === id ? this.tcp.flowJson(flow) : undefined;
    return tcp ? { ...x.json, tcp } : x.json;
  }

  flow(id: number): FlowDetail | null {
    const x = this.flowTables.flowById.get(id);
    if (!x) return null;
    const f = this.flowJsonOf(id)!;
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
      lanes: f.tcp ? { ...stateLanes(f.tcp.states, f.end), lost: lostStateSpans(events, this.analysis.columns.time, this.analysis.columns.dir) } : null,
      dns: f.app === 'dns' ? this.dns.flowRows(id) : [],
      quic: (this.tables.quicByFlow.get(id) ?? []).map((q) => ({ ...q, packetTypes: this.quicTypes(q, 200) })),
    };
  }

  events(args: ApiArgs<'events'>): Page<EventRow> {
    let list = this.eventRows;
    if (args.flow !== undefined) list = this.eventsByFlow.get(args.flow) ?? [];
    if (args.incident !== undefined) list = (args.flow !== undefined ? list.filter((e) => e.incident === args.incident) : this.eventsByIncident.get(args.incident)) ?? [];
    if (args.kind !== undefined) list = list.filter((e) => e.kind === args.kind || (args.kind!.endsWith('.') && e.kind.startsWith(args.kind!)));
    if (args.severity !== undefined) list = list.filter((e) => e.severity === args.severity);
    if (args.inIncident !== undefined) list = list.filter((e) => (e.incident !== undefined) === args.inIncident);
    return pageOf(list, args.offset, args.limit);
  }

  /** The incidents (./incidents), each with its member flows' rows and its member events. */
  incidents(): IncidentRow[] {
    return this.analysis.incidents.map((inc) => ({
      ...inc,
      title: incidentInfo(inc.kind)?.title ?? inc.kind,
      memberFlows: inc.flows.map((id) => this.flowTables.flowById.get(id)?.row).filter((r): r is FlowRow => r !== undefined),
      events: this.eventsByIncident.get(inc.id) ?? [],
    }));
  }

  /**
   * The DNS rows (./dns/query): built while idle (warmUp, in slices), or at once
   * when first asked before that — the DNS view, a DNS flow, a message.
   */
  private get dns(): DnsQuery {
    while (!this.buildDnsSlice());
    return this.dnsQuery!;
  }

  /**
   * Read up to DNS_SLICE more of the DNS tracker's rows (the JSON's dns[]), or, once all
   * are read, build the DNS query from them; true once it is built. The bench capture's
   * 65k transactions take ~250 ms to read: in one task, a request arriving meanwhile
   * waited for all of it.
   */
  private buildDnsSlice(): boolean {
    if (this.dnsQuery) return true;
    if (!this.dnsBuild) {
      const t = this.dnsTracker();
      this.dnsBuild = { rows: [], from: t ? t.dnsRows() : null };
    }
    const b = this.dnsBuild;
    if (b.from === null) {
      this.dnsQuery = new DnsQuery(this.analysis, { capture: this.capture, flows: [], events: this.analysis.events, dns: b.rows, quic: [] }, (f) => this.timeOf(f));
      this.dnsBuild = null;
      return true;
    }
    for (let k = 0; k < DNS_SLICE; k++) {
      const r = b.from.next();
      if (r.done) {
        b.from = null;
        break;
      }
      b.rows.push(r.value);
    }
    return false;
  }

  private dnsTracker(): DnsTracker | null {
    return this.analysis.trackers.find((t): t is DnsTracker => t instanceof DnsTracker) ?? null;
  }

  /** Decodes a DNS message for dnsMessage (the host's dns-packet, or Stateline's reader). */
  decodeDns: DnsDecoder = dnsMessageView;

  dnsMessage(index: number): DnsMessageView | null {
    const q = this.dns;
    q.decode = this.decodeDns;
    return q.message(index);
  }

  /** Follow stream: flow `flow`'s payload from `source`, this capture's bytes read again. */
  followStream(source: CaptureSource, flow: number): Promise<FollowedStream | null> {
    return followFlow(this.analysis, source, flow, this.decodeDns);
  }

  dnsTransactions(args: ApiArgs<'dnsTransactions'>): Page<DnsRow> {
    const list = this.dns.transactions({ flow: args.flow, status: args.status as DnsRow['status'] | undefined, from: args.from ?? undefined, to: args.to ?? undefined });
    return pageOf(list, args.at !== undefined ? firstAtOrAfter(list, args.at) : args.offset, args.limit);
  }

  quicConnections(args: ApiArgs<'quicConnections'>): QuicRow[] {
    return this.tables.quicRows.map((q) => ({ ...q, packetTypes: this.quicTypes(q, args.maxPoints ?? 200) }));
  }

  /** Packet indices of a flow (0 = packets outside any flow). */
  flowPackets(id: number): Uint32Array {
    if (id < 0 || id + 1 >= this.pktStart.length) return new Uint32Array(0);
    return this.pktIndex.subarray(this.pktStart[id], this.pktStart[id + 1]);
  }

  /**
   * A page of packets: a flow's (flow 0: those outside any flow), or the capture's without
   * `args.flow`; with `frames` (ascending frame numbers, a display filter's matches) only
   * those among them. With `args.at` (a time), the page starts at the first packet at or
   * after it (its offset is returned).
   */
  packets(args: Omit<ApiArgs<'packets'>, 'filter'>, frames: Uint32Array | null = null): Page<PacketRow> {
    const cols = this.analysis.columns;
    let idx: ArrayLike<number>;
    if (args.flow !== undefined) {
      let own = this.flowPackets(args.flow);
      if (frames) {
        const keep = new Uint8Array(cols.length);
        for (const f of frames) keep[f - 1] = 1;
        own = own.filter((i) => keep[i] === 1);
      }
      idx = own;
    } else if (frames) idx = frames.map((f) => f - 1);
    // the whole capture: packet k is index k (no index array of a million entries)
    else idx = { length: cols.length };
    const whole = args.flow === undefined && !frames;
    const at = (k: number): number => (whole ? k : idx[k]);
    let offset = args.offset ?? 0;
    if (args.at !== undefined) {
      // First packet at or after `at`: a binary search (file order is time order), a
      // scan when the capture's clock went backwards.
      const t = args.at;
      let lo = 0, hi = idx.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cols.time[at(mid)] < t) lo = mid + 1;
        else hi = mid;
      }
      if ((lo > 0 && cols.time[at(lo - 1)] >= t) || (lo < idx.length && cols.time[at(lo)] < t)) {
        lo = idx.length;
        for (let k = 0; k < idx.length; k++) if (cols.time[at(k)] >= t) { lo = k; break; }
      }
      offset = Math.min(lo, Math.max(0, idx.length - 1));
    }
    const limit = args.limit ?? 200;
    const rows: PacketRow[] = [];
    for (let k = offset; k < Math.min(idx.length, offset + limit); k++) rows.push(this.packetRow(at(k)));
    return { total: idx.length, offset, rows };
  }

  /**
   * One packet's row (index frame − 1): what the packet list shows and `stateline
   * packets` prints, TCP numbers from the TCP tracker's columns (as Wireshark's fields).
   */
  packetRow(i: number): PacketRow {
    const cols = this.analysis.columns;
    const frame = i + 1;
    const flow = cols.flow[i];
    const isTcp = flow !== 0 && this.tcp !== null && this.analysis.flows.flows[flow - 1]?.transport === 'tcp';
    const flags = cols.tcpFlags[i];
    const t = isTcp ? packetFacts(this.tcp!.columns, i, flags) : null;
    const evs = this.eventsByFrame.get(frame);
    return {
      frame,
      time: cols.time[i],
      flow,
      dir: cols.dir[i],
      flags: isTcp ? tcpFlagString(flags) : '',
      seq: t ? t.seq : null,
      ack: t ? t.ack : null,
      len: cols.payloadLen[i],
      wireLen: cols.wireLen[i],
      win: t ? t.window : null,
      bytesInFlight: t ? t.bytesInFlight : null,
      ackRtt: t ? t.ackRtt : null,
      kinds: evs ? evs.filter((e) => e.flow === flow || e.flow === null).map((e) => e.kind) : NO_KINDS,
    };
  }

  /** A flow's chart point at position k of its columns. */
  private point(c: TcpFlowColumns, k: number, flow: number): SeqPoint {
    const frame = c.frame[k];
    let kinds = NO_KINDS;
    if (c.hasKinds[k]) kinds = this.eventsByFrame.get(frame)!.filter((e) => e.flow === flow).map((e) => e.kind);
    const ack = c.ack[k], inFlight = c.inFlight[k];
    return {
      t: c.t[k], frame, dir: c.dir[k], seq: c.seq[k], len: c.len[k], ack: ack === ack ? ack : null,
      win: c.win[k], flags: c.flags[k], kinds, inFlight: inFlight === inFlight ? inFlight : null,
    };
  }

  /** All packets of a TCP flow as chart points. */
  seqPoints(id: number): SeqPoint[] {
    const c = this.seqColumns(id);
    const out: SeqPoint[] = new Array(c.n);
    for (let k = 0; k < c.n; k++) out[k] = this.point(c, k, id);
    return out;
  }

  /**
   * A TCP flow's packets as chart columns (./tcp/query), cached: typed arrays, so the
   * first look at a 100,000-packet flow builds no object per packet — points are made
   * only for what a chart is sent.
   */
  private seqColumns(id: number): TcpFlowColumns {
    const hit = this.seqCache.get(id);
    if (hit) return hit;
    const byFrame = this.eventsByFrame;
    const hasEvent = (frame: number): boolean => {
      const evs = byFrame.get(frame);
      if (evs) for (const e of evs) if (e.flow === id) return true;
      return false;
    };
    const c = tcpFlowColumns(this.analysis, this.tcp!.columns, this.flowPackets(id), hasEvent);
    if (this.seqCache.size > 32) this.seqCache.clear();
    this.seqCache.set(id, c);
    return c;
  }

  timeline(args: ApiArgs<'timeline'>): Timeline {
    const cols = this.analysis.columns;
    const flowId = args.flow;
    const x = flowId !== null ? this.flowTables.flowById.get(flowId) : null;
    const cFrom = x ? x.row.start : this.capture.start ?? 0;
    const cTo = x ? x.row.start + x.row.duration : this.capture.end ?? cFrom;
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

    const evs = (flowId === null ? this.eventRows : this.eventsByFlow.get(flowId) ?? []).filter((e) => e.time >= from && e.time <= to);
    const markers = timelineMarkers(evs, from, width, n);

    let points: SeqPoint[] | null = null;
    if (x && x.row.transport === 'tcp' && this.tcp) {
      const c = this.seqColumns(flowId!);
      points = Array.from(downsample(c, inWindow(c, from, to), n, from, to), (k) => this.point(c, k, flowId!));
    }
    return { flow: flowId, from, to, bucket: width, rate, markers, points, packetsInRange: inRange };
  }
}
