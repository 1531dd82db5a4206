// Incidents (../shared/docs/EVENTS.md "Incidents"): the events one cause explains,
// grouped across flows — a server that restarted under five connections is one
// incident, not five break cards. Run by the pipeline after the trackers, over their
// events and flows (./facts), never over the packets.
//
// The detectors run in order, each over the events no earlier one claimed (an event
// belongs to at most one incident): forged resets first (they would otherwise read as a
// server's lost state), then lost state (host before server: one incident about a host,
// not one per port), SYN floods, scans, services down, resolvers down, gone clients,
// stalled paths. Every incident spans two flows or more: a single flow's trouble stays
// an event. The incidents are numbered by start; each member event gets `incident: id`.

import type { Analysis } from '../analysis';
import type { IncidentJson } from '../model';
import { Facts, type Draft } from './facts';
import { incidentInfo } from './kinds';
import { scan, synFlood } from './attack';
import { clientGone, resolverDown } from './dns';
import { lostState, serviceDown } from './lost-state';
import { middleboxReset } from './middlebox';
import { incidentOptions, type IncidentOptions } from './options';
import { pathStall } from './path-stall';

export { INCIDENT_KINDS, incidentInfo } from './kinds';
export { INCIDENT_DEFAULTS, INCIDENT_FLAGS, badIncidentOption, incidentOptions, type IncidentOptions } from './options';

const DETECTORS: ((x: Facts) => void)[] = [middleboxReset, lostState, synFlood, scan, serviceDown, resolverDown, clientGone, pathStall];

/** The incidents of a finished analysis (events sealed); marks their member events with `incident`. */
export function findIncidents(a: Analysis, opts: IncidentOptions = {}): IncidentJson[] {
  const o = incidentOptions(opts);
  if (a.events.length === 0) return [];
  const x = new Facts(a, o);
  for (const d of DETECTORS) d(x);
  const built = x.drafts.map((d) => ({ d, inc: incidentOf(x, d) }));
  built.sort((p, q) => p.inc.start - q.inc.start || p.inc.frames[0] - q.inc.frames[0]);
  built.forEach(({ d, inc }, k) => {
    inc.id = k + 1;
    for (const i of d.members) a.events[i].incident = inc.id;
  });
  return built.map((b) => b.inc);
}

function incidentOf(x: Facts, d: Draft): IncidentJson {
  let start = Infinity, end = -Infinity;
  const flows = new Set<number>(), frames = new Set<number>();
  for (const i of d.members) {
    const e = x.events[i];
    if (e.time < start) start = e.time;
    if (e.time > end) end = e.time;
    if (e.flow !== null) flows.add(e.flow);
    frames.add(e.frame);
  }
  const inc: IncidentJson = {
    id: 0,
    kind: d.kind,
    severity: incidentInfo(d.kind)!.severity,
    subject: d.subject,
    start,
    end,
    flows: [...flows].sort((p, q) => p - q),
    frames: [...frames].sort((p, q) => p - q),
    message: d.message,
    explanation: d.explanation,
    evidence: d.evidence,
    confidence: d.confidence,
    alternatives: d.alternatives,
  };
  if (d.downtime) inc.downtime = d.downtime;
  return inc;
}
