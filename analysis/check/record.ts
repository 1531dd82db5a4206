// `stateline check --update`: the expectations an analysis meets, written the way they
// survive a re-recording (./refs, ./expect), each entry with a note saying what it is
// (the YAML writer turns notes into comments). Deterministic: the same analysis gives
// the same expectations, so re-running --update on an unchanged capture changes nothing.
//
// What is written: the capture's format and errors; counts (flows per transport, events
// per kind, incidents, DNS and QUIC); every flow (consecutive flows of one key with the
// same outcome as one entry); every break and warning event that no incident groups;
// every DNS transaction, QUIC connection and incident; and noOtherBreaks. Times only as
// incident durations (with the file's tolerance): absolute times and ports are left out.

import type { AnalysisJson, DnsJson, EventJson, FlowJson } from '../model';
import { DEFAULT_TOLERANCE, type DnsExpect, type EventExpect, type Expectations, type FlowExpect, type IncidentExpect, type QuicExpect } from './expect';
import { quicMigrations } from './match';
import { FlowIndex, hostOf } from './refs';

/** Zeek's conn_state values in words (base/protocols/conn/main.zeek). */
const CONN_STATE: Record<string, string> = {
  S0: 'connection attempt seen, no reply',
  S1: 'established, not terminated',
  SF: 'established and closed normally',
  REJ: 'connection attempt rejected',
  S2: 'established, the client closed, no reply from the server',
  S3: 'established, the server closed, no reply from the client',
  RSTO: 'established, the client aborted with a RST',
  RSTR: 'established, the server sent a RST',
  RSTOS0: 'the client sent a SYN then a RST, no SYN-ACK seen',
  RSTRH: 'the server sent a SYN-ACK then a RST, no SYN seen',
  SH: 'the client sent a SYN then a FIN, no SYN-ACK seen',
  SHR: 'the server sent a SYN-ACK then a FIN, no SYN seen',
  OTH: 'no SYN seen, midstream traffic',
};

const round3 = (s: number): number => Math.round(s * 1000) / 1000;
const frames = (a: number, b: number): string => (a === b ? `frame ${a}` : `frames ${a}–${b}`);
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The outcome that makes flows of one key one entry: everything the entry would hold. */
function outcome(f: FlowJson): string {
  return JSON.stringify([f.app, f.tcp?.connState, f.tcp?.history]);
}

/** "flow 3", "flows 1–5", "flows 1, 7 and 9". */
function flowIds(ids: number[]): string {
  if (ids.length === 1) return `flow ${ids[0]}`;
  if (ids[ids.length - 1] - ids[0] === ids.length - 1) return `flows ${ids[0]}–${ids[ids.length - 1]}`;
  if (ids.length > 6) return `flows ${ids.slice(0, 5).join(', ')}, … (${ids.length})`;
  return `flows ${ids.slice(0, -1).join(', ')} and ${ids[ids.length - 1]}`;
}

function flowNote(fs: FlowJson[]): string {
  const f = fs[0];
  const unit = f.transport === 'udp' ? 'datagram' : 'message';
  // a group shares its outcome (TCP's state and history); packet counts are summed over it
  const sent = fs.reduce((n, x) => n + x.clientPackets, 0), back = fs.reduce((n, x) => n + x.serverPackets, 0);
  const what = f.tcp
    ? `${fs.length > 1 ? 'each ' : ''}${CONN_STATE[f.tcp.connState] ?? f.tcp.connState} (${f.tcp.connState}, history ${f.tcp.history})`
    : `${plural(sent, unit)} from ${hostOf(f.client)}, ${back ? `${back} back` : 'none back'}${fs.length > 1 ? ' in all' : ''}`;
  const app = f.app ? `${f.app.toUpperCase()} over ${f.transport.toUpperCase()}` : f.transport.toUpperCase();
  if (fs.length === 1) return `${flowIds([f.id])}, ${frames(f.firstFrame, f.lastFrame)}: ${app}, ${what}`;
  const span = frames(f.firstFrame, Math.max(...fs.map((x) => x.lastFrame)));
  return `${flowIds(fs.map((x) => x.id))} (${plural(fs.length, f.transport === 'tcp' ? 'connection' : 'flow')}, ${span}): ${app}, ${what}`;
}

