// Analysis → the stable JSON of OUTPUT.md: as one object (toJson), or as text streamed
// element by element (jsonText), so that `analyze --json` never holds the whole JSON.
// Both build each element the same way (jsonFlow, the trackers' rows), so the streamed
// text is JSON.stringify(toJson(a)) byte for byte.

import type { Analysis, JsonOptions } from './analysis';
import type { AnalysisJson, CaptureSummaryJson, DnsJson, FlowJson, QuicJson } from './model';
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
    ...(a.files ? { files: a.files.map((f) => ({ ...f, linkTypes: [...f.linkTypes] })) } : {}),
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

/** One flow's JSON with the trackers' parts (flows[].tcp). */
function jsonFlow(a: Analysis, f: Flow): FlowJson {
  const json = flowJson(f);
  for (const t of a.trackers) t.addToFlowJson?.(f, json);
  return json;
}

function* dnsRows(a: Analysis): Generator<DnsJson> {
  for (const t of a.trackers) if (t.dnsRows) yield* t.dnsRows();
}

function* quicRows(a: Analysis): Generator<QuicJson> {
  for (const t of a.trackers) if (t.quicRows) yield* t.quicRows();
}

export function toJson(a: Analysis, opts: JsonOptions = {}): AnalysisJson {
  const rows = opts.transactions !== false;
  return {
    capture: captureSummary(a),
    flows: (opts.maxFlows === undefined ? a.flows.flows : a.flows.flows.slice(0, opts.maxFlows)).map((f) => jsonFlow(a, f)),
    events: a.events,
    // only when there are any: a capture without incidents prints as it did before them
    ...(a.incidents.length ? { incidents: a.incidents } : {}),
    dns: rows ? [...dnsRows(a)] : [],
    quic: rows ? [...quicRows(a)] : [],
  };
}

/**
 * JSON.stringify(toJson(a)) as pieces: the capture summary, then every element of the
 * arrays built and stringified one at a time, so that only one element (and the
 * writer's buffer) is held at once. Pieces are concatenated up to about `pieceSize`
 * characters (one write each).
 */
export function* jsonText(a: Analysis, pieceSize = 1 << 16): Generator<string> {
  let buf = `{"capture":${JSON.stringify(captureSummary(a))}`;
  function* array(key: string, items: Iterable<unknown>): Generator<string> {
    buf += `,${JSON.stringify(key)}:[`;
    let first = true;
    for (const item of items) {
      buf += first ? JSON.stringify(item) : `,${JSON.stringify(item)}`;
      first = false;
      if (buf.length >= pieceSize) {
        yield buf;
        buf = '';
      }
    }
    buf += ']';
  }
  yield* array('flows', (function* () {
    for (const f of a.flows.flows) yield jsonFlow(a, f);
  })());
  yield* array('events', a.events);
  if (a.incidents.length) yield* array('incidents', a.incidents);
  yield* array('dns', dnsRows(a));
  yield* array('quic', quicRows(a));
  yield `${buf}}`;
}
