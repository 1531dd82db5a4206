// The TCP tracker: per flow, per endpoint, what the capture proves about the TCP state.
//
// Three views are kept side by side, each with numeric per-flow state only (no object
// and no string per packet; strings are built when an event fires):
//  1. Wireshark's sequence analysis (packet-tcp.c, tcp_analyze_sequence_number), in its
//     order of checks and with its conditions, so the analysis flags land on the frames
//     where Wireshark puts them — except where Wireshark is wrong, marked "BE RIGHT"
//     below and pinned in test/analysis/tcp.
//  2. Each endpoint's RFC 9293 state through the transition table of ./states.
//  3. Zeek's endpoint states, history and conn_state (./zeek).
// Per-packet results (relative seq/ack, scaled window, bytes in flight, event bits) go
// to typed columns indexed by frame − 1 (./columns), read by the timeline query.
// Sequence numbers cross calls that are not inlined as int32 (`x | 0`, a small integer)
// and are made unsigned again inside (`>>> 0`): an unsigned value at or above 2^31 is a
// double, boxed into a fresh heap number at each such call.

import { IpProto, TcpFlag, type Packet } from '../../parsers/decode/index';
import type { Analysis, Tracker } from '../analysis';
import { Flow } from '../flows';
import type { FlowJson, TcpEndpointJson, TcpFlowJson, TcpStateJson } from '../model';
import { TcpColumns, type TcpColumnsTransfer } from './columns';
import { TcpBit, TCP_KIND_BY_BIT } from './kinds';
import { Ev, ruleFor, State, STATE_NAMES, type EvId, type StateId } from './states';
import { StateLog, type StateLogTransfer } from './statelog';
import { ZeekConn, ZeekEndpoint } from './zeek';

const FIN = TcpFlag.FIN, SYN = TcpFlag.SYN, RST = TcpFlag.RST, ACK = TcpFlag.ACK;
const TCP = IpProto.TCP;

// Wireshark's TCP_A_* analysis bits (internal; mapped to TcpBit when emitted).
const A_RETRANSMISSION = 0x0001;
const A_LOST_PACKET = 0x0002;
const A_ACK_LOST_PACKET = 0x0004;
const A_KEEP_ALIVE = 0x0008;
const A_DUPLICATE_ACK = 0x0010;
const A_ZERO_WINDOW = 0x0020;
const A_ZERO_WINDOW_PROBE = 0x0040;
const A_ZERO_WINDOW_PROBE_ACK = 0x0080;
const A_KEEP_ALIVE_ACK = 0x0100;
const A_OUT_OF_ORDER = 0x0200;
const A_FAST_RETRANSMISSION = 0x0400;
const A_WINDOW_UPDATE = 0x0800;
const A_WINDOW_FULL = 0x1000;
const A_REUSED_PORTS = 0x2000;
const A_SPURIOUS_RETRANSMISSION = 0x4000;

/** Wireshark's TCP_MAX_UNACKED_SEGMENTS. */
const MAX_UNACKED = 1000;
/** Holes (sequence ranges skipped by a lost segment) remembered per direction. */
const MAX_HOLES = 8;
/**
 * Numbers per hole: left, right (absolute, [left, right)), the time and frame it appeared
 * at — when the first data beyond it came, which is when the receiver notices it (a pure
 * ACK past it does not make the receiver ask for it): −1 until then.
 */
const HOLE_STRIDE = 4;
/**
 * A segment that fills a hole this many handshake RTTs or more after the hole appeared
 * can be a retransmission of the lost segment; sooner, it is the original, reordered. A
 * retransmission the loss triggered cannot come sooner than one RTT after the hole
 * appeared at the capture point (the receiver's duplicate ACK or SACK takes half an RTT
 * to reach the sender, the retransmission half an RTT to come back; timers fire later
 * still), so fast retransmissions fill holes at about 1.0 RTT — at 0.985 and 1.02 of the
 * handshake RTT in fixtures/fidelity/lossy-*, as the data path's RTT varies around the
 * handshake's. A boundary at 1.0 would call half of them reordering; 0.8 leaves the
 * path's RTT room to run 20% below the handshake's, and calls a reordering delay under
 * 0.8 RTT (0.71 and 0.73 RTT there) what it is.
 */
const HOLE_FILL_RTT = 0.8;
const RING_STRIDE = 5;
/** The events whose message names the segment's sequence range. */
const RANGE_BITS = TcpBit.RETRANSMISSION | TcpBit.FAST_RETRANSMISSION | TcpBit.SPURIOUS_RETRANSMISSION | TcpBit.OUT_OF_ORDER | TcpBit.WINDOW_FULL;

const gt = (a: number, b: number): boolean => ((a - b) | 0) > 0;
const lt = (a: number, b: number): boolean => ((a - b) | 0) < 0;
const le = (a: number, b: number): boolean => ((a - b) | 0) <= 0;

/** Unexpected (state, event) pairs listed per tracker (all are counted). */
const MAX_UNEXPECTED = 1000;

/** A (state, event) pair the transition table has no rule for (smoltcp's catch-all arm): the state was left as it was. */
export interface UnexpectedTransition {
  frame: number;
  flow: number;
  /** 0 client, 1 server. */
  endpoint: number;
  state: StateId;
  event: EvId;
}

export interface TcpTrackerOptions {
  /** Seconds of silence after which a flow is flagged idle (default 300). */
  idleSeconds?: number;
}

/**
 * One direction of a connection: what its sender did (Wireshark's tcp_flow_t + seq info).
 * The absolute sequence numbers (baseSeq, nextseq, maxseqtobeacked, lastack, ringMaxNext,
 * firstSeq, lastSegSeq, lastSegAck, capturedEdge) are stored as int32 (`| 0`) and read
 * back as unsigned (`>>> 0`) where compared with one: a field holding an unsigned value
 * at or above 2^31 becomes a double field, a boxed heap number per half and field.
 */
export class TcpHalf {
  baseSet = false;
  baseSeq = 0;
  isn = -1;
  mss = -1;
  /** Window scale as Wireshark keeps it: -1 unknown, -2 no scaling, else the shift. */
  winScale = -1;
  /** Inferred from the data (bytes in flight above the unscaled window), -1 none. */
  inferredScale = -1;
  sackPermitted = false;
  timestamps = false;
  isFirstAck = false;
  validBif = 1;
  // tcp_analyze_seq_info (0 = unknown, as in Wireshark)
  nextseq = 0;
  nextseqFrame = 0;
  nextseqTime = 0;
  maxseqtobeacked = 0;
  lastack = 0;
  lastackTime = 0;
  /** Frame where `lastack` last changed value. */
  lastackFrame = 0;
  lastnondupack = 0;
  /** Duplicate ACKs in a row; -1 (Wireshark's marker): the peer's unseen data was just reported acknowledged. */
  dupacknum = 0;
  /** The highest acknowledgement of this side's data reported as tcp.ack-lost-segment (int32), when set. */
  ackLostReported = 0;
  ackLostReportedSet = false;
  /** Raw (unscaled) window of the last segment; -1 before any (a small integer, unlike 0xffffffff). */
  window = -1;
  lastsegflags = 0;
  /** SACKed bytes in the latest segment of this direction (its SACK blocks describe the peer's data). */
  sackBytes = 0;
  // unacked segments: a ring (oldest first) for RTT samples and bytes in flight
  /** Interleaved, RING_STRIDE numbers per segment: seq, nextseq, time, frame, retransmitted. */
  ring: number[] | null = null;
  ringCap = 0;
  ringHead = 0;
  ringCount = 0;
  ringMaxNext = 0;
  // holes left by lost segments: HOLE_STRIDE numbers each
  holes: Float64Array | null = null;
  holeCount = 0;
  holesOverflowed = false;
  /** First sequence number of data seen (below it, the capture knows nothing). */
  firstSeq = 0;
  firstSeqSet = false;
  // the last segment of this direction (to recognise the RST that answers it)
  lastSegSeq = 0;
  lastSegAck = 0;
  lastSegLen = 0;
  lastSegFlags = 0;
  lastSegFrame = 0;
  lastTime = 0;
  lastFrame = 0;
  packets = 0;
  /** Segments with the ACK flag sent (a client that ACKs got an answer the capture missed). */
  acks = 0;
  /** FIN sent: its sequence number (absolute), -1 none. */
  finSeq = -1;
  finFrame = 0;
  /** Lowest and highest IP TTL (hop limit) of this side's packets, forged resets left out (256/−1: none yet). */
  ttlMin = 256;
  ttlMax = -1;
  /** IP ID of this side's last packet (IPv4; 0 otherwise). */
  lastIpId = 0;
  rstFrame = 0;
  synFrame = 0;
  synCount = 0;
  synFrames: number[] | null = null;
  synAckFrame = 0;
  /** Highest sequence number sent, relative (for bytes sent). */
  highRel = 0;
  /** Bytes of payload acknowledged by the peer but never captured (Zeek gaps), tracked as the captured edge. */
  capturedEdge = 0;
  capturedEdgeSet = false;
  /** First data segment not yet acknowledged (for half-open), 0 none. */
  unackedSince = 0;
  unackedSinceTime = 0;
  retxAfterUnacked = 0;
  retxFrames: number[] | null = null;
}

/**
 * The segment onPacket is working on, and what its steps find out about it: one object
 * per tracker, overwritten for every segment (no allocation per packet). Sequence
 * numbers are kept as int32 (`| 0`), as in TcpHalf.
 */
class Segment {
  flags = 0;
  seq = 0;
  ack = 0;
  /** Payload length as the headers state it. */
  seglen = 0;
  /** Raw (unscaled) window. */
  window = 0;
  /** Wireshark's TCP_A_* analysis bits. */
  ta = 0;
  /** A duplicate ACK's number and the frame it duplicates. */
  dupNum = 0;
  dupFrame = 0;
  /** Where the captured data ended when the ACK acknowledged more (A_ACK_LOST_PACKET). */
  ackLostEdge = 0;
  /** The sender's nextseq before this segment, and the frame that set it. */
  prevNext = 0;
  prevNextFrame = 0;
  /** Bytes in flight after this segment (0: none or unknown). */
  inFlight = 0;
  /**
   * When correctedBits re-classified a hole filler by the hole's age: the frame the hole
   * appeared at (else 0), and the age (read only with a frame).
   *
   * Both are stored in the representation they keep: the frame as int32 (`| 0`: a
   * Float64Array's element is a heap number, not a small integer) and the age as a
   * double from the start (NaN, not 0). A field first made a small integer that later
   * takes a double changes the object's map, and every optimized function that relied on
   * it is thrown away: these two are first written only when a hole filler is
   * re-classified, far into a capture, and each cost 8 of the TCP tracker's hottest
   * functions a deoptimization and a recompile (--trace-deopt, --trace-generalization).
   */
  holeFrame = 0;
  holeAge = NaN;

  read(pkt: Packet): void {
    this.flags = pkt.tcpFlags;
    this.seq = pkt.tcpSeq | 0;
    this.ack = pkt.tcpAck | 0;
    this.seglen = pkt.payloadWireLen;
    this.window = pkt.tcpWindow;
  }
}

/**
 * A connection of which only one endpoint has been seen so far: what that endpoint's
 * acknowledgements prove the unseen one sent (one object per such connection, made at
 * its first ACK-bearing segment while the peer is unseen).
 */
class OneSided {
  /** The seen endpoint (0 client, 1 server). */
  readonly seen: number;
  /** Highest acknowledgement number the seen endpoint sent (int32). */
  ack: number;
  /** First and last frame whose acknowledgement proves the unseen endpoint sent something (0: none yet). */
  firstFrame = 0;
  lastFrame = 0;
  /** The frame whose acknowledgement was taken for the unseen endpoint's FIN (0: none). */
  finFrame = 0;
  constructor(seen: number, ackI: number) {
    this.seen = seen;
    this.ack = ackI;
  }
}

