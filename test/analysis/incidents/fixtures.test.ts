// The incidents (analysis/incidents) on the captures of fixtures/incidents/ (recorded from
// real stacks by record-incidents.sh; README.md there lists the frames): per capture, the
// incident's kind, subject, member events (kind and frame), flows (by their endpoints),
// window and downtime, exactly. The per-flow facts these rest on are checked in
// test/fixtures/incidents.test.ts; the times here are read from the pcap records
// themselves (sec + µs), not from the analysis.
//
// resolver-down's failovers come from dns.failover (the DNS tracker) and middlebox-reset
// from tcp.injected-reset (the TCP tracker).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../../analysis/analyze';
import type { AnalysisJson, IncidentJson } from '../../../analysis/model';
import { toJson } from '../../../analysis/output';

const DIR = new URL('../../../fixtures/incidents/', import.meta.url);

/** Each record's time, from the classic little-endian µs pcap the fixtures are. */
function recordTimes(buf: Buffer): number[] {
  expect(buf.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const out: number[] = [];
  for (let off = 24; off < buf.length; off += 16 + buf.readUInt32LE(off + 8)) out.push(buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) / 1e6);
  return out;
}

interface Loaded {
  json: AnalysisJson;
  incidents: IncidentJson[];
  /** Time of a frame, from the record. */
  t(frame: number): number;
  /** "frame kind" of an incident's member events. */
  members(inc: IncidentJson): string[];
  /** The client → server of each flow of an incident. */
  flowEnds(inc: IncidentJson): string[];
}

async function load(name: string): Promise<Loaded> {
  const buf = readFileSync(new URL(name, DIR));
  const json = toJson(await analyzeCapture(new Uint8Array(buf)));
  const times = recordTimes(buf);
  const incidents = json.incidents ?? [];
  // the contract of every incident: ids in start order, frames and flows those of its
  // member events (ascending), each member event marked with its id, no other event marked
  incidents.forEach((inc, k) => {
    expect(inc.id).toBe(k + 1);
    if (k) expect(inc.start).toBeGreaterThanOrEqual(incidents[k - 1].start);
    const evs = json.events.filter((e) => e.incident === inc.id);
    expect(inc.frames).toEqual([...new Set(evs.map((e) => e.frame))].sort((a, b) => a - b));
    expect(inc.flows).toEqual([...new Set(evs.map((e) => e.flow!))].sort((a, b) => a - b));
    expect(inc.start).toBe(Math.min(...evs.map((e) => e.time)));
    expect(inc.end).toBe(Math.max(...evs.map((e) => e.time)));
    expect(inc.flows.length).toBeGreaterThanOrEqual(2);
    expect(inc.message).not.toMatch(/\n/);
    expect(inc.evidence.length).toBeGreaterThan(0);
    expect(inc.explanation.length).toBeGreaterThan(100);
  });
  expect(json.events.filter((e) => e.incident !== undefined && !incidents.some((i) => i.id === e.incident))).toEqual([]);
  return {
    json,
    incidents,
    t: (frame) => times[frame - 1],
    members: (inc) => json.events.filter((e) => e.incident === inc.id).map((e) => `${e.frame} ${e.kind}`),
    flowEnds: (inc) => inc.flows.map((id) => json.flows.find((f) => f.id === id)!).map((f) => `${f.client} → ${f.server}`),
  };
}

const seq = (a: number, b: number, step = 1) => Array.from({ length: Math.floor((b - a) / step) + 1 }, (_, i) => a + i * step);
const close = (x: number, y: number) => expect(x).toBeCloseTo(y, 5);

