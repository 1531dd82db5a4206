// `stateline diff A B`: two captures of the same traffic — two vantage points (client
// side and server side of a lossy path), or before and after a change — compared flow
// by flow (OUTPUT.md "Other commands"):
//   - flows matched across the captures (./match: same key, then reversed, then
//     transport + server endpoint + client host, then transport + server endpoint);
//   - for matched flows, the packets each capture lacks: packets are the same when
//     they carry the same identity (./packets decodes it again from the frames): TCP by
//     IP ID, sequence number, payload length and acknowledgement number; UDP and the
//     rest by IP ID and a hash of the payload. Equal identities pair in file order;
//   - the clock offset between the captures and the one-way delay of the matched
//     packets (median, p95), from the time differences of matched packets per direction:
//     with x the median of tB − tA of client → server packets and y that of server →
//     client ones, the capture nearer the client sees client packets first (x − y > 0:
//     A is nearer), and on a symmetric path the offset (B's clock − A's) is (x + y) / 2.
//     A known offset (opts.clockOffset, e.g. 0 for two captures of one host clock) is
//     taken instead, and the two directions' delays then stand on their own;
//   - events only in one capture (an event is in both when the other capture has an
//     event of its kind on the matched packet); changed fields of matched flows: TCP
//     connState and history, the median ACK RTT, each DNS transaction's status.
// Pure: the captures' bytes come as sources, the analyses as CaptureQuery.

import type { CaptureSource } from '../../parsers/capture/index';
import type { CaptureQuery } from '../capture-query';
import type { DnsJson, EventJson, FlowJson } from '../model';
import { matchFlows, type FlowPair } from './match';
import type { CaptureDiff, ChangeJson, DelayJson, DelaySeries, DiffEventJson, DiffJson, MatchedFlowJson, MissingJson, Sender } from './model';

export type * from './model';
import { readDiffPackets, type DiffPacket } from './packets';

export interface DiffOptions {
  /** Points per flow in the delay series (default 2000). */
  maxPoints?: number;
  /** B's clock − A's, seconds, when known (0 for two captures made against one clock). */
  clockOffset?: number;
  signal?: AbortSignal;
}

type Source = CaptureSource;

/** The identity a packet is matched by (see the header). */
function identity(p: DiffPacket, seqBase: number, ackBase: number): string {
  if (!p.tcp) return `${p.ipId} ${p.len} ${p.hash}`;
  const ack = p.ack < 0 ? -1 : (p.ack - ackBase) >>> 0;
  return `${p.ipId} ${(p.seq - seqBase) >>> 0} ${p.len} ${ack}`;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

function delayOf(samples: number[]): DelayJson | null {
  if (!samples.length) return null;
  const s = [...samples].sort((x, y) => x - y);
  return { median: round6(quantile(s, 0.5)), p95: round6(quantile(s, 0.95)), samples: s.length };
}

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((x, y) => x - y);
  return quantile(s, 0.5);
}

/** One matched flow pair's packets, paired. */
interface PairedPackets {
  pair: FlowPair;
  /** [A packet, B packet, direction in A's orientation] */
  both: [DiffPacket, DiffPacket, number][];
  onlyA: DiffPacket[];
  onlyB: DiffPacket[];
}

/** The ISNs the TCP tracker found for a flow's two directions (null: no SYN seen). */
function isns(f: FlowJson): [number | null, number | null] {
  return [f.tcp?.client?.isn ?? null, f.tcp?.server?.isn ?? null];
}

function pairPackets(pair: FlowPair, pa: DiffPacket[], pb: DiffPacket[]): PairedPackets {
  // Absolute numbers, unless both captures saw both SYNs with other ISNs (a middlebox
  // that rewrites sequence numbers): then relative to each capture's own ISNs.
  const [ac, as] = isns(pair.a);
  let [bc, bs] = isns(pair.b);
  if (pair.flipped) [bc, bs] = [bs, bc];
  const rewritten = ac !== null && as !== null && bc !== null && bs !== null && (ac !== bc || as !== bs);
  const baseA = rewritten ? [ac!, as!] : [0, 0];
  const baseB = rewritten ? [bc!, bs!] : [0, 0];
  const dirB = (p: DiffPacket): number => (pair.flipped ? 1 - p.dir : p.dir);
  const queues = new Map<string, DiffPacket[]>();
  for (const p of pa) {
    const k = `${p.dir} ${identity(p, baseA[p.dir], baseA[1 - p.dir])}`;
    const q = queues.get(k);
    if (q) q.push(p);
    else queues.set(k, [p]);
  }
  const both: PairedPackets['both'] = [];
  const onlyB: DiffPacket[] = [];
  const matchedA = new Set<DiffPacket>();
  for (const p of pb) {
    const d = dirB(p);
    const a = queues.get(`${d} ${identity(p, baseB[d], baseB[1 - d])}`)?.shift();
    if (a) {
      both.push([a, p, d]);
      matchedA.add(a);
    } else onlyB.push(p);
  }
  return { pair, both, onlyA: pa.filter((p) => !matchedA.has(p)), onlyB };
}