/**
 * A TcpTracker's state after its last packet, to rebuild it in another thread
 * (TcpTracker.fromTransfer): the pipeline can run the tracker in a worker fed the TCP
 * segments it reads (../tcp-feed, ../analyze remoteTcp). Typed arrays and a few plain values, so that
 * structured clone moves the buffers (TcpTracker.transferList) instead of walking
 * ~200 named fields per connection.
 */
export interface TcpTrackerTransfer {
  idle: number;
  conns: TcpConnsTransfer;
  columns: TcpColumnsTransfer;
  stateLog: StateLogTransfer;
  unexpected: UnexpectedTransition[];
  unexpectedCount: number;
}

export class TcpConn {
  readonly flow: Flow;
  readonly h: [TcpHalf, TcpHalf] = [new TcpHalf(), new TcpHalf()];
  /** RFC 9293 state of the client (0) and the server (1). */
  readonly st = [State.CLOSED as number, State.LISTEN as number];
  /** The tracker's state-change log, and this connection's first and last entries in it (-1: none). */
  readonly log: StateLog;
  statesHead = -1;
  statesTail = -1;
  readonly zeek = new ZeekConn();
  tsMruSyn = 0;
  tsFirstRtt = 0;
  firstFrame = 0;
  lastFrame = 0;
  lastTime = 0;
  midstream = false;
  handshakeDone = false;
  rstSeen = false;
  brokeReported = false;
  rttCount = 0;
  rttSum = 0;
  rttMin = 0;
  rttMax = 0;
  /** The first packet came from the server side (Zeek flips: '^'). */
  flipped = false;
  /** Set while only one endpoint has been seen and it acknowledges the other (null: not such a connection). */
  oneSided: OneSided | null = null;
  /** A new SYN on this connection's 4-tuple started another flow: its frame (0: none), and the endpoint that sent it here (0 client, 1 server). */
  newSynFrame = 0;
  newSynDir = 0;
  constructor(flow: Flow, log: StateLog) {
    this.flow = flow;
    this.log = log;
  }
  /** The RFC 9293 state changes (built from the log at each call). */
  get states(): TcpStateJson[] {
    return this.log.list(this.statesHead);
  }
}

export class TcpTracker implements Tracker {
  /** TCP segments only. */
  readonly ipProtocols = [TCP];
  readonly conns: TcpConn[] = [];
  readonly columns = new TcpColumns();
  readonly stateLog = new StateLog();
  private readonly seg = new Segment();
  /** The first MAX_UNEXPECTED (state, event) pairs with no rule in the transition table, and how many there were. */
  readonly unexpected: UnexpectedTransition[] = [];
  unexpectedCount = 0;
  /** The analysis events go to (set by onStart). */
  private analysis!: Analysis;
  private readonly idle: number;

  constructor(opts: TcpTrackerOptions = {}) {
    this.idle = opts.idleSeconds ?? 300;
  }
  onStart(analysis: Analysis): void {
    this.analysis = analysis;
    if (!analysis.columns.detail) this.columns.withoutDetail();
  }


  /**
   * Its state after the last packet, for another thread (before finish(): the events
   * it raised so far travel apart, as the analysis holds them). No copy: the columns and
   * the state log are handed over as they are, and this tracker is done with.
   */
  toTransfer(): TcpTrackerTransfer {
    return {
      idle: this.idle, conns: connsToTransfer(this.conns), columns: this.columns.toTransfer(), stateLog: this.stateLog.toTransfer(),
      unexpected: this.unexpected, unexpectedCount: this.unexpectedCount,
    };
  }

  /** The buffers of a transfer that can move instead of being copied. */
  static transferList(d: TcpTrackerTransfer): ArrayBuffer[] {
    const c = d.conns;
    return [
      ...TcpColumns.buffers(d.columns), ...StateLog.buffers(d.stateLog),
      ...[c.flows, c.st, c.conns, c.halves, c.zeek, c.oneSidedAt, c.oneSided, c.rings, c.holesAt, c.holes, c.frameListLengths, c.frameLists].map((x) => x.buffer as ArrayBuffer),
    ];
  }

  /**
   * A tracker with the state of `d`, its connections attached to this side's flows
   * (`flows`, by id: the same capture read by the same flow table numbers flows alike).
   * onStart and finish are still to be called, as for a tracker that saw the packets.
   */
  static fromTransfer(d: TcpTrackerTransfer, flows: readonly Flow[]): TcpTracker {
    const t = new TcpTracker({ idleSeconds: d.idle });
    const log = StateLog.fromTransfer(d.stateLog);
    Object.assign(t, { columns: TcpColumns.fromTransfer(d.columns), stateLog: log, unexpectedCount: d.unexpectedCount });
    t.unexpected.push(...d.unexpected);
    connsFromTransfer(d.conns, flows, log, t.conns);
    return t;
  }

  /** The connection state of a flow (null for non-TCP flows). */
  conn(flow: Flow): TcpConn | null {
    return flow.tracker instanceof TcpConn ? flow.tracker : null;
  }

  /**
   * One TCP segment, in named steps (their order is Wireshark's where it matters: the
   * options are read after the sequence analysis, as packet-tcp.c dissects them). The
   * steps share `this.seg`: the segment's fields and what the steps find out about it.
   * V8 inlines a callee only within a bytecode budget (460 bytes each, 920 in all), so
   * steps beyond it are a call per packet: Wireshark's sequence analysis is one step
   * with its parts inlined into it, and rare work (a SYN's options, a flagged segment)
   * is called only when it happens.
   */
  onPacket(pkt: Packet, flow: Flow, dir: number, frame: number, time: number): void {
    if (flow.proto !== TCP || pkt.ipProto !== TCP || pkt.l4Off < 0 || pkt.tcpHdrLen === 0) return;
    const c = (flow.tracker as TcpConn | null) ?? this.open(flow, pkt.tcpFlags, dir, frame, time);
    const fwd = c.h[dir], rev = c.h[1 - dir];
    const g = this.seg;
    g.read(pkt);
    if (c.lastTime !== 0 && time - c.lastTime > this.idle) this.idleGap(c, frame, time);
    // Wireshark: analysis flags, retransmission kind, the sender's edges, RTT, bytes in flight
    this.analyzeSequence(c, fwd, rev, g, pkt, frame, time);
    // then the options, and the handshake facts they carry
    this.options(c, fwd, rev, g, pkt, time);
    // Wireshark's verdicts, corrected where it is wrong (most segments have none), as events
    const bits = g.ta === 0 ? 0 : this.correctedBits(c, fwd, rev, g, time);
    trackHoles(fwd, g, frame, time);
    if (bits !== 0) this.flagEvents(c, fwd, rev, bits, g, frame, time);
    // Zeek's history and endpoint states; the RFC 9293 states and the state breaks
    this.zeekPacket(c, dir, fwd, rev, g, pkt);
    this.rfc(c, dir, fwd, rev, g, pkt, frame, time);
    // what the next segments compare with, and the per-packet columns
    this.remember(c, fwd, rev, g, frame, time);
    this.record(fwd, rev, g, frame);
  }

  /** The first segment of a flow: its connection state. */
  private open(flow: Flow, flags: number, dir: number, frame: number, time: number): TcpConn {
    const c = new TcpConn(flow, this.stateLog);
    flow.tracker = c;
    this.conns.push(c);
    c.firstFrame = frame;
    c.flipped = dir === 1;
    if (flow.previous !== null && (flags & (SYN | ACK)) === SYN) {
      this.portReuse(c, flow.previous, frame, time);
      const p = flow.previous.tracker;
      if (p instanceof TcpConn && p.newSynFrame === 0) {
        // which of the earlier connection's endpoints sent the SYN (the new flow's A)
        const q = flow.previous;
        const same = q.a0 === flow.a0 && q.a1 === flow.a1 && q.a2 === flow.a2 && q.a3 === flow.a3 && q.keyPortA === flow.keyPortA;
        p.newSynFrame = frame;
        p.newSynDir = same === q.clientIsA ? 0 : 1;
      }
    }
    return c;
  }

  /** tcp.idle: the connection was silent above the threshold before this segment. */
  private idleGap(c: TcpConn, frame: number, time: number): void {
    this.fire(c, TcpBit.IDLE, frame, time, `no packet for ${(time - c.lastTime).toFixed(1)} s (threshold ${this.idle} s) since frame ${c.lastFrame}`, [c.lastFrame]);
  }

  /**
   * Wireshark's tcp_analyze_sequence_number (and dissect_tcp's reused-ports test before
   * it): the analysis flags in packet-tcp.c's order of checks, up to finished_fwd; then
   * the kind of retransmission, the sender's edges, the RTT samples and bytes in flight.
   */
  private analyzeSequence(c: TcpConn, fwd: TcpHalf, rev: TcpHalf, g: Segment, pkt: Packet, frame: number, time: number): void {
    const flags = g.flags, seq = g.seq >>> 0, ack = g.ack >>> 0, seglen = g.seglen, window = g.window;
    let ta = 0;
    // dissect_tcp: a SYN-ACK with a new ISN on a known conversation (reused ports)
    if ((flags & (SYN | ACK)) === (SYN | ACK) && fwd.baseSet && seq !== (fwd.baseSeq >>> 0)) {
      ta |= A_REUSED_PORTS;
      fwd.baseSeq = seq | 0;
    }
    if (!fwd.baseSet) {
      fwd.baseSeq = (flags & SYN ? seq : seq - 1) | 0;
      fwd.baseSet = true;
    }
    if (!rev.baseSet && flags & ACK) {
      rev.baseSeq = (ack - 1) | 0;
      rev.baseSet = true;
    }
    if (flags & ACK) rev.validBif = 1;
    const ctl = flags & (SYN | FIN | RST);
    g.dupNum = 0;
    g.dupFrame = 0;
    analyze: {
      if (seglen === 1 && seq === (fwd.nextseq >>> 0) && rev.window === 0) {
        ta |= A_ZERO_WINDOW_PROBE;
        break analyze;
      }
      if (window === 0 && ctl === 0) ta |= A_ZERO_WINDOW;
      if (fwd.nextseq !== 0 && gt(seq, fwd.nextseq) && (flags & RST) === 0) {
        ta |= A_LOST_PACKET;
        fwd.validBif = 0;
      }
      if ((seglen === 0 || seglen === 1) && seq === ((fwd.nextseq - 1) >>> 0) && ctl === 0) ta |= A_KEEP_ALIVE;
      if (seglen === 0 && window !== 0 && window !== fwd.window && seq === (fwd.nextseq >>> 0) && ack === (fwd.lastack >>> 0) && ctl === 0) ta |= A_WINDOW_UPDATE;
      if (seglen > 0 && rev.winScale !== -1 && ctl === 0) {
        const sh = rev.isFirstAck ? 0 : rev.winScale === -2 ? 0 : rev.winScale;
        if (((seq + seglen) >>> 0) === ((rev.lastack + ((rev.window << sh) >>> 0)) >>> 0)) ta |= A_WINDOW_FULL;
      }
      if (seglen === 0 && window !== 0 && window === fwd.window && seq === (fwd.nextseq >>> 0) && ack === (fwd.lastack >>> 0) && rev.lastsegflags & A_KEEP_ALIVE && ctl === 0) {
        ta |= A_KEEP_ALIVE_ACK;
        break analyze;
      }
      if (seglen === 0 && window === 0 && window === fwd.window && seq === (fwd.nextseq >>> 0) && ack === (fwd.lastack >>> 0) && rev.lastsegflags & A_ZERO_WINDOW_PROBE && ctl === 0) {
        ta |= A_ZERO_WINDOW_PROBE_ACK;
        break analyze;
      }
      if (seglen === 0 && window !== 0 && window === fwd.window && seq === (fwd.nextseq >>> 0) && ack === (fwd.lastack >>> 0) && ctl === 0) {
        fwd.dupacknum = fwd.dupacknum < 0 ? 1 : fwd.dupacknum + 1;
        ta |= A_DUPLICATE_ACK;
        g.dupNum = fwd.dupacknum;
        g.dupFrame = fwd.lastnondupack;
      }
    }
    // finished_fwd
    if (ack !== (fwd.lastack >>> 0)) {
      fwd.lastnondupack = frame;
      fwd.dupacknum = 0;
    }
    g.ackLostEdge = 0;
    if (rev.maxseqtobeacked !== 0 && gt(ack, rev.maxseqtobeacked) && flags & ACK) ta |= ackedUnseen(rev, g);
    g.ta = ta;
    if (seglen > 0 || flags & (SYN | FIN)) this.retransmissionKind(c, fwd, rev, g, time);
    this.advance(fwd, g, frame, time);
    // the ACK removes acknowledged segments of the other direction: RTT samples
    if (rev.ringCount > 0) this.acked(c, rev, g.ack, time, frame);
    this.bytesInFlight(fwd, rev, g, pkt);
  }