function recordFlows(idx: FlowIndex): FlowExpect[] {
  const out: { first: number; e: FlowExpect }[] = [];
  for (const key of idx.keys()) {
    const g = idx.group(key);
    for (let i = 0; i < g.length; ) {
      let j = i + 1;
      while (j < g.length && outcome(g[j]) === outcome(g[i])) j++;
      const run = g.slice(i, j);
      const f = run[0];
      const e: FlowExpect = { note: flowNote(run), flow: run.length === g.length ? key : j - i === 1 ? `${key} [${i + 1}]` : `${key} [${i + 1}-${j}]` };
      if (run.length > 1) e.count = run.length;
      if (f.app) e.app = f.app;
      if (f.tcp) {
        e.connState = f.tcp.connState;
        e.history = f.tcp.history;
      }
      out.push({ first: f.firstFrame, e });
      i = j;
    }
  }
  return out.sort((a, b) => a.first - b.first).map((x) => x.e);
}

function recordEvents(json: AnalysisJson, idx: FlowIndex): EventExpect[] {
  const out: EventExpect[] = [];
  // position among the events of a kind in a flow (or among flowless ones), as the matcher counts
  const slot = (ev: EventJson) => `${ev.kind} ${ev.flow ?? '-'}`;
  const total = new Map<string, number>();
  for (const ev of json.events) total.set(slot(ev), (total.get(slot(ev)) ?? 0) + 1);
  const seen = new Map<string, number>();
  for (const ev of json.events) {
    const nth = (seen.get(slot(ev)) ?? 0) + 1;
    seen.set(slot(ev), nth);
    if (ev.severity === 'info' || ev.incident !== undefined) continue; // counts hold the info events; an incident's entry, its members
    const e: EventExpect = { note: `${ev.severity}, frame ${ev.frame}: ${ev.message}`, kind: ev.kind };
    if (ev.flow !== null && idx.flow(ev.flow)) {
      e.flow = idx.refOf(ev.flow);
      if (total.get(slot(ev))! > 1) e.nth = nth;
    } else e.frame = ev.frame;
    out.push(e);
  }
  return out;
}

function recordDns(json: AnalysisJson, idx: FlowIndex): DnsExpect[] {
  const seen = new Map<string, number>();
  const total = new Map<string, number>();
  const slotOf = (d: DnsJson) => `${d.question} ${idx.flow(d.flow)?.server} ${d.transport}`;
  for (const d of json.dns) total.set(slotOf(d), (total.get(slotOf(d)) ?? 0) + 1);
  return json.dns.map((d) => {
    const slot = slotOf(d);
    const nth = (seen.get(slot) ?? 0) + 1;
    seen.set(slot, nth);
    const short = (a: string) => (a.length > 60 ? `${a.slice(0, 57)}…` : a);
    const answers = d.answers ?? [];
    const answer = answers.length ? `: ${answers.slice(0, 2).map(short).join(', ')}${answers.length > 2 ? ` and ${answers.length - 2} more` : ''}` : '';
    const how = d.responseFrame !== null ? `frame ${d.queryFrames[0]} → ${d.responseFrame}, ${d.status}${d.rcode ? ` ${d.rcode}` : ''}${d.truncated ? ' (truncated, TC bit)' : ''}${answer}` : `frame ${d.queryFrames[0]}${d.queryFrames.length > 1 ? ` (sent ${d.queryFrames.length} times)` : ''}, ${d.status}`;
    const e: DnsExpect = { note: `DNS over ${d.transport.toUpperCase()}, ${how}`, question: d.question };
    const server = idx.flow(d.flow)?.server;
    if (server !== undefined) e.server = server;
    e.transport = d.transport;
    if (nth > 1 || total.get(slot)! > 1) e.nth = nth;
    e.status = d.status;
    e.rcode = d.rcode;
    return e;
  });
}

