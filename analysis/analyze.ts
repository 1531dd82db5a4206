// The pipeline of DESIGN.md: capture reader → decoder → flow table → trackers → model,
// then the incidents the trackers' events add up to (./incidents).
// One reused Packet per record; per-packet facts go to typed columns.
//
// The TCP tracker needs nothing of the other trackers, so a host with a second core can
// run it on another thread (AnalyzeOptions.remoteTcp): this side reads, decodes and
// counts every packet once and hands each TCP segment's header facts over in batches
// (./tcp-feed), and runs every other tracker meanwhile; then it rebuilds the TCP tracker
// from the other thread's state, in its place among the trackers, with its events where
// they were raised: what follows (finish, events, incidents, the JSON, the queries) runs
// as with one thread.

import { CaptureCancelledError, isCaptureSet, readCapture, readCaptureSet, type CaptureInfo, type CaptureRecord, type CaptureSetMember, type SetRecord } from '../parsers/capture/index';
import { DecodeProblem, IpProto, Packet } from '../parsers/decode/index';
import { Analysis, type AnalyzeProgress, type Tracker } from './analysis';
import { FrameFileColumn } from './columns';
import type { Flow, FlowTable } from './flows';
import { findIncidents, incidentOptions } from './incidents/index';
import { TcpFeed, type RemoteTcp, type RemoteTcpRequest } from './tcp-feed';
import { TcpTracker } from './tcp/tracker';
import { createTrackers, type TrackerOptions } from './trackers';

export { Analysis, type AnalyzeProgress, type JsonOptions, type Tracker } from './analysis';

// module constants (read once, not a property load per packet)
const TCP = IpProto.TCP, UDP = IpProto.UDP;

export interface AnalyzeOptions {
  onProgress?(p: AnalyzeProgress): void;
  totalBytes?: number;
  signal?: AbortSignal;
  /** Options of the protocol trackers (key log, thresholds). */
  trackerOptions?: TrackerOptions;
  /** Extra trackers, after the analysis's own per protocol. */
  trackers?: Tracker[];
  /** How many decode problems to list in capture.errors (the rest are counted). */
  maxDecodeErrors?: number;
  /** The flow table's bound (default DEFAULT_MAX_FLOWS): reading stops with a capture error at the packet that would exceed it. */
  maxFlows?: number;
  /**
   * Key flows by the 5-tuple alone, merging the same 5-tuple on different VLANs into
   * one flow (Zeek's default conn key; Wireshark's conversations). Default false: the
   * VLAN IDs are part of the key (Zeek's vlan_fivetuple), flows[].vlan lists them.
   */
  mergeVlans?: boolean;
  /**
   * Keep what only reading frames back and per-packet rows use (default true): each
   * packet's wire length, TCP flags and record offset, and the TCP tracker's relative
   * seq/ack, window, bytes in flight and RTT samples. `stateline analyze` needs none of
   * them (false): 17 bytes per packet instead of 27 + 16 (README "Speed and memory").
   */
  packetDetail?: boolean;
  /**
   * Run the TCP tracker on another thread (when the TCP tracker runs at all): a
   * TcpFeedTracker there, fed this reading's TCP segments. Called before reading, with
   * what the tracker there is made with, and a signal that aborts when its result is no
   * longer wanted (this analysis failed or was cancelled).
   */
  remoteTcp?: (req: RemoteTcpRequest, signal: AbortSignal) => RemoteTcp;
}

/** The flow of a decoded packet (null: none) with its counters updated. */
function countInFlow(flows: FlowTable, pkt: Packet, frame: number, time: number, origLen: number): Flow | null {
  const f = pkt.ipVersion !== 0 ? flows.lookup(pkt, frame, time) : null;
  if (f === null) return null;
  const dir = flows.fromA === f.clientIsA ? 0 : 1;
  f.lastFrame = frame;
  if (time > f.end) f.end = time;
  if (dir === 0) {
    f.clientPackets++;
    f.clientBytes += origLen;
  } else {
    f.serverPackets++;
    f.serverBytes += origLen;
  }
  return f;
}

/**
 * Analyses one capture, or a capture set (an array of files: parsers/capture/set reads
 * them as one capture in timestamp order, frames numbered across the set).
 */