  /** A segment with data, SYN or FIN that does not advance the sequence: which kind of retransmission. */
  private retransmissionKind(c: TcpConn, fwd: TcpHalf, rev: TcpHalf, g: Segment, time: number): void {
    const flags = g.flags, seq = g.seq >>> 0, seglen = g.seglen;
    if (g.ta & A_KEEP_ALIVE) return;
    let notAdvanced = fwd.nextseq !== 0 && lt(seq, fwd.nextseq);
    if (seglen > 1 && ((fwd.nextseq - 1) >>> 0) === seq) notAdvanced = false;
    if (seglen > 0 && rev.lastack !== 0 && le((seq + seglen) >>> 0, rev.lastack)) {
      g.ta |= A_SPURIOUS_RETRANSMISSION;
      return;
    }
    if (notAdvanced && rev.dupacknum >= 2 && (rev.lastack >>> 0) === seq && time - rev.lastackTime < 0.02) {
      g.ta |= A_FAST_RETRANSMISSION;
      return;
    }
    const thres = c.tsFirstRtt === 0 ? 0.003 : c.tsFirstRtt;
    if (notAdvanced && time - fwd.nextseqTime < thres && (fwd.nextseq >>> 0) !== ((seq + seglen + (flags & (SYN | FIN) ? 1 : 0)) >>> 0)) {
      g.ta |= A_OUT_OF_ORDER;
      return;
    }
    if (notAdvanced) g.ta |= A_RETRANSMISSION;
  }

  /** The sender's edges after the segment (finished_checking_retransmission_type): unacked ring, nextseq, last ACK. */
  private advance(fwd: TcpHalf, g: Segment, frame: number, time: number): void {
    const flags = g.flags, seq = g.seq >>> 0, seglen = g.seglen, ta = g.ta;
    g.prevNext = fwd.nextseq;
    g.prevNextFrame = fwd.nextseqFrame;
    let nextseq = (seq + seglen) >>> 0;
    if ((seglen > 0 || flags & (SYN | FIN)) && fwd.ringCount < MAX_UNACKED) {
      if (flags & (SYN | FIN)) nextseq = (nextseq + 1) >>> 0;
      pushSegment(fwd, seq | 0, nextseq | 0, time, frame, (ta & (A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION | A_OUT_OF_ORDER)) !== 0);
    }
    if (gt(nextseq, fwd.nextseq) || fwd.nextseq === 0) {
      if (!(ta & A_ZERO_WINDOW_PROBE)) {
        fwd.nextseq = nextseq | 0;
        fwd.nextseqFrame = frame;
        fwd.nextseqTime = time;
      }
    }
    if (seq === (fwd.maxseqtobeacked >>> 0) || fwd.maxseqtobeacked === 0) {
      if (!(ta & A_ZERO_WINDOW_PROBE)) fwd.maxseqtobeacked = fwd.nextseq;
    }
    fwd.window = g.window;
    if (g.ack !== fwd.lastack) fwd.lastackFrame = frame;
    fwd.lastack = g.ack;
    fwd.lastackTime = time;
    fwd.lastsegflags = ta;
  }

  /** Bytes in flight (Wireshark's payload-based method), and the bytes this segment's SACK blocks cover. */
  private bytesInFlight(fwd: TcpHalf, rev: TcpHalf, g: Segment, pkt: Packet): void {
    let inFlight = 0;
    if (g.seglen !== 0 && fwd.ringCount > 0 && fwd.validBif) {
      let f = ((fwd.ringMaxNext - fwd.ring![fwd.ringHead * RING_STRIDE]) >>> 0) - rev.sackBytes;
      if (f > 0 && f < 2000000000) {
        if (g.flags & (SYN | FIN)) f -= 1;
        inFlight = f;
      }
    }
    g.inFlight = inFlight;
    fwd.sackBytes = 0;
    if (pkt.tcpSackCount > 0) {
      let s = 0;
      for (let k = 0; k < pkt.tcpSackCount; k++) s += (pkt.tcpSack[2 * k + 1] - pkt.tcpSack[2 * k]) >>> 0;
      fwd.sackBytes = s;
    }
  }

  /** The options (dissected after the analysis, as in Wireshark), the handshake RTT, the ISN, an inferred window scale. */
  private options(c: TcpConn, fwd: TcpHalf, rev: TcpHalf, g: Segment, pkt: Packet, time: number): void {
    const flags = g.flags;
    if (pkt.tcpWscale >= 0) fwd.winScale = pkt.tcpWscale;
    if (flags & SYN) this.synOptions(c, fwd, rev, g, pkt, time);
    if (pkt.tcpHasTimestamp) fwd.timestamps = true;
    if ((flags & (SYN | ACK)) === ACK) {
      if (c.tsMruSyn !== 0 && c.tsFirstRtt === 0) c.tsFirstRtt = time - c.tsMruSyn;
      fwd.isFirstAck = false;
    }
    // infer the peer's window scale when the data proves it (no handshake seen)
    const inFlight = g.inFlight;
    if (inFlight > 0 && rev.winScale === -1 && rev.window > 0 && inFlight > rev.window) {
      let s = 1;
      while (s < 14 && rev.window * (1 << s) < inFlight) s++;
      if (s > rev.inferredScale) rev.inferredScale = s;
    }
  }

  /** A SYN's options: window scale (or none), MSS, SACK permitted; the ISN and the time of the SYN (handshake RTT). */
  private synOptions(c: TcpConn, fwd: TcpHalf, rev: TcpHalf, g: Segment, pkt: Packet, time: number): void {
    const flags = g.flags;
    if (fwd.winScale === -1) {
      fwd.winScale = -2;
      rev.winScale = -2;
    } else if (flags & ACK && rev.winScale === -2) fwd.winScale = -2;
    fwd.isFirstAck = true;
    if (pkt.tcpMss >= 0) fwd.mss = pkt.tcpMss;
    if (pkt.tcpSackPermitted) fwd.sackPermitted = true;
    if (!(flags & ACK)) c.tsMruSyn = time;
    if (fwd.isn < 0) fwd.isn = g.seq >>> 0;
  }

  /** Wireshark's flags as event bits, BE RIGHT: corrected where Wireshark is wrong (pinned in test/analysis/tcp). */
  private correctedBits(c: TcpConn, fwd: TcpHalf, rev: TcpHalf, g: Segment, time: number): number {
    const ta = g.ta, seglen = g.seglen;
    let bits = wiresharkBits(ta);
    g.holeFrame = 0;
    // Linux probes a zero window with an empty segment at SND.UNA − 1 (tcp_xmit_probe_skb):
    // Wireshark's test (exactly one byte at nextseq) misses it and calls it a keep-alive.
    if (ta & A_KEEP_ALIVE && seglen === 0 && rev.window === 0) bits = (bits & ~TcpBit.KEEP_ALIVE) | TcpBit.ZERO_WINDOW_PROBE;
    // "Out-of-order" only because it came soon after the highest segment, although every
    // byte of it had been seen before (no hole): it is a retransmission.
    if (ta & A_OUT_OF_ORDER && seglen > 0 && !overlapsHole(fwd, g.seq, (g.seq + seglen) | 0)) bits = (bits & ~TcpBit.OUT_OF_ORDER) | TcpBit.RETRANSMISSION;
    // A "retransmission" that fills a hole (bytes never captured before) sooner after the
    // hole appeared than any retransmission could (HOLE_FILL_RTT) is the original, reordered
    // — at a receiver-side capture, Wireshark's fast-retransmission test passes on the
    // duplicate ACKs the receiver sent for the hole, whatever filled it.
    else if (ta & (A_FAST_RETRANSMISSION | A_RETRANSMISSION) && fwd.holeCount > 0 && seglen > 0 && c.tsFirstRtt > 0) {
      const k = holeFilled(fwd, g.seq, (g.seq + seglen) | 0);
      if (k >= 0 && time - fwd.holes![k + 2] < HOLE_FILL_RTT * c.tsFirstRtt) {
        bits = (bits & ~(TcpBit.RETRANSMISSION | TcpBit.FAST_RETRANSMISSION)) | TcpBit.OUT_OF_ORDER;
        g.holeFrame = fwd.holes![k + 3] | 0;
        g.holeAge = time - fwd.holes![k + 2];
      }
    }
    // An "out-of-order" segment (it came soon after the highest one) that fills a hole
    // more than an RTT after the hole appeared: no reordering holds a segment back that
    // long, it is the retransmission of the lost one (an RTO's, typically). Wireshark
    // times only the gap since the highest segment. The RTT is the handshake's, or
    // without one the largest ACK RTT sample so far.
    else if (ta & A_OUT_OF_ORDER && fwd.holeCount > 0 && seglen > 0) {
      const rtt = c.tsFirstRtt || c.rttMax;
      const k = rtt > 0 ? holeFilled(fwd, g.seq, (g.seq + seglen) | 0) : -1;
      if (k >= 0 && time - fwd.holes![k + 2] > rtt) {
        bits = (bits & ~TcpBit.OUT_OF_ORDER) | TcpBit.RETRANSMISSION;
        g.holeFrame = fwd.holes![k + 3] | 0;
        g.holeAge = time - fwd.holes![k + 2];
      }
    }
    return bits;
  }

  /** Zeek's endpoint states and history, and its content gaps. */
  private zeekPacket(c: TcpConn, dir: number, fwd: TcpHalf, rev: TcpHalf, g: Segment, pkt: Packet): void {
    const flags = g.flags, seq = g.seq >>> 0, ack = g.ack >>> 0, seglen = g.seglen;
    c.zeek.packet(dir === 0, flags, g.seq, seglen, g.window, flags & SYN ? pkt.tcpWscale : -1);
    // Zeek content gaps: the peer acknowledged bytes of this endpoint's stream the capture never held
    if (flags & ACK && !(flags & RST) && rev.capturedEdgeSet && gt(ack, rev.capturedEdge)) {
      c.zeek.gap(dir === 1);
      rev.capturedEdge = ack | 0;
    }
    if (seglen > 0 || flags & (SYN | FIN)) {
      const end = (seq + seglen + (flags & (SYN | FIN) ? 1 : 0) - (flags & FIN ? 1 : 0)) >>> 0;
      if (!fwd.capturedEdgeSet) {
        fwd.capturedEdgeSet = true;
        fwd.capturedEdge = (flags & SYN ? seq + 1 : seq) | 0;
      }
      // contiguous and fully captured data moves the edge
      if (!(flags & RST) && pkt.payloadLen >= seglen && le(seq, fwd.capturedEdge) && gt(end, fwd.capturedEdge)) fwd.capturedEdge = end | 0;
      if ((flags & FIN && (fwd.capturedEdge >>> 0) === end) || (fwd.finSeq >= 0 && (fwd.capturedEdge >>> 0) === fwd.finSeq)) fwd.capturedEdge = (fwd.capturedEdge + 1) | 0;
    }
  }

