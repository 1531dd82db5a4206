// incident.middlebox-reset: resets that their claimed sender did not send
// (tcp.injected-reset, raised by the TCP tracker where a RST's TTL or hop limit
// disagrees with every earlier packet of the endpoint it claims to come from), on two
// flows or more through the same device: the same side of the flows claimed, the same
// TTL (when the event's message states it: "TTL 64"), within the window of each other.
// Runs first: without it those resets would read as servers that lost their state.

import type { Flow } from '../flows';
import type { EventJson } from '../model';
import { hostKey, type Draft, type Facts } from './facts';
import { count, dur, framesText, hostOf, listText, portOf } from './text';

interface Forged {
  i: number;
  e: EventJson;
  flow: Flow;
  /** The reset claims to come from the flow's server. */
  server: boolean;
  ttl: number | null;
}

/** The TTL or hop limit the reset arrived with, as the TCP tracker's message states it first. */
function ttlOf(e: EventJson): number | null {
  const m = /\b(?:TTL|hop limit) (\d+)/.exec(e.message);
  return m ? Number(m[1]) : null;
}

export function middleboxReset(x: Facts): void {
  const list: Forged[] = [];
  for (const i of x.free('tcp.injected-reset')) {
    const e = x.events[i], flow = x.flow(e.flow);
    if (flow) list.push({ i, e, flow, server: x.dir(e.frame) === 1, ttl: ttlOf(e) });
  }
  if (list.length < 2) return;
  const bySig = new Map<string, Forged[]>();
  for (const f of list) {
    const k = `${f.server ? 's' : 'c'} ${f.ttl ?? '?'}`;
    const l = bySig.get(k);
    if (l) l.push(f);
    else bySig.set(k, [f]);
  }
  for (const l of bySig.values()) {
    let run: Forged[] = [];
    const flush = (): void => {
      if (new Set(run.map((f) => f.flow.id)).size >= 2) x.add(draft(x, run));
      run = [];
    };
    for (const f of l) {
      if (run.length && f.e.time - run[run.length - 1].e.time > x.opts.windowSeconds) flush();
      run.push(f);
    }
    flush();
  }
}

function draft(x: Facts, run: Forged[]): Draft {
  const server = run[0].server;
  const claimed = [...new Set(run.map((f) => f.flow.endpoint(!server)))];
  const claimedHosts = [...new Set(claimed.map(hostOf))];
  const victims = [...new Set(run.map((f) => hostOf(f.flow.endpoint(server))))];
  const side = (hs: string[]) => (hs.length === 1 ? hs[0] : count(hs.length, 'host'));
  const subject = `${side(victims)} ⇄ ${side(claimedHosts)}`;
  const ttl = run[0].ttl;
  const first = run[0].e, last = run[run.length - 1].e;
  const message = `${count(run.length, 'reset')} forged in the name of ${listText(claimed)} on ${count(new Set(run.map((f) => f.flow.id)).size, 'flow')} within ${dur(last.time - first.time)}${ttl !== null ? ` (TTL ${ttl}, not the sender's own)` : ''}: a device between ${listText(victims)} and ${listText(claimedHosts)} cut them`;
  // flows between the same hosts that kept working across the window: the path itself was fine
  const pairs = new Set(run.map((f) => `${hostKey(f.flow, true)}|${hostKey(f.flow, false)}`));
  const members = new Set(run.map((f) => f.flow.id));
  const kept: Flow[] = [];
  for (const f of x.a.flows.flows) {
    if (members.has(f.id) || f.start > first.time || f.end < last.time) continue;
    if (pairs.has(`${hostKey(f, true)}|${hostKey(f, false)}`)) kept.push(f);
    if (kept.length >= 5) break;
  }
  const explanation =
    `${listText(victims)} received resets that claimed to come from ${listText(claimed)} (${framesText(run.map((f) => f.e.frame))}), but their TTL disagrees with every packet that endpoint had sent before: something closer on the path — a firewall, an IDS, a load balancer or a NAT — forged them. ` +
    `${listText(victims)} dropped ${run.length === 1 ? 'its connection' : 'their connections'} on them; ${listText(claimedHosts)} never sent a reset and may still hold ${claimed.length === 1 ? 'its side' : 'their sides'}, to find out only when it sends again. ` +
    (kept.length ? `Other flows between the same hosts kept working meanwhile (flow ${kept.map((f) => f.id).join(', ')}${kept.some((f) => f.proto === 6) ? `, to ${listText([...new Set(kept.map((f) => `:${portOf(f.endpoint(false))}`))])}` : ''}): the device enforced a policy on these connections, or dropped its state for them, rather than losing the path.` : '');
  return {
    kind: 'incident.middlebox-reset',
    subject,
    members: run.map((f) => f.i),
    message,
    explanation,
    evidence: run.map((f) => `frame ${f.e.frame} (flow ${f.flow.id}): ${f.e.message}`),
    alternatives: [
      `Not ${listText(claimedHosts)} losing state: a reset it sent itself would carry the TTL of its own packets.`,
      ...(kept.length ? [`Not the path going down: flow ${kept.map((f) => f.id).join(', ')} between the same hosts kept working.`] : []),
    ],
    confidence: ttl !== null && run.length >= 2 ? 'high' : 'medium',
  };
}