describe('incidents on fixtures/incidents', () => {
  it('server-restart: one server-lost-state of 10.90.1.2:8080 — 5 connections reset, 3 SYNs refused while down, back at 53', async () => {
    const r = await load('server-restart.pcap');
    expect(r.incidents.map((i) => [i.kind, i.subject])).toEqual([['incident.server-lost-state', '10.90.1.2:8080']]);
    const [inc] = r.incidents;
    expect(r.members(inc)).toEqual([
      '37 tcp.refused', '39 tcp.refused', '41 tcp.refused',
      '43 tcp.peer-lost-state', '45 tcp.peer-lost-state', '47 tcp.peer-lost-state', '49 tcp.peer-lost-state', '51 tcp.peer-lost-state',
    ]);
    expect(r.flowEnds(inc)).toEqual([
      ...seq(41001, 41005).map((p) => `10.90.1.1:${p} → 10.90.1.2:8080`),
      ...seq(41011, 41013).map((p) => `10.90.1.1:${p} → 10.90.1.2:8080`),
    ]);
    close(inc.start, r.t(37));
    close(inc.end, r.t(51));
    // last proof of state: the echo on connection 5 (34); refused 37…41; back: the SYN-ACK of 53
    expect(inc.downtime).toMatchObject({ lastUp: 34, firstDown: 37, lastDown: 41, backUp: 53 });
    close(inc.downtime!.atLeast, r.t(41) - r.t(37));
    close(inc.downtime!.atMost!, r.t(53) - r.t(34));
    expect(inc.message).toMatch(/^10\.90\.1\.2:8080 lost the state of 5 connections within 401 ms .*3 SYNs refused while it was down.*down for at least 858 ms, at most 4\.42 s; back at frame 53$/);
    expect(inc.alternatives.join(' ')).toMatch(/The process, not the host: 10\.90\.1\.2 itself answered the SYNs of frames 37, 39 and 41/);
    expect(inc.confidence).toBe('high');
    // every event of the capture is a symptom of this one cause
    expect(r.json.events.every((e) => e.incident === 1)).toBe(true);
  });

  it('host-lost-state: one incident about 10.90.2.2 (not one per port) — 3 connections on :8081 and 2 on :8082, back on :8083 at 47', async () => {
    const r = await load('host-lost-state.pcap');
    expect(r.incidents.map((i) => [i.kind, i.subject])).toEqual([['incident.host-lost-state', '10.90.2.2']]);
    const [inc] = r.incidents;
    expect(r.members(inc)).toEqual(seq(37, 45, 2).map((f) => `${f} tcp.peer-lost-state`));
    expect(r.flowEnds(inc)).toEqual(['42001 → 10.90.2.2:8081', '42002 → 10.90.2.2:8082', '42003 → 10.90.2.2:8081', '42004 → 10.90.2.2:8082', '42005 → 10.90.2.2:8081'].map((s) => `10.90.2.1:${s}`));
    close(inc.start, r.t(37));
    close(inc.end, r.t(45));
    expect(inc.downtime).toMatchObject({ lastUp: 34, firstDown: 37, lastDown: 45, backUp: 47, atLeast: 0 });
    close(inc.downtime!.atMost!, r.t(47) - r.t(34));
    expect(inc.message).toMatch(/^10\.90\.2\.2 lost the state of 5 connections on 2 ports \(:8081 ×3, :8082 ×2\)/);
    expect(inc.explanation).toMatch(/10\.90\.2\.2:8083 answered a new connection/);
  });

  // glibc's failover to the second nameserver is dns.failover (DNS tracker); where it is
  // raised it joins the incident, and the message says the lookups were only delayed.
  const resolverDown = async (name: string, sub: number, icmp: boolean) => {
    const r = await load(name);
    expect(r.incidents.map((i) => [i.kind, i.subject])).toEqual([['incident.resolver-down', `10.90.${sub}.53:53`]]);
    const [inc] = r.incidents;
    const queries = icmp ? [3, 7, 11, 15] : [3, 6, 9, 12];
    const failovers = r.json.events.filter((e) => e.kind === 'dns.failover').map((e) => `${e.frame} dns.failover`);
    expect(r.members(inc)).toEqual(
      [...queries.map((f) => `${f} dns.unanswered`), ...(icmp ? queries.map((f) => `${f + 1} udp.port-unreachable`) : []), ...failovers]
        .sort((a, b) => parseInt(a) - parseInt(b)),
    );
    close(inc.start, r.t(3));
    // the first lookup (1 → 2) and the last (after the outage) were answered by the same resolver
    const back = icmp ? 20 : 16;
    expect(inc.downtime).toMatchObject({ lastUp: 2, firstDown: 3, backUp: back });
    close(inc.downtime!.atMost!, r.t(back) - r.t(2));
    return { r, inc, failovers };
  };

  it('resolver-down-icmp: 10.90.3.53:53 — 4 queries bounced by ICMP port unreachable, none answered between the answers of frames 2 and 20', async () => {
    const { r, inc } = await resolverDown('resolver-down-icmp.pcap', 3, true);
    // bounced at once: proven failed, whatever came after — down at least from the first query to the last ICMP
    expect(inc.downtime!.lastDown).toBe(16);
    close(inc.downtime!.atLeast, r.t(16) - r.t(3));
    expect(inc.explanation).toMatch(/Its host refused each at once with ICMP port unreachable \(frames 4, 8, 12 and 16\)/);
    expect(inc.confidence).toBe('high');
  });

  it('resolver-down-silent: 10.90.4.53:53 — 4 queries unanswered, none answered between the answers of frames 2 and 16', async () => {
    const { inc } = await resolverDown('resolver-down-silent.pcap', 4, false);
    expect(inc.explanation).toMatch(/Nothing came back at all/);
  });

  it('resolver-down (both): each lookup failed over to the second resolver joins the incident, and the message says they were only delayed', async () => {
    for (const [name, sub, icmp, delay] of [['resolver-down-icmp.pcap', 3, true, /delayed by \d+ µs/], ['resolver-down-silent.pcap', 4, false, /delayed by 1\.00 s/]] as const) {
      const { r, inc, failovers } = await resolverDown(name, sub, icmp);
      expect(failovers).toEqual((icmp ? [5, 9, 13, 17] : [4, 7, 10, 13]).map((f) => `${f} dns.failover`));
      expect(inc.message).toMatch(new RegExp(`all 4 lookups failed over to 10\\.90\\.${sub}\\.54:53 and were answered`));
      expect(inc.message).toMatch(delay);
      // every failed query is then proven failed (the client gave up on it)
      expect(inc.downtime!.lastDown).toBe(icmp ? 16 : 12);
      close(inc.end, r.t(icmp ? 17 : 13));
    }
  });

  it('client-gone: 10.90.5.1 — 4 answers on 2 sockets bounced by its own ICMP port unreachable', async () => {
    const r = await load('client-gone.pcap');
    expect(r.incidents.map((i) => [i.kind, i.subject])).toEqual([['incident.client-gone', '10.90.5.1']]);
    const [inc] = r.incidents;
    expect(r.members(inc)).toEqual([7, 9, 11, 13].map((f) => `${f} dns.client-gone`));
    expect(r.flowEnds(inc).map((s) => s.replace(/:\d+ →/, ':* →'))).toEqual(['10.90.5.1:* → 10.90.5.2:53', '10.90.5.1:* → 10.90.5.2:53']);
    close(inc.start, r.t(7));
    close(inc.end, r.t(13));
    expect(inc.downtime).toBeUndefined();
    // the queries (3–6), the answers 2 s later, the ICMPs (8–14) are named
    expect(inc.explanation).toMatch(/\(frames 3, 4, 5 and 6, from 2 sockets\)/);
    expect(inc.explanation).toMatch(/ICMP port unreachable \(frames 8, 10, 12 and 14\)/);
    expect(inc.message).toMatch(/the answers came 2\.00 s after the queries$/);
  });

  it('middlebox-reset: the forged resets 23 and 25 are one middlebox-reset between 10.90.6.1 and 10.90.7.2, not the server losing state', async () => {
    const r = await load('middlebox-reset.pcap');
    expect(r.incidents.map((i) => [i.kind, i.subject, i.frames])).toEqual([['incident.middlebox-reset', '10.90.6.1 ⇄ 10.90.7.2', [23, 25]]]);
    const [inc] = r.incidents;
    expect(r.members(inc)).toEqual(['23 tcp.injected-reset', '25 tcp.injected-reset']);
    close(inc.start, r.t(23));
    close(inc.end, r.t(25));
    // :8081 through the same router kept working
    expect(inc.explanation).toMatch(/flow 3/);
  });

  it('syn-flood-scan: a syn-flood of 10.90.8.2:8080 (200 SYNs, frames 1–200) and a scan from 10.90.8.1 (ports 20–69, frames 202–306)', async () => {
    const r = await load('syn-flood-scan.pcap');
    expect(r.incidents.map((i) => [i.kind, i.subject])).toEqual([['incident.syn-flood', '10.90.8.2:8080'], ['incident.scan', '10.90.8.1']]);
    const [flood, scan] = r.incidents;
    expect(r.members(flood)).toEqual(seq(1, 200).map((f) => `${f} tcp.unanswered`));
    expect(flood.flows).toEqual(seq(1, 200));
    close(flood.start, r.t(1));
    close(flood.end, r.t(200));
    expect(flood.message).toBe('200 SYNs to 10.90.8.2:8080 from 200 ports of 10.90.8.1 in 437 ms (up to 200 within a second), none answered, none sent again');
    // the scan: 47 refused (the RST,ACK frames) and the 3 open ports reset by the scanner (208, 216, 274)
    const aborts = [208, 216, 274];
    const refused = r.json.events.filter((e) => e.kind === 'tcp.refused').map((e) => e.frame);
    expect(refused.length).toBe(47);
    expect(r.members(scan)).toEqual([...refused.map((f) => `${f} tcp.refused`), ...aborts.map((f) => `${f} tcp.abort`)].sort((a, b) => parseInt(a) - parseInt(b)));
    expect(r.flowEnds(scan).map((s) => Number(s.split(':').pop()))).toEqual(seq(20, 69));
    close(scan.start, r.t(refused[0]));
    close(scan.end, r.t(306));
    expect(scan.message).toMatch(/^10\.90\.8\.1 probed 50 ports of 10\.90\.8\.2 \(20–69\) in [\d.]+ ms: 47 refused and 3 open \(22, 25, 53\), reset by 10\.90\.8\.1 right after the handshake$/);
    expect(r.json.events.every((e) => e.incident !== undefined)).toBe(true);
  });

  it('path-stall: 10.90.9.1 ⇄ 10.90.9.2 — flows 1 and 2 resend through the 2 s stall, flow 3 falls silent; the unrelated spurious retransmission stays out', async () => {
    const r = await load('path-stall.pcap');
    expect(r.incidents.map((i) => [i.kind, i.subject])).toEqual([['incident.path-stall', '10.90.9.1 ⇄ 10.90.9.2']]);
    const [inc] = r.incidents;
    expect(r.members(inc)).toEqual([89, 90, 91, 92, 93, 94, 95, 96, 97, 103].map((f) => `${f} tcp.retransmission`));
    expect(r.flowEnds(inc)).toEqual(['10.90.9.1:43001 → 10.90.9.2:9001', '10.90.9.1:43002 → 10.90.9.2:9002']);
    close(inc.start, r.t(89));
    close(inc.end, r.t(103));
    // lost at least from the later original (88) to the earlier next-to-last copy (95): inside the bridge's stall
    const log = readFileSync(new URL('path-stall.bridge.txt', DIR), 'utf8');
    const from = Number(/^stall from ([\d.]+)/m.exec(log)![1]), to = Number(/^stall end ([\d.]+)$/m.exec(log)![1]);
    expect(r.t(88)).toBeGreaterThan(from);
    expect(r.t(95)).toBeLessThan(to);
    const rel = (f: number) => (r.t(f) - r.t(1)).toFixed(3);
    expect(inc.message).toContain(`the path lost everything from ${rel(88)} s to ${rel(95)} s at least`);
    expect(inc.message).toContain('1 more fell silent');
    expect(inc.explanation).toMatch(/Flow 3 between the same hosts carried no packet at all over that time/);
    expect(r.json.events.filter((e) => e.incident === undefined).map((e) => `${e.frame} ${e.kind}`)).toEqual(['80 tcp.spurious-retransmission', '81 tcp.duplicate-ack']);
  });
});