  /** What the next segments compare with: the highest byte sent, this segment, the first unacknowledged data. */
  private remember(c: TcpConn, fwd: TcpHalf, rev: TcpHalf, g: Segment, frame: number, time: number): void {
    const flags = g.flags, seq = g.seq >>> 0, seglen = g.seglen;
    // half-open: the first data this side sent that is still unacknowledged
    if (seglen > 0 && !(flags & RST) && fwd.unackedSince === 0 && fwd.ringCount > 0 && (rev.lastack === 0 || gt((seq + seglen) >>> 0, rev.lastack))) {
      fwd.unackedSince = frame;
      fwd.unackedSinceTime = time;
      fwd.retxAfterUnacked = 0;
      fwd.retxFrames = null;
    }
    if (seglen > 0 && fwd.baseSet) {
      const r = (seq + seglen - fwd.baseSeq) >>> 0;
      if (r > fwd.highRel && r < 0x80000000) fwd.highRel = r;
    }
    fwd.lastSegSeq = g.seq;
    fwd.lastSegAck = g.ack;
    fwd.lastSegLen = seglen;
    fwd.lastSegFlags = flags;
    fwd.lastSegFrame = frame;
    fwd.lastTime = time;
    fwd.lastFrame = frame;
    fwd.packets++;
    if (flags & ACK) fwd.acks++;
    c.lastTime = time;
    c.lastFrame = frame;
  }

  /** The per-packet columns: relative seq/ack, scaled window, bytes in flight. */
  private record(fwd: TcpHalf, rev: TcpHalf, g: Segment, frame: number): void {
    const flags = g.flags;
    // (both int32: `| 0` wraps the difference in int32 arithmetic, which compiles without
    // an overflow check; a plain difference of two far-apart numbers overflows int32 and
    // deoptimizes the function the first time it does — the same number after `>>> 0`)
    const relSeq = ((g.seq - fwd.baseSeq) | 0) >>> 0;
    const relAck = flags & ACK && rev.baseSet ? ((g.ack - rev.baseSeq) | 0) >>> 0 : 0;
    const shift = flags & SYN ? 0 : fwd.winScale >= 0 ? fwd.winScale : fwd.inferredScale > 0 ? fwd.inferredScale : 0;
    this.columns.set(frame - 1, relSeq, relAck, g.window * (1 << shift), g.inFlight);
  }

  /** The peer's ACK: drop acknowledged segments of `h`, take an RTT sample (Karn: not for retransmitted ones). */
  private acked(c: TcpConn, h: TcpHalf, ackI: number, time: number, frame: number): void {
    // int32 on the way in (no boxed double per call), unsigned for the comparisons
    const ack = ackI >>> 0;
    const R = h.ring!;
    const cap = h.ringCap;
    while (h.ringCount > 0) {
      const i = h.ringHead;
      const o = i * RING_STRIDE;
      const nx = R[o + 1];
      if (nx === ack) {
        if (R[o + 4] === 0) {
          const r = time - R[o + 2];
          c.rttCount++;
          c.rttSum += r;
          if (c.rttCount === 1 || r < c.rttMin) c.rttMin = r;
          if (r > c.rttMax) c.rttMax = r;
          this.columns.rtt(frame, r);
        }
      } else if (gt(ack, R[o]) && le(ack, nx)) {
        R[o] = ack;
        break;
      } else if (gt(nx, ack)) break;
      h.ringHead = i + 1 === cap ? 0 : i + 1;
      h.ringCount--;
    }
    if (h.ringCount === 0) h.ringMaxNext = 0;
    if (h.unackedSince !== 0 && h.ringCount === 0) {
      h.unackedSince = 0;
      h.retxAfterUnacked = 0;
      h.retxFrames = null;
    }
  }

  /** The events of Wireshark's (corrected) flags on this segment, with their messages. */
  private flagEvents(c: TcpConn, fwd: TcpHalf, rev: TcpHalf, bits: number, g: Segment, frame: number, time: number): void {
    const seq = g.seq >>> 0, ack = g.ack >>> 0, prevNext = g.prevNext >>> 0, ackLostEdge = g.ackLostEdge >>> 0;
    const seglen = g.seglen, window = g.window, dupNum = g.dupNum, dupFrame = g.dupFrame, prevNextFrame = g.prevNextFrame;
    const rs = (v: number): number => (v - fwd.baseSeq) >>> 0;
    const ra = (v: number): number => (v - rev.baseSeq) >>> 0;
    const ctl = g.flags & (SYN | FIN);
    // the segment's range, in the messages that name it (not a duplicate ACK's, the most frequent event)
    const range = !(bits & RANGE_BITS) ? '' : seglen === 0 && ctl !== 0
      ? `the ${ctl & SYN ? (g.flags & ACK ? 'SYN-ACK' : 'SYN') : 'FIN'} (seq ${rs(seq)})`
      : `seq ${rs(seq)}–${rs((seq + seglen) >>> 0)} (${seglen} byte${seglen === 1 ? '' : 's'})`;
    for (let b = 1; b <= TcpBit.PORT_REUSE; b <<= 1) {
      if (!(bits & b)) continue;
      let msg = '';
      let related: number[] = [];
      switch (b) {
        case TcpBit.RETRANSMISSION: {
          const orig = originalFrame(fwd, seq, frame);
          msg = `retransmission of ${range}${orig ? `, first sent in frame ${orig}` : ''}`;
          if (orig) related = [orig];
          else if (g.holeFrame !== 0) {
            msg = `retransmission of ${range}: it fills the gap seen since frame ${g.holeFrame} ${holeTiming(g.holeAge, c.tsFirstRtt || c.rttMax)} later, longer than any reordering holds a segment back (one RTT): the lost segment, sent again`;
            related = [g.holeFrame];
          }
          fwd.retxAfterUnacked++;
          if (fwd.retxFrames === null) fwd.retxFrames = [];
          if (fwd.retxFrames.length < 16) fwd.retxFrames.push(frame);
          break;
        }
        case TcpBit.FAST_RETRANSMISSION:
          msg = `fast retransmission of ${range} after ${rev.dupacknum} duplicate ACKs (last in frame ${rev.lastSegFrame})`;
          related = [rev.lastSegFrame];
          fwd.retxAfterUnacked++;
          break;
        case TcpBit.SPURIOUS_RETRANSMISSION:
          msg = `spurious retransmission of ${range}: the peer had already acknowledged up to ${rs(rev.lastack)} (frame ${rev.lastackFrame})`;
          related = [rev.lastackFrame];
          break;
        case TcpBit.OUT_OF_ORDER:
          msg = `out-of-order ${range}, after data up to ${rs(prevNext)} was seen in frame ${prevNextFrame}`;
          related = [prevNextFrame];
          if (g.holeFrame !== 0) {
            msg = `out-of-order ${range}: it fills the gap seen since frame ${g.holeFrame} only ${holeTiming(g.holeAge, c.tsFirstRtt)} later, sooner than a retransmission could come back (one RTT): the original, reordered`;
            related = [g.holeFrame];
          }
          break;
        case TcpBit.LOST_SEGMENT:
          msg = `previous segment not captured: sequence jumped from ${rs(prevNext)} to ${rs(seq)} (${(seq - prevNext) >>> 0} bytes missing)`;
          related = [prevNextFrame];
          break;
        case TcpBit.ACK_LOST_SEGMENT:
          msg = `ACK ${ra(ack)} acknowledges data the capture never saw (seen up to ${ra(ackLostEdge)})`;
          break;
        case TcpBit.DUPLICATE_ACK:
          msg = `duplicate ACK #${dupNum} of frame ${dupFrame} (ACK ${ra(ack)})`;
          related = [dupFrame];
          break;
        case TcpBit.ZERO_WINDOW:
          msg = `zero receive window advertised (ACK ${ra(ack)}): the receiving application is not reading`;
          break;
        case TcpBit.ZERO_WINDOW_PROBE:
          msg = seglen === 0
            ? `zero-window probe (empty segment at ${rs(seq)}, one below the next sequence number) while the peer's window is 0`
            : `zero-window probe (${seglen} byte at ${rs(seq)}) while the peer's window is 0`;
          break;
        case TcpBit.WINDOW_FULL:
          msg = `${range} fills the peer's advertised window (edge at ${rs((seq + seglen) >>> 0)})`;
          break;
        case TcpBit.WINDOW_UPDATE:
          msg = `window update to ${window}${fwd.winScale > 0 ? ` × ${2 ** fwd.winScale}` : ''} (ACK ${ra(ack)} unchanged)`;
          break;
        case TcpBit.KEEP_ALIVE:
          msg = `keep-alive (${seglen} byte${seglen === 1 ? '' : 's'} at ${rs(seq)}, one below the next sequence number)`;
          break;
        case TcpBit.KEEP_ALIVE_ACK:
          msg = `ACK of the keep-alive in frame ${rev.lastSegFrame}`;
          related = [rev.lastSegFrame];
          break;
        case TcpBit.PORT_REUSE:
          msg = 'SYN-ACK with a new initial sequence number on a known connection: port numbers reused';
          break;
      }
      this.fire(c, b, frame, time, msg, related);
    }
  }

  private fire(c: TcpConn, bit: number, frame: number, time: number, message: string, related: number[]): void {
    const kind = TCP_KIND_BY_BIT[bit];
    this.analysis.emit('tcp', kind, frame, time, c.flow.id, message, related);
    this.columns.addBits(frame - 1, bit);
  }

  private portReuse(c: TcpConn, prev: Flow, frame: number, time: number): void {
    const p = prev.tracker instanceof TcpConn ? prev.tracker : null;
    let how = 'the earlier connection';
    if (p) {
      const both = p.h[0].finSeq >= 0 && p.h[1].finSeq >= 0;
      if (p.rstSeen) how = `the earlier connection (flow ${prev.id}) had been reset`;
      else if (both) how = `the earlier connection (flow ${prev.id}) had closed normally (FIN both ways)`;
      else how = `the earlier connection (flow ${prev.id}) never closed: its state was abandoned (last seen in frame ${p.lastFrame})`;
    }
    this.fire(c, TcpBit.PORT_REUSE, frame, time, `new SYN on a 4-tuple already used: ${how}`, [prev.lastFrame]);
  }

  /** The guesses of the transitions applied to the current segment (null: none). */
  private guess: string | null = null;

  /** Apply the transition table to one endpoint (RFC 9293 states); a pair it has no rule for is recorded. */
  private apply(c: TcpConn, who: number, ev: EvId, frame: number): void {
    const st = c.st;
    const rule = ruleFor(st[who], ev);
    if (rule === null) {
      this.unexpectedCount++;
      if (this.unexpected.length < MAX_UNEXPECTED) this.unexpected.push({ frame, flow: c.flow.id, endpoint: who, state: st[who] as StateId, event: ev });
      return;
    }
    if (rule.guess) this.guess = this.guess ? `${this.guess}; ${rule.guess}` : rule.guess;
    if (rule.fromStart) this.stateLog.setState(c.statesHead, who, rule.to);
    st[who] = rule.to;
  }

