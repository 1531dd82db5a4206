// incident.syn-flood and incident.scan: traffic that wanted no service.
//
// syn-flood: the unanswered SYNs (tcp.unanswered) to one endpoint, within the window of
// each other, when some second of them holds at least options.floodMinSyns. Clients of a
// dead service retry each SYN after about 1, 3 and 7 s; a flood sends each once from a
// new port, many a second — the message counts both.
//
// scan: one source host's probes — connections refused or unanswered, connections it
// reset right after the handshake without sending data (a connect scan of an open port),
// UDP datagrams its targets bounced with port unreachable — within the window of each
// other, to at least options.scanMinTargets targets (host and port), most of them failed.

import type { Flow } from '../flows';
import type { EventJson } from '../model';
import { epKey, hostKey, type Draft, type Facts, type Key } from './facts';
import { count, dur, framesText, hostOf, listText, portOf, portsText } from './text';

interface Probe {
  i: number;
  e: EventJson;
  flow: Flow;
  /** 'refused' | 'unanswered' | 'open' (reset after the handshake) | 'udp' (bounced). */
  what: 'refused' | 'unanswered' | 'open' | 'udp';
}

/** The largest number of times within any `width` seconds (times sorted). */
function peak(ts: readonly number[], width: number): number {
  let best = 0;
  for (let i = 0, j = 0; j < ts.length; j++) {
    while (ts[j] - ts[i] > width) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

function runs<T>(list: T[], time: (v: T) => number, W: number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  for (const v of list) {
    if (cur.length && time(v) - time(cur[cur.length - 1]) > W) {
      out.push(cur);
      cur = [];
    }
    cur.push(v);
  }
  if (cur.length) out.push(cur);
  return out;
}

export function synFlood(x: Facts): void {
  const N = x.opts.floodMinSyns;
  const free = x.free('tcp.unanswered');
  if (free.length < N) return;
  const byEp = new Map<Key, Probe[]>();
  for (const i of free) {
    const e = x.events[i], flow = x.flow(e.flow);
    if (!flow) continue;
    const k = epKey(flow, true);
    const l = byEp.get(k);
    const p: Probe = { i, e, flow, what: 'unanswered' };
    if (l) l.push(p);
    else byEp.set(k, [p]);
  }
  for (const l of byEp.values()) {
    if (l.length < N) continue;
    l.sort((a, b) => a.e.time - b.e.time);
    for (const run of runs(l, (p) => p.e.time, x.opts.windowSeconds)) {
      const top = peak(run.map((p) => p.e.time), 1);
      if (top >= N) x.add(floodDraft(x, run, top));
    }
  }
}

function floodDraft(x: Facts, run: Probe[], top: number): Draft {
  const victim = run[0].flow.endpoint(false);
  const hosts = [...new Set(run.map((p) => hostOf(p.flow.endpoint(true))))];
  const ports = new Set(run.map((p) => p.flow.endpoint(true)));
  // each SYN's retransmissions are its event's related frames
  const syns = run.reduce((n, p) => n + 1 + p.e.related.length, 0);
  const once = run.filter((p) => p.e.related.length === 0).length;
  const span = run[run.length - 1].e.time - run[0].e.time;
  const from = hosts.length === 1 ? `${count(ports.size, 'port')} of ${hosts[0]}` : `${count(ports.size, 'port')} of ${count(hosts.length, 'host')}`;
  const message = `${count(syns, 'SYN')} to ${victim} from ${from} in ${dur(span)} (up to ${top} within a second), none answered${once === run.length ? ', none sent again' : `, ${once} never sent again`}`;
  const explanation =
    `${hosts.length === 1 ? hosts[0] : listText(hosts)} sent ${count(run.length, 'connection attempt')} to ${victim} from frame ${run[0].e.frame} (${x.at(run[0].e.time)}) to frame ${run[run.length - 1].e.frame} (${x.at(run[run.length - 1].e.time)}), ${top} of them within one second, each from its own source port. ` +
    `Nothing came back — no SYN-ACK, no reset. Each SYN asks the listener to hold a half-open connection (SYN-RECEIVED) in its backlog; a flood fills it so that real clients are turned away. Only the senders held state (SYN-SENT)${once === run.length ? ', and each gave it up without sending its SYN again' : ''}.`;
  const alternatives = [
    once >= run.length / 2
      ? `Not clients retrying a dead service: clients send an unanswered SYN again after about 1, 3 and 7 s; here ${once === run.length ? 'every port' : `${once} of ${run.length} ports`} sent one SYN and gave up.`
      : `Clients retrying is not ruled out: ${run.length - once} of ${run.length} ports sent their SYN again.`,
    hosts.length === 1 ? `One source (${hosts[0]}): not a distributed flood, and not many clients.` : `${count(hosts.length, 'source host')}: a distributed flood, or many clients of a service that does not answer.`,
    `Why nothing answered is not in the capture: ${victim}'s SYN-ACKs were dropped on the way back (or filtered), or its backlog was full with SYN cookies off.`,
  ];
  return {
    kind: 'incident.syn-flood',
    subject: victim,
    members: run.map((p) => p.i),
    message,
    explanation,
    evidence: [
      `${framesText(run.map((p) => p.e.frame))}: the SYNs, to ${victim}, none answered`,
      `frame ${run[0].e.frame} (flow ${run[0].flow.id}): ${run[0].e.message}`,
    ],
    alternatives,
    confidence: top >= 2 * x.opts.floodMinSyns && once === run.length ? 'high' : 'medium',
  };
}

/** A connect scan's probe of an open port: the originator reset right after the handshake, no data either way. */
function openProbe(x: Facts, e: EventJson, flow: Flow): boolean {
  if (x.dir(e.frame) !== 0) return false;
  const c = x.tcp?.conn(flow);
  // highRel: the relative sequence space each side used — 1 for the SYN alone
  return !!c && c.h[1].synAckFrame > 0 && c.h[0].highRel <= 1 && c.h[1].highRel <= 1;
}

export function scan(x: Facts): void {
  const probes: Probe[] = [];
  const add = (kind: string, what: Probe['what'], keep: (e: EventJson, f: Flow) => boolean): void => {
    for (const i of x.free(kind)) {
      const e = x.events[i], flow = x.flow(e.flow);
      if (flow && keep(e, flow)) probes.push({ i, e, flow, what });
    }
  };
  add('tcp.refused', 'refused', () => true);
  add('tcp.unanswered', 'unanswered', () => true);
  add('tcp.abort', 'open', () => true); // told from an application's abort below, for the sources that may scan
  add('udp.port-unreachable', 'udp', (e) => e.related.length > 0 && x.dir(e.related[0]) === 0);
  if (probes.length < x.opts.scanMinTargets) return;
  const bySource = new Map<Key, Probe[]>();
  for (const p of probes) {
    const k = hostKey(p.flow, false);
    const l = bySource.get(k);
    if (l) l.push(p);
    else bySource.set(k, [p]);
  }
  for (let l of bySource.values()) {
    if (l.length < x.opts.scanMinTargets) continue;
    l = l.filter((p) => p.what !== 'open' || openProbe(x, p.e, p.flow));
    if (l.length < x.opts.scanMinTargets) continue;
    l.sort((a, b) => a.e.time - b.e.time || a.e.frame - b.e.frame);
    for (const run of runs(l, (p) => p.e.time, x.opts.windowSeconds)) {
      const targets = new Set(run.map((p) => epKey(p.flow, true)));
      const failed = run.filter((p) => p.what !== 'open').length;
      if (targets.size >= x.opts.scanMinTargets && failed >= run.length - failed) x.add(scanDraft(x, run, targets.size));
    }
  }
}

function scanDraft(x: Facts, run: Probe[], targets: number): Draft {
  const source = hostOf(run[0].flow.endpoint(true));
  const hosts = [...new Set(run.map((p) => hostOf(p.flow.endpoint(false))))];
  const ports = run.map((p) => portOf(p.flow.endpoint(false)));
  const n = (w: Probe['what']) => run.filter((p) => p.what === w);
  const open = n('open'), refused = n('refused'), unanswered = n('unanswered'), udp = n('udp');
  const span = run[run.length - 1].e.time - run[0].e.time;
  const what =
    hosts.length === 1
      ? `${count(new Set(ports).size, 'port')} of ${hosts[0]} (${portsText(ports)})`
      : new Set(ports).size === 1
        ? `${count(hosts.length, 'host')} on port ${ports[0]}`
        : `${count(targets, 'target')} on ${count(hosts.length, 'host')}`;
  const tally = [
    refused.length ? `${refused.length} refused` : '',
    unanswered.length ? `${unanswered.length} unanswered` : '',
    udp.length ? `${count(udp.length, 'UDP probe')} bounced` : '',
    open.length ? `${open.length} open (${portsText(open.map((p) => portOf(p.flow.endpoint(false))))}), reset by ${source} right after the handshake` : '',
  ].filter(Boolean);
  const message = `${source} probed ${what} in ${dur(span)}: ${listText(tally, 5)}`;
  const explanation =
    `${source} tried ${what} one after another, from frame ${run[0].e.frame} (${x.at(run[0].e.time)}) to frame ${run[run.length - 1].e.frame} (${x.at(run[run.length - 1].e.time)}). ` +
    (refused.length ? `${count(refused.length, 'port')} answered with a reset (nothing listening). ` : '') +
    (unanswered.length ? `${count(unanswered.length, 'SYN')} got no answer (filtered, or no host). ` : '') +
    (udp.length ? `${count(udp.length, 'UDP datagram')} came back as ICMP port unreachable. ` : '') +
    (open.length ? `Where a port was open, ${source} completed the handshake and reset the connection at once without sending a byte: it only wanted to know the port was open (a connect scan). ` : '') +
    'No service was used and no established state was lost: the probes are the finding.';
  const alternatives = [
    `Not a service down: ${count(targets, 'target')} were each tried ${run.length <= targets ? 'once' : 'about once'}, not one service again and again.`,
    open.length ? 'Not clients: nothing was sent on the open ports before the reset.' : `Not clients: nothing answered was used (${failedShare(run)} of the probes failed).`,
  ];
  return {
    kind: 'incident.scan',
    subject: source,
    members: run.map((p) => p.i),
    message,
    explanation,
    evidence: [
      ...(refused.length ? [`${framesText(refused.map((p) => p.e.frame))}: refused`] : []),
      ...(unanswered.length ? [`${framesText(unanswered.map((p) => p.e.frame))}: unanswered`] : []),
      ...(udp.length ? [`${framesText(udp.map((p) => p.e.frame))}: UDP probes bounced`] : []),
      ...open.map((p) => `frame ${p.e.frame} (flow ${p.flow.id}, history ${x.tcp?.zeekOf(p.flow)?.history ?? '?'}): ${p.e.message}`),
    ],
    alternatives,
    confidence: targets >= 2 * x.opts.scanMinTargets ? 'high' : 'medium',
  };
}

function failedShare(run: Probe[]): string {
  const f = run.filter((p) => p.what !== 'open').length;
  return f === run.length ? 'all' : `${f} of ${run.length}`;
}
