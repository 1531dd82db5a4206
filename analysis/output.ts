// Analysis → the stable JSON of OUTPUT.md.

import type { Analysis, JsonOptions } from './analysis';
import type { AnalysisJson, CaptureSummaryJson, FlowJson } from './model';
import type { Flow } from './flows';

export function captureSummary(a: Analysis): CaptureSummaryJson {
  const unsupported: { what: string; packets: number }[] = [];
  const s = a.decoder.stats;
  for (const [lt, n] of s.unsupportedLinkTypes) unsupported.push({ what: `link type ${lt}`, packets: n });
  for (const [et, n] of s.unsupportedEtherTypes) unsupported.push({ what: `EtherType 0x${et.toString(16).padStart(4, '0')}`, packets: n });
  const errors = [...a.info.errors, ...a.decodeErrors].sort((x, y) => x.frame - y.frame || x.offset - y.offset);
  return {
    format: a.info.format,
    compressed: a.info.compressed,
    packets: a.packets,
    bytes: a.bytes,
    linkTypes: [...a.linkTypes].sort((x, y) => x - y),
    start: a.start,
    end: a.end,
    errors,
    unsupported,
    decodeProblems: a.decodeProblems,
    nonIpPackets: a.nonIpPackets,
  };
}

export function flowJson(f: Flow): FlowJson {
  const json: FlowJson = {
    id: f.id,
    transport: f.transport,
    app: f.app,
    client: f.endpoint(true),
    server: f.endpoint(false),
    firstFrame: f.firstFrame,
    lastFrame: f.lastFrame,
    start: f.start,
    end: f.end,
    packets: f.clientPackets + f.serverPackets,
    bytes: f.clientBytes + f.serverBytes,
    clientPackets: f.clientPackets,
    clientBytes: f.clientBytes,
    serverPackets: f.serverPackets,
    serverBytes: f.serverBytes,
    clientBy: f.clientBy,
  };
  // Only tagged flows have the field, so an untagged capture's JSON is as it was.
  if (f.vlan !== null) json.vlan = f.vlan.slice();
  return json;
}

export interface FlowCounts {
  total: number;
  /** Flows per transport, in order of each transport's first flow. */
  byTransport: [string, number][];
}

export function flowCounts(a: Analysis): FlowCounts {
  const n = new Map<string, number>();
  for (const f of a.flows.flows) n.set(f.transport, (n.get(f.transport) ?? 0) + 1);
  return { total: a.flows.size, byTransport: [...n] };
}

export function toJson(a: Analysis, opts: JsonOptions = {}): AnalysisJson {
  const json: AnalysisJson = {
    capture: captureSummary(a),
    flows: (opts.maxFlows === undefined ? a.flows.flows : a.flows.flows.slice(0, opts.maxFlows)).map(flowJson),
    events: a.events,
    // only when there are any: a capture without incidents prints as it did before them
    ...(a.incidents.length ? { incidents: a.incidents } : {}),
    dns: [],
    quic: [],
  };
  for (const t of a.trackers) t.contribute?.(json, a, opts);
  return json;
}