/** Which capture is nearer the client, the offset, and the per-direction delay samples (seconds). */
function timing(paired: PairedPackets[], given: number | undefined) {
  const dt: [number[], number[]] = [[], []];
  for (const x of paired) for (const [a, b, d] of x.both) dt[d].push(b.time - a.time);
  const mx = median(dt[0]), my = median(dt[1]);
  let offset: number | null = null;
  let offsetFrom: DiffJson['timing']['offsetFrom'] = null;
  if (given !== undefined) {
    offset = given;
    offsetFrom = 'given';
  } else if (mx !== null && my !== null) {
    offset = (mx + my) / 2;
    offsetFrom = 'symmetric-path';
  }
  // A sees the client's packets first when they reach B later than the server's reach A.
  let nearClient: 'a' | 'b' | null = null;
  if (mx !== null && my !== null) nearClient = mx - my >= 0 ? 'a' : 'b';
  else if (mx !== null) nearClient = mx - (offset ?? 0) >= 0 ? 'a' : 'b';
  else if (my !== null) nearClient = my - (offset ?? 0) <= 0 ? 'a' : 'b';
  const sign = nearClient === 'b' ? -1 : 1;
  const off = offset ?? 0;
  /** The one-way delay of a packet of direction d that A saw at tA and B at tA + dt. */
  const oneWay = (d: number, t: number): number => (d === 0 ? sign : -sign) * (t - off);
  return { offset, offsetFrom, nearClient, oneWay };
}

/** Median of the flow's ACK RTT samples (tcp.analysis.ack_rtt), seconds. */
function rttMedian(q: CaptureQuery, flow: number): number | null {
  const idx = q.flowPackets(flow);
  const xs: number[] = [];
  for (let k = 0; k < idx.length; k++) {
    const r = q.packetRow(idx[k]).ackRtt;
    if (r !== null) xs.push(r);
  }
  return median(xs);
}

/** Fields of two matched flows that differ. */
function flowChanges(pair: FlowPair, qa: CaptureQuery, qb: CaptureQuery, dnsA: DnsJson[], dnsB: DnsJson[]): ChangeJson[] {
  const out: ChangeJson[] = [];
  const a = pair.a.id, b = pair.b.id;
  const ta = pair.a.tcp, tb = pair.b.tcp;
  if (ta && tb) {
    if (ta.connState !== tb.connState) out.push({ a, b, field: 'connState', from: ta.connState, to: tb.connState });
    if (ta.history !== tb.history) out.push({ a, b, field: 'history', from: ta.history, to: tb.history });
    const ra = rttMedian(qa, a), rb = rttMedian(qb, b);
    // The RTT an observer measures depends on where it sits: only a real difference counts.
    if (ra !== null && rb !== null && Math.abs(ra - rb) > Math.max(0.001, 0.25 * Math.max(ra, rb)))
      out.push({ a, b, field: 'rttMedian', from: round6(ra), to: round6(rb) });
  }
  // DNS transactions by question and ID, in order.
  const key = (t: DnsJson): string => `${t.id} ${t.question}`;
  const rest = new Map<string, DnsJson[]>();
  for (const t of dnsB) {
    const l = rest.get(key(t));
    if (l) l.push(t);
    else rest.set(key(t), [t]);
  }
  for (const t of dnsA) {
    const u = rest.get(key(t))?.shift();
    if (!u || u.status !== t.status) out.push({ a, b, field: 'dns', question: t.question, id: t.id, from: t.status, to: u?.status ?? null });
  }
  for (const l of rest.values()) for (const u of l) out.push({ a, b, field: 'dns', question: u.question, id: u.id, from: null, to: u.status });
  return out;
}

/** Events without a counterpart in the other capture (see the header). */
function eventsOnlyIn(
  evs: readonly EventJson[],
  other: readonly EventJson[],
  frameMap: Map<number, number>,
  flowMap: Map<number, number>,
): DiffEventJson[] {
  const at = new Map<number, EventJson[]>();
  for (const e of other) {
    const l = at.get(e.frame);
    if (l) l.push(e);
    else at.set(e.frame, [e]);
  }
  // Events outside any flow whose packet has no counterpart: by kind, in order.
  const loose = new Map<string, number>();
  for (const e of other) if (e.flow === null && !frameMap.has(e.frame)) loose.set(e.kind, (loose.get(e.kind) ?? 0) + 1);
  const out: DiffEventJson[] = [];
  for (const e of evs) {
    const f = frameMap.get(e.frame);
    const flow = e.flow === null ? null : flowMap.get(e.flow);
    if (e.flow !== null && flow === undefined) out.push({ kind: e.kind, frame: e.frame, flow: e.flow });
    else if (f !== undefined) {
      const l = at.get(f);
      const i = l ? l.findIndex((x) => x.kind === e.kind && x.flow === flow) : -1;
      if (i < 0) out.push({ kind: e.kind, frame: e.frame, flow: e.flow });
      else l!.splice(i, 1);
    } else if (e.flow === null && (loose.get(e.kind) ?? 0) > 0) loose.set(e.kind, loose.get(e.kind)! - 1);
    else out.push({ kind: e.kind, frame: e.frame, flow: e.flow });
  }
  return out;
}