export async function analyzeCapture(
  source: AsyncIterable<Uint8Array> | Uint8Array | readonly CaptureSetMember[],
  opts: AnalyzeOptions = {},
): Promise<Analysis> {
  const a = new Analysis();
  const flows = a.flows;
  if (opts.maxFlows !== undefined) flows.maxFlows = opts.maxFlows;
  flows.mergeVlans = opts.mergeVlans === true;
  if (opts.packetDetail === false) a.columns.withoutDetail(); // before the trackers' onStart: they look
  const incidentOpts = incidentOptions(opts.trackerOptions?.incidents); // a bad threshold fails before reading
  const own = createTrackers(opts.trackerOptions ?? {});
  const builtIn = own.length;
  const trackers = [...own, ...(opts.trackers ?? [])];
  a.trackers = trackers;
  // The TCP tracker on another thread: this one's stays out of the reading, and is
  // replaced by the other's after it (`remote` is awaited only then: a failure before
  // is not left unhandled).
  const tcpAt = opts.remoteTcp ? trackers.findIndex((t) => t instanceof TcpTracker) : -1;
  const stopRemote = new AbortController();
  const cancel = (): void => stopRemote.abort();
  opts.signal?.addEventListener('abort', cancel, { once: true });
  const remote = tcpAt >= 0
    ? opts.remoteTcp!({ packetDetail: opts.packetDetail !== false, tcp: { idleSeconds: opts.trackerOptions?.tcpIdleSeconds } }, stopRemote.signal)
    : null;
  try {
    return await analyzeWith(a, source, trackers, builtIn, tcpAt, remote, incidentOpts, opts);
  } finally {
    opts.signal?.removeEventListener('abort', cancel);
    stopRemote.abort(); // settled, or not wanted any more
  }
}

