// Holding an analysis against its expectations (./expect): one result per entry, each
// problem with what was expected and what was found. Pure: the analysis JSON in,
// results out.

import type { AnalysisJson, EventJson, FlowJson } from '../model';
import { DEFAULT_TOLERANCE, countHolds, type Count, type Expectations } from './expect';
import { FlowIndex, parseFlowRef, type FlowRef } from './refs';

export interface Problem {
  /** The field or fact that differs ("connState", "present"). */
  what: string;
  expected: string;
  found: string;
}

export interface EntryResult {
  /** The top-level key of the entry (flows, events, …; "noOtherBreaks" for that check). */
  section: string;
  /** Its position in that section's list, or null for a map section. */
  index: number | null;
  /** What the entry holds, in a few words ("tcp.refused in tcp 10.0.0.1 -> 10.0.0.2:80"). */
  label: string;
  problems: Problem[];
}

/** What reading the capture gave: its analysis, or the error that stopped it. */
export type CaptureOutcome = { json: AnalysisJson } | { error: string };

const show = (v: unknown): string => (v === undefined ? 'nothing' : typeof v === 'string' ? v : JSON.stringify(v));
const showCount = (c: Count): string => (typeof c === 'number' ? String(c) : c.trim());
const ordinal = (n: number): string => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;
const secs = (s: number): string => `${Number(s.toFixed(6))} s`;
const list = (xs: string[], max = 8): string => (xs.length === 0 ? 'none' : xs.length <= max ? xs.join('; ') : `${xs.slice(0, max).join('; ')}; … (${xs.length} in all)`);

/** Compare field by field: a problem for each expected value (defined in `exp`) that differs from `found`. */
function fields(problems: Problem[], exp: Record<string, unknown>, found: Record<string, unknown>, keys: string[]): void {
  for (const k of keys) {
    if (exp[k] === undefined) continue;
    if (JSON.stringify(exp[k]) !== JSON.stringify(found[k] ?? null)) problems.push({ what: k, expected: show(exp[k]), found: show(found[k] ?? null) });
  }
}

function countCheck(problems: Problem[], what: string, c: Count | undefined, n: number): void {
  if (c !== undefined && !countHolds(c, n)) problems.push({ what, expected: showCount(c), found: String(n) });
}

function timeCheck(problems: Problem[], what: string, exp: number | undefined, found: number | null, tol: number): void {
  if (exp === undefined) return;
  if (found === null || Math.abs(found - exp) > tol + 1e-9) problems.push({ what, expected: `${secs(exp)} ± ${secs(tol)}`, found: found === null ? 'none' : secs(found) });
}