  /** RFC 9293 states of both endpoints, and the state breaks this segment proves. */
  private rfc(c: TcpConn, dir: number, fwd: TcpHalf, rev: TcpHalf, g: Segment, pkt: Packet, frame: number, time: number): void {
    const flags = g.flags, seq = g.seq >>> 0, ack = g.ack >>> 0, seglen = g.seglen;
    const s = dir, r = 1 - dir;
    const st = c.st;
    const before0 = st[0], before1 = st[1];
    const first = c.firstFrame === frame;
    // Most segments: no SYN, FIN or RST, both endpoints ESTABLISHED, both seen, no FIN
    // from the peer to acknowledge. Of the steps below, only the sender's TTL facts and
    // handshakeDone (already true or made so) apply to them: none moves a state.
    if ((flags & (SYN | FIN | RST)) === 0 && !first && before0 === State.ESTABLISHED && before1 === State.ESTABLISHED && rev.packets !== 0 && rev.finSeq < 0) {
      const ttl = pkt.ipTtl;
      if (ttl < fwd.ttlMin) fwd.ttlMin = ttl;
      if (ttl > fwd.ttlMax) fwd.ttlMax = ttl;
      fwd.lastIpId = pkt.ipId;
      c.handshakeDone = true;
      return;
    }
    this.guess = null;
    if (first && (flags & (SYN | ACK)) === (SYN | ACK) && s === 1) this.apply(c, 0, Ev.SYNACK_FIRST, frame);
    if (first && !(flags & SYN)) {
      // mid-stream pickup: the handshake happened before the capture
      c.midstream = true;
      this.apply(c, 0, Ev.MIDSTREAM, frame);
      this.apply(c, 1, Ev.MIDSTREAM, frame);
      this.fire(c, TcpBit.MIDSTREAM, frame, time, `capture began mid-connection: first segment ${flags & FIN ? 'FIN' : flags & RST ? 'RST' : seglen > 0 ? 'with data' : 'ACK'} from ${c.flow.endpoint(dir === 0)}, no handshake seen`, []);
    }
    // refused: a RST from the server answering the client's SYN, no SYN-ACK ever sent
    // the sender's TTL facts; a RST whose TTL differs from every earlier packet of its
    // sender, which all agreed, was forged in the path and is left out of them
    const ttl = pkt.ipTtl;
    let injected = false;
    if (flags & RST && !c.rstSeen && fwd.packets > 1 && fwd.ttlMin === fwd.ttlMax && ttl !== fwd.ttlMin) {
      injected = true;
      this.injectedReset(c, s, fwd, rev, pkt, frame, time);
    } else {
      if (ttl < fwd.ttlMin) fwd.ttlMin = ttl;
      if (ttl > fwd.ttlMax) fwd.ttlMax = ttl;
      fwd.lastIpId = pkt.ipId;
    }
    let refused = false;
    if (injected) {
      // not the endpoint's doing: no verdict on its state, which it keeps
    } else if (flags & RST && s === 1 && st[0] === State.SYN_SENT && fwd.synAckFrame === 0 && !c.brokeReported) {
      c.brokeReported = true;
      refused = true;
      const syn = rev.synFrame;
      this.fire(c, TcpBit.REFUSED, frame, time, `connection refused: SYN to ${c.flow.endpoint(false)} (frame ${syn}) answered by RST after ${((time - rev.lastTime) * 1000).toFixed(3)} ms — nothing listens on port ${c.flow.endpoint(false).replace(/.*:/, '')}`, syn ? [syn] : []);
    } else if (flags & RST && !c.rstSeen) this.classifyRst(c, s, fwd, rev, flags, g.seq, g.ack, frame, time);
    if (flags & RST) {
      c.rstSeen = true;
      if (!injected) fwd.rstFrame = frame;
    }
    // nothing seen from the peer yet: what this acknowledgement proves it sent (before
    // this segment's own transitions, which the peer's unseen FIN can precede)
    if (rev.packets === 0 && flags & ACK && !(flags & RST)) this.unseenPeer(c, s, fwd, rev, g, frame);

    // sender
    if (flags & SYN) {
      if (flags & ACK) {
        if (fwd.synAckFrame === 0) fwd.synAckFrame = frame;
        this.apply(c, s, Ev.SND_SYNACK, frame);
      } else {
        if (fwd.synFrame === 0) fwd.synFrame = frame;
        fwd.synCount++;
        if (fwd.synCount > 1 && (fwd.synFrames ??= []).length < 32) fwd.synFrames.push(frame);
        this.apply(c, s, Ev.SND_SYN, frame);
      }
    } else if (flags & ACK && (st[s] === State.SYN_SENT || ((st[s] === State.CLOSED || st[s] === State.LISTEN) && rev.synAckFrame !== 0))) {
      if (rev.isn < 0 || ack === ((rev.isn + 1) >>> 0) || gt(ack, rev.isn)) this.apply(c, s, Ev.SND_ACK_OF_SYN, frame);
    }
    if (flags & FIN && !(flags & RST)) {
      const finSeq = (seq + seglen) >>> 0;
      if (fwd.finSeq < 0) {
        fwd.finSeq = finSeq;
        fwd.finFrame = frame;
      }
      this.apply(c, s, Ev.SND_FIN, frame);
    }
    // a refusal proves nothing listened: the server was CLOSED, not LISTEN, all along
    if (flags & RST && !injected) this.apply(c, s, refused ? Ev.REFUSE : Ev.SND_RST, frame);
    // one-sided capture: the client acknowledges a SYN-ACK the capture never held
    if (s === 0 && flags & ACK && !(flags & RST) && st[1] === State.LISTEN && rev.packets === 0 && st[0] === State.ESTABLISHED) this.apply(c, 1, Ev.ONE_SIDED, frame);
    // receiver (RFC 9293 3.10.7.4 order: RST, then ACK, then FIN)
    if (flags & RST) {
      if (st[r] === State.SYN_SENT ? flags & ACK && rev.isn >= 0 && ack === ((rev.isn + 1) >>> 0) : true) this.apply(c, r, Ev.RCV_RST, frame);
    } else {
      if (flags & ACK) {
        if (st[r] === State.SYN_RECEIVED && (rev.isn < 0 || gt(ack, rev.isn))) {
          this.apply(c, r, Ev.RCV_ACK_OF_SYN, frame);
          c.handshakeDone = true;
        }
        if (rev.finSeq >= 0 && gt(ack, rev.finSeq)) this.apply(c, r, Ev.RCV_ACK_OF_FIN, frame);
      }
      if (flags & FIN) this.apply(c, r, Ev.RCV_FIN, frame);
    }
    if (st[s] === State.ESTABLISHED && st[r] === State.ESTABLISHED) c.handshakeDone = true;
    if (st[0] !== before0 || st[1] !== before1 || first) {
      if (first && (flags & (SYN | ACK)) === SYN && st[1] === State.LISTEN) this.guess ??= 'server assumed LISTEN';
      c.statesTail = this.stateLog.add(c.statesTail, frame, time, st[0], st[1], this.guess);
      if (c.statesHead < 0) c.statesHead = c.statesTail;
    }
  }

  /**
   * One-sided capture (so far): the peer `r` has sent nothing the capture holds, yet this
   * segment of `s` acknowledges it. Its acknowledgement proves what the peer sent — a
   * SYN (this is a SYN-ACK), a SYN-ACK (an ACK after `s`'s SYN), data or a FIN (the
   * number moved on) — and so the peer's state: data after its SYN means it entered
   * ESTABLISHED (and, carrying an ACK, moved `s` there from SYN-RECEIVED); an advance of
   * exactly one at the close (on or after `s`'s own FIN) is taken for its FIN, which also
   * acknowledged `s`'s FIN when the peer had received it.
   */
  private unseenPeer(c: TcpConn, s: number, fwd: TcpHalf, rev: TcpHalf, g: Segment, frame: number): void {
    const r = 1 - s, st = c.st, flags = g.flags, ack = g.ack >>> 0;
    let o = c.oneSided;
    let advance = 0;
    if (o === null) o = c.oneSided = new OneSided(s, g.ack);
    else if (gt(ack, o.ack)) advance = (ack - o.ack) >>> 0;
    if (o.seen !== s) return;
    if (flags & SYN || fwd.synFrame !== 0 || advance > 0) {
      if (o.firstFrame === 0) o.firstFrame = frame;
      o.lastFrame = frame;
    }
    if (!(flags & SYN)) {
      // the peer's data beyond its SYN: it had the SYN-ACK, and its ACK reached `s`
      if (st[r] === State.SYN_SENT && rev.baseSet && gt(ack, (rev.baseSeq + 1) | 0)) {
        this.apply(c, r, Ev.ONE_SIDED, frame);
        if (st[s] === State.SYN_RECEIVED) this.apply(c, s, Ev.RCV_ACK_OF_SYN, frame);
        c.handshakeDone = true;
      }
      // one past the data acknowledged so far, at the close: the peer's FIN
      if (advance === 1 && rev.finSeq < 0 && (fwd.finSeq >= 0 || flags & FIN) && st[r] >= State.ESTABLISHED) {
        const hadOurFin = fwd.finSeq >= 0 && (st[r] === State.CLOSE_WAIT || st[r] === State.CLOSING);
        rev.finSeq = (ack - 1) >>> 0;
        o.finFrame = frame;
        this.apply(c, r, Ev.SND_FIN, frame);
        if (hadOurFin) this.apply(c, s, Ev.RCV_ACK_OF_FIN, frame);
        this.apply(c, s, Ev.RCV_FIN, frame);
        const peer = c.flow.endpoint(r === 0);
        const why = `one-sided capture: ${c.flow.endpoint(s === 0)} acknowledged one past ${peer}'s data at the close, taken for ${peer}'s FIN${hadOurFin ? ' (which acknowledged its own)' : ''}`;
        this.guess = this.guess ? `${this.guess}; ${why}` : why;
      }
    }
    if (advance > 0) o.ack = g.ack;
  }

  /**
   * tcp.injected-reset: a RST whose TTL disagrees with every earlier packet of the
   * endpoint it claims to come from. The receiver takes it (its state goes to CLOSED as
   * for any acceptable RST); the claimed sender's state is left as it was.
   */
  private injectedReset(c: TcpConn, s: number, fwd: TcpHalf, rev: TcpHalf, pkt: Packet, frame: number, time: number): void {
    const sender = c.flow.endpoint(s === 0), ttl = pkt.ipTtl, was = fwd.ttlMin, d = ttl - was;
    const than = d > 0 && d < 32 ? `${d} hop${d === 1 ? '' : 's'} closer than` : d < 0 && d > -32 ? `${-d} hop${d === -1 ? '' : 's'} farther than` : 'unlike';
    const also: string[] = [];
    if (pkt.ipVersion === 4 && pkt.ipId === 0 && fwd.lastIpId !== 0) also.push(`IP ID 0 where its last packet had 0x${fwd.lastIpId.toString(16).padStart(4, '0')}`);
    if (pkt.tcpHdrLen === 20 && fwd.timestamps) also.push('no TCP options where its segments carried timestamps');
    const hop = pkt.ipVersion === 6 ? 'hop limit' : 'TTL';
    this.fire(c, TcpBit.INJECTED_RESET, frame, time,
      `RST in the name of ${sender} with ${hop} ${ttl}, ${than} all ${fwd.packets} earlier packets of ${sender} (${hop} ${was}, the last in frame ${fwd.lastFrame}): forged by a device in the path${also.length ? ` (also ${also.join(', ')})` : ''}; ${sender} may still hold the connection`,
      [...(rev.lastSegFrame ? [rev.lastSegFrame] : []), fwd.lastFrame]);
    const why = `RST forged in the name of the ${s === 0 ? 'client' : 'server'} (${hop} ${ttl}, its packets ${was}): its state is kept`;
    this.guess = this.guess ? `${this.guess}; ${why}` : why;
  }

