// What every part of the analysis shares: the Analysis being built (capture facts, flow
// table, per-packet columns, events) and the Tracker contract the pipeline (./analyze)
// drives. Kept apart from the pipeline so that trackers, the JSON builder and the query
// modules import types without importing the pipeline (no import circle).

import type { CaptureInfo, CaptureSetFile } from '../parsers/capture/index';
import { Decoder, type Packet } from '../parsers/decode/index';
import { FrameFileColumn, PacketColumns } from './columns';
import { eventInfo } from './events.js'; // '.js': the lint's ban of Node's 'events' module also matches './events'
import { FlowTable, type Flow } from './flows';
import type { CaptureErrorJson, DnsJson, EventJson, FlowJson, IncidentJson, QuicJson, Severity } from './model';

/** What toJson builds: the transaction lists (dns[], quic[]) cost time and memory that a summary does not need. */
export interface JsonOptions {
  /** Build dns[] and quic[] (default true). */
  transactions?: boolean;
  /** Build flows[] for the first N flows only (default: all); the summary shows 100. */
  maxFlows?: number;
}

/**
 * Who raised an event. The final list is in frame order; events of one frame keep the
 * order of their sources below, then the order in which each source raised them.
 */
export type EventSource = 'tcp' | 'dns' | 'udp' | 'quic' | 'other';
const SOURCE_RANK: Record<EventSource, number> = { tcp: 0, dns: 1, udp: 2, quic: 3, other: 4 };

/** Something that follows protocol state across the packets of a capture. */
export interface Tracker {
  /**
   * The IP protocols (IpProto.TCP, IpProto.UDP, …) whose packets this tracker wants in
   * onPacket; absent = all. The pipeline calls each tracker only for those, sparing a
   * call per tracker per packet it would ignore.
   */
  readonly ipProtocols?: readonly number[];
  /** Before the first packet: the analysis this tracker writes its events into. */
  onStart?(analysis: Analysis): void;
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
  /**
   * This tracker's part of one flow's JSON (flows[].tcp), added to `json`. The JSON is
   * built, or streamed (./output jsonText), one flow at a time.
   */
  addToFlowJson?(flow: Flow, json: FlowJson): void;
  /** This tracker's elements of dns[], one at a time (built as they are asked for: the JSON may be streamed). */
  dnsRows?(): Iterable<DnsJson>;
  /** This tracker's elements of quic[], one at a time. */
  quicRows?(): Iterable<QuicJson>;
}

export interface AnalyzeProgress {
  bytesRead: number;
  totalBytes: number | undefined;
  packets: number;
  /** 'reading' records; then 'finishing' (the trackers' end of capture) and 'indexing' (incidents). */
  phase: 'reading' | 'finishing' | 'indexing';
}

export class Analysis {
  info!: CaptureInfo;
  /** A capture set's files, in the set's order (null for one file). */
  files: CaptureSetFile[] | null = null;
  /** A capture set's file of each packet (index in `files`); null for one file. */
  frameFiles: FrameFileColumn | null = null;
  readonly flows = new FlowTable();
  readonly columns = new PacketColumns();
  /** Every event, in frame order once the analysis has finished (see emit). */
  readonly events: EventJson[] = [];
  /** The incidents the events add up to (./incidents), found once the events are sealed. */
  incidents: IncidentJson[] = [];
  /** Events as raised, one list per source, until sealEvents() orders them into `events`. */
  private readonly raised: EventJson[][] = [[], [], [], [], []];
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

  /**
   * The one way to raise an event. Its severity comes from the kind registry
   * (../events): a kind registered with `escalated` (quic.connection-close with an
   * error code) is raised to that severity when `escalate` is set. An unregistered kind
   * is a programming error.
   */
  emit(source: EventSource, kind: string, frame: number, time: number, flow: number | null, message: string, related: number[] = [], escalate = false): EventJson {
    const info = eventInfo(kind);
    if (!info) throw new Error(`event kind ${kind} is not registered`);
    const severity: Severity = escalate && info.escalated ? info.escalated : info.severity;
    const e: EventJson = { kind, severity, frame, time, flow, message, related };
    this.raised[SOURCE_RANK[source]].push(e);
    return e;
  }

  /**
   * The events `source` has raised so far, in raise order (the live list until
   * sealEvents). The pipeline moves a tracker's events between threads through it: the
   * TCP tracker run in a worker (./analyze, remoteTcp) raised its events there.
   */
  raisedBy(source: EventSource): EventJson[] {
    return this.raised[SOURCE_RANK[source]];
  }

  /** Orders the raised events into `events` (by frame; ties by source, then as raised). The pipeline calls it once. */
  sealEvents(): void {
    for (const list of this.raised) {
      for (let i = 0; i < list.length; i++) this.events.push(list[i]);
      list.length = 0;
    }
    this.events.sort((x, y) => x.frame - y.frame);
  }

  get packets(): number {
    return this.columns.length;
  }
}