function recordQuic(json: AnalysisJson): QuicExpect[] {
  return json.quic.map((q) => {
    const migrations = quicMigrations(json, q.paths);
    const e: QuicExpect = {
      note: `QUIC connection ${q.number}, ${frames(q.frames[0] ?? 0, q.frames[q.frames.length - 1] ?? 0)}: SNI ${q.sni ?? 'unknown'}, ALPN ${q.alpn.join(', ') || 'unknown'}, ${plural(q.paths.length, 'path')}${migrations ? `, migrated ${plural(migrations, 'time')}` : ''}`,
      connection: q.number,
      sni: q.sni,
      alpn: q.alpn,
      versions: q.versions,
    };
    if (q.paths[0]) e.server = q.paths[0].server;
    e.paths = q.paths.length;
    e.migrations = migrations;
    return e;
  });
}

function recordIncidents(json: AnalysisJson): IncidentExpect[] {
  const seen = new Map<string, number>();
  return (json.incidents ?? []).map((i) => {
    const slot = `${i.kind} ${i.subject}`;
    const nth = (seen.get(slot) ?? 0) + 1;
    seen.set(slot, nth);
    const events: Record<string, number> = {};
    for (const ev of json.events) if (ev.incident === i.id) events[ev.kind] = (events[ev.kind] ?? 0) + 1;
    const e: IncidentExpect = { note: `${i.severity}: ${i.message}`, kind: i.kind, subject: i.subject };
    if (nth > 1) e.nth = nth;
    e.flows = i.flows.length;
    e.events = events;
    e.confidence = i.confidence;
    e.duration = round3(i.end - i.start);
    return e;
  });
}

/** The expectations `json` meets; `keep` carries the options of the file being rewritten (keylog, tolerance). */
export function recordExpectations(json: AnalysisJson, keep: Pick<Expectations, 'keylog' | 'tolerance'> = {}): Expectations {
  const idx = new FlowIndex(json.flows);
  const tally = (keys: string[]) => {
    const m: Record<string, number> = {};
    for (const k of keys) m[k] = (m[k] ?? 0) + 1;
    return m;
  };
  const exp: Expectations = {};
  if (keep.keylog !== undefined) exp.keylog = keep.keylog;
  exp.tolerance = keep.tolerance ?? DEFAULT_TOLERANCE;
  exp.noOtherBreaks = true;
  exp.capture = { format: json.capture.format };
  if (json.capture.errors.length) exp.capture.errors = json.capture.errors.map((e) => ({ frame: e.frame, message: e.message }));
  exp.counts = { flows: tally(json.flows.map((f) => f.transport)), events: tally(json.events.map((e) => e.kind)) };
  if (json.incidents?.length) exp.counts.incidents = tally(json.incidents.map((i) => i.kind));
  exp.counts.dns = json.dns.length;
  exp.counts.quic = json.quic.length;
  // the lists only when they have entries: an empty section would be a comment over nothing
  const flows = recordFlows(idx), events = recordEvents(json, idx), dns = recordDns(json, idx), quic = recordQuic(json), incidents = recordIncidents(json);
  if (flows.length) exp.flows = flows;
  if (events.length) exp.events = events;
  if (dns.length) exp.dns = dns;
  if (quic.length) exp.quic = quic;
  if (incidents.length) exp.incidents = incidents;
  return exp;
}

/** The expectations of a capture that cannot be read. */
export function recordUnreadable(error: string, keep: Pick<Expectations, 'keylog' | 'tolerance'> = {}): Expectations {
  return { ...(keep.keylog !== undefined ? { keylog: keep.keylog } : {}), capture: { unreadable: error } };
}