  /** A RST on a connection that got past the SYN: peer lost state, or an abort. */
  private classifyRst(c: TcpConn, s: number, fwd: TcpHalf, rev: TcpHalf, flags: number, seqI: number, ackI: number, frame: number, time: number): void {
    const seq = seqI >>> 0, ack = ackI >>> 0;
    const sender = c.flow.endpoint(s === 0);
    const established = c.handshakeDone || (c.midstream && fwd.packets > 0 && rev.packets > 0);
    const peer = rev;
    // RFC 9293 3.10.7.1: the reset a TCP sends for a segment that matches no connection
    // ... answering a segment that asked for an answer (data, SYN or FIN): a pure ACK
    // gets no reply from a TCP that still has the connection, so a RST right after one
    // is as likely an abort at SND.NXT that happens to look the same
    // ... or the challenge ACK (RFC 5961 4.2) the peer sent, with this connection's
    // numbers, for a new SYN of this endpoint on the 4-tuple: a TCP that still had the
    // connection would have taken it in silence
    const challenge = c.newSynFrame !== 0 && s === c.newSynDir && peer.lastSegFrame > c.newSynFrame && (peer.lastSegFlags & (SYN | FIN | RST | ACK)) === ACK && peer.lastSegLen === 0;
    const answerable = peer.lastSegLen > 0 || (peer.lastSegFlags & (SYN | FIN)) !== 0 || challenge;
    const closedForm = peer.lastSegFrame !== 0 && answerable && (
      (!(flags & ACK) && peer.lastSegFlags & ACK && seq === (peer.lastSegAck >>> 0)) ||
      (flags & ACK && seq === 0 && ack === ((peer.lastSegSeq + peer.lastSegLen + (peer.lastSegFlags & (SYN | FIN) ? 1 : 0)) >>> 0)));
    if (established && fwd.finSeq < 0 && closedForm) {
      const rsRel = (seq - fwd.baseSeq) >>> 0;
      const silent = fwd.lastTime > 0 ? `; it had last sent in frame ${fwd.lastFrame}, ${(time - fwd.lastTime).toFixed(3)} s earlier` : '';
      const what = challenge
        ? `the challenge ACK in frame ${peer.lastSegFrame} (${c.flow.endpoint(s !== 0)}'s answer, with this connection's numbers, to its new SYN in frame ${c.newSynFrame}: RFC 5961 4.2)`
        : `frame ${peer.lastSegFrame}`;
      this.fire(c, TcpBit.PEER_LOST_STATE, frame, time,
        `${sender} answered ${what} with a ${flags & ACK ? 'RST,ACK (seq 0)' : `bare RST (seq = the ACK it received, ${rsRel})`}: it no longer knows this established connection, which it never closed${silent}`,
        [peer.lastSegFrame, ...(fwd.lastFrame ? [fwd.lastFrame] : []), ...(challenge ? [c.newSynFrame] : [])]);
      return;
    }
    const both = fwd.finSeq >= 0 && rev.finSeq >= 0;
    if (both) return; // a reset after both FINs: nothing left to abort
    const what = fwd.finSeq >= 0 ? 'after its own FIN (the peer kept sending)' : established ? 'while the connection was open' : 'before the handshake completed';
    this.fire(c, TcpBit.ABORT, frame, time, `${sender} reset the connection ${what}${closedForm ? '' : ` (in-window RST${flags & ACK ? ',ACK' : ''})`}`, peer.lastSegFrame ? [peer.lastSegFrame] : []);
  }

  finish(analysis: Analysis): void {
    const end = analysis.end ?? 0;
    for (const c of this.conns) {
      const cl = c.h[0], sv = c.h[1];
      const f = c.flow;
      // SYN(s) never answered
      // (a client that went on to ACK was answered: only the capture missed the server's side)
      if (cl.synFrame !== 0 && sv.packets === 0 && cl.acks === 0 && !c.midstream) {
        const n = cl.synCount;
        this.fire(c, TcpBit.UNANSWERED, cl.synFrame, analysis.columns.time[cl.synFrame - 1],
          `SYN to ${f.endpoint(false)} never answered: sent ${n} time${n === 1 ? '' : 's'}${n > 1 ? ` over ${(cl.lastTime - analysis.columns.time[cl.synFrame - 1]).toFixed(1)} s (${n - 1} retransmission${n === 2 ? '' : 's'})` : ''}`,
          cl.synFrames ?? []);
        continue;
      }
      // one-sided: the peer never appeared, yet its packets were acknowledged
      const o = c.oneSided;
      // (one stray packet is no direction: two or more from the seen side)
      if (o !== null && o.firstFrame !== 0 && c.h[1 - o.seen].packets === 0 && c.h[o.seen].packets > 1) this.oneSidedEvent(c, o, analysis);
      // half-open: one side kept sending unacknowledged data, the other fell silent
      if (!c.rstSeen) {
        for (let d = 0; d < 2; d++) {
          const h = c.h[d], o = c.h[1 - d];
          if (h.unackedSince !== 0 && h.retxAfterUnacked >= 2 && o.lastTime < h.unackedSinceTime && o.packets > 0) {
            this.fire(c, TcpBit.HALF_OPEN, h.unackedSince, h.unackedSinceTime,
              `${f.endpoint(d === 0)} kept sending (${h.retxAfterUnacked} retransmission${h.retxAfterUnacked === 1 ? '' : 's'} over ${(h.lastTime - h.unackedSinceTime).toFixed(1)} s) with no answer from ${f.endpoint(d === 1)}, silent since frame ${o.lastFrame}`,
              [o.lastFrame, ...(h.retxFrames ?? [])]);
          }
        }
      }
      const closed = c.rstSeen || (cl.finSeq >= 0 && sv.finSeq >= 0);
      const attempt = cl.synFrame !== 0 && sv.packets === 0 && cl.acks === 0;
      if (!closed && !attempt) {
        if (end - c.lastTime > this.idle)
          this.fire(c, TcpBit.IDLE, c.lastFrame, c.lastTime, `no packet for ${(end - c.lastTime).toFixed(1)} s until the capture ended (threshold ${this.idle} s)`, []);
        const state = `client ${STATE_NAMES[c.st[0]]}, server ${STATE_NAMES[c.st[1]]}`;
        this.fire(c, TcpBit.UNCLOSED, c.lastFrame, c.lastTime, `still open when the capture ended (${state})`, []);
      }
    }
  }

  /** tcp.one-sided: what the seen endpoint acknowledged of the unseen one. */
  private oneSidedEvent(c: TcpConn, o: OneSided, analysis: Analysis): void {
    const seen = c.h[o.seen], unseen = c.h[1 - o.seen];
    const me = c.flow.endpoint(o.seen === 0), peer = c.flow.endpoint(o.seen === 1);
    const fin = unseen.finSeq >= 0;
    const bytes = unseen.baseSet ? ((o.ack - unseen.baseSeq - 1) >>> 0) - (fin ? 1 : 0) : 0;
    const what: string[] = [];
    if (seen.synAckFrame !== 0) what.push('SYN');
    else if (seen.synFrame !== 0) what.push('SYN-ACK');
    if (bytes > 0 && bytes < 0x80000000) what.push(`${bytes} byte${bytes === 1 ? '' : 's'} of data`);
    if (fin) what.push('FIN');
    const list = what.length > 1 ? `${what.slice(0, -1).join(', ')} and ${what[what.length - 1]}` : what[0] ?? 'packets';
    const related = [...new Set([o.finFrame, o.lastFrame])].filter((f) => f !== 0 && f !== o.firstFrame);
    this.fire(c, TcpBit.ONE_SIDED, o.firstFrame, analysis.columns.time[o.firstFrame - 1],
      `only ${me}'s side of the connection was captured (${seen.packets} packet${seen.packets === 1 ? '' : 's'}, none from ${peer}), yet it acknowledged ${peer}'s ${list}: asymmetric routing or a one-way tap; ${peer}'s state is inferred from those acknowledgements (finally ${STATE_NAMES[c.st[1 - o.seen]]})`,
      related);
  }

  addToFlowJson(flow: Flow, json: FlowJson): void {
    const tcp = this.flowJson(flow);
    if (tcp) json.tcp = tcp;
  }

  /** flows[].tcp of OUTPUT.md for one flow (undefined for a flow that is not TCP). */
  flowJson(flow: Flow): TcpFlowJson | undefined {
    const c = flow.tracker;
    if (!(c instanceof TcpConn)) return undefined;
    const cl = c.h[0], sv = c.h[1];
    const rttJson = c.rttCount ? { samples: c.rttCount, min: c.rttMin, mean: c.rttSum / c.rttCount, max: c.rttMax } : null;
    return {
      ...this.zeekOf(flow)!,
      states: c.states,
      client: endpointJson(cl, c.st[0]),
      server: endpointJson(sv, c.st[1]),
      handshakeRtt: c.tsFirstRtt || null,
      rtt: rttJson,
    };
  }

  /** Zeek's conn_state and history of one flow, without the rest of its JSON (null for a flow that is not TCP). */
  zeekOf(flow: Flow): { connState: string; history: string } | null {
    const c = flow.tracker;
    if (!(c instanceof TcpConn)) return null;
    return { connState: c.zeek.connState(c.h[0].highRel, c.h[1].highRel), history: (c.flipped ? '^' : '') + c.zeek.history };
  }
}

// ---- the connections, for another thread (TcpTracker.toTransfer)

// The number and boolean fields of a connection, a half and a Zeek endpoint, row by row
// in a Float64Array: one named store per field, which V8 compiles to a plain store (a
// loop over the names, one site storing ~200 names, took ~0.7 s for 10k connections).
// Written out from the classes' fields, each pack and its unpack in the same order,
// through a running index: a field is added or removed by one line in each, and a row's
// width is what its pack writes (rowWidths), never a number kept by hand. The
// round-trip test fails on a field left out or out of order.
function packConn(x: TcpConn, d: Float64Array, o: number): number {
  let i = o;
  d[i++] = x.statesHead;
  d[i++] = x.statesTail;
  d[i++] = x.tsMruSyn;
  d[i++] = x.tsFirstRtt;
  d[i++] = x.firstFrame;
  d[i++] = x.lastFrame;
  d[i++] = x.lastTime;
  d[i++] = x.midstream ? 1 : 0;
  d[i++] = x.handshakeDone ? 1 : 0;
  d[i++] = x.rstSeen ? 1 : 0;
  d[i++] = x.brokeReported ? 1 : 0;
  d[i++] = x.rttCount;
  d[i++] = x.rttSum;
  d[i++] = x.rttMin;
  d[i++] = x.rttMax;
  d[i++] = x.flipped ? 1 : 0;
  d[i++] = x.newSynFrame;
  d[i++] = x.newSynDir;
  return i - o;
}
function unpackConn(d: Float64Array, o: number, x: TcpConn): void {
  let i = o;
  x.statesHead = d[i++];
  x.statesTail = d[i++];
  x.tsMruSyn = d[i++];
  x.tsFirstRtt = d[i++];
  x.firstFrame = d[i++];
  x.lastFrame = d[i++];
  x.lastTime = d[i++];
  x.midstream = d[i++] !== 0;
  x.handshakeDone = d[i++] !== 0;
  x.rstSeen = d[i++] !== 0;
  x.brokeReported = d[i++] !== 0;
  x.rttCount = d[i++];
  x.rttSum = d[i++];
  x.rttMin = d[i++];
  x.rttMax = d[i++];
  x.flipped = d[i++] !== 0;
  x.newSynFrame = d[i++];
  x.newSynDir = d[i++];
}

