// The pipeline of DESIGN.md: capture reader → decoder → flow table → trackers → model.
// One reused Packet per record; per-packet facts go to typed columns.

import { readCapture, type CaptureInfo, type CaptureRecord } from '../parsers/capture/index';
import { Decoder, DecodeProblem, Packet } from '../parsers/decode/index';
import { PacketColumns } from './columns';
import { FlowTable, type Flow } from './flows';
import type { AnalysisJson, CaptureErrorJson, EventJson, Severity } from './model';
import { createTrackers, type TrackerOptions } from './trackers';

/** What toJson builds: the transaction lists (dns[], quic[]) cost time and memory that a summary does not need. */
export interface JsonOptions {
  /** Build dns[] and quic[] (default true). */
  transactions?: boolean;
  /** Build flows[] for the first N flows only (default: all); the summary shows 100. */
  maxFlows?: number;
}

/** Something that follows protocol state across the packets of a capture. */
export interface Tracker {
  /**
   * The IP protocols (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, …) whose packets this tracker
   * wants in onPacket; absent = all. The pipeline calls each tracker only for those,
   * sparing a call per tracker per packet it would ignore.
   */
  readonly ipProtocols?: readonly number[];
  /** Called for every packet that belongs to a flow; `dir` 0 = client → server. */
  onPacket(pkt: Packet, flow: Flow, dir: number, frame: number, time: number): void;
  /** Once the capture's format is known, before the first packet (e.g. whether it can embed TLS secrets). */
  onCaptureHeader?(info: CaptureInfo): void;
  /** Called for packets outside any flow (ICMP errors are also given to onPacket). */
  onOther?(pkt: Packet, frame: number, time: number): void;
  /** After the last packet: emit end-of-capture events. */
  finish(analysis: Analysis): void;
  /** After every finish(): work that must await (QUIC decryption with WebCrypto). */
  finishAsync?(analysis: Analysis): Promise<void>;
  /** Add this tracker's part to the JSON (flows[].tcp, dns[], quic[], …). */
  contribute?(json: AnalysisJson, analysis: Analysis, opts: JsonOptions): void;
}

export interface AnalyzeProgress {
  bytesRead: number;
  totalBytes: number | undefined;
  packets: number;
}

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
}

export class Analysis {
  info!: CaptureInfo;
  readonly flows = new FlowTable();
  readonly columns = new PacketColumns();
  readonly events: EventJson[] = [];
  /** Decode problems listed (first maxDecodeErrors) and counted. */
  readonly decodeErrors: CaptureErrorJson[] = [];
  decodeProblems = 0;
  nonIpPackets = 0;
  bytes = 0;
  start: number | null = null;
  end: number | null = null;
  readonly linkTypes = new Set<number>();
  decoder = new Decoder();
  trackers: Tracker[] = [];

  /** Record an event (trackers call this; the list is sorted by frame at the end). */
  event(kind: string, severity: Severity, frame: number, time: number, flow: number | null, message: string, related: number[] = []): EventJson {
    const e: EventJson = { kind, severity, frame, time, flow, message, related };
    this.events.push(e);
    return e;
  }

  get packets(): number {
    return this.columns.length;
  }
}

