// incident.server-lost-state, incident.host-lost-state and incident.service-down: an
// endpoint that forgot the connections it held, a host that forgot them on several
// ports at once, and an endpoint that refused or left unanswered new connections with
// nothing established to lose.
//
// The symptoms of one endpoint are the losses (tcp.peer-lost-state, QUIC stateless
// resets, quic.server-gone, quic.server-silent: the loser is the endpoint that sent the
// reset, or the server) and the failures (tcp.refused, tcp.unanswered,
// quic.handshake-unanswered: the server). They are taken in time order and one cause
// holds them together while
//  - each comes within the window (options.windowSeconds) of the one before, and
//  - a loss fits one moment of loss with the others: its connection was last heard from
//    the endpoint before the cluster's first symptom (a connection still answered after
//    the others were lost was lost by another event), and
//  - a failure follows no handshake the endpoint answered in between (it was up again).
// A cluster with a loss is a server-lost-state when it spans two flows or more; lost
// clusters on two ports or more of one host at one moment are one host-lost-state
// (which also takes the host's failed connections of that moment); a cluster of failures
// only is a service-down when it comes from two clients or more, or from three attempts.

import type { Flow } from '../flows';
import type { DowntimeJson, EventJson } from '../model';
import { epKey, firstUpAfter, hostKey, lastUpBefore, upBetween, type Draft, type Facts, type Key, type Up } from './facts';

type UpsOf = (ep: Key) => readonly Up[] | undefined;
const NO_UPS: UpsOf = () => undefined;
import { count, dur, framesText, hostOf, listText, portOf } from './text';

export const LOSS_KINDS = ['tcp.peer-lost-state', 'quic.stateless-reset', 'quic.server-gone', 'quic.server-silent'];
export const FAIL_KINDS = ['tcp.refused', 'tcp.unanswered', 'quic.handshake-unanswered'];
const LOSS = new Set(LOSS_KINDS);

/** One loss or failure, with the endpoint it is about (keys at once, texts when worded). */
class Symptom {
  readonly t: number;
  /** The endpoint that lost the state or did not answer, its host, and the other side's host. */
  readonly ep: Key;
  readonly host: Key;
  readonly peerHost: Key;
  constructor(
    readonly i: number,
    readonly e: EventJson,
    readonly loss: boolean,
    readonly flow: Flow,
    /** That endpoint is the flow's server. */
    readonly server: boolean,
    /** A loss: the last frame where the endpoint proved it held the connection (0: not known), and its time. */
    readonly heldFrame: number,
    readonly heldT: number,
  ) {
    this.t = e.time;
    this.ep = epKey(flow, server);
    this.host = hostKey(flow, server);
    this.peerHost = hostKey(flow, !server);
  }
  get endpoint(): string {
    return this.flow.endpoint(!this.server);
  }
  get hostText(): string {
    return hostOf(this.endpoint);
  }
  /** The other side's host (the client of a failure). */
  get peer(): string {
    return hostOf(this.flow.endpoint(this.server));
  }
}

class Cluster {
  firstT: number;
  lastT: number;
  hasLoss: boolean;
  readonly s: Symptom[];
  constructor(first: Symptom) {
    this.s = [first];
    this.firstT = this.lastT = first.t;
    this.hasLoss = first.loss;
  }
  get ep(): Key { return this.s[0].ep; }
  get host(): Key { return this.s[0].host; }
  get server(): boolean { return this.s[0].server; }
  get endpoint(): string { return this.s[0].endpoint; }
  get hostText(): string { return this.s[0].hostText; }
}

function symptom(x: Facts, i: number): Symptom | null {
  const e = x.events[i];
  const flow = e.kind.startsWith('quic.') ? x.quicFlow(e) : x.flow(e.flow);
  if (!flow) return null;
  const loss = LOSS.has(e.kind);
  // the loser of a reset is its sender; a failed connection is the server's
  const server = e.kind === 'tcp.peer-lost-state' || e.kind === 'quic.stateless-reset' ? x.dir(e.frame) === 1 : true;
  let heldFrame = 0;
  if (e.kind === 'tcp.peer-lost-state') heldFrame = e.related.length > 1 ? e.related[1] : 0;
  else if (loss) {
    const c = x.quicConn(e);
    if (c && c.lastServerFrame > 0 && c.lastServerFrame < e.frame) heldFrame = c.lastServerFrame;
  }
  return new Symptom(i, e, loss, flow, server, heldFrame, heldFrame ? x.time(heldFrame) : -Infinity);
}

