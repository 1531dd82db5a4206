// incident.resolver-down and incident.client-gone: a resolver that failed one query
// after another, and a client host whose answers came back to sockets already gone.
//
// resolver-down: the failures of one resolver (its dns.unanswered — queries not answered,
// or answered after the client's timeout —, the ICMP errors that bounced queries to it
// (udp.port-unreachable on a DNS flow, the query's direction), and SERVFAIL answers
// (dns.error)) in time order, held together while each comes within the window of the
// one before and the resolver answered no other query in between (its answered
// transactions, from the DNS tracker, split an outage). At least
// options.resolverMinFailures transactions on two flows or more. Where the DNS tracker
// raises dns.failover (the same question asked of another resolver after this one
// failed), each failover joins the incident and tells whether the lookup was lost or
// only delayed.
//
// client-gone: the answers refused by one client host (dns.client-gone, and any
// udp.port-unreachable its host sent for a datagram from the server side), within the
// window of each other, on two sockets (flows) or more.

import type { Flow } from '../flows';
import type { EventJson } from '../model';
import { epKey, hostKey, type Draft, type Facts, type Key } from './facts';
import { count, dur, framesText, hostOf, listText, portOf } from './text';

const SERVFAIL = 2;

interface Failure {
  i: number;
  e: EventJson;
  t: number;
  flow: Flow;
  /** A query bounced by ICMP (the query's own dns.unanswered is the transaction). */
  icmp: boolean;
  servfail: boolean;
}

/** A DNS transaction's query and response. */
interface Tx {
  queryFrame: number;
  queryTime: number;
  responseFrame: number;
  responseTime: number;
}


/** The bounced datagram of a udp.port-unreachable went client → server (the server's host bounced it): 0; server → client: 1; not known: -1. */
function bouncedDir(x: Facts, e: EventJson): number {
  return e.related.length ? x.dir(e.related[0]) : -1;
}

