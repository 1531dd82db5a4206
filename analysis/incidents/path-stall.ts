// incident.path-stall: several flows between the same two hosts stuck over the same
// interval. A flow is stuck while it sends one segment again and again
// (tcp.retransmission / tcp.fast-retransmission of one original, their first related
// frame) at least options.stallMinRetransmissions times: its timer backed off because
// nothing got through. Stuck intervals (from the original to the last copy) of two flows
// or more between one host pair that share a common stretch make one incident; flows
// between the same hosts that carried no packet at all over that stretch are named as
// silent (the one look at packets: the columns' times inside the stretch).

import type { Flow } from '../flows';
import type { EventJson } from '../model';
import { hostKey, type Draft, type Facts } from './facts';
import { count, dur, framesText, hostOf, listText } from './text';

interface Episode {
  flow: Flow;
  original: number;
  originalT: number;
  rtx: { i: number; e: EventJson }[];
}

const RTX_KINDS = ['tcp.retransmission', 'tcp.fast-retransmission'];

function pairKey(f: Flow): string {
  const a = String(hostKey(f, false)), b = String(hostKey(f, true));
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

export function pathStall(x: Facts): void {
  const byOriginal = new Map<string, Episode>();
  for (const k of RTX_KINDS)
    for (const i of x.free(k)) {
      const e = x.events[i], flow = x.flow(e.flow);
      if (!flow || !e.related.length) continue;
      const key = `${flow.id} ${e.related[0]}`;
      let ep = byOriginal.get(key);
      if (!ep) byOriginal.set(key, (ep = { flow, original: e.related[0], originalT: x.time(e.related[0]), rtx: [] }));
      ep.rtx.push({ i, e });
    }
  const byPair = new Map<string, Episode[]>();
  for (const ep of byOriginal.values()) {
    if (ep.rtx.length < x.opts.stallMinRetransmissions) continue;
    ep.rtx.sort((a, b) => a.e.frame - b.e.frame);
    const k = pairKey(ep.flow);
    const l = byPair.get(k);
    if (l) l.push(ep);
    else byPair.set(k, [ep]);
  }
  for (const l of byPair.values()) {
    if (l.length < 2) continue;
    l.sort((a, b) => a.originalT - b.originalT);
    let group: Episode[] = [];
    let lo = 0, hi = 0;
    const flush = (): void => {
      if (new Set(group.map((g) => g.flow.id)).size >= 2) x.add(draft(x, group));
      group = [];
    };
    for (const ep of l) {
      const end = ep.rtx[ep.rtx.length - 1].e.time;
      if (group.length && Math.max(lo, ep.originalT) <= Math.min(hi, end)) {
        lo = Math.max(lo, ep.originalT);
        hi = Math.min(hi, end);
        group.push(ep);
        continue;
      }
      flush();
      group = [ep];
      lo = ep.originalT;
      hi = end;
    }
    flush();
  }
}

/** The flows that carried at least one packet with a time in [from, to] (the columns are in file order, which is time order). */
function busyFlows(x: Facts, from: number, to: number): Set<number> {
  const t = x.a.columns.time, flow = x.a.columns.flow, n = x.a.columns.length;
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  const out = new Set<number>();
  for (let i = lo; i < n && t[i] <= to; i++) out.add(flow[i]);
  return out;
}

function draft(x: Facts, group: Episode[]): Draft {
  const f0 = group[0].flow;
  const a = hostOf(f0.endpoint(true)), b = hostOf(f0.endpoint(false));
  const flows = [...new Set(group.map((g) => g.flow))].sort((p, q) => p.id - q.id);
  const rtx = group.flatMap((g) => g.rtx).sort((p, q) => p.e.frame - q.e.frame);
  // everything sent from the last original on to the first copy that was sent again itself was lost, by every flow
  const lostFrom = Math.max(...group.map((g) => g.originalT));
  const lostTo = Math.min(...group.map((g) => g.rtx[g.rtx.length - 2]?.e.time ?? g.originalT));
  const through = Math.min(...group.map((g) => g.rtx[g.rtx.length - 1].e.time));
  const window = lostTo > lostFrom ? [lostFrom, lostTo] : null;
  // flows between the same hosts that carried nothing over that stretch
  const silent: Flow[] = [];
  if (window) {
    const busy = busyFlows(x, window[0], window[1]);
    const key = pairKey(f0), ids = new Set(flows.map((f) => f.id));
    for (const f of x.a.flows.flows)
      if (!ids.has(f.id) && f.start < window[0] && f.end > window[1] && !busy.has(f.id) && pairKey(f) === key) silent.push(f);
  }
  const per = flows.map((f) => `flow ${f.id} ×${rtx.filter((r) => r.e.flow === f.id).length}`);
  const message =
    `${count(flows.length, 'flow')} between ${a} and ${b} sent the same segments again and again (${count(rtx.length, 'retransmission')}: ${per.join(', ')})` +
    (silent.length ? `, ${count(silent.length, 'more')} fell silent` : '') +
    (window ? `: the path lost everything from ${x.at(window[0])} to ${x.at(window[1])} at least (${dur(window[1] - window[0])})` : ' over the same interval') +
    `; through again by ${x.at(through)}`;
  const parts: string[] = [];
  for (const g of group) {
    const last = g.rtx[g.rtx.length - 1].e;
    parts.push(`Flow ${g.flow.id} (${g.flow.endpoint(true)} → ${g.flow.endpoint(false)}) sent a segment at frame ${g.original} (${x.at(g.originalT)}) that was never acknowledged, and sent it again ${count(g.rtx.length, 'time')} as its retransmission timer backed off, the last at frame ${last.frame} (${x.at(last.time)}).`);
  }
  if (silent.length) parts.push(`${silent.length === 1 ? 'Flow' : 'Flows'} ${silent.map((f) => f.id).join(', ')} between the same hosts carried no packet at all over that time.`);
  parts.push(
    window
      ? `So nothing either host sent the other from ${x.at(window[0])} to ${x.at(window[1])} arrived: the path, not one connection, lost the packets.`
      : 'Their stuck intervals overlap: the path, not one connection, lost the packets.',
  );
  parts.push('Every connection kept its state on both ends and recovered by itself — later than the path did, since each waited out its backed-off timer.');
  const evidence = group.map((g) => `flow ${g.flow.id}: ${framesText(g.rtx.map((r) => r.e.frame))} resend frame ${g.original}`);
  if (silent.length) evidence.push(...silent.map((f) => `flow ${f.id} (${f.endpoint(true)} → ${f.endpoint(false)}): no packet from ${x.at(window![0])} to ${x.at(window![1])}, active before and after`));
  return {
    kind: 'incident.path-stall',
    subject: `${a} ⇄ ${b}`,
    members: rtx.map((r) => r.i),
    message,
    explanation: parts.join(' '),
    evidence,
    alternatives: [
      `Not one endpoint: ${listText(flows.map((f) => `:${f.endpoint(false).replace(/.*:/, '')}`))} ${flows.length === 2 ? 'both' : 'all'} stalled at once${silent.length ? ', and a flow with nothing to resend went silent too' : ''}.`,
      'Not a receiver holding back: the senders sent again (a full receive window shows as zero-window probes instead).',
    ],
    confidence: flows.length >= 3 || silent.length > 0 ? 'high' : 'medium',
  };
}