function packHalf(x: TcpHalf, d: Float64Array, o: number): number {
  let i = o;
  d[i++] = x.baseSet ? 1 : 0;
  d[i++] = x.baseSeq;
  d[i++] = x.isn;
  d[i++] = x.mss;
  d[i++] = x.winScale;
  d[i++] = x.inferredScale;
  d[i++] = x.sackPermitted ? 1 : 0;
  d[i++] = x.timestamps ? 1 : 0;
  d[i++] = x.isFirstAck ? 1 : 0;
  d[i++] = x.validBif;
  d[i++] = x.nextseq;
  d[i++] = x.nextseqFrame;
  d[i++] = x.nextseqTime;
  d[i++] = x.maxseqtobeacked;
  d[i++] = x.lastack;
  d[i++] = x.lastackTime;
  d[i++] = x.lastackFrame;
  d[i++] = x.lastnondupack;
  d[i++] = x.dupacknum;
  d[i++] = x.ackLostReported;
  d[i++] = x.ackLostReportedSet ? 1 : 0;
  d[i++] = x.window;
  d[i++] = x.lastsegflags;
  d[i++] = x.sackBytes;
  d[i++] = x.ringCap;
  d[i++] = x.ringHead;
  d[i++] = x.ringCount;
  d[i++] = x.ringMaxNext;
  d[i++] = x.holeCount;
  d[i++] = x.holesOverflowed ? 1 : 0;
  d[i++] = x.firstSeq;
  d[i++] = x.firstSeqSet ? 1 : 0;
  d[i++] = x.lastSegSeq;
  d[i++] = x.lastSegAck;
  d[i++] = x.lastSegLen;
  d[i++] = x.lastSegFlags;
  d[i++] = x.lastSegFrame;
  d[i++] = x.lastTime;
  d[i++] = x.lastFrame;
  d[i++] = x.packets;
  d[i++] = x.acks;
  d[i++] = x.finSeq;
  d[i++] = x.finFrame;
  d[i++] = x.ttlMin;
  d[i++] = x.ttlMax;
  d[i++] = x.lastIpId;
  d[i++] = x.rstFrame;
  d[i++] = x.synFrame;
  d[i++] = x.synCount;
  d[i++] = x.synAckFrame;
  d[i++] = x.highRel;
  d[i++] = x.capturedEdge;
  d[i++] = x.capturedEdgeSet ? 1 : 0;
  d[i++] = x.unackedSince;
  d[i++] = x.unackedSinceTime;
  d[i++] = x.retxAfterUnacked;
  return i - o;
}
function unpackHalf(d: Float64Array, o: number, x: TcpHalf): void {
  let i = o;
  x.baseSet = d[i++] !== 0;
  x.baseSeq = d[i++];
  x.isn = d[i++];
  x.mss = d[i++];
  x.winScale = d[i++];
  x.inferredScale = d[i++];
  x.sackPermitted = d[i++] !== 0;
  x.timestamps = d[i++] !== 0;
  x.isFirstAck = d[i++] !== 0;
  x.validBif = d[i++];
  x.nextseq = d[i++];
  x.nextseqFrame = d[i++];
  x.nextseqTime = d[i++];
  x.maxseqtobeacked = d[i++];
  x.lastack = d[i++];
  x.lastackTime = d[i++];
  x.lastackFrame = d[i++];
  x.lastnondupack = d[i++];
  x.dupacknum = d[i++];
  x.ackLostReported = d[i++];
  x.ackLostReportedSet = d[i++] !== 0;
  x.window = d[i++];
  x.lastsegflags = d[i++];
  x.sackBytes = d[i++];
  x.ringCap = d[i++];
  x.ringHead = d[i++];
  x.ringCount = d[i++];
  x.ringMaxNext = d[i++];
  x.holeCount = d[i++];
  x.holesOverflowed = d[i++] !== 0;
  x.firstSeq = d[i++];
  x.firstSeqSet = d[i++] !== 0;
  x.lastSegSeq = d[i++];
  x.lastSegAck = d[i++];
  x.lastSegLen = d[i++];
  x.lastSegFlags = d[i++];
  x.lastSegFrame = d[i++];
  x.lastTime = d[i++];
  x.lastFrame = d[i++];
  x.packets = d[i++];
  x.acks = d[i++];
  x.finSeq = d[i++];
  x.finFrame = d[i++];
  x.ttlMin = d[i++];
  x.ttlMax = d[i++];
  x.lastIpId = d[i++];
  x.rstFrame = d[i++];
  x.synFrame = d[i++];
  x.synCount = d[i++];
  x.synAckFrame = d[i++];
  x.highRel = d[i++];
  x.capturedEdge = d[i++];
  x.capturedEdgeSet = d[i++] !== 0;
  x.unackedSince = d[i++];
  x.unackedSinceTime = d[i++];
  x.retxAfterUnacked = d[i++];
}

function packZeek(x: ZeekEndpoint, d: Float64Array, o: number): number {
  let i = o;
  d[i++] = x.state;
  d[i++] = x.prevState;
  d[i++] = x.isOrig ? 1 : 0;
  d[i++] = x.started ? 1 : 0;
  d[i++] = x.startSeq;
  d[i++] = x.lastSeq;
  d[i++] = x.histSeen;
  d[i++] = x.lastSyn;
  d[i++] = x.lastFin;
  d[i++] = x.lastRst;
  d[i++] = x.rxmit;
  d[i++] = x.rxmitThresh;
  d[i++] = x.zeroWin;
  d[i++] = x.zeroWinThresh;
  d[i++] = x.gaps;
  d[i++] = x.gapThresh;
  d[i++] = x.windowScale;
  return i - o;
}
function unpackZeek(d: Float64Array, o: number, x: ZeekEndpoint): void {
  let i = o;
  x.state = d[i++];
  x.prevState = d[i++];
  x.isOrig = d[i++] !== 0;
  x.started = d[i++] !== 0;
  x.startSeq = d[i++];
  x.lastSeq = d[i++];
  x.histSeen = d[i++];
  x.lastSyn = d[i++];
  x.lastFin = d[i++];
  x.lastRst = d[i++];
  x.rxmit = d[i++];
  x.rxmitThresh = d[i++];
  x.zeroWin = d[i++];
  x.zeroWinThresh = d[i++];
  x.gaps = d[i++];
  x.gapThresh = d[i++];
  x.windowScale = d[i++];
}
function packOneSided(x: OneSided, d: Float64Array, o: number): number {
  let i = o;
  d[i++] = x.seen;
  d[i++] = x.ack;
  d[i++] = x.firstFrame;
  d[i++] = x.lastFrame;
  d[i++] = x.finFrame;
  return i - o;
}
function unpackOneSided(d: Float64Array, o: number): OneSided {
  let i = o;
  const x = new OneSided(d[i++], d[i++]);
  x.firstFrame = d[i++];
  x.lastFrame = d[i++];
  x.finFrame = d[i++];
  return x;
}

/** Each kind's row width: what its pack writes, counted once on a fresh object. */
let widths: { conn: number; half: number; zeek: number; oneSided: number } | null = null;
function rowWidths(): { conn: number; half: number; zeek: number; oneSided: number } {
  if (widths !== null) return widths;
  const scratch = new Float64Array(256);
  return (widths = {
    conn: packConn(new TcpConn(new Flow(), new StateLog()), scratch, 0),
    half: packHalf(new TcpHalf(), scratch, 0),
    zeek: packZeek(new ZeekEndpoint(true), scratch, 0),
    oneSided: packOneSided(new OneSided(0, 0), scratch, 0),
  });
}

/** Pack rows of `objs` with `pack` (width numbers each). */
function packRows<T>(objs: readonly T[], width: number, pack: (x: T, d: Float64Array, o: number) => void): Float64Array {
  const d = new Float64Array(objs.length * width);
  for (let i = 0; i < objs.length; i++) pack(objs[i], d, i * width);
  return d;
}

/**
 * The connections as columns: the scalar fields of each kind of object (connection, its
 * two halves, its two Zeek endpoints, a one-sided record) row by row; each half's live
 * unacknowledged segments (oldest first), its holes and its frame lists concatenated.
 */
export interface TcpConnsTransfer {
  count: number;
  flows: Int32Array;
  /** RFC 9293 state of client and server. */
  st: Uint8Array;
  conns: Float64Array;
  halves: Float64Array;
  zeek: Float64Array;
  history: string[];
  /** The connections with a OneSided record, and the records. */
  oneSidedAt: Int32Array;
  oneSided: Float64Array;
  /** Each half's ringCount segments (RING_STRIDE numbers each), in half order. */
  rings: Float64Array;
  /** The halves with a holes array, and the arrays (HOLE_STRIDE * MAX_HOLES numbers each). */
  holesAt: Int32Array;
  holes: Float64Array;
  /** Per half, the lengths of synFrames and retxFrames (−1: null), and their frames in that order. */
  frameListLengths: Int32Array;
  frameLists: Float64Array;
}

function connsToTransfer(conns: readonly TcpConn[]): TcpConnsTransfer {
  const W = rowWidths();
  const n = conns.length;
  const halves = conns.flatMap((c) => c.h);
  const flows = new Int32Array(n), st = new Uint8Array(2 * n);
  const oneSidedAt: number[] = [], oneSided: OneSided[] = [], holesAt: number[] = [];
  let ringLen = 0, listLen = 0;
  for (let i = 0; i < n; i++) {
    const c = conns[i];
    flows[i] = c.flow.id;
    st[2 * i] = c.st[0];
    st[2 * i + 1] = c.st[1];
    if (c.oneSided !== null) {
      oneSidedAt.push(i);
      oneSided.push(c.oneSided);
    }
  }
  for (const h of halves) {
    ringLen += h.ringCount * RING_STRIDE;
    listLen += (h.synFrames?.length ?? 0) + (h.retxFrames?.length ?? 0);
  }
  const rings = new Float64Array(ringLen), holes = new Float64Array(halves.filter((h) => h.holes !== null).length * HOLE_STRIDE * MAX_HOLES);
  const frameListLengths = new Int32Array(2 * halves.length), frameLists = new Float64Array(listLen);
  let r = 0, l = 0;
  for (let j = 0; j < halves.length; j++) {
    const h = halves[j];
    for (let k = 0; k < h.ringCount; k++) {
      const o = ((h.ringHead + k) % h.ringCap) * RING_STRIDE;
      for (let x = 0; x < RING_STRIDE; x++) rings[r++] = h.ring![o + x];
    }
    if (h.holes !== null) {
      holes.set(h.holes, holesAt.length * HOLE_STRIDE * MAX_HOLES);
      holesAt.push(j);
    }
    frameListLengths[2 * j] = h.synFrames?.length ?? -1;
    frameListLengths[2 * j + 1] = h.retxFrames?.length ?? -1;
    for (const f of h.synFrames ?? []) frameLists[l++] = f;
    for (const f of h.retxFrames ?? []) frameLists[l++] = f;
  }
  return {
    count: n, flows, st, conns: packRows(conns, W.conn, packConn), halves: packRows(halves, W.half, packHalf),
    zeek: packRows(conns.flatMap((c) => [c.zeek.orig, c.zeek.resp]), W.zeek, packZeek),
    history: conns.map((c) => c.zeek.history), oneSidedAt: Int32Array.from(oneSidedAt), oneSided: packRows(oneSided, W.oneSided, packOneSided),
    rings, holesAt: Int32Array.from(holesAt), holes, frameListLengths, frameLists,
  };
}

/**
 * The connections of a transfer, attached to `flows` (by id) and pushed to `into`. A
 * ring comes back with its live segments from slot 0 (ringHead 0), in a ring of the
 * capacity it had.
 */