/** Every result of `exp` against `outcome`; a result with no problems is a pass. */
export function checkExpectations(outcome: CaptureOutcome, exp: Expectations): EntryResult[] {
  const results: EntryResult[] = [];
  if ('error' in outcome) {
    const problems: Problem[] = [];
    if (exp.capture?.unreadable !== outcome.error) problems.push({ what: 'capture', expected: exp.capture?.unreadable === undefined ? 'a readable capture' : `unreadable: ${exp.capture.unreadable}`, found: `unreadable: ${outcome.error}` });
    return [{ section: 'capture', index: null, label: 'the capture', problems }];
  }
  const json = outcome.json;
  const idx = new FlowIndex(json.flows);
  const tolOf = (e: { tolerance?: number }) => e.tolerance ?? exp.tolerance ?? DEFAULT_TOLERANCE;
  const t0 = json.capture.start ?? 0;
  /** Events accounted for by an entry (for noOtherBreaks), and incidents. */
  const claimed = new Set<EventJson>();
  const claimedIncidents = new Set<number>();
  const eventsOfKind = new Map<string, EventJson[]>();
  for (const ev of json.events) {
    let l = eventsOfKind.get(ev.kind);
    if (!l) eventsOfKind.set(ev.kind, (l = []));
    l.push(ev);
  }
  const evLabel = (e: EventJson) => `${e.kind} at frame ${e.frame}${e.flow !== null && idx.flow(e.flow) ? ` (${idx.refOf(e.flow)})` : ''}`;
  const describeFlows = (ref: FlowRef): string => {
    const near = idx.keys().filter((k) => k.startsWith(`${ref.transport} `) && (k.endsWith(` ${ref.server}`) || k.includes(` ${ref.clientHost} `)));
    return `no such flow (${near.length ? `flows of that client or server: ${list(near.map((k) => `${k} (${idx.group(k).length})`))}` : `${idx.keys().length} flow keys, none of that client or server`})`;
  };

  if (exp.capture) {
    const c = exp.capture;
    const problems: Problem[] = [];
    if (c.unreadable !== undefined) problems.push({ what: 'capture', expected: `unreadable: ${c.unreadable}`, found: `read, ${json.capture.packets} packets` });
    fields(problems, c as Record<string, unknown>, json.capture as unknown as Record<string, unknown>, ['format']);
    countCheck(problems, 'packets', c.packets, json.capture.packets);
    if (c.errors) {
      const want = c.errors.map((e) => `frame ${e.frame}: ${e.message}`);
      const got = json.capture.errors.map((e) => `frame ${e.frame}: ${e.message}`);
      if (JSON.stringify(want) !== JSON.stringify(got)) problems.push({ what: 'errors', expected: list(want), found: list(got) });
    }
    results.push({ section: 'capture', index: null, label: 'the capture', problems });
  }

  if (exp.counts) {
    const c = exp.counts;
    const problems: Problem[] = [];
    const tally = <T>(xs: T[], key: (x: T) => string) => {
      const m = new Map<string, number>();
      for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
      return m;
    };
    const byTransport = tally(json.flows, (f) => f.transport);
    const byKind = tally(json.events, (e) => e.kind);
    const byIncident = tally(json.incidents ?? [], (i) => i.kind);
    for (const [t, n] of Object.entries(c.flows ?? {})) countCheck(problems, `${t} flows`, n, byTransport.get(t) ?? 0);
    for (const [k, n] of Object.entries(c.events ?? {})) countCheck(problems, `${k} events`, n, byKind.get(k) ?? 0);
    for (const [k, n] of Object.entries(c.incidents ?? {})) countCheck(problems, `${k} incidents`, n, byIncident.get(k) ?? 0);
    countCheck(problems, 'DNS transactions', c.dns, json.dns.length);
    countCheck(problems, 'QUIC connections', c.quic, json.quic.length);
    results.push({ section: 'counts', index: null, label: 'the counts', problems });
  }

  (exp.flows ?? []).forEach((e, index) => {
    const problems: Problem[] = [];
    const ref = parseFlowRef(e.flow) as FlowRef;
    const sel = idx.resolve(ref);
    if (e.count !== undefined) countCheck(problems, 'count', e.count, sel.length);
    else if (sel.length === 0) problems.push({ what: 'present', expected: e.flow, found: describeFlows(ref) });
    for (const f of sel) {
      const p: Problem[] = [];
      fields(p, e as unknown as Record<string, unknown>, { app: f.app, connState: f.tcp?.connState, history: f.tcp?.history }, ['app', 'connState', 'history']);
      timeCheck(p, 'duration', e.duration, f.end - f.start, tolOf(e));
      const who = sel.length > 1 ? `${idx.refOf(f.id)}: ` : '';
      for (const q of p) problems.push({ ...q, what: who + q.what });
    }
    results.push({ section: 'flows', index, label: `flow ${e.flow}`, problems });
  });

  (exp.events ?? []).forEach((e, index) => {
    const problems: Problem[] = [];
    const nth = e.nth ?? 1;
    // the label says what the entry says, whatever the capture holds (JUnit names stay put)
    const label = `${e.kind}${e.flow !== undefined ? ` in ${e.flow}` : ''}${e.frame !== undefined ? ` at frame ${e.frame}` : e.nth !== undefined ? ` (${ordinal(nth)})` : ''}`;
    let pool = eventsOfKind.get(e.kind) ?? [];
    /** The entry's flows (null: no flow named). */
    let ids: Set<number> | null = null;
    if (e.flow !== undefined) {
      const ref = parseFlowRef(e.flow) as FlowRef;
      ids = new Set(idx.resolve(ref).map((f) => f.id));
      if (ids.size === 0) problems.push({ what: 'flow', expected: e.flow, found: describeFlows(ref) });
      pool = pool.filter((x) => ids!.has(x.flow!));
    }
    const hit = problems.length ? undefined : e.frame !== undefined ? pool.find((x) => x.frame === e.frame) : pool[nth - 1];
    if (hit) {
      claimed.add(hit);
      timeCheck(problems, 'at', e.at, hit.time - t0, tolOf(e));
    } else if (!problems.length) {
      const inFlows = ids === null ? [] : json.events.filter((x) => x.flow !== null && ids!.has(x.flow));
      const others = ids === null ? 'none' : `none; that flow has ${inFlows.length ? list(inFlows.map(evLabel)) : 'no events'}`;
      if (e.frame !== undefined) problems.push({ what: 'present', expected: `${e.kind} at frame ${e.frame}`, found: pool.length ? list(pool.map(evLabel)) : others });
      else problems.push({ what: 'present', expected: `${nth > 1 ? `a ${ordinal(nth)} ` : ''}${e.kind}`, found: pool.length ? `${pool.length} of them: ${list(pool.map(evLabel))}` : others });
    }
    results.push({ section: 'events', index, label: `event ${label}`, problems });
  });

  (exp.dns ?? []).forEach((e, index) => {
    const problems: Problem[] = [];
    const nth = e.nth ?? 1;
    const serverOf = (flow: number) => idx.flow(flow)?.server;
    const pool = json.dns.filter((d) => d.question === e.question && (e.server === undefined || serverOf(d.flow) === e.server) && (e.transport === undefined || d.transport === e.transport));
    const d = pool[nth - 1];
    const label = `DNS ${e.question}${e.server ? ` to ${e.server}` : ''}${e.transport ? ` over ${e.transport.toUpperCase()}` : ''}${e.nth !== undefined ? ` (${ordinal(nth)})` : ''}`;
    if (!d) {
      const same = json.dns.filter((x) => x.question === e.question);
      problems.push({ what: 'present', expected: `${nth > 1 ? `a ${ordinal(nth)} ` : ''}transaction`, found: same.length ? `${pool.length} matching; of that question: ${list(same.map((x) => `${x.transport} to ${serverOf(x.flow)} (${x.status})`))}` : 'no transaction of that question' });
    } else {
      fields(problems, e as unknown as Record<string, unknown>, d as unknown as Record<string, unknown>, ['status', 'rcode']);
      timeCheck(problems, 'rtt', e.rtt, d.rtt, tolOf(e));
    }
    results.push({ section: 'dns', index, label, problems });
  });

  (exp.quic ?? []).forEach((e, index) => {
    const problems: Problem[] = [];
    const q = json.quic.find((c) => c.number === e.connection);
    if (!q) problems.push({ what: 'present', expected: `QUIC connection ${e.connection}`, found: `${json.quic.length} QUIC connection${json.quic.length === 1 ? '' : 's'}` });
    else {
      fields(problems, e as unknown as Record<string, unknown>, { sni: q.sni, alpn: q.alpn, versions: q.versions, server: q.paths[0]?.server }, ['sni', 'alpn', 'versions', 'server']);
      countCheck(problems, 'paths', e.paths, q.paths.length);
      countCheck(problems, 'migrations', e.migrations, quicMigrations(json, q.paths));
    }
    results.push({ section: 'quic', index, label: `QUIC connection ${e.connection}`, problems });
  });

  (exp.incidents ?? []).forEach((e, index) => {
    const problems: Problem[] = [];
    const nth = e.nth ?? 1;
    const all = json.incidents ?? [];
    const pool = all.filter((i) => i.kind === e.kind && i.subject === e.subject);
    const inc = pool[nth - 1];
    const label = `${e.kind} of ${e.subject}${nth > 1 ? ` (${ordinal(nth)})` : ''}`;
    if (!inc) problems.push({ what: 'present', expected: label, found: all.length ? list(all.map((i) => `${i.kind} of ${i.subject}`)) : 'no incidents' });
    else {
      claimedIncidents.add(inc.id);
      for (const ev of json.events) if (ev.incident === inc.id) claimed.add(ev);
      countCheck(problems, 'flows', e.flows, inc.flows.length);
      const members = json.events.filter((ev) => ev.incident === inc.id);
      for (const [k, c] of Object.entries(e.events ?? {})) countCheck(problems, `${k} events`, c, members.filter((ev) => ev.kind === k).length);
      fields(problems, e as unknown as Record<string, unknown>, inc as unknown as Record<string, unknown>, ['confidence']);
      timeCheck(problems, 'duration', e.duration, inc.end - inc.start, tolOf(e));
    }
    results.push({ section: 'incidents', index, label: `incident ${label}`, problems });
  });

  if (exp.noOtherBreaks) {
    const problems: Problem[] = [];
    for (const ev of json.events) if (ev.severity === 'break' && !claimed.has(ev)) problems.push({ what: 'break', expected: 'none not listed', found: `${evLabel(ev)}: ${ev.message}` });
    for (const i of json.incidents ?? []) if (i.severity === 'break' && !claimedIncidents.has(i.id)) problems.push({ what: 'incident', expected: 'none not listed', found: `${i.kind} of ${i.subject}: ${i.message}` });
    results.push({ section: 'noOtherBreaks', index: null, label: 'no other breaks', problems });
  }
  return results;
}

/** quic.migration events on the flows of a connection's paths. */
export function quicMigrations(json: AnalysisJson, paths: { client: string; server: string }[]): number {
  const ids = new Set(json.flows.filter((f: FlowJson) => paths.some((p) => (p.client === f.client && p.server === f.server) || (p.client === f.server && p.server === f.client))).map((f) => f.id));
  return json.events.filter((e) => e.kind === 'quic.migration' && e.flow !== null && ids.has(e.flow)).length;
}