export function resolverDown(x: Facts): void {
  const fails: Failure[] = [];
  for (const i of x.free('dns.unanswered')) {
    const e = x.events[i], flow = x.flow(e.flow);
    if (flow) fails.push({ i, e, t: e.time, flow, icmp: false, servfail: false });
  }
  for (const i of x.free('dns.error')) {
    const e = x.events[i], flow = x.flow(e.flow);
    if (flow && e.message.startsWith('SERVFAIL ')) fails.push({ i, e, t: e.time, flow, icmp: false, servfail: true });
  }
  for (const i of x.free('udp.port-unreachable')) {
    const e = x.events[i], flow = x.flow(e.flow);
    if (flow && flow.app === 'dns' && bouncedDir(x, e) === 0) fails.push({ i, e, t: e.time, flow, icmp: true, servfail: false });
  }
  if (fails.length < x.opts.resolverMinFailures) return;
  const byResolver = new Map<Key, Failure[]>();
  for (const f of fails) {
    const k = epKey(f.flow, true);
    const l = byResolver.get(k);
    if (l) l.push(f);
    else byResolver.set(k, [f]);
  }
  // Where each resolver answered (in time) among its failures: failure k's gap holds the
  // answers between failure k - 1 and failure k (gap 0: before the first, gap m: after
  // the last). One look per flow at its server (memo), a step or two per answer, no sort.
  const keys = [...byResolver.keys()];
  const lists = [...byResolver.values()];
  for (const l of lists) l.sort((p, q) => p.e.frame - q.e.frame);
  const gaps = lists.map((l) => ({ frames: Int32Array.from(l, (f) => f.e.frame), first: new Int32Array(l.length + 1), last: new Int32Array(l.length + 1), at: 0 }));
  // resolverOf[flow]: -2 not looked at yet, -1 none, else the index in keys
  const resolverOf = new Int32Array(x.a.flows.size + 1).fill(-2);
  const flows = x.a.flows.flows;
  const timeout = x.dns?.timeout ?? 5;
  if (x.dns) {
    const tc = x.dns.transactionColumns();
    for (let t = 0; t < tc.n; t++) {
      const rf = tc.responseFrame[t];
      // no answer, a SERVFAIL, or one that came after the client's timeout (its own dns.unanswered says it)
      if (rf < 0 || tc.rcode[t] === SERVFAIL || tc.responseTime[t] - tc.lastQueryTime[t] > timeout) continue;
      const flow = tc.flow[t];
      let r = resolverOf[flow];
      if (r === -2) r = resolverOf[flow] = resolverIndex(flows[flow - 1], flow, keys);
      if (r < 0) continue;
      // the gap: the first failure after the answer, walked from where the last answer fell
      // (answers come nearly in order, so this is a step or two)
      const g = gaps[r], fr = g.frames;
      let k = g.at;
      while (k < fr.length && fr[k] < rf) k++;
      while (k > 0 && fr[k - 1] > rf) k--;
      g.at = k;
      if (g.first[k] === 0 || rf < g.first[k]) g.first[k] = rf;
      if (rf > g.last[k]) g.last[k] = rf;
    }
  }
  const failovers = failoverIndex(x);
  // the same query sent again (same socket, or a new one): its frame → the event, and the frame it repeats
  const retries = new Map<number, { i: number; of: number }>();
  for (const i of x.free('dns.retransmission')) {
    const e = x.events[i];
    if (e.related.length) retries.set(e.frame, { i, of: e.related[0] });
  }
  const W = x.opts.windowSeconds;
  for (const [r, list] of lists.entries()) {
    const g = gaps[r];
    let start = 0;
    const flush = (end: number): void => {
      const run = list.slice(start, end);
      const frames = new Set(run.map((f) => f.e.frame));
      const lookups = run.filter((f) => !f.icmp && !frames.has(retries.get(f.e.frame)?.of ?? -1)).length;
      if (lookups >= x.opts.resolverMinFailures && new Set(run.map((f) => f.flow.id)).size >= 2) {
        // the nearest answers before and after the run
        let before = 0, after = 0;
        for (let k = start; k >= 0 && !before; k--) before = g.last[k];
        for (let k = end; k < g.first.length && !after; k++) after = g.first[k];
        const d = resolverDraft(x, run, before, after, failovers, retries);
        if (d) x.add(d);
      }
      start = end;
    };
    for (let k = 1; k < list.length; k++) if (list[k].t - list[k - 1].t > W || g.first[k] !== 0) flush(k);
    flush(list.length);
  }
}

/** The index in `keys` of flow `id`'s server endpoint, -1 when it is none of them. */
function resolverIndex(f: Flow | undefined, id: number, keys: readonly Key[]): number {
  return f && f.id === id ? keys.indexOf(epKey(f, true)) : -1;
}

/** dns.failover events by the failed query frame they name first (their `related`). */
function failoverIndex(x: Facts): Map<number, number> {
  const out = new Map<number, number>();
  for (const i of x.free('dns.failover')) {
    const r = x.events[i].related;
    if (r.length) out.set(r[0], i);
  }
  return out;
}