function symptoms(x: Facts, kinds: readonly string[]): Symptom[] {
  const out: Symptom[] = [];
  for (const k of kinds) for (const i of x.free(k)) {
    const s = symptom(x, i);
    if (s) out.push(s);
  }
  return out;
}

/** The clusters of each endpoint (see the header for the rules). */
function clusters(list: Symptom[], ups: UpsOf, W: number): Cluster[] {
  const byEp = new Map<Key, Symptom[]>();
  for (const s of list) {
    const l = byEp.get(s.ep);
    if (l) l.push(s);
    else byEp.set(s.ep, [s]);
  }
  const out: Cluster[] = [];
  for (const [ep, l] of byEp) {
    l.sort((a, b) => a.t - b.t || a.e.frame - b.e.frame);
    const u = ups(ep);
    let c: Cluster | null = null;
    for (const s of l) {
      let join = c !== null && s.t - c.lastT <= W;
      if (join && s.loss && s.heldFrame) join = s.heldT < c!.firstT;
      else if (join) join = !upBetween(u, c!.lastT, s.t);
      if (join) {
        c!.s.push(s);
        c!.lastT = s.t;
        c!.hasLoss ||= s.loss;
      } else out.push((c = new Cluster(s)));
    }
  }
  return out.sort((a, b) => a.firstT - b.firstT);
}

function heldMax(cs: readonly Cluster[]): Symptom | null {
  let best: Symptom | null = null;
  for (const c of cs) for (const s of c.s) if (s.loss && s.heldFrame && (!best || s.heldT > best.heldT)) best = s;
  return best;
}

const flowsOf = (ss: readonly Symptom[]): Set<number> => new Set(ss.map((s) => s.flow.id));

/** incident.host-lost-state and incident.server-lost-state. */
export function lostState(x: Facts): void {
  const syms = symptoms(x, [...LOSS_KINDS, ...FAIL_KINDS]);
  if (!syms.some((s) => s.loss)) return;
  const W = x.opts.windowSeconds;
  // clusters by time alone first (a handshake answered in between only splits them): only
  // the hosts where a loss may make an incident need their ups, and a second look
  const lossEps = new Map<Key, Set<Key>>();
  const hosts = new Set<Key>();
  for (const c of clusters(syms, NO_UPS, W)) {
    if (!c.hasLoss) continue;
    if (flowsOf(c.s).size >= 2) hosts.add(c.host);
    const eps = lossEps.get(c.host) ?? new Set<Key>();
    lossEps.set(c.host, eps.add(c.ep));
    if (eps.size >= 2) hosts.add(c.host);
  }
  if (!hosts.size) return;
  x.watchUps(hosts);
  const cs = clusters(syms.filter((s) => hosts.has(s.host)), (ep) => x.epUps(ep), W);
  const failOnly = cs.filter((c) => !c.hasLoss);
  const byHost = new Map<Key, Cluster[]>();
  for (const c of cs) if (c.hasLoss) {
    const l = byHost.get(c.host);
    if (l) l.push(c);
    else byHost.set(c.host, [c]);
  }
  for (const [host, list] of byHost) {
    // clusters of one host that one moment of loss explains
    const groups: Cluster[][] = [];
    for (const c of list) {
      const g = groups[groups.length - 1];
      const gFirst = g ? Math.min(...g.map((d) => d.firstT)) : 0, gLast = g ? Math.max(...g.map((d) => d.lastT)) : 0;
      const hg = g ? heldMax(g) : null, hc = heldMax([c]);
      if (g && c.firstT - gLast <= W && !g.some((d) => d.ep === c.ep) && (!hc || hc.heldT < gFirst) && (!hg || hg.heldT < c.firstT)) g.push(c);
      else groups.push([c]);
    }
    for (const g of groups) {
      if (g.length >= 2) {
        // a host-wide loss also explains the host's failed connections of that moment
        const first = Math.min(...g.map((d) => d.firstT)), last = Math.max(...g.map((d) => d.lastT));
        for (const f of failOnly) if (f.host === host && f.firstT - last <= W && first - f.lastT <= W && !g.some((d) => d.ep === f.ep)) g.push(f);
        x.add(lossDraft(x, g, true));
      } else if (flowsOf(g[0].s).size >= 2) x.add(lossDraft(x, g, false));
    }
  }
}