function connsFromTransfer(d: TcpConnsTransfer, flows: readonly Flow[], log: StateLog, into: TcpConn[]): void {
  const W = rowWidths();
  let r = 0, l = 0, hole = 0, one = 0;
  for (let i = 0; i < d.count; i++) {
    const flow = flows[d.flows[i] - 1];
    if (flow?.id !== d.flows[i]) throw new Error(`TCP state of flow ${d.flows[i]} does not match this analysis's flows`);
    const c = new TcpConn(flow, log);
    unpackConn(d.conns, i * W.conn, c);
    if (flow.firstFrame > c.firstFrame) throw new Error(`TCP state of flow ${flow.id} does not match this analysis's flows`);
    c.st[0] = d.st[2 * i];
    c.st[1] = d.st[2 * i + 1];
    for (let s = 0; s < 2; s++) {
      const j = 2 * i + s, h = c.h[s];
      unpackHalf(d.halves, j * W.half, h);
      if (h.ringCap > 0) {
        const R = new Array<number>(h.ringCap * RING_STRIDE).fill(0);
        for (let x = 0; x < h.ringCount * RING_STRIDE; x++) R[x] = d.rings[r++];
        h.ring = R;
        h.ringHead = 0;
      }
      if (hole < d.holesAt.length && d.holesAt[hole] === j) {
        h.holes = d.holes.slice(hole * HOLE_STRIDE * MAX_HOLES, (hole + 1) * HOLE_STRIDE * MAX_HOLES);
        hole++;
      }
      const ns = d.frameListLengths[2 * j], nr = d.frameListLengths[2 * j + 1];
      if (ns >= 0) h.synFrames = Array.from(d.frameLists.subarray(l, (l += ns)));
      if (nr >= 0) h.retxFrames = Array.from(d.frameLists.subarray(l, (l += nr)));
    }
    unpackZeek(d.zeek, 2 * i * W.zeek, c.zeek.orig);
    unpackZeek(d.zeek, (2 * i + 1) * W.zeek, c.zeek.resp);
    c.zeek.history = d.history[i];
    if (one < d.oneSidedAt.length && d.oneSidedAt[one] === i) c.oneSided = unpackOneSided(d.oneSided, W.oneSided * one++);
    flow.tracker = c;
    into.push(c);
  }
}

function endpointJson(h: TcpHalf, st: number): TcpEndpointJson {
  const known = h.winScale >= 0;
  return {
    isn: h.isn >= 0 ? h.isn : null,
    mss: h.mss >= 0 ? h.mss : null,
    windowScale: known ? h.winScale : h.inferredScale > 0 ? h.inferredScale : h.winScale === -2 ? 0 : null,
    windowScaleFrom: known ? 'syn' : h.inferredScale > 0 ? 'inferred' : h.winScale === -2 ? 'none' : 'unknown',
    sackPermitted: h.sackPermitted,
    timestamps: h.timestamps,
    bytesSent: h.highRel > 0 ? h.highRel - 1 : 0,
    finalState: STATE_NAMES[st],
  };
}

function wiresharkBits(ta: number): number {
  let b = 0;
  if (ta === 0) return 0;
  if (ta & A_FAST_RETRANSMISSION) b |= TcpBit.FAST_RETRANSMISSION;
  else if (ta & A_SPURIOUS_RETRANSMISSION) b |= TcpBit.SPURIOUS_RETRANSMISSION;
  else if (ta & A_RETRANSMISSION) b |= TcpBit.RETRANSMISSION;
  if (ta & A_OUT_OF_ORDER) b |= TcpBit.OUT_OF_ORDER;
  if (ta & A_LOST_PACKET) b |= TcpBit.LOST_SEGMENT;
  if (ta & A_ACK_LOST_PACKET) b |= TcpBit.ACK_LOST_SEGMENT;
  if (ta & A_DUPLICATE_ACK) b |= TcpBit.DUPLICATE_ACK;
  if (ta & A_ZERO_WINDOW) b |= TcpBit.ZERO_WINDOW;
  if (ta & A_ZERO_WINDOW_PROBE) b |= TcpBit.ZERO_WINDOW_PROBE;
  if (ta & A_WINDOW_FULL) b |= TcpBit.WINDOW_FULL;
  if (ta & A_WINDOW_UPDATE) b |= TcpBit.WINDOW_UPDATE;
  if (ta & A_KEEP_ALIVE) b |= TcpBit.KEEP_ALIVE;
  if (ta & A_KEEP_ALIVE_ACK) b |= TcpBit.KEEP_ALIVE_ACK;
  if (ta & A_REUSED_PORTS) b |= TcpBit.PORT_REUSE;
  void A_ZERO_WINDOW_PROBE_ACK;
  return b;
}

/**
 * Wireshark's ACKED LOST PACKET test passed (this ACK goes beyond the highest contiguous
 * data seen from `rev`): whether it is flagged, as tshark 4.0 flags it. When `rev` was
 * seen sending beyond that edge since, the edge moves up to its nextseq and the ACK is
 * flagged; otherwise only the first such ACK is, and `rev.dupacknum` = −1 holds back
 * the next ones until `rev` acknowledges something new itself (the same unseen stretch,
 * acknowledged again or further). BE RIGHT: an ACK that acknowledges no more than an
 * unseen acknowledgement already reported repeats it — no new event, though Wireshark
 * flags it again once `rev` has sent new data or a new ACK (pinned in test/analysis/tcp).
 */
function ackedUnseen(rev: TcpHalf, g: Segment): number {
  g.ackLostEdge = rev.maxseqtobeacked;
  let flag: boolean;
  if (gt(rev.nextseq, rev.maxseqtobeacked)) {
    rev.maxseqtobeacked = rev.nextseq;
    flag = true;
  } else {
    flag = rev.dupacknum === 0;
    rev.dupacknum = -1;
  }
  if (!flag) return 0;
  if (rev.ackLostReportedSet && !gt(g.ack, rev.ackLostReported)) return 0;
  rev.ackLostReported = g.ack;
  rev.ackLostReportedSet = true;
  return A_ACK_LOST_PACKET;
}

// int32 in (a sequence number at or above 2^31 passed as is would be boxed per call)
function pushSegment(h: TcpHalf, seqI: number, nextI: number, time: number, frame: number, retx: boolean): void {
  const seq = seqI >>> 0, nextseq = nextI >>> 0;
  if (h.ring === null || h.ringCount === h.ringCap) growRing(h);
  const cap = h.ringCap;
  let i = h.ringHead + h.ringCount;
  if (i >= cap) i -= cap;
  const R = h.ring!, o = i * RING_STRIDE;
  R[o] = seq;
  R[o + 1] = nextseq;
  R[o + 2] = time;
  R[o + 3] = frame;
  R[o + 4] = retx ? 1 : 0;
  h.ringCount++;
  if (h.ringCount === 1 || gt(nextseq, h.ringMaxNext)) h.ringMaxNext = nextseq | 0;
}

function growRing(h: TcpHalf): void {
  // a plain array of doubles: far cheaper to allocate per flow than a typed array
  const old = h.ring;
  const n = old === null ? 4 : h.ringCap * 2;
  const R: number[] = new Array<number>(n * RING_STRIDE).fill(0);
  if (old !== null) {
    for (let k = 0; k < h.ringCount; k++) {
      const j = ((h.ringHead + k) % h.ringCap) * RING_STRIDE, o = k * RING_STRIDE;
      for (let x = 0; x < RING_STRIDE; x++) R[o + x] = old[j + x];
    }
  }
  h.ring = R;
  h.ringCap = n;
  h.ringHead = 0;
}

/** The frame that first carried `seq` (oldest unacknowledged segment covering it), or 0. */
function originalFrame(h: TcpHalf, seq: number, self: number): number {
  if (h.ring === null) return 0;
  const R = h.ring;
  for (let k = 0; k < h.ringCount; k++) {
    const o = ((h.ringHead + k) % h.ringCap) * RING_STRIDE;
    if (R[o + 3] === self) continue;
    if (le(R[o], seq) && lt(seq, R[o + 1])) return R[o + 3];
  }
  return 0;
}

/** Holes left by lost segments (a lost segment leaves [prevNext, seq); later ones fill them), and the lowest byte seen. */
function trackHoles(h: TcpHalf, g: Segment, frame: number, time: number): void {
  const seglen = g.seglen;
  if (g.ta & A_LOST_PACKET) addHole(h, g.prevNext, g.seq, seglen > 0 ? time : -1, frame);
  else if (h.holeCount > 0 && seglen > 0) fillHoles(h, g.seq, (g.seq + seglen) | 0, time, frame);
  // the lowest byte seen: the SYN's ISN + 1, else the lowest data segment so far
  if (g.flags & SYN && !h.firstSeqSet) {
    h.firstSeqSet = true;
    h.firstSeq = (g.seq + 1) | 0;
  } else if (seglen > 0 && (!h.firstSeqSet || lt(g.seq >>> 0, h.firstSeq))) {
    h.firstSeqSet = true;
    h.firstSeq = g.seq;
  }
}

// The hole helpers take int32 (no boxed double per call) and keep unsigned values.
function addHole(h: TcpHalf, leftI: number, rightI: number, time: number, frame: number): void {
  const left = leftI >>> 0, right = rightI >>> 0;
  if (h.holes === null) h.holes = new Float64Array(HOLE_STRIDE * MAX_HOLES);
  if (h.holeCount === MAX_HOLES) {
    h.holesOverflowed = true;
    h.holes.copyWithin(0, HOLE_STRIDE);
    h.holeCount--;
  }
  const o = HOLE_STRIDE * h.holeCount;
  h.holes[o] = left;
  h.holes[o + 1] = right;
  h.holes[o + 2] = time;
  h.holes[o + 3] = frame;
  h.holeCount++;
}

/**
 * The hole (its offset in h.holes) that [left, right) fills part of, the oldest if
 * several; −1 when none, when one of them was never noticed (no data beyond it yet), or
 * when holes were forgotten.
 */
function holeFilled(h: TcpHalf, leftI: number, rightI: number): number {
  const left = leftI >>> 0, right = rightI >>> 0;
  if (h.holesOverflowed) return -1;
  const H = h.holes!;
  let best = -1;
  for (let o = 0; o < HOLE_STRIDE * h.holeCount; o += HOLE_STRIDE) {
    if (!(lt(left, H[o + 1]) && gt(right, H[o]))) continue;
    if (H[o + 2] < 0) return -1;
    if (best < 0 || H[o + 2] < H[best + 2]) best = o;
  }
  return best;
}

/** "44.1 ms (2.15 RTT)": how long after the hole appeared, against the handshake RTT. */
function holeTiming(age: number, rtt: number): string {
  return `${(age * 1000).toFixed(1)} ms (${(age / rtt).toFixed(2)} RTT)`;
}

function overlapsHole(h: TcpHalf, leftI: number, rightI: number): boolean {
  const left = leftI >>> 0, right = rightI >>> 0;
  // below the first byte the capture saw, or after forgetting holes: keep Wireshark's verdict
  if (h.holesOverflowed || !h.firstSeqSet || lt(left, h.firstSeq)) return true;
  for (let o = 0; o < HOLE_STRIDE * h.holeCount; o += HOLE_STRIDE) if (lt(left, h.holes![o + 1]) && gt(right, h.holes![o])) return true;
  return false;
}

function fillHoles(h: TcpHalf, leftI: number, rightI: number, time: number, frame: number): void {
  const left = leftI >>> 0, right = rightI >>> 0;
  const H = h.holes!;
  for (let k = 0; k < h.holeCount; k++) {
    const o = HOLE_STRIDE * k, a = H[o], b = H[o + 1];
    if (!(lt(left, b) && gt(right, a))) {
      // the first data beyond a hole a pure ACK left: the receiver notices it now
      if (H[o + 2] < 0 && le(b, left)) {
        H[o + 2] = time;
        H[o + 3] = frame;
      }
      continue;
    }
    if (le(left, a) && !lt(right, b)) {
      // filled completely
      H.copyWithin(o, o + HOLE_STRIDE, HOLE_STRIDE * h.holeCount);
      h.holeCount--;
      k--;
    } else if (le(left, a)) H[o] = right;
    else if (!lt(right, b)) H[o + 1] = left;
    else {
      // split: keep the left part, add the right part (appeared when the whole did)
      H[o + 1] = left;
      addHole(h, right | 0, b | 0, H[o + 2], H[o + 3]);
    }
  }
}

