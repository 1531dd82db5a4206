// The query API's incidents (analysis/api.ts `incidents`, `events({incident})`, answered
// by analysis/capture-query.ts): what the UI will draw an incident card and its swimlane
// from — the incident, its member flows' rows, its member events.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../../analysis/analyze';
import { ApiArgumentError, checkCall, dispatch } from '../../../analysis/api';
import { CaptureQuery } from '../../../analysis/capture-query';
import { StatelineSession } from '../../../analysis/session';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../fixtures/incidents/${name}`, import.meta.url)));

describe('query API: incidents', () => {
  it('incidents() gives each incident with its member flows and events; events({incident}) filters to them', async () => {
    const a = await analyzeCapture(fixture('syn-flood-scan.pcap'));
    const q = new CaptureQuery(a, 'syn-flood-scan.pcap');
    const rows = q.incidents();
    expect(rows.map((r) => [r.id, r.kind, r.title, r.subject])).toEqual([
      [1, 'incident.syn-flood', 'SYN flood', '10.90.8.2:8080'],
      [2, 'incident.scan', 'Scan', '10.90.8.1'],
    ]);
    const [flood, scan] = rows;
    // the same incident as the JSON's, plus what the UI draws
    expect({ ...flood, title: undefined, memberFlows: undefined, events: undefined }).toEqual({ ...a.incidents[0], title: undefined, memberFlows: undefined, events: undefined });
    expect(flood.memberFlows.map((f) => f.id)).toEqual(flood.flows);
    expect(flood.memberFlows.every((f) => f.server === '10.90.8.2:8080' && f.state === 'S0 S')).toBe(true);
    expect(scan.memberFlows.map((f) => Number(f.server.split(':')[1]))).toEqual(Array.from({ length: 50 }, (_, i) => 20 + i));
    expect(scan.events.map((e) => e.frame)).toEqual(scan.frames);
    expect(scan.events.every((e) => e.incident === 2)).toBe(true);
    // events({incident}) pages through the members, with or without a flow
    const page = q.events({ incident: 2, limit: 10 });
    expect([page.total, page.rows.map((e) => e.frame)]).toEqual([50, scan.frames.slice(0, 10)]);
    expect(q.events({ incident: 2, kind: 'tcp.abort' }).rows.map((e) => e.frame)).toEqual([208, 216, 274]);
    expect(q.events({ incident: 1, flow: 3 }).rows.map((e) => [e.frame, e.incident])).toEqual([[3, 1]]);
    expect(q.events({ incident: 2, flow: 3 }).total).toBe(0);
    expect(q.events({ incident: 3 }).total).toBe(0);
  });

  it('events({inIncident}): false leaves the events in no incident (the Breaks view\'s kind groups), true the members', async () => {
    const q = new CaptureQuery(await analyzeCapture(fixture('path-stall.pcap')), 'path-stall.pcap');
    const all = q.events({ limit: 100_000 }).rows;
    const outside = q.events({ inIncident: false, limit: 100_000 });
    expect(outside.total).toBeGreaterThan(0);
    expect(outside.rows).toEqual(all.filter((e) => e.incident === undefined));
    expect(q.events({ inIncident: true, limit: 100_000 }).rows).toEqual(all.filter((e) => e.incident !== undefined));
    expect(q.events({ inIncident: true }).total).toBeGreaterThan(0);
    const kind = outside.rows[0].kind;
    expect(q.events({ inIncident: false, kind }).rows).toEqual(all.filter((e) => e.kind === kind && e.incident === undefined));
  });

  it('a capture without incidents answers none, and its events carry no incident', async () => {
    const q = new CaptureQuery(await analyzeCapture(new Uint8Array(readFileSync(new URL('../../../fixtures/sample.pcapng', import.meta.url)))));
    expect(q.incidents()).toEqual([]);
    const all = q.events({ limit: 1000 }).rows;
    expect(all.length).toBeGreaterThan(0);
    expect(all.some((e) => 'incident' in e)).toBe(false);
  });

  it('the map checks the arguments and the session answers through it', async () => {
    expect(checkCall('incidents', {})).toEqual({});
    expect(checkCall('events', { incident: 4 })).toEqual({ incident: 4 });
    for (const bad of [{ incident: 0 }, { incident: 1.5 }, { incident: '1' }]) expect(() => checkCall('events', bad)).toThrow(ApiArgumentError);
    expect(() => checkCall('incidents', { id: 1 })).toThrow(ApiArgumentError);
    const s = new StatelineSession();
    expect(await dispatch(s, 'incidents', {})).toEqual([]);
    s.openSource({ source: (async function* () { yield fixture('host-lost-state.pcap'); })(), size: null }, { name: 'host-lost-state.pcap', size: null });
    await s.whenSettled();
    const rows = (await dispatch(s, 'incidents', {})) as Awaited<ReturnType<StatelineSession['incidents']>>;
    expect(rows.map((r) => [r.kind, r.subject, r.frames, r.memberFlows.length])).toEqual([['incident.host-lost-state', '10.90.2.2', [37, 39, 41, 43, 45], 5]]);
  });
});