/** incident.service-down, over the failures no other incident took. */
export function serviceDown(x: Facts): void {
  const syms = symptoms(x, FAIL_KINDS);
  if (syms.length < 2) return;
  const W = x.opts.windowSeconds;
  const qualifies = (c: Cluster): boolean => flowsOf(c.s).size >= 2 && (new Set(c.s.map((s) => s.peerHost)).size >= 2 || c.s.length >= 3);
  // clusters by time alone first: only the endpoints some cluster may qualify for need their ups
  const maybe = clusters(syms, NO_UPS, W).filter(qualifies);
  if (!maybe.length) return;
  x.watchUps(maybe.map((c) => c.host));
  const eps = new Set(maybe.map((c) => c.ep));
  for (const c of clusters(syms.filter((s) => eps.has(s.ep)), (ep) => x.epUps(ep), W)) if (qualifies(c)) x.add(downDraft(x, c, x.epUps(c.ep)));
}

// ------------------------------------------------------------------ wording

const LOSS_HOW: Record<string, string> = {
  'tcp.peer-lost-state': 'a reset for a connection it no longer knew (RFC 9293 3.10.7.1)',
  'quic.stateless-reset': 'a QUIC stateless reset: the connection IDs meant nothing to it any more',
  'quic.server-gone': 'ICMP port unreachable: nothing listened on the port any more',
  'quic.server-silent': 'no answer at all',
};

function failText(ss: readonly Symptom[]): string {
  const n = (k: string) => ss.filter((s) => s.e.kind === k).length;
  const parts: string[] = [];
  if (n('tcp.refused')) parts.push(`${count(n('tcp.refused'), 'SYN')} refused`);
  if (n('tcp.unanswered')) parts.push(`${count(n('tcp.unanswered'), 'SYN')} unanswered`);
  if (n('quic.handshake-unanswered')) parts.push(`${count(n('quic.handshake-unanswered'), 'QUIC handshake')} unanswered`);
  return listText(parts);
}

/** When the subject was down: see DowntimeJson. `ups` are its own (an endpoint's, or a host's). */
function downtime(x: Facts, ss: readonly Symptom[], held: Symptom | null, ups: readonly Up[] | undefined): DowntimeJson {
  const fails = ss.filter((s) => !s.loss);
  const losses = ss.filter((s) => s.loss);
  const firstT = ss[0].t;
  const down = fails.length ? fails : losses;
  const lastDown = down[down.length - 1];
  // back: the first handshake answered after the last failure and after the first loss
  const after = Math.max(fails.length ? fails[fails.length - 1].t : -Infinity, losses.length ? losses[0].t : -Infinity);
  const back = firstUpAfter(ups, after);
  const before = held ? null : lastUpBefore(ups, firstT);
  const lastUp = held ? held.heldFrame : before ? before.frame : null;
  const lastUpT = held ? held.heldT : before ? before.t : null;
  return {
    lastUp,
    firstDown: ss[0].e.frame,
    lastDown: lastDown.e.frame,
    backUp: back ? back.frame : null,
    atLeast: fails.length > 1 ? fails[fails.length - 1].t - fails[0].t : 0,
    atMost: back && lastUpT !== null ? back.t - lastUpT : null,
  };
}

