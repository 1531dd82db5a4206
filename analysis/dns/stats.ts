// DNS statistics and timelines for the UI, computed from the serialisable model
// (AnalysisJson's dns[], flows[] and events[]), so they answer the same in the
// Electron utility process, the HTTP server and a browser worker.
//
//   dnsStats(json)                 per server and per name: queries, answered share,
//                                  RTT percentiles, failures by kind
//   dnsFlowTimeline(json, flowId)  one flow's query → response spans (unanswered ones
//                                  open-ended, orphans and client-gone marked with the
//                                  ICMP frame) and its ICMP unreachable markers

import type { DnsJson, EventJson, FlowJson } from '../model';

/** The parts of AnalysisJson the functions read. */
export interface DnsStatsInput {
  dns: readonly DnsJson[];
  flows: readonly FlowJson[];
  events?: readonly EventJson[];
}

export interface DnsRttPercentiles {
  /** Seconds; null when no transaction of the group was answered. */
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export interface DnsGroupStats {
  /** Server endpoint ("10.0.0.53:53", "[2001:db8::1]:53") or the lower-cased name ("example.com."). */
  key: string;
  /** Transactions with at least one query (orphans not included). */
  queries: number;
  /** Query packets, retransmissions included. */
  queryPackets: number;
  /** Transactions answered with the right question (answered or client-gone). */
  answered: number;
  /** answered / queries (null when queries is 0). */
  answeredShare: number | null;
  unanswered: number;
  /** Responses without a query (duplicates included). */
  orphans: number;
  clientGone: number;
  mismatches: number;
  /** Transactions with a retransmitted query. */
  retransmitted: number;
  /** Answers with an RCODE other than NOERROR, by RCODE name. */
  errors: Record<string, number>;
  /** unanswered + client-gone + mismatches + error responses. */
  failures: number;
  rtt: DnsRttPercentiles;
}

export interface DnsStats {
  total: DnsGroupStats;
  /** Busiest first. */
  servers: DnsGroupStats[];
  names: DnsGroupStats[];
}

interface Acc {
  g: DnsGroupStats;
  rtts: number[];
}

function newAcc(key: string): Acc {
  return {
    g: {
      key, queries: 0, queryPackets: 0, answered: 0, answeredShare: null, unanswered: 0, orphans: 0, clientGone: 0,
      mismatches: 0, retransmitted: 0, errors: {}, failures: 0, rtt: { p50: null, p90: null, p99: null, max: null },
    },
    rtts: [],
  };
}

function add(a: Acc, d: DnsJson): void {
  const g = a.g;
  if (d.status === 'orphan') {
    g.orphans++;
    return;
  }
  g.queries++;
  g.queryPackets += d.queryFrames.length;
  if (d.queryFrames.length > 1) g.retransmitted++;
  if (d.status === 'answered' || d.status === 'client-gone') {
    g.answered++;
    if (d.rtt !== null) a.rtts.push(d.rtt);
    if (d.rcode && d.rcode !== 'NOERROR') {
      g.errors[d.rcode] = (g.errors[d.rcode] ?? 0) + 1;
      g.failures++;
    }
  }
  if (d.status === 'unanswered') g.unanswered++;
  if (d.status === 'client-gone') g.clientGone++;
  if (d.status === 'mismatch') g.mismatches++;
  if (d.status === 'unanswered' || d.status === 'client-gone' || d.status === 'mismatch') g.failures++;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function done(a: Acc): DnsGroupStats {
  const r = a.rtts.sort((x, y) => x - y);
  a.g.rtt = { p50: percentile(r, 50), p90: percentile(r, 90), p99: percentile(r, 99), max: r.length ? r[r.length - 1] : null };
  a.g.answeredShare = a.g.queries ? a.g.answered / a.g.queries : null;
  return a.g;
}

/** Lower-cased name of a question text ("Example.com. A IN" → "example.com."). */
export function questionName(question: string): string {
  const i = question.indexOf(' ');
  return (i < 0 ? question : question.slice(0, i)).toLowerCase();
}

/**
 * Per-server and per-name statistics. `filter` narrows the transactions (e.g. only
 * unicast DNS: `(d) => !d.protocol || d.protocol === 'dns'`).
 */
export function dnsStats(input: DnsStatsInput, filter?: (d: DnsJson) => boolean): DnsStats {
  const server = new Map<number, string>();
  for (const f of input.flows) server.set(f.id, f.server);
  const total = newAcc('*');
  const servers = new Map<string, Acc>();
  const names = new Map<string, Acc>();
  for (const d of input.dns) {
    if (filter && !filter(d)) continue;
    add(total, d);
    const s = server.get(d.flow) ?? `flow ${d.flow}`;
    let a = servers.get(s);
    if (!a) servers.set(s, (a = newAcc(s)));
    add(a, d);
    if (d.question) {
      const n = questionName(d.question);
      let b = names.get(n);
      if (!b) names.set(n, (b = newAcc(n)));
      add(b, d);
    }
  }
  const busiest = (x: DnsGroupStats, y: DnsGroupStats) => y.queries + y.orphans - (x.queries + x.orphans) || (x.key < y.key ? -1 : 1);
  return {
    total: done(total),
    servers: [...servers.values()].map(done).sort(busiest),
    names: [...names.values()].map(done).sort(busiest),
  };
}

/** One transaction on a flow's timeline. */
export interface DnsSpan {
  /** Index in dns[]. */
  index: number;
  id: number;
  question: string;
  status: DnsJson['status'];
  /** First query frame (the response frame for an orphan), and its time. */
  startFrame: number;
  start: number;
  /** Response frame and time; null for an unanswered query (open-ended span). */
  endFrame: number | null;
  end: number | null;
  /** Every query send (retransmissions after the first). */
  queryFrames: number[];
  rcode: string | null;
  /** The ICMP frame that refused the response (client-gone). */
  icmpFrame: number | null;
}

/** An ICMP unreachable that refused one of the flow's datagrams. */
export interface UdpUnreachableMarker {
  frame: number;
  time: number;
  kind: string;
  message: string;
  /** The refused datagram's frame, when found. */
  datagramFrame: number | null;
}

export interface DnsFlowTimeline {
  flow: number;
  spans: DnsSpan[];
  markers: UdpUnreachableMarker[];
}

/**
 * A flow's DNS timeline. Times come from dns[].time and rtt; `timeOf` (frame → time)
 * is used when given (the query layer has the packet columns) and for frames without
 * a time of their own.
 */
export function dnsFlowTimeline(input: DnsStatsInput, flowId: number, timeOf?: (frame: number) => number): DnsFlowTimeline {
  const spans: DnsSpan[] = [];
  input.dns.forEach((d, index) => {
    if (d.flow !== flowId) return;
    const startFrame = d.queryFrames.length ? d.queryFrames[0] : d.responseFrame ?? 0;
    const start = timeOf ? timeOf(startFrame) : d.time ?? 0;
    const answered = d.responseFrame !== null && d.status !== 'unanswered';
    const end = !answered ? null : timeOf ? timeOf(d.responseFrame!) : d.rtt !== null ? start + d.rtt : start;
    spans.push({
      index, id: d.id, question: d.question, status: d.status, startFrame, start,
      endFrame: answered ? d.responseFrame : null, end, queryFrames: d.queryFrames, rcode: d.rcode,
      icmpFrame: d.icmpFrame ?? null,
    });
  });
  const markers: UdpUnreachableMarker[] = [];
  for (const e of input.events ?? []) {
    if (e.flow !== flowId || (e.kind !== 'udp.port-unreachable' && e.kind !== 'udp.unreachable')) continue;
    markers.push({ frame: e.frame, time: e.time, kind: e.kind, message: e.message, datagramFrame: e.related.length ? e.related[0] : null });
  }
  return { flow: flowId, spans, markers };
}