/** `beforeFrame` / `afterFrame`: the resolver's nearest answers around the run (0: none in the capture). */
function resolverDraft(x: Facts, run: Failure[], beforeFrame: number, afterFrame: number, failovers: Map<number, number>, retries: Map<number, { i: number; of: number }>): Draft | null {
  const resolver = run[0].flow.endpoint(false);
  const lookups = run.filter((f) => !f.icmp);
  // a query sent again (dns.retransmission) is the same lookup: the retries join the incident
  const frames = new Set(run.map((f) => f.e.frame));
  const resent = [...retries.entries()].filter(([, r]) => frames.has(r.of)).map(([frame, r]) => ({ frame, ...r }));
  const repeats = new Set(resent.map((r) => r.frame));
  const distinct = lookups.filter((f) => !repeats.has(f.e.frame));
  const bounced = run.filter((f) => f.icmp);
  const servfails = lookups.filter((f) => f.servfail);
  const unanswered = lookups.filter((f) => !f.servfail);
  const clients = [...new Set(run.map((f) => hostOf(f.flow.endpoint(true))))];
  const before = beforeFrame ? { responseFrame: beforeFrame, responseTime: x.time(beforeFrame) } : null;
  const after = afterFrame ? { responseFrame: afterFrame, responseTime: x.time(afterFrame) } : null;
  // failovers: each failed lookup's retry at another resolver
  const members = [...run.map((f) => f.i), ...resent.map((r) => r.i)];
  const knowsFailover = x.knows('dns.failover');
  const delayed: { f: Failure; fo: EventJson; delay: number; to: string }[] = [];
  for (const f of unanswered) {
    const fi = failovers.get(f.e.frame);
    if (fi === undefined || !x.isFree(fi)) continue;
    const fo = x.events[fi];
    members.push(fi);
    const to = x.flow(fo.flow)?.endpoint(false) ?? '?';
    delayed.push({ f, fo, delay: fo.time - f.t, to });
  }
  const lost = unanswered.length - delayed.length;
  // queries the capture ended too soon to call failed: neither bounced nor failed over, and within the timeout
  const timeout = x.dns?.timeout ?? 5;
  const bouncedQuery = new Set(bounced.map((f) => f.e.related[0]));
  const rescued = new Set(delayed.map((d) => d.f));
  const pendingSet = new Set(unanswered.filter((f) => !bouncedQuery.has(f.e.frame) && !rescued.has(f) && (x.a.end ?? f.t) - f.t < timeout));
  const pending = pendingSet.size;
  const proven = run.filter((f) => !pendingSet.has(f));
  if (!proven.length) return null; // every query still within its timeout: nothing proves a failure yet
  const first = run[0], last = (proven.length ? proven : run)[(proven.length ? proven : run).length - 1];
  const span = last.t - first.t;
  const fates = !knowsFailover
    ? 'whether the lookups survived at another resolver is not known (this build raises no dns.failover)'
    : delayed.length === 0
      ? `${lost === 1 ? 'the lookup' : `all ${lost} lookups`} lost: no failover to another resolver seen`
      : `${delayed.length === unanswered.length ? `all ${delayed.length}` : `${delayed.length} of ${unanswered.length}`} lookups failed over to ${listText([...new Set(delayed.map((d) => d.to))])} and were answered, delayed by ${delayRange(delayed.map((d) => d.delay))}${lost ? `; ${lost} lost` : ''}`;
  const how = [
    unanswered.length ? `${count(unanswered.length, 'query', 'queries')} unanswered` : '',
    bounced.length ? `${bounced.length === unanswered.length ? 'each' : count(bounced.length, 'query', 'queries')} bounced by ICMP port unreachable` : '',
    servfails.length ? `${count(servfails.length, 'SERVFAIL')}` : '',
  ].filter(Boolean);
  const dt = {
    lastUp: before ? before.responseFrame : null,
    firstDown: first.e.frame,
    lastDown: last.e.frame,
    backUp: after ? after.responseFrame : null,
    atLeast: span,
    atMost: before && after ? after.responseTime - before.responseTime : null,
  };
  const dtText =
    dt.atMost !== null ? (span > 0 ? `down for at least ${dur(span)}, at most ${dur(dt.atMost)}` : `down for at most ${dur(dt.atMost)}`) : span > 0 ? `failing for at least ${dur(span)}` : '';
  const lookupSpan = lookups[lookups.length - 1].t - lookups[0].t;
  const message = `${resolver} failed ${count(distinct.length, 'lookup')}${resent.length ? ` (${count(lookups.length, 'query', 'queries')} with the retries)` : ''} from ${count(clients.length, 'client')} ${lookupSpan > 0 ? `over ${dur(lookupSpan)}` : 'at once'} (${listText(how)}), none answered in between; ${fates}${dtText ? `; ${dtText}` : ''}`;

  const parts: string[] = [];
  const q0 = lookups[0], q1 = lookups[lookups.length - 1];
  parts.push(`${listText(clients)} sent ${count(lookups.length, 'query', 'queries')} to the resolver ${resolver} from frame ${q0.e.frame} (${x.at(q0.t)}) to frame ${q1.e.frame} (${x.at(q1.t)}), and it answered none of them — nor any other query in between.`);
  if (bounced.length) parts.push(`Its host refused ${bounced.length === lookups.length ? 'each' : count(bounced.length, 'query', 'queries')} at once with ICMP port unreachable (${framesText(bounced.map((f) => f.e.frame))}): the host was up, but no resolver process held port ${portOf(resolver)} any more.`);
  else if (unanswered.length) parts.push('Nothing came back at all: the resolver process hung, its host was down or unreachable, or something on the way dropped the queries.');
  if (servfails.length) parts.push(`${count(servfails.length, 'answer')} said SERVFAIL: the resolver was up but could not resolve (an upstream or validation failure).`);
  if (pending) parts.push(`${pending === 1 ? '1 query was' : `${pending} queries were`} still within the ${timeout} s timeout when the capture ended (not counted in the outage's length).`);
  if (delayed.length) {
    const cl = [...new Set(delayed.map((d) => hostOf(d.fo.flow !== null ? (x.flow(d.fo.flow)?.endpoint(true) ?? '?') : '?')))];
    parts.push(`${listText(cl)} asked the same questions of ${listText([...new Set(delayed.map((d) => d.to))])} instead (${framesText(delayed.map((d) => d.fo.frame))}) and got answers: those lookups survived, ${delayRange(delayed.map((d) => d.delay))} late.`);
  }
  if (knowsFailover && lost) parts.push(`${count(lost, 'lookup')} found no other resolver in the capture: the application got an error or waited in vain.`);
  parts.push(before ? `The resolver had answered at frame ${before.responseFrame} (${x.at(before.responseTime)})` : 'The capture shows no earlier answer from it');
  parts[parts.length - 1] += after ? ` and answered again at frame ${after.responseFrame} (${x.at(after.responseTime)})${dtText ? `: ${dtText}` : ''}.` : ', and none after.';

  const evidence: string[] = [];
  if (before) evidence.push(`frame ${before.responseFrame}: ${resolver} answered (the last answer before the outage, ${x.at(before.responseTime)})`);
  for (const f of run) evidence.push(`frame ${f.e.frame} (flow ${f.flow.id}): ${f.e.message}`);
  for (const d of delayed) evidence.push(`frame ${d.fo.frame} (flow ${d.fo.flow}): ${d.fo.message}`);
  if (after) evidence.push(`frame ${after.responseFrame}: ${resolver} answered again (${x.at(after.responseTime)})`);

  const alternatives: string[] = [];
  if (clients.length >= 2) alternatives.push(`The resolver, not one client: ${count(clients.length, 'client')} saw it fail.`);
  else alternatives.push(`One client (${clients[0]}) saw it fail, on ${count(new Set(run.map((f) => f.flow.id)).size, 'socket')}: the resolver or that client's path to it.`);
  if (bounced.length) alternatives.push(`The process, not the host: the ICMP errors came from ${hostOf(resolver)} itself.`);
  if (delayed.length) alternatives.push(`Not the client's network: the same client reached ${listText([...new Set(delayed.map((d) => d.to))])} at once.`);
  return {
    kind: 'incident.resolver-down',
    subject: resolver,
    members,
    message,
    explanation: parts.join(' '),
    evidence,
    alternatives,
    confidence: lookups.length - pending >= x.opts.resolverMinFailures && (clients.length >= 2 || bounced.length > 0 || delayed.length > 0) ? 'high' : 'medium',
    downtime: dt,
  };
}

