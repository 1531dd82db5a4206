// The TCP tracker's input, for a tracker on another thread (issue 16, AnalyzeOptions.
// remoteTcp): the analysis reads and decodes the capture once and hands each TCP
// segment's header facts over in batches (TcpFeed), and the other thread replays them
// into its TcpTracker (TcpFeedTracker) — a Packet filled with the fields the tracker
// reads, and a copy of each flow with what the tracker reads of it (ids, addresses,
// ports, which side is the client, the flow a reused port replaced, its last frame).
//
// Why not a second reading of the file: reading, decoding and the flow table again cost
// ~0.9 s of CPU on the bench capture, more than the TCP tracker itself (~0.45 s), so on
// two cores the two threads were slower than one. The facts of a segment are ~70 bytes
// written into typed arrays, their buffers moved to the worker (transferred, not copied).

import { IpProto, Packet } from '../parsers/decode/index';
import { Analysis } from './analysis';
import { Flow } from './flows';
import type { EventJson } from './model';
import { TcpTracker, type TcpTrackerOptions, type TcpTrackerTransfer } from './tcp/tracker';

// The interface between the analysis (AnalyzeOptions.remoteTcp) and the thread that runs
// the TCP tracker, kept here beside the feed so that analyze.ts and the feed do not import
// each other.
/** What the TCP tracker on the other thread is made with. */
export interface RemoteTcpRequest {
  /** AnalyzeOptions.packetDetail: without it the TCP tracker keeps no per-packet numbers there either. */
  packetDetail: boolean;
  tcp: TcpTrackerOptions;
}

/** The TCP tracker on another thread, as the analysis drives it. */
export interface RemoteTcp {
  /** The next batch of segments (its buffers are the other side's now: they may be transferred). */
  send(batch: TcpBatch): void;
  /** A batch's buffers the other side is done with, to fill again (null: none yet). */
  spare?(): TcpBatchBuffers | null;
  /** After the last batch: the tracker's state (TcpFeedTracker.result), or why there is none. */
  end(): Promise<RemoteTcpResult>;
}

/** The TCP tracker after the last packet (before finish), and the events it raised in order. */
export interface RemoteTcpResult {
  tracker: TcpTrackerTransfer;
  events: EventJson[];
}

/** Segments a batch holds before it is sent. */
export const FEED_BATCH = 16384;

/**
 * One batch: its segments (SEG_WORDS int32 words each, then their SACK blocks' words),
 * each segment's time, and the flows first seen in it (FLOW_WIDTH numbers each), before
 * its segments in the batch's order.
 */
export interface TcpBatch {
  segments: number;
  words: Int32Array;
  times: Float64Array;
  flows: Float64Array;
}

// a segment's words
const FRAME = 0, FLOW = 1, DIR = 2, FLAGS = 3, SEQ = 4, ACK = 5, WINDOW = 6, HDR_LEN = 7, PAYLOAD_LEN = 8,
  PAYLOAD_WIRE_LEN = 9, L4_OFF = 10, IP_VERSION = 11, TTL = 12, IP_ID = 13, MSS = 14, WSCALE = 15, BOOLS = 16, SACKS = 17;
const SEG_WORDS = 18;
const SACK_PERMITTED = 1, HAS_TIMESTAMP = 2;
// a flow's numbers (its addresses as the flow table's int32 words)
const FLOW_WIDTH = 18;

/** A batch's two big buffers, full size: what the other side may hand back to be filled again. */
export interface TcpBatchBuffers {
  words: Int32Array;
  times: Float64Array;
}

/** Fresh buffers for a batch. */
export function batchBuffers(): TcpBatchBuffers {
  return { words: new Int32Array(FEED_BATCH * (SEG_WORDS + 8)), times: new Float64Array(FEED_BATCH) };
}

/**
 * The analysis side: TCP segments into batches, each sent when full and at flush().
 * A batch's buffers are filled again when `spare` gives them back (the other side is
 * done with them): ~1.8 MB a batch, fresh ones would cost page faults and the garbage
 * collections that external memory triggers, ~110 MB on the bench capture.
 */
export class TcpFeed {
  private words: Int32Array;
  private times: Float64Array;
  private flows: number[] = [];
  private n = 0;
  private w = 0;
  /** By flow id: 1 when the other side has the flow. */
  private known = new Uint8Array(1024);

  constructor(
    private readonly send: (batch: TcpBatch) => void,
    private readonly spare: () => TcpBatchBuffers | null = () => null,
  ) {
    ({ words: this.words, times: this.times } = batchBuffers());
  }

  /** A TCP segment as the analysis hands it to a TCP tracker (its flow's counters already updated). */
  segment(pkt: Packet, f: Flow, dir: number, frame: number, time: number): void {
    if (f.id >= this.known.length || this.known[f.id] === 0) this.announce(f);
    const d = this.words, w = this.w;
    d[w + FRAME] = frame;
    d[w + FLOW] = f.id;
    d[w + DIR] = dir;
    d[w + FLAGS] = pkt.tcpFlags;
    d[w + SEQ] = pkt.tcpSeq;
    d[w + ACK] = pkt.tcpAck;
    d[w + WINDOW] = pkt.tcpWindow;
    d[w + HDR_LEN] = pkt.tcpHdrLen;
    d[w + PAYLOAD_LEN] = pkt.payloadLen;
    d[w + PAYLOAD_WIRE_LEN] = pkt.payloadWireLen;
    d[w + L4_OFF] = pkt.l4Off;
    d[w + IP_VERSION] = pkt.ipVersion;
    d[w + TTL] = pkt.ipTtl;
    d[w + IP_ID] = pkt.ipId;
    d[w + MSS] = pkt.tcpMss;
    d[w + WSCALE] = pkt.tcpWscale;
    d[w + BOOLS] = (pkt.tcpSackPermitted ? SACK_PERMITTED : 0) | (pkt.tcpHasTimestamp ? HAS_TIMESTAMP : 0);
    const sacks = pkt.tcpSackCount * 2;
    d[w + SACKS] = pkt.tcpSackCount;
    for (let i = 0; i < sacks; i++) d[w + SEG_WORDS + i] = pkt.tcpSack[i];
    this.w = w + SEG_WORDS + sacks;
    this.times[this.n++] = time;
    if (this.n === FEED_BATCH) this.flush();
  }