/**
 * Compare capture A (its analysis `qa`, its bytes `sourceA`, read once more) with B.
 * The sources must be the bytes the analyses were made from.
 */
export async function diffCaptures(qa: CaptureQuery, sourceA: Source, qb: CaptureQuery, sourceB: Source, opts: DiffOptions = {}): Promise<CaptureDiff> {
  const ja = qa.exportJson(), jb = qb.exportJson();
  const m = matchFlows(ja.flows, jb.flows);
  const pa = await readDiffPackets(sourceA, qa.analysis.columns, new Set(m.pairs.map((p) => p.a.id)), opts.signal);
  const pb = await readDiffPackets(sourceB, qb.analysis.columns, new Set(m.pairs.map((p) => p.b.id)), opts.signal);
  const paired = m.pairs.map((p) => pairPackets(p, pa.get(p.a.id)!, pb.get(p.b.id)!));
  const t = timing(paired, opts.clockOffset);

  const matched: MatchedFlowJson[] = [];
  const inB: MissingJson[] = [], inA: MissingJson[] = [];
  const all: [number[], number[]] = [[], []];
  const frameAtoB = new Map<number, number>(), frameBtoA = new Map<number, number>();
  const sender = (d: number): Sender => (d === 0 ? 'client' : 'server');
  const series: DelaySeries[] = [];
  const maxPoints = opts.maxPoints ?? 2000;
  for (const x of paired) {
    const samples: [number[], number[]] = [[], []];
    const points: DelaySeries['points'] = [];
    const every = Math.max(1, Math.ceil(x.both.length / maxPoints));
    for (let k = 0; k < x.both.length; k++) {
      const [a, b, d] = x.both[k];
      const w = t.oneWay(d, b.time - a.time);
      if (k % every === 0) points.push({ t: a.time, dir: d, delay: round6(w) });
      samples[d].push(w);
      all[d].push(w);
      frameAtoB.set(a.index + 1, b.index + 1);
      frameBtoA.set(b.index + 1, a.index + 1);
    }
    const seqA = (p: DiffPacket): number | null => (p.tcp ? qa.packetRow(p.index).seq : null);
    const seqB = (p: DiffPacket): number | null => (p.tcp ? qb.packetRow(p.index).seq : null);
    for (const p of x.onlyA) inB.push({ flow: x.pair.a.id, frameA: p.index + 1, sender: sender(p.dir), seq: seqA(p), len: p.len });
    for (const p of x.onlyB) inA.push({ flow: x.pair.b.id, frameB: p.index + 1, sender: sender(p.dir), seq: seqB(p), len: p.len });
    const { a, b } = x.pair;
    const off = t.offset ?? 0;
    const missing: DelaySeries['missing'] = [
      ...x.onlyA.map((p) => ({ t: p.time, dir: p.dir, frame: p.index + 1, seenIn: 'a' as const })),
      ...x.onlyB.map((p) => ({ t: p.time - off, dir: x.pair.flipped ? 1 - p.dir : p.dir, frame: p.index + 1, seenIn: 'b' as const })),
    ].sort((p, q) => p.t - q.t);
    series.push({ a: a.id, b: b.id, points, missing });
    matched.push({
      a: a.id, b: b.id, by: x.pair.by, transport: a.transport,
      clientA: a.client, serverA: a.server, clientB: b.client, serverB: b.server,
      packets: x.both.length, missingInB: x.onlyA.length, missingInA: x.onlyB.length,
      delay: { clientToServer: delayOf(samples[0]), serverToClient: delayOf(samples[1]) },
    });
  }
  inB.sort((x, y) => x.frameA! - y.frameA!);
  inA.sort((x, y) => x.frameB! - y.frameB!);

  const flowAtoB = new Map(m.pairs.map((p) => [p.a.id, p.b.id]));
  const flowBtoA = new Map(m.pairs.map((p) => [p.b.id, p.a.id]));
  const changes = m.pairs.flatMap((p) =>
    flowChanges(p, qa, qb, ja.dns.filter((d) => d.flow === p.a.id), jb.dns.filter((d) => d.flow === p.b.id)),
  );
  const json: DiffJson = {
    captures: {
      a: { name: qa.name, packets: qa.analysis.packets, flows: ja.flows.length },
      b: { name: qb.name, packets: qb.analysis.packets, flows: jb.flows.length },
    },
    flows: { matched, onlyInA: m.onlyInA.map((f) => f.id), onlyInB: m.onlyInB.map((f) => f.id) },
    missing: { inB, inA },
    timing: {
      offset: t.offset === null ? null : round6(t.offset),
      offsetFrom: t.offsetFrom,
      nearClient: t.nearClient,
      delay: { clientToServer: delayOf(all[0]), serverToClient: delayOf(all[1]) },
    },
    events: {
      onlyInA: eventsOnlyIn(ja.events, jb.events, frameAtoB, flowAtoB),
      onlyInB: eventsOnlyIn(jb.events, ja.events, frameBtoA, flowBtoA),
    },
    changes,
  };
  return { json, series };
}