function downtimeText(d: DowntimeJson): string {
  if (d.atLeast > 0 && d.atMost !== null) return `down for at least ${dur(d.atLeast)}, at most ${dur(d.atMost)}`;
  if (d.atLeast > 0) return `down for at least ${dur(d.atLeast)}`;
  if (d.atMost !== null) return `down for at most ${dur(d.atMost)}`;
  return '';
}

function sorted(cs: readonly Cluster[]): Symptom[] {
  return cs.flatMap((c) => c.s).sort((a, b) => a.t - b.t || a.e.frame - b.e.frame);
}

/** The TCP connections of a host on other endpoints, answered before `from`, that it kept serving past `to` without a reset: the host kept their state. */
function keptElsewhere(x: Facts, hostUps: readonly Up[] | undefined, skip: ReadonlySet<Key>, from: number, to: number, lostFlows: ReadonlySet<number>): Up[] {
  const out: Up[] = [];
  if (!x.tcp || !hostUps) return out;
  for (const u of hostUps) {
    if (u.t >= from || skip.has(u.ep) || lostFlows.has(u.flow)) continue; // established before the first symptom
    const f = x.flow(u.flow);
    const c = f ? x.tcp.conn(f) : null;
    if (c && c.h[1].lastTime > to && c.h[1].rstFrame === 0) out.push(u);
  }
  return out;
}

