// The DNS part of the capture query (../query.ts, DESIGN.md "The query API"): the DNS
// table's rows — the JSON's dns[] with the query and response times and the ICMP frame
// that refused a response — each flow's DNS state for the flows table, and the full
// response message a user opens, decoded from the bytes the DNS tracker kept.

import type { Analysis } from '../analysis';
import type { DnsMessageView, DnsRow } from '../api';
import type { AnalysisJson } from '../model';
import { DnsTracker } from './tracker';
import { dnsMessageView } from './view';

/** A full DNS message decoder: bytes → what the user reads (the Node hosts lend dns-packet's). */
export type DnsMessageDecoder = (msg: Uint8Array, frame: number, transaction: number) => DnsMessageView;

/** Which rows the API's dnsTransactions asks for (before paging). */
export interface DnsRowFilter {
  flow?: number;
  status?: DnsRow['status'];
  /**
   * Only the transactions whose span (spanOf) meets [from, to] (seconds since the
   * epoch): those that begin in it first, then those begun before it.
   */
  from?: number;
  to?: number;
}

/**
 * A transaction's span as the DNS view draws it: from its first query (its response, for
 * an orphan) to its response — to the end of the capture (Infinity) when none came.
 */
export function spanOf(r: DnsRow): [number, number] {
  return [r.queryFrames.length ? r.queryTime : (r.responseTime ?? r.queryTime), r.responseTime ?? Infinity];
}

/**
 * The index of the first of `rows` that begins (spanOf) at or after `t`; rows.length when
 * none does. (A scan, not a search: dns[] is in capture order, which a clock that went
 * backwards leaves out of time order.)
 */
export function firstAtOrAfter(rows: readonly DnsRow[], t: number): number {
  for (let i = 0; i < rows.length; i++) if (spanOf(rows[i])[0] >= t) return i;
  return rows.length;
}

/** "answered ×3, unanswered": statuses counted, in order of first appearance ('' when none). */
export function statusText(statuses: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const st of statuses) counts.set(st, (counts.get(st) ?? 0) + 1);
  return [...counts].map(([st, c]) => (c > 1 ? `${st} ×${c}` : st)).join(', ');
}

/**
 * Every DNS flow's state text (as DnsQuery.flowState gives it) straight from the
 * tracker's columns: the flows table needs it for all flows, the rows only when the DNS
 * view or a flow is opened.
 */
export function dnsFlowStates(analysis: Analysis): Map<number, string> {
  const tracker = analysis.trackers.find((t): t is DnsTracker => t instanceof DnsTracker);
  const out = new Map<number, string>();
  if (tracker) for (const [flow, statuses] of tracker.statusesByFlow()) out.set(flow, statusText(statuses));
  return out;
}

export class DnsQuery {
  /** Every transaction as a row, in dns[] order (rows[i].index === i). */
  readonly rows: DnsRow[];
  private readonly byFlow = new Map<number, DnsRow[]>();
  /** The tracker whose kept response bytes `message` decodes (null when DNS did not run). */
  private readonly tracker: DnsTracker | null;
  /** Decodes the message `message` returns: Stateline's reader unless a host lends another. */
  decode: DnsMessageDecoder = dnsMessageView;

  /**
   * `json.dns`: objects of the query's own (they become the rows, completed in place);
   * `timeOf(frame)`: the packet's time (0 for a frame outside the capture).
   */
  constructor(analysis: Analysis, json: AnalysisJson, timeOf: (frame: number) => number) {
    this.tracker = analysis.trackers.find((t): t is DnsTracker => t instanceof DnsTracker) ?? null;
    // (completed in place, the same keys in the same order as a copy's: a spread copy of
    // each of the bench capture's 65k transactions, of a dozen shapes, took ~360 ms)
    this.rows = json.dns.map((d, i) => {
      const r = d as DnsRow;
      r.index = i;
      r.queryTime = d.queryFrames.length ? timeOf(d.queryFrames[0]) : d.responseFrame !== null ? timeOf(d.responseFrame) : 0;
      r.responseTime = d.responseFrame !== null ? timeOf(d.responseFrame) : null;
      r.icmpFrame = d.icmpFrame ?? null;
      return r;
    });
    for (const d of this.rows) {
      let l = this.byFlow.get(d.flow);
      if (!l) this.byFlow.set(d.flow, (l = []));
      l.push(d);
    }
  }

  /** The rows of one flow, in dns[] order (the same array on each call). */
  flowRows(flow: number): DnsRow[] {
    return this.byFlow.get(flow) ?? [];
  }

  /** A flow's transactions by status, for the flows table's state: "answered ×3, unanswered" ('' when none). */
  flowState(flow: number): string {
    return statusText(this.flowRows(flow).map((d) => d.status));
  }

  /** The rows dnsTransactions lists: of one flow and/or one status. */
  transactions(filter: DnsRowFilter = {}): DnsRow[] {
    let list = filter.flow !== undefined ? this.flowRows(filter.flow) : this.rows;
    if (filter.status !== undefined) list = list.filter((d) => d.status === filter.status);
    if (filter.from !== undefined || filter.to !== undefined) {
      // Those begun in the window first, then those begun before it and still going on
      // (unanswered ones stay open to the end: in a late window of a capture with many,
      // they were most of its first page, and the window's own were cut off).
      const from = filter.from ?? -Infinity, to = filter.to ?? Infinity;
      const inside: DnsRow[] = [], before: DnsRow[] = [];
      for (const d of list) {
        const [a, b] = spanOf(d);
        if (a <= to && b >= from) (a >= from ? inside : before).push(d);
      }
      list = inside.concat(before);
    }
    return list;
  }

  /** The full response message of transaction `index`, decoded; null when it has none. */
  message(index: number): DnsMessageView | null {
    const row = this.rows[index];
    const dns = this.tracker;
    if (!row || row.responseFrame === null || !dns || index >= dns.count || !dns.hasResponse(index)) return null;
    return this.decode(dns.responseBytes(index), row.responseFrame, index);
  }
}