function delayRange(ds: number[]): string {
  const lo = Math.min(...ds), hi = Math.max(...ds);
  return dur(lo) === dur(hi) ? dur(lo) : `${dur(lo)}–${dur(hi)}`;
}

export function clientGone(x: Facts): void {
  interface Bounce { i: number; e: EventJson; flow: Flow; host: Key }
  const gone = x.free('dns.client-gone');
  // the query each refused answer belonged to: an answer to no query seen (an orphan, a
  // duplicate of an answer already delivered) shows no process waiting, so it is no symptom
  const need = new Set(gone.map((i) => x.events[i].frame));
  const txs = new Map<number, Tx>();
  if (x.dns && need.size) {
    const tc = x.dns.transactionColumns();
    for (let t = 0; t < tc.n; t++) {
      const rf = tc.responseFrame[t];
      if (need.has(rf) && tc.queryFrame[t] > 0) txs.set(rf, { queryFrame: tc.queryFrame[t], queryTime: tc.queryTime[t], responseFrame: rf, responseTime: tc.responseTime[t] });
    }
  }
  const list: Bounce[] = [];
  for (const i of gone) {
    const e = x.events[i], flow = x.flow(e.flow);
    if (flow && txs.has(e.frame)) list.push({ i, e, flow, host: hostKey(flow, false) });
  }
  for (const i of x.free('udp.port-unreachable')) {
    const e = x.events[i], flow = x.flow(e.flow);
    if (flow && bouncedDir(x, e) === 1) list.push({ i, e, flow, host: hostKey(flow, false) });
  }
  if (list.length < 2) return;
  const byHost = new Map<Key, Bounce[]>();
  for (const b of list) {
    const l = byHost.get(b.host);
    if (l) l.push(b);
    else byHost.set(b.host, [b]);
  }
  const W = x.opts.windowSeconds;
  for (const l of byHost.values()) {
    l.sort((a, b) => a.e.time - b.e.time || a.e.frame - b.e.frame);
    let run: Bounce[] = [];
    const flush = (): void => {
      if (new Set(run.map((b) => b.flow.id)).size >= 2) x.add(goneDraft(x, run, txs));
      run = [];
    };
    for (const b of l) {
      if (run.length && b.e.time - run[run.length - 1].e.time > W) flush();
      run.push(b);
    }
    flush();
  }
}