function lossDraft(x: Facts, cs: Cluster[], hostWide: boolean): Draft {
  const ss = sorted(cs);
  const losses = ss.filter((s) => s.loss), fails = ss.filter((s) => !s.loss);
  const c0 = cs[0];
  const server = c0.server;
  const held = heldMax(cs);
  const myUps = hostWide ? x.hostUps(c0.host) : x.epUps(c0.ep);
  const dt = downtime(x, ss, held, server ? myUps : undefined);
  const lostFlows = flowsOf(losses);
  const nConn = lostFlows.size;
  const subject = hostWide ? c0.hostText : c0.endpoint;
  const lossFrames = losses.map((s) => s.e.frame);
  const span = losses[losses.length - 1].t - losses[0].t;
  const lossEps = [...new Set(losses.map((s) => s.endpoint))];
  const portsPart = hostWide
    ? server
      ? ` on ${count(lossEps.length, 'port')} (${lossEps.map((ep) => `:${portOf(ep)} ×${losses.filter((s) => s.endpoint === ep).length}`).join(', ')})`
      : ' it had opened'
    : '';
  const dtText = server ? downtimeText(dt) : '';
  const message =
    `${subject} lost the state of ${count(nConn, 'connection')}${portsPart} within ${dur(span)} (${framesText(lossFrames)})` +
    (fails.length ? `; ${failText(fails)} while it was down (${framesText(fails.map((s) => s.e.frame))})` : '') +
    (dtText ? `; ${dtText}` : '') +
    (server && dt.backUp ? `; back at frame ${dt.backUp}` : '');

  // explanation
  const clients = [...new Set(losses.map((s) => s.peer))];
  const hows = [...new Set(losses.map((s) => LOSS_HOW[s.e.kind]))];
  const back = dt.backUp ? (myUps ?? []).find((u) => u.frame === dt.backUp) : undefined;
  const parts: string[] = [];
  parts.push(
    server
      ? `${subject} held ${count(nConn, 'established connection')} from ${listText(clients)}${hostWide ? `, on ${listText(lossEps.map((e) => `:${portOf(e)}`))}` : ''}.`
      : `${subject} had opened ${count(nConn, 'connection')} (to ${listText([...new Set(losses.map((s) => s.peer))])}).`,
  );
  if (held) parts.push(`The last packet that proved it still held them was frame ${held.heldFrame} (${x.at(held.heldT)}).`);
  parts.push(
    `Then it forgot them${hostWide ? ' all at once' : ''}: from frame ${losses[0].e.frame} (${x.at(losses[0].t)}) on, each peer that sent on its connection got back ${listText(hows)}${losses.length > 1 ? ` — ${count(losses.length, 'time')} in ${dur(span)}` : ''}.`,
  );
  if (fails.length) {
    const refused = fails.some((s) => s.e.kind === 'tcp.refused');
    parts.push(`${fails[0].t < losses[0].t ? 'Before that' : 'Meanwhile'}, ${failText(fails)} (${framesText(fails.map((s) => s.e.frame))}): ${refused ? 'nothing listened' : 'nothing answered'} while it was down.`);
  }
  if (server) {
    if (back) parts.push(`It was back by frame ${back.frame} (${x.at(back.t)}), when ${back.endpoint} answered a new connection (flow ${back.flow})${dtText ? `: ${dtText}` : ''}.`);
    else parts.push(`The capture shows no new connection it answered afterwards${dtText ? `; ${dtText}` : ''}.`);
  }
  parts.push('Each peer learnt of the loss only when it next sent: an idle connection stays broken unnoticed for as long as its peer is silent.');

  // evidence: the facts with their frames
  const evidence: string[] = [];
  if (held) evidence.push(`frame ${held.heldFrame}: the last packet from ${held.endpoint} on a connection it then forgot (flow ${held.flow.id}, ${x.at(held.heldT)})`);
  for (const s of ss) evidence.push(`frame ${s.e.frame} (flow ${s.flow.id}): ${s.e.message}`);
  if (back) evidence.push(`frame ${back.frame}: ${back.endpoint} answered a new connection (flow ${back.flow}, ${x.at(back.t)})`);

  // what rules the alternatives in or out
  const alternatives: string[] = [];
  if (held && losses.length > 1)
    alternatives.push(`One moment of loss fits them all: every connection was last heard from ${hostWide ? 'the host' : subject} by frame ${held.heldFrame} and lost from frame ${ss[0].e.frame} on — one restart between ${x.at(held.heldT)} and ${x.at(ss[0].t)} explains each.`);
  if (hostWide && server)
    alternatives.push(`Not one process: ${listText(lossEps.map((e) => `:${portOf(e)}`))} lost their connections at the same moment — a host reboot, a flushed state table, or every service on it restarted together (one process serving all those ports would look the same).`);
  const refusedSyns = fails.filter((s) => s.e.kind === 'tcp.refused');
  if (!hostWide && server) {
    const kept = keptElsewhere(x, x.hostUps(c0.host), new Set([c0.ep]), ss[0].t, ss[ss.length - 1].t, lostFlows);
    if (refusedSyns.length)
      alternatives.push(`The process, not the host: ${c0.hostText} itself answered the SYNs of ${framesText(refusedSyns.map((s) => s.e.frame))} with a reset while nothing listened on :${portOf(subject)} — its kernel was up.`);
    if (kept.length)
      alternatives.push(`The process, not the host: ${listText([...new Set(kept.map((u) => u.endpoint))])} on the same host kept answering ${count(kept.length, 'connection')} across the loss (flow ${kept.map((u) => u.flow).join(', ')}).`);
    if (!refusedSyns.length && !kept.length) alternatives.push(`Nothing else of ${c0.hostText} is seen up across the loss: a process restart and a host reboot look the same here.`);
  }
  if (losses.some((s) => s.e.kind === 'tcp.peer-lost-state')) {
    alternatives.push(
      x.knows('tcp.injected-reset')
        ? `Not a middlebox: none of the resets is a tcp.injected-reset — each carries the TTL of the endpoint's own earlier packets, so ${hostWide ? 'the host' : subject} sent them itself.`
        : `A middlebox is not ruled out: the resets' TTL was not compared with the endpoint's earlier packets (this build raises no tcp.injected-reset).`,
    );
  }
  const confidence = nConn >= 2 && (fails.length > 0 || back !== undefined || nConn >= 3) && (held !== null || hostWide) ? 'high' : 'medium';
  return {
    kind: hostWide ? 'incident.host-lost-state' : 'incident.server-lost-state',
    subject,
    members: ss.map((s) => s.i),
    message,
    explanation: parts.join(' '),
    evidence,
    alternatives,
    confidence,
    ...(server ? { downtime: dt } : {}),
  };
}