  /** Sends what the current batch holds (nothing when empty). */
  flush(): void {
    if (this.n === 0) return;
    this.send({ segments: this.n, words: this.words.subarray(0, this.w), times: this.times.subarray(0, this.n), flows: Float64Array.from(this.flows) });
    ({ words: this.words, times: this.times } = this.spare() ?? batchBuffers());
    this.flows = [];
    this.n = this.w = 0;
  }

  /** A flow the other side has not got yet, after the flow it replaced (a reused port). */
  private announce(f: Flow): void {
    const p = f.previous;
    if (p !== null && (p.id >= this.known.length || this.known[p.id] === 0)) this.announce(p);
    if (f.id >= this.known.length) {
      const k = new Uint8Array(Math.max(2 * this.known.length, f.id + 1));
      k.set(this.known);
      this.known = k;
    }
    this.known[f.id] = 1;
    this.flows.push(f.id, f.proto, f.ipVersion, f.a0, f.a1, f.a2, f.a3, f.b0, f.b1, f.b2, f.b3,
      f.portA, f.portB, f.keyPortA, f.keyPortB, f.clientIsA ? 1 : 0, f.firstFrame, p === null ? 0 : p.id);
  }
}

/** The other side: a TcpTracker fed the batches of a TcpFeed, in order. */
export class TcpFeedTracker {
  private readonly analysis = new Analysis();
  private readonly tcp: TcpTracker;
  private readonly pkt = new Packet();
  /** The flows announced so far, by id (null: not a flow the tracker has seen). */
  private readonly flows: (Flow | null)[] = [null];

  constructor(req: RemoteTcpRequest) {
    if (!req.packetDetail) this.analysis.columns.withoutDetail();
    this.tcp = new TcpTracker(req.tcp);
    this.tcp.onStart(this.analysis);
    this.pkt.ipProto = IpProto.TCP;
  }

  push(b: TcpBatch): void {
    const fl = b.flows;
    for (let o = 0; o < fl.length; o += FLOW_WIDTH) this.addFlow(fl, o);
    const d = b.words, pkt = this.pkt, flows = this.flows;
    let w = 0;
    for (let i = 0; i < b.segments; i++) {
      const id = d[w + FLOW];
      const f = id < flows.length ? flows[id] : null;
      if (f === null) throw new Error(`a TCP segment of flow ${id}, a flow not announced before it`);
      pkt.tcpFlags = d[w + FLAGS];
      pkt.tcpSeq = d[w + SEQ] >>> 0;
      pkt.tcpAck = d[w + ACK] >>> 0;
      pkt.tcpWindow = d[w + WINDOW];
      pkt.tcpHdrLen = d[w + HDR_LEN];
      pkt.payloadLen = d[w + PAYLOAD_LEN];
      pkt.payloadWireLen = d[w + PAYLOAD_WIRE_LEN];
      pkt.l4Off = d[w + L4_OFF];
      pkt.ipVersion = d[w + IP_VERSION];
      pkt.ipTtl = d[w + TTL];
      pkt.ipId = d[w + IP_ID];
      pkt.tcpMss = d[w + MSS];
      pkt.tcpWscale = d[w + WSCALE];
      const bools = d[w + BOOLS];
      pkt.tcpSackPermitted = (bools & SACK_PERMITTED) !== 0;
      pkt.tcpHasTimestamp = (bools & HAS_TIMESTAMP) !== 0;
      const count = d[w + SACKS];
      pkt.tcpSackCount = count;
      for (let k = 0; k < 2 * count; k++) pkt.tcpSack[k] = d[w + SEG_WORDS + k];
      const frame = d[w + FRAME];
      f.lastFrame = frame; // as the analysis's flow table counts it (a port reuse's event names the earlier flow's)
      this.tcp.onPacket(pkt, f, d[w + DIR], frame, b.times[i]);
      w += SEG_WORDS + 2 * count;
    }
  }

  /** The tracker's state after the last batch (before finish), and the events it raised. */
  result(): RemoteTcpResult {
    return { tracker: this.tcp.toTransfer(), events: this.analysis.raisedBy('tcp') };
  }

  private addFlow(fl: Float64Array, o: number): void {
    const f = new Flow();
    f.id = fl[o];
    f.proto = fl[o + 1];
    f.ipVersion = fl[o + 2] === 6 ? 6 : 4;
    f.a0 = fl[o + 3]; f.a1 = fl[o + 4]; f.a2 = fl[o + 5]; f.a3 = fl[o + 6];
    f.b0 = fl[o + 7]; f.b1 = fl[o + 8]; f.b2 = fl[o + 9]; f.b3 = fl[o + 10];
    f.portA = fl[o + 11];
    f.portB = fl[o + 12];
    f.keyPortA = fl[o + 13];
    f.keyPortB = fl[o + 14];
    f.clientIsA = fl[o + 15] !== 0;
    f.firstFrame = fl[o + 16];
    const previous = fl[o + 17];
    if (previous !== 0) f.previous = this.flows[previous] ?? null;
    while (this.flows.length <= f.id) this.flows.push(null);
    this.flows[f.id] = f;
  }
}