export async function analyzeCapture(
  source: AsyncIterable<Uint8Array> | Uint8Array,
  opts: AnalyzeOptions = {},
): Promise<Analysis> {
  const a = new Analysis();
  const pkt = new Packet();
  const decoder = a.decoder;
  const flows = a.flows;
  const cols = a.columns;
  const trackers = [...createTrackers(opts.trackerOptions ?? {}), ...(opts.trackers ?? [])];
  a.trackers = trackers;
  const maxErrors = opts.maxDecodeErrors ?? 100;
  let lastProgressPackets = 0;

  // After the first records, the file size tells roughly how many packets follow:
  // reserve the columns for them (10% over; they still grow if the guess was short).
  const ESTIMATE_AFTER = 4096;
  let lastLinkType = -1;
  const wants = (t: Tracker, proto: number | null): boolean =>
    !t.ipProtocols || (proto === null ? t.ipProtocols.some((p) => p !== 6 && p !== 17) : t.ipProtocols.includes(proto));
  const forTcp = trackers.filter((t) => wants(t, 6));
  const forUdp = trackers.filter((t) => wants(t, 17));
  const forRest = trackers.filter((t) => wants(t, null));
  const withOther = trackers.filter((t) => t.onOther);
  const onRecord = (r: CaptureRecord): void => {
    const time = r.tsSec + r.tsNsec / 1e9;
    const frame = r.frame;
    // (r.offset: where this record starts, so the bytes the first records took)
    if (frame === ESTIMATE_AFTER && opts.totalBytes && r.offset > 0) cols.reserve(Math.ceil((opts.totalBytes / r.offset) * ESTIMATE_AFTER * 1.1));
    if (a.start === null || time < a.start) a.start = time;
    if (a.end === null || time > a.end) a.end = time;
    a.bytes += r.capLen;
    if (r.linkType !== lastLinkType) a.linkTypes.add(lastLinkType = r.linkType); // a Set lookup per packet costs
    decoder.decode(pkt, r.data, r.linkType, frame);
    if (pkt.problem === DecodeProblem.TRUNCATED || pkt.problem === DecodeProblem.MALFORMED) {
      a.decodeProblems++;
      if (a.decodeErrors.length < maxErrors)
        a.decodeErrors.push({ frame, offset: r.offset, message: `frame ${frame}: ${pkt.problemMessage} (byte ${pkt.problemOffset} of the packet)` });
    }
    const f = pkt.ipVersion !== 0 ? flows.lookup(pkt, frame, time) : null;
    if (f === null) {
      if (pkt.ipVersion === 0) a.nonIpPackets++;
      cols.push(time, 0, 0, r.origLen, pkt.payloadWireLen, 0);
      for (let i = 0; i < withOther.length; i++) withOther[i].onOther!(pkt, frame, time);
      return;
    }
    const dir = flows.fromA === f.clientIsA ? 0 : 1;
    f.lastFrame = frame;
    if (time > f.end) f.end = time;
    if (dir === 0) {
      f.clientPackets++;
      f.clientBytes += r.origLen;
    } else {
      f.serverPackets++;
      f.serverBytes += r.origLen;
    }
    if (pkt.ipProto === 6) {
      const fl = pkt.tcpFlags;
      if ((fl & 0x12) === 0x02 && dir === 0 && !f.sawSyn) {
        f.sawSyn = true;
        f.clientIsn = pkt.tcpSeq;
      }
      if (fl & 0x05) f.closed = true;
    }
    cols.push(time, f.id, dir, r.origLen, pkt.payloadWireLen, pkt.ipProto === 6 ? pkt.tcpFlags : 0);
    const proto = pkt.ipProto;
    const list = proto === 6 ? forTcp : proto === 17 ? forUdp : forRest;
    for (let i = 0; i < list.length; i++) list[i].onPacket(pkt, f, dir, frame, time);
    if (opts.onProgress && cols.length - lastProgressPackets >= 65536) lastProgressPackets = cols.length;
  };

  a.info = await readCapture(source, {
    onRecord,
    onFormat: (info) => {
      for (const t of trackers) t.onCaptureHeader?.(info);
    },
    totalBytes: opts.totalBytes,
    signal: opts.signal,
    onProgress: opts.onProgress
      ? (bytesRead, totalBytes) => opts.onProgress!({ bytesRead, totalBytes, packets: cols.length })
      : undefined,
  });
  for (const t of trackers) t.finish(a);
  for (const t of trackers) if (t.finishAsync) await t.finishAsync(a);
  a.events.sort((x, y) => x.frame - y.frame);
  return a;
}