function downDraft(x: Facts, c: Cluster, ups: readonly Up[] | undefined): Draft {
  const ss = c.s;
  const dt = downtime(x, ss, null, ups);
  const clients = [...new Set(ss.map((s) => s.peer))];
  const refused = ss.filter((s) => s.e.kind === 'tcp.refused');
  const silent = ss.filter((s) => s.e.kind !== 'tcp.refused');
  const dtText = downtimeText(dt);
  const span = ss[ss.length - 1].t - ss[0].t;
  const message =
    `new connections to ${c.endpoint} failed ${count(ss.length, 'time')} from ${count(clients.length, 'client')} ${span > 0 ? `over ${dur(span)}` : 'at once'}: ${failText(ss)}; nothing established to lose` +
    (dtText ? `; ${dtText}` : '') + (dt.backUp ? `; back at frame ${dt.backUp}` : '');
  const before = dt.lastUp ? (ups ?? []).find((u) => u.frame === dt.lastUp) : undefined;
  const back = dt.backUp ? (ups ?? []).find((u) => u.frame === dt.backUp) : undefined;
  const parts: string[] = [];
  parts.push(`${listText(clients)} tried ${count(ss.length, 'new connection')} to ${c.endpoint} from frame ${ss[0].e.frame} (${x.at(ss[0].t)}) to frame ${ss[ss.length - 1].e.frame} (${x.at(ss[ss.length - 1].t)}).`);
  if (refused.length) parts.push(`${count(refused.length, 'SYN')} got a reset from ${c.hostText} at once: its host was up but nothing listened on :${portOf(c.endpoint)}, so it kept no state for them.`);
  if (silent.length) {
    const again = silent.filter((s) => s.e.related.length > 0).length;
    const quic = silent.some((s) => s.e.kind === 'quic.handshake-unanswered');
    parts.push(`${count(silent.length, 'attempt')} got no answer at all: only the ${clients.length === 1 ? 'client' : 'clients'} held state (SYN-SENT${quic ? ', or a QUIC Initial sent' : ''}) and gave up${again ? `, ${again === silent.length ? 'each' : `${again} of them`} after sending again` : ''}.`);
  }
  parts.push('No connection to it was established in between, so nothing was lost but the attempts.');
  if (before) parts.push(`It last answered a connection at frame ${before.frame} (${x.at(before.t)}).`);
  parts.push(back ? `It answered again at frame ${back.frame} (${x.at(back.t)}, flow ${back.flow})${dtText ? `: ${dtText}` : ''}.` : 'The capture shows it answering no connection afterwards.');
  const evidence = ss.map((s) => `frame ${s.e.frame} (flow ${s.flow.id}): ${s.e.message}`);
  if (before) evidence.unshift(`frame ${before.frame}: ${c.endpoint} answered a connection (flow ${before.flow}, ${x.at(before.t)})`);
  if (back) evidence.push(`frame ${back.frame}: ${c.endpoint} answered a connection again (flow ${back.flow}, ${x.at(back.t)})`);
  const alternatives: string[] = [];
  if (clients.length >= 2) alternatives.push(`Not one client's mistake: ${count(clients.length, 'client')} failed the same way.`);
  else alternatives.push(`One client (${clients[0]}) tried ${count(ss.length, 'time')}: the failures are the service's, or that client's path to it.`);
  if (refused.length && silent.length) alternatives.push('Refused and unanswered attempts mixed: nothing listened for a while, and for a while the host (or the path to it) answered nothing.');
  else if (refused.length) alternatives.push(`Not the host: ${c.hostText} answered every SYN with a reset, so it was up; the service (or a firewall rejecting the port) was not.`);
  else alternatives.push(`Host or path: nothing came back at all, so a host that is down, a path that is broken and a firewall that drops the SYNs look the same here.`);
  return {
    kind: 'incident.service-down',
    subject: c.endpoint,
    members: ss.map((s) => s.i),
    message,
    explanation: parts.join(' '),
    evidence,
    alternatives,
    confidence: clients.length >= 2 && ss.length >= 3 ? 'high' : 'medium',
    downtime: dt,
  };
}