/** analyzeCapture once its trackers are made: read, finish, index. */
async function analyzeWith(
  a: Analysis,
  source: AsyncIterable<Uint8Array> | Uint8Array | readonly CaptureSetMember[],
  trackers: Tracker[],
  /** How many of `trackers` are the analysis's own (createTrackers), before the extra ones. */
  builtIn: number,
  tcpAt: number,
  remote: RemoteTcp | null,
  incidentOpts: ReturnType<typeof incidentOptions>,
  opts: AnalyzeOptions,
): Promise<Analysis> {
  const pkt = new Packet();
  const decoder = a.decoder;
  const flows = a.flows;
  const cols = a.columns;
  for (const t of trackers) t.onStart?.(a);
  const maxErrors = opts.maxDecodeErrors ?? 100;
  let lastProgressPackets = 0;
  let lastBytes = 0;

  // After the first records, the file size tells roughly how many packets follow:
  // reserve the columns for them (10% over; they still grow if the guess was short).
  const ESTIMATE_AFTER = 4096;
  let lastLinkType = -1;
  const wants = (t: Tracker, proto: number | null): boolean =>
    !t.ipProtocols || (proto === null ? t.ipProtocols.some((p) => p !== TCP && p !== UDP) : t.ipProtocols.includes(proto));
  const reading = trackers.filter((_, i) => i !== tcpAt);
  const forTcp = reading.filter((t) => wants(t, TCP));
  const forUdp = reading.filter((t) => wants(t, UDP));
  const forRest = reading.filter((t) => wants(t, null));
  const withOther = reading.filter((t) => t.onOther);
  const feed = remote ? new TcpFeed((b) => remote.send(b), () => remote.spare?.() ?? null) : null;
  const onRecord = (r: CaptureRecord): void => {
    const time = r.tsSec + r.tsNsec / 1e9;
    const frame = r.frame;
    // (r.offset: where this record starts, so the bytes the first records took)
    if (frame === ESTIMATE_AFTER && opts.totalBytes && r.offset > 0) cols.reserve(Math.ceil((opts.totalBytes / r.offset) * ESTIMATE_AFTER * 1.1));
    decoder.decodeAt(pkt, r.bytes, r.bytesOff, r.capLen, r.linkType, frame); // (no view of the record made)
    // First the flow: a full table stops reading here (CaptureStop), before this
    // record has counted anywhere.
    const f = countInFlow(flows, pkt, frame, time, r.origLen);
    if (a.start === null || time < a.start) a.start = time;
    if (a.end === null || time > a.end) a.end = time;
    a.bytes += r.capLen;
    if (r.linkType !== lastLinkType) a.linkTypes.add(lastLinkType = r.linkType); // a Set lookup per packet costs
    if (pkt.problem === DecodeProblem.TRUNCATED || pkt.problem === DecodeProblem.MALFORMED) {
      a.decodeProblems++;
      if (a.decodeErrors.length < maxErrors) {
        const s = r as Partial<SetRecord>; // a set's record names its file and its frame there
        a.decodeErrors.push(s.file === undefined
          ? { frame, offset: r.offset, message: `frame ${frame}: ${pkt.problemMessage} (byte ${pkt.problemOffset} of the packet)` }
          : { frame, offset: r.offset, message: `frame ${frame} (${s.file}:${s.fileFrame}): ${pkt.problemMessage} (byte ${pkt.problemOffset} of the packet)`, file: s.file });
      }
    }
    if (f === null) {
      if (pkt.ipVersion === 0) a.nonIpPackets++;
      cols.push(time, 0, 0, r.origLen, pkt.payloadWireLen, 0, r.dataOffset, r.capLen, r.linkType);
      for (let i = 0; i < withOther.length; i++) withOther[i].onOther!(pkt, frame, time);
      return;
    }
    const dir = flows.fromA === f.clientIsA ? 0 : 1;
    cols.push(time, f.id, dir, r.origLen, pkt.payloadWireLen, pkt.ipProto === TCP ? pkt.tcpFlags : 0, r.dataOffset, r.capLen, r.linkType);
    const proto = pkt.ipProto;
    const list = proto === TCP ? forTcp : proto === UDP ? forUdp : forRest;
    for (let i = 0; i < list.length; i++) list[i].onPacket(pkt, f, dir, frame, time);
    if (feed !== null && proto === TCP) feed.segment(pkt, f, dir, frame, time);
    if (opts.onProgress && cols.length - lastProgressPackets >= 65536) lastProgressPackets = cols.length;
  };

  const readOpts = {
    onRecord,
    onFormat: (info: CaptureInfo) => {
      for (const t of trackers) t.onCaptureHeader?.(info);
    },
    totalBytes: opts.totalBytes,
    signal: opts.signal,
    onProgress: opts.onProgress
      ? (bytesRead: number, totalBytes: number | undefined) => opts.onProgress!({ bytesRead: (lastBytes = bytesRead), totalBytes, packets: cols.length, phase: 'reading' })
      : undefined,
  };
  if (isCaptureSet(source)) {
    // Each packet's file, to read its bytes back from it: pushed once the record has
    // its columns (onRecord throws before them when it stops the reading).
    const frameFiles = (a.frameFiles = new FrameFileColumn());
    const set = await readCaptureSet(source, {
      ...readOpts,
      onRecord: (r: SetRecord) => {
        onRecord(r);
        frameFiles.push(r.fileIndex);
      },
    });
    a.info = set.info;
    a.files = set.files;
  } else a.info = await readCapture(source, readOpts);
  // Every byte is read; what follows can take seconds on a large capture. A caller that
  // watches progress is told which phase runs, and the event loop gets a turn before
  // each (a host answers its status poll with the new phase, not a frozen "100%").
  const phase = async (p: AnalyzeProgress['phase']): Promise<void> => {
    if (!opts.onProgress) return;
    opts.onProgress({ bytesRead: lastBytes, totalBytes: opts.totalBytes, packets: cols.length, phase: p });
    await new Promise<void>((ok) => setTimeout(ok, 0));
  };
  feed?.flush();
  await phase('finishing');
  let early: Tracker[] = [];
  if (remote) {
    const answer = remote.end();
    // While the other thread takes the last batch and packs its tracker's state: the
    // other protocol trackers of the analysis (before any extra one) finish here. They
    // need nothing of the TCP tracker's state, and each raises events under its own
    // source, so the events come out as after one thread's finish in tracker order.
    early = trackers.slice(0, builtIn).filter((_, i) => i !== tcpAt);
    for (const t of early) t.finish(a);
    for (const t of early) if (t.finishAsync) await t.finishAsync(a);
    // the other thread's TCP tracker, as if it had been here: its events first in the
    // TCP source's list (raised during the packets, before any finish() event)
    const r = await answer.catch((e: unknown) => {
      throw opts.signal?.aborted ? new CaptureCancelledError() : e;
    });
    const tcp = TcpTracker.fromTransfer(r.tracker, flows.flows);
    const raised = a.raisedBy('tcp');
    const here = raised.splice(0);
    for (const e of r.events) raised.push(e);
    for (const e of here) raised.push(e);
    tcp.onStart(a);
    trackers[tcpAt] = tcp;
  }
  const late = trackers.filter((t) => !early.includes(t));
  for (const t of late) t.finish(a);
  for (const t of late) if (t.finishAsync) await t.finishAsync(a);
  a.sealEvents();
  await phase('indexing');
  // after the trackers, over their events and flows: the causes behind them
  a.incidents = findIncidents(a, incidentOpts);
  return a;
}