function goneDraft(x: Facts, run: { i: number; e: EventJson; flow: Flow }[], txs: Map<number, Tx>): Draft {
  const host = hostOf(run[0].flow.endpoint(true));
  const sockets = [...new Set(run.map((b) => b.flow.endpoint(true)))];
  const servers = [...new Set(run.map((b) => b.flow.endpoint(false)))];
  const icmps = run.map((b) => b.e.related[0]).filter((f) => f !== undefined);
  const span = run[run.length - 1].e.time - run[0].e.time;
  const queries = run.map((b) => txs.get(b.e.frame)).filter((t): t is Tx => t !== undefined);
  const waited = queries.map((q) => q.responseTime - q.queryTime);
  const message = `${count(run.length, 'answer')} to ${host} on ${count(sockets.length, 'socket')} (${listText(sockets.map((s) => `:${portOf(s)}`))}) bounced by its ICMP port unreachable ${span > 0 ? `within ${dur(span)}` : 'at once'}: the application that asked had gone${queries.length ? `; the answers came ${delayRangeOf(waited)} after the queries` : ''}`;
  const parts: string[] = [];
  parts.push(
    queries.length
      ? `A process on ${host} asked ${count(queries.length, 'question')} of ${listText(servers)} (${framesText(queries.map((q) => q.queryFrame))}, from ${count(sockets.length, 'socket')}) and held ${queries.length === 1 ? 'it' : 'them'} outstanding: that state — which queries were waiting, on which sockets — lived in the process.`
      : `A process on ${host} held ${count(sockets.length, 'socket')} open for answers from ${listText(servers)}.`,
  );
  parts.push(`It went away before the answers came: when they arrived (${framesText(run.map((b) => b.e.frame))}${queries.length ? `, ${delayRangeOf(waited)} after the queries` : ''}) its kernel had no socket on those ports any more and refused each with ICMP port unreachable (${framesText(icmps)}).`);
  parts.push('Nothing else was lost: the server kept no state for these lookups, and the answers went nowhere.');
  const evidence = run.map((b) => `frame ${b.e.frame} (flow ${b.flow.id}): ${b.e.message}`);
  const alternatives = [
    `The process, not the host: the ICMP errors came from ${host} itself — its kernel was up and answering.`,
    `Not one socket closed early: ${count(sockets.length, 'socket')} of the same host lost their answers together.`,
  ];
  return {
    kind: 'incident.client-gone',
    subject: host,
    members: run.map((b) => b.i),
    message,
    explanation: parts.join(' '),
    evidence,
    alternatives,
    confidence: sockets.length >= 2 && run.length >= 3 ? 'high' : 'medium',
  };
}

function delayRangeOf(ds: number[]): string {
  return ds.length ? delayRange(ds) : '';
}
