// DNS pairing over UDP and TCP, and ICMP correlation for UDP flows.
//
// A transaction is keyed by transport, flow (5-tuple), query ID AND question: unlike
// Wireshark, which pairs on the ID alone and so pairs a spoofed or confused answer,
// a response whose question differs is a question mismatch, not the answer. Per
// message only the header and the first question are read (wire.ts); the answer
// section is validated by a walk that reads no names, and turned into text only for
// the JSON (contribute) — see wire.ts for why not `dns-packet`.
//
// Decisions (each pinned in test/dns):
// - A query re-sent with the same ID and question on the same flow while unanswered
//   and within RETRY_WINDOW_SECONDS of the previous send is a retransmission (one
//   transaction, every send in queryFrames). Wireshark starts a new transaction after
//   5 s; a resolver's retry after its 5 s timeout is still the same lookup.
// - The same ID and question from a NEW source port to the same server (a resolver
//   that opens a new socket per try) is flagged dns.retransmission too, linked by
//   retryOf; it stays its own transaction on its own flow (the answer comes to the
//   port that asked).
// - A response matches an outstanding query of its flow with the same ID and the
//   same question (names compared case-insensitively, RFC 4343); a response without
//   a question (mDNS answers, some errors) matches on the ID. A response whose ID is
//   outstanding but whose question differs is dns.question-mismatch: it does not
//   answer the query; the query stays open for the right answer and ends as
//   `mismatch` if none comes.
// - A response after the transaction was answered (a duplicate) is an orphan: the
//   client dropped the lookup's state with the first answer.
// - mDNS (5353) and LLMNR (5355) are multicast name resolution: queries routinely get
//   no answer and responses come unasked (announcements). They are paired like DNS
//   but never flagged unanswered, retransmitted or orphan; unasked responses are not
//   listed.
// - A DNS response refused with ICMP port unreachable is dns.client-gone (the quote
//   must carry the response's addresses and ports, and its UDP length and ID when
//   quoted). The UDP tracker (../udp/tracker) resolves the ICMP error and asks this
//   tracker to explain it (UdpIcmpExplainer); every other ICMP error on a UDP flow —
//   a refused query included — is its udp.port-unreachable / udp.unreachable.

import { IpProto, type Packet } from '../../parsers/decode/packet';
import type { Analysis, JsonOptions, Tracker } from '../analysis';
import { sameAddress, type Flow } from '../flows';
import type { AnalysisJson, DnsJson } from '../model';
import type { UdpIcmpError } from '../udp/icmp';
import type { UdpIcmpExplainer } from '../udp/tracker';
import './kinds';
import { DnsTcpStream } from '../../parsers/dns/tcp-stream';
import {
  answerTextsCached, DnsHeader, DnsQuestion, questionText, rcodeName, readHeader, readQuestion, RecordWalk, sameName, walkRecords,
} from '../../parsers/dns/wire';

export const PORT_DNS = 53;
export const PORT_MDNS = 5353;
export const PORT_LLMNR = 5355;
/** How long after the previous send a re-sent query still counts as a retransmission. */
export const RETRY_WINDOW_SECONDS = 30;
/** How long after a truncated answer a TCP query for the same question is its retry. */
export const TCP_RETRY_WINDOW_SECONDS = 30;
/** Malformed-message events listed per flow (the rest are counted in the last one). */
const MAX_MALFORMED_PER_FLOW = 5;
const ARENA_CHUNK = 1 << 20;

export type DnsProtocol = 'dns' | 'mdns' | 'llmnr';
export type DnsStatus = DnsJson['status'];

export interface DnsTrackerOptions {
  /** Seconds after which a query without response is unanswered (default 5). */
  dnsTimeoutSeconds?: number;
}

function isMulticast(pkt: Packet): boolean {
  const d = pkt.data, o = pkt.ipDstOff;
  return pkt.ipVersion === 4 ? (d[o] & 0xf0) === 0xe0 : d[o] === 0xff;
}

function hex4(id: number): string {
  return '0x' + id.toString(16).padStart(4, '0');
}

function secs(x: number): string {
  return x < 0.001 ? `${(x * 1e6).toFixed(0)} µs` : x < 1 ? `${(x * 1000).toFixed(1)} ms` : `${x.toFixed(2)} s`;
}

/** Mixes an address, as the flow's 32-bit words, into `h`. */
function addrHash(w0: number, w1: number, w2: number, w3: number, h: number): number {
  h = Math.imul(h ^ w0, 0x01000193);
  h = Math.imul(h ^ w1, 0x01000193);
  h = Math.imul(h ^ w2, 0x01000193);
  return Math.imul(h ^ w3, 0x01000193);
}

const PROTOCOLS: readonly DnsProtocol[] = ['dns', 'mdns', 'llmnr'];
const TRANSPORTS: readonly ('udp' | 'tcp')[] = ['udp', 'tcp'];
// Transaction status codes (the `st` column).
const S_UNANSWERED = 0, S_ANSWERED = 1, S_ORPHAN = 2, S_CLIENT_GONE = 3, S_MISMATCH = 4;
const STATUS: readonly DnsStatus[] = ['unanswered', 'answered', 'orphan', 'client-gone', 'mismatch'];
// Transaction flag bits (the `fl` column).
const F_TCP = 1, F_MULTICAST = 2, F_QUESTION = 4, F_TRUNCATED = 8;
// Per-flow flag bits: 1 = tracked, protocol in bits 1-2, 8 = TCP, 16 = IDs pending in the shared map.
const FF_TRACKED = 1, FF_TCP = 8, FF_MULTI = 16;
/** How many of a flow's latest responses are searched for duplicates and ICMP quotes. */
const RECENT_RESPONSES = 32;

/**
 * A read-only view of one transaction (query/response exchange, or a response without
 * query), for tests and tools; the tracker keeps transactions in typed-array columns
 * indexed by their capture-order index, so tens of thousands of them cost the garbage
 * collector nothing.
 */
export class DnsTransaction {
  constructor(private readonly tr: DnsTracker, readonly index: number) {}
  get flow(): Flow { return this.tr.flowOf(this.index); }
  get transport(): 'udp' | 'tcp' { return this.tr.transportOf(this.index); }
  get protocol(): DnsProtocol { return this.tr.protocolOf(this.index); }
  get id(): number { return this.tr.idOf(this.index); }
  /** Question as sent (case kept); '' when the message had none. */
  get name(): string { return this.tr.nameOf(this.index); }
  get question(): string { return this.tr.questionOf(this.index); }
  get queryFrames(): number[] { return this.tr.queryFramesOf(this.index); }
  get responseFrame(): number { return this.tr.responseFrameOf(this.index); }
  get status(): DnsStatus { return this.tr.statusOf(this.index); }
  /** Whether the response's bytes are kept (see DnsTracker.responseBytes). */
  get response(): boolean { return this.tr.hasResponse(this.index); }
}

/**
 * Open-addressing hash table from a pair of int32 keys to a transaction index (>= 0),
 * in typed arrays: no per-entry objects and no boxed keys for the garbage collector.
 */
class IntTable {
  private k1 = new Int32Array(0);
  private k2 = new Int32Array(0);
  private v = new Int32Array(0);
  private mask = 0;
  private size = 0;

  constructor(cap = 1024) {
    this.alloc(cap);
  }

  private alloc(cap: number): void {
    this.k1 = new Int32Array(cap);
    this.k2 = new Int32Array(cap);
    this.v = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }

  private slot(a: number, b: number): number {
    let h = Math.imul(a ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b), 0x9e3779b1);
    h ^= h >>> 15;
    return h & this.mask;
  }

  get(a: number, b: number): number {
    const k1 = this.k1, k2 = this.k2, v = this.v, mask = this.mask;
    for (let i = this.slot(a, b); ; i = (i + 1) & mask) {
      const x = v[i];
      if (x < 0) return -1;
      if (k1[i] === a && k2[i] === b) return x;
    }
  }

  set(a: number, b: number, val: number): void {
    const k1 = this.k1, k2 = this.k2, v = this.v, mask = this.mask;
    let i = this.slot(a, b);
    for (; v[i] >= 0; i = (i + 1) & mask) {
      if (k1[i] === a && k2[i] === b) {
        v[i] = val;
        return;
      }
    }
    k1[i] = a;
    k2[i] = b;
    v[i] = val;
    if (++this.size * 2 > mask + 1) this.rehash();
  }

  delete(a: number, b: number): void {
    const k1 = this.k1, k2 = this.k2, v = this.v, mask = this.mask;
    let i = this.slot(a, b);
    for (; ; i = (i + 1) & mask) {
      if (v[i] < 0) return;
      if (k1[i] === a && k2[i] === b) break;
    }
    v[i] = -1;
    this.size--;
    // Backward-shift deletion: move later entries of the probe run into the hole.
    for (let j = (i + 1) & mask; v[j] >= 0; j = (j + 1) & mask) {
      const h = this.slot(k1[j], k2[j]);
      const stays = i <= j ? h > i && h <= j : h > i || h <= j;
      if (stays) continue;
      k1[i] = k1[j];
      k2[i] = k2[j];
      v[i] = v[j];
      v[j] = -1;
      i = j;
    }
  }

  private rehash(): void {
    const k1 = this.k1, k2 = this.k2, v = this.v;
    this.alloc((this.mask + 1) * 2);
    this.size = 0;
    for (let i = 0; i < v.length; i++) if (v[i] >= 0) this.set(k1[i], k2[i], v[i]);
  }
}

export class DnsTracker implements Tracker, UdpIcmpExplainer {
  /** DNS runs over UDP and TCP; the ICMP errors come resolved from the UDP tracker. */
  readonly ipProtocols: readonly number[] = [IpProto.UDP, IpProto.TCP];
  readonly timeout: number;
  /** Decoded DNS messages and the time spent in the per-message path (for the bench). */
  messages = 0;
  /** The analysis events go to (set by onStart). */
  private analysis!: Analysis;
  /** The latest outstanding query by client host, server host and port, and ID (cross-port retries). */
  private readonly byHost = new IntTable();
  /** Truncated UDP answers waiting for the TCP retry, by client/server host and question. */
  private readonly truncatedWaiting = new Map<string, number>();
  private readonly h = new DnsHeader();
  private readonly q = new DnsQuestion();
  private readonly walk = new RecordWalk();
  /** Response bytes: 1 MiB arena chunks (and the odd larger message on its own). */
  private readonly chunks: Uint8Array[] = [];
  private arena = new Uint8Array(0);
  private arenaIdx = -1;
  private arenaUsed = 0;
  /** Current packet while a TCP stream hands messages over. */
  private curFlow: Flow | null = null;
  private curFrame = 0;
  private curTime = 0;

  // ---- per-flow state, indexed by flow id
  private fFlow: (Flow | undefined)[] = [];
  private fFlags = new Uint8Array(1024);
  private fMalformed = new Int32Array(1024);
  private fHostHash = new Int32Array(1024);
  /** The one outstanding ID's first transaction + 1 (0: none) while FF_MULTI is clear. */
  private fPending = new Int32Array(1024);
  /** Latest transaction with a response + 1 (0: none); earlier ones chained by tPrevResp. */
  private fLastResp = new Int32Array(1024);
  /** Outstanding transactions of flows with several IDs outstanding, by flow id * 65536 + ID. */
  private readonly pendingMulti = new IntTable();
  private readonly streams = new Map<number, [DnsTcpStream, DnsTcpStream]>();

  // ---- transactions, indexed by capture order
  private n = 0;
  private cap = 0;
  private tFlow = new Int32Array(0);
  private tFlags = new Uint8Array(0);
  private tStatus = new Uint8Array(0);
  private tId = new Uint16Array(0);
  private tQtype = new Uint16Array(0);
  private tQclass = new Uint16Array(0);
  private tRcode = new Int16Array(0);
  private tName: string[] = [];
  /** First query frame (-1 for an orphan), number of sends, last send. */
  private tQf0 = new Int32Array(0);
  private tQn = new Int32Array(0);
  private tQlast = new Int32Array(0);
  private tTime = new Float64Array(0);
  private tLastQueryTime = new Float64Array(0);
  private tResponseTime = new Float64Array(0);
  private tResponseFrame = new Int32Array(0);
  private tRespChunk = new Int32Array(0);
  private tRespOff = new Int32Array(0);
  private tRespLen = new Int32Array(0);
  private tRespUdpLength = new Int32Array(0);
  private tIcmpFrame = new Int32Array(0);
  private tServerIcmpFrame = new Int32Array(0);
  private tTcpRetryFrame = new Int32Array(0);
  private tDuplicateOf = new Int32Array(0);
  private tRetryOf = new Int32Array(0);
  private tRetriedBy = new Int32Array(0);
  private tReusedIdWith = new Int32Array(0);
  private tNextSameId = new Int32Array(0);
  private tPrevResp = new Int32Array(0);
  /** Every query frame of the transactions sent more than once. */
  private readonly moreQueryFrames = new Map<number, number[]>();
  private readonly serverIcmpText = new Map<number, string>();
  private readonly mismatchFrames = new Map<number, number[]>();
  private readonly mismatchQuestions = new Map<number, string[]>();
  /** Question texts by name, then type << 16 | class (each built once). */
  private readonly questionTexts = new Map<string, Map<number, string>>();

  constructor(opts: DnsTrackerOptions = {}) {
    this.timeout = opts.dnsTimeoutSeconds ?? 5;
    this.grow(1024);
  }
  onStart(analysis: Analysis): void {
    this.analysis = analysis;
  }


  // ------------------------------------------------------------------ storage

  private grow(cap: number): void {
    const i32 = (a: Int32Array) => { const b = new Int32Array(cap); b.set(a); return b; };
    const f64 = (a: Float64Array) => { const b = new Float64Array(cap); b.set(a); return b; };
    const u16 = (a: Uint16Array) => { const b = new Uint16Array(cap); b.set(a); return b; };
    const u8 = (a: Uint8Array) => { const b = new Uint8Array(cap); b.set(a); return b; };
    this.tFlow = i32(this.tFlow);
    this.tFlags = u8(this.tFlags);
    this.tStatus = u8(this.tStatus);
    this.tId = u16(this.tId);
    this.tQtype = u16(this.tQtype);
    this.tQclass = u16(this.tQclass);
    const r = new Int16Array(cap);
    r.set(this.tRcode);
    this.tRcode = r;
    this.tQf0 = i32(this.tQf0);
    this.tQn = i32(this.tQn);
    this.tQlast = i32(this.tQlast);
    this.tTime = f64(this.tTime);
    this.tLastQueryTime = f64(this.tLastQueryTime);
    this.tResponseTime = f64(this.tResponseTime);
    this.tResponseFrame = i32(this.tResponseFrame);
    this.tRespChunk = i32(this.tRespChunk);
    this.tRespOff = i32(this.tRespOff);
    this.tRespLen = i32(this.tRespLen);
    this.tRespUdpLength = i32(this.tRespUdpLength);
    this.tIcmpFrame = i32(this.tIcmpFrame);
    this.tServerIcmpFrame = i32(this.tServerIcmpFrame);
    this.tTcpRetryFrame = i32(this.tTcpRetryFrame);
    this.tDuplicateOf = i32(this.tDuplicateOf);
    this.tRetryOf = i32(this.tRetryOf);
    this.tRetriedBy = i32(this.tRetriedBy);
    this.tReusedIdWith = i32(this.tReusedIdWith);
    this.tNextSameId = i32(this.tNextSameId);
    this.tPrevResp = i32(this.tPrevResp);
    this.cap = cap;
  }

  private growFlows(id: number): void {
    const cap = Math.max(this.fFlags.length * 2, id + 1);
    const u8 = new Uint8Array(cap);
    u8.set(this.fFlags);
    this.fFlags = u8;
    const i32 = (a: Int32Array) => { const b = new Int32Array(cap); b.set(a); return b; };
    this.fMalformed = i32(this.fMalformed);
    this.fHostHash = i32(this.fHostHash);
    this.fPending = i32(this.fPending);
    this.fLastResp = i32(this.fLastResp);
  }

  /** A new transaction of flow `fid` with every field at its default. */
  private newTx(fid: number, id: number): number {
    const t = this.n;
    if (t === this.cap) this.grow(this.cap * 2);
    this.n = t + 1;
    const ff = this.fFlags[fid];
    this.tFlow[t] = fid;
    this.tFlags[t] = ff & FF_TCP ? F_TCP : 0;
    this.tStatus[t] = S_UNANSWERED;
    this.tId[t] = id;
    this.tQtype[t] = 0;
    this.tQclass[t] = 0;
    this.tRcode[t] = -1;
    this.tName.push('');
    this.tQf0[t] = -1;
    this.tQn[t] = 0;
    this.tQlast[t] = -1;
    this.tTime[t] = 0;
    this.tLastQueryTime[t] = 0;
    this.tResponseTime[t] = 0;
    this.tResponseFrame[t] = -1;
    this.tRespChunk[t] = -1;
    this.tRespOff[t] = 0;
    this.tRespLen[t] = 0;
    this.tRespUdpLength[t] = -1;
    this.tIcmpFrame[t] = -1;
    this.tServerIcmpFrame[t] = -1;
    this.tTcpRetryFrame[t] = -1;
    this.tDuplicateOf[t] = -1;
    this.tRetryOf[t] = -1;
    this.tRetriedBy[t] = -1;
    this.tReusedIdWith[t] = -1;
    this.tNextSameId[t] = -1;
    this.tPrevResp[t] = -1;
    return t;
  }

  private setQuestion(t: number): void {
    const q = this.q;
    this.tFlags[t] |= F_QUESTION;
    this.tName[t] = q.name;
    this.tQtype[t] = q.type;
    this.tQclass[t] = q.qclass;
  }

  // ------------------------------------------------------------------ accessors

  /** Number of transactions. */
  get count(): number {
    return this.n;
  }

  /** Views of every transaction in capture order (built on each call; for tests and tools). */
  get transactions(): DnsTransaction[] {
    const out: DnsTransaction[] = [];
    for (let i = 0; i < this.n; i++) out.push(new DnsTransaction(this, i));
    return out;
  }

  flowOf(t: number): Flow {
    return this.fFlow[this.tFlow[t]]!;
  }

  transportOf(t: number): 'udp' | 'tcp' {
    return TRANSPORTS[this.tFlags[t] & F_TCP];
  }

  protocolOf(t: number): DnsProtocol {
    return PROTOCOLS[(this.fFlags[this.tFlow[t]] >> 1) & 3];
  }

  idOf(t: number): number {
    return this.tId[t];
  }

  nameOf(t: number): string {
    return this.tName[t];
  }

  statusOf(t: number): DnsStatus {
    return STATUS[this.tStatus[t]];
  }

  responseFrameOf(t: number): number {
    return this.tResponseFrame[t];
  }

  hasResponse(t: number): boolean {
    return this.tRespChunk[t] >= 0;
  }

  /** "example.com. A IN", '' when the message had no question. */
  questionOf(t: number): string {
    if (!(this.tFlags[t] & F_QUESTION)) return '';
    const name = this.tName[t];
    const k = (this.tQtype[t] << 16) | this.tQclass[t];
    let byType = this.questionTexts.get(name);
    if (!byType) this.questionTexts.set(name, byType = new Map());
    let text = byType.get(k);
    if (text === undefined) byType.set(k, text = questionText(name, this.tQtype[t], this.tQclass[t]));
    return text;
  }

  /** Every query frame (a new array). */
  queryFramesOf(t: number): number[] {
    const n = this.tQn[t];
    if (n === 0) return [];
    if (n === 1) return [this.tQf0[t]];
    return this.moreQueryFrames.get(t)!.slice();
  }

  /** The response message of a transaction (a view; empty when there is none). */
  responseBytes(tx: DnsTransaction | number): Uint8Array {
    const t = typeof tx === 'number' ? tx : tx.index;
    const c = this.tRespChunk[t];
    if (c < 0) return new Uint8Array(0);
    const off = this.tRespOff[t];
    return this.chunks[c].subarray(off, off + this.tRespLen[t]);
  }

  // ------------------------------------------------------------------ packets

  onPacket(pkt: Packet, flow: Flow, dir: number, frame: number, time: number): void {
    const proto = pkt.ipProto;
    if (proto === IpProto.UDP) {
      const sp = pkt.srcPort, dp = pkt.dstPort;
      let protocol: number;
      if (sp === PORT_DNS || dp === PORT_DNS) protocol = 0;
      else if (sp === PORT_MDNS || dp === PORT_MDNS) protocol = 1;
      else if (sp === PORT_LLMNR || dp === PORT_LLMNR) protocol = 2;
      else return;
      // A fragment that does not complete its datagram carries no whole message.
      if (pkt.isFragment && !pkt.reassembled) return;
      const fid = this.state(flow, protocol, false);
      this.message(pkt.data, pkt.payloadOff, pkt.payloadLen, pkt.payloadWireLen, fid, flow, frame, time, pkt.udpLength, protocol === 0 ? false : isMulticast(pkt));
      return;
    }
    if (proto === IpProto.TCP) {
      if (pkt.srcPort !== PORT_DNS && pkt.dstPort !== PORT_DNS) return;
      const syn = (pkt.tcpFlags & 0x02) !== 0;
      if (pkt.payloadLen === 0 && !syn && !(flow.id < this.fFlags.length && this.fFlags[flow.id] & FF_TRACKED)) return;
      const fid = this.state(flow, 0, true);
      let ss = this.streams.get(fid);
      if (!ss) this.streams.set(fid, ss = [new DnsTcpStream(), new DnsTcpStream()]);
      const s = ss[dir];
      const wasLost = s.lostSync;
      this.curFlow = flow;
      this.curFrame = frame;
      this.curTime = time;
      s.segment(pkt.tcpSeq, syn, pkt.data, pkt.payloadOff, pkt.payloadLen, pkt.payloadWireLen, this.onStreamMessage);
      this.curFlow = null;
      if (s.lostSync && !wasLost) this.malformed(fid, frame, time, `DNS over TCP (${dir === 0 ? 'client → server' : 'server → client'}): ${s.lostReason}; the messages after it cannot be delimited`);
    }
  }

  private readonly onStreamMessage = (data: Uint8Array, off: number, len: number): void => {
    const flow = this.curFlow!;
    this.message(data, off, len, len, flow.id, flow, this.curFrame, this.curTime, -1, false);
  };

  /** The flow's id, its DNS state set up on its first message (protocol 0 dns, 1 mdns, 2 llmnr). */
  private state(flow: Flow, protocol: number, tcp: boolean): number {
    const fid = flow.id;
    if (fid >= this.fFlags.length) this.growFlows(fid);
    if (this.fFlags[fid] & FF_TRACKED) return fid;
    this.fFlags[fid] = FF_TRACKED | (protocol << 1) | (tcp ? FF_TCP : 0);
    this.fFlow[fid] = flow;
    const cA = flow.clientIsA;
    let h = 0x811c9dc5 ^ (tcp ? 6 : 17);
    h = cA ? addrHash(flow.a0, flow.a1, flow.a2, flow.a3, h) : addrHash(flow.b0, flow.b1, flow.b2, flow.b3, h);
    h = cA ? addrHash(flow.b0, flow.b1, flow.b2, flow.b3, h) : addrHash(flow.a0, flow.a1, flow.a2, flow.a3, h);
    this.fHostHash[fid] = Math.imul(h ^ (cA ? flow.portB : flow.portA), 0x5bd1e995);
    flow.app = 'dns';
    return fid;
  }

  private malformed(fid: number, frame: number, time: number, reason: string): void {
    const m = ++this.fMalformed[fid];
    if (m > MAX_MALFORMED_PER_FLOW) return;
    const more = m === MAX_MALFORMED_PER_FLOW ? ' (further malformed messages on this flow are not listed)' : '';
    this.push('dns.malformed', frame, time, fid, `frame ${frame}: ${reason}${more}`, []);
  }

  private push(kind: string, frame: number, time: number, flow: number | null, message: string, related: number[]): void {
    this.analysis.emit('dns', kind, frame, time, flow, message, related);
  }

  /** One DNS message at data[off..off+len) (`wireLen` as the headers state). */
  private message(data: Uint8Array, off: number, len: number, wireLen: number, fid: number, flow: Flow, frame: number, time: number, udpLength: number, multicast: boolean): void {
    this.messages++;
    const h = this.h;
    if (!readHeader(data, off, len, h)) {
      const cut = len < wireLen ? ` (the capture kept ${len} of its ${wireLen} bytes)` : '';
      this.malformed(fid, frame, time, `${len}-byte message is shorter than the 12-byte DNS header${cut}`);
      return;
    }
    const q = this.q;
    let hasQuestion = false;
    if (h.qdcount > 0) {
      const err = readQuestion(data, off, len, q, (this.fFlags[fid] & 6) === 2);
      if (err) {
        const cut = len < wireLen ? ` (the capture kept ${len} of its ${wireLen} bytes)` : '';
        this.malformed(fid, frame, time, `DNS ${h.qr ? 'response' : 'query'} ${hex4(h.id)}: ${err}${cut}`);
        return;
      }
      hasQuestion = true;
    } else if (h.qr === 0 && h.opcode === 0) {
      this.malformed(fid, frame, time, `DNS query ${hex4(h.id)} has no question`);
      return;
    }
    if (h.qr === 0) this.onQuery(fid, flow, frame, time, hasQuestion, multicast);
    else {
      const walk = this.walk;
      walkRecords(data, off, len, hasQuestion ? q.end : off + 12, h, walk);
      if (walk.error) {
        const cut = len < wireLen ? ` (the capture kept ${len} of its ${wireLen} bytes)` : '';
        this.malformed(fid, frame, time, `DNS response ${hex4(h.id)}${hasQuestion ? ` to ${questionText(q.name, q.type, q.qclass)}` : ''}: ${walk.error}${cut}`);
        return;
      }
      this.onResponse(fid, flow, frame, time, hasQuestion, data, off, len, udpLength);
    }
  }

  private sameQuestion(t: number, hasQuestion: boolean): boolean {
    const q = this.q;
    const tHas = (this.tFlags[t] & F_QUESTION) !== 0;
    if (!hasQuestion || !tHas) return !hasQuestion && !tHas;
    return this.tQtype[t] === q.type && this.tQclass[t] === q.qclass && sameName(this.tName[t], q.name);
  }

  private hostKey(fid: number, id: number): number {
    return (this.fHostHash[fid] ^ Math.imul(id + 1, 0x9e3779b1)) | 0;
  }

  // Outstanding transactions by flow and ID: the flow's one ID in fPending, or the shared map.

  private pendGet(fid: number, id: number): number {
    if (this.fFlags[fid] & FF_MULTI) return this.pendingMulti.get(fid, id);
    const one = this.fPending[fid] - 1;
    return one >= 0 && this.tId[one] === id ? one : -1;
  }

  private pendSet(fid: number, id: number, t: number): void {
    if (this.fFlags[fid] & FF_MULTI) {
      this.pendingMulti.set(fid, id, t);
      return;
    }
    const one = this.fPending[fid] - 1;
    if (one < 0 || this.tId[one] === id) this.fPending[fid] = t + 1;
    else {
      this.fFlags[fid] |= FF_MULTI;
      this.fPending[fid] = 0;
      this.pendingMulti.set(fid, this.tId[one], one);
      this.pendingMulti.set(fid, id, t);
    }
  }

  private pendDelete(fid: number, id: number): void {
    if (this.fFlags[fid] & FF_MULTI) this.pendingMulti.delete(fid, id);
    else {
      const one = this.fPending[fid] - 1;
      if (one >= 0 && this.tId[one] === id) this.fPending[fid] = 0;
    }
  }

  private onQuery(fid: number, flow: Flow, frame: number, time: number, hasQuestion: boolean, multicast: boolean): void {
    const id = this.h.id;
    const quiet = (this.fFlags[fid] & 6) !== 0;
    let other = -1;
    for (let t = this.pendGet(fid, id); t >= 0; t = this.tNextSameId[t]) {
      if (this.sameQuestion(t, hasQuestion)) {
        const last = this.tLastQueryTime[t];
        if (time - last <= RETRY_WINDOW_SECONDS) {
          const n = ++this.tQn[t];
          const prev = this.tQlast[t];
          if (n === 2) this.moreQueryFrames.set(t, [this.tQf0[t], frame]);
          else this.moreQueryFrames.get(t)!.push(frame);
          this.tQlast[t] = frame;
          if (!quiet)
            this.push('dns.retransmission', frame, time, fid,
              `query ${hex4(id)} for ${this.questionOf(t)} sent again (${n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`} time) ${secs(time - last)} after the previous send (frame ${prev}) without an answer`,
              [this.tQf0[t]]);
          this.tLastQueryTime[t] = time;
          return;
        }
        // Too old to be a retry: that query stays unanswered; this one starts anew.
        this.unlink(fid, t);
        break;
      }
      other = t;
    }
    const t = this.newTx(fid, id);
    if (multicast) this.tFlags[t] |= F_MULTICAST;
    if (hasQuestion) this.setQuestion(t);
    this.tQf0[t] = this.tQlast[t] = frame;
    this.tQn[t] = 1;
    this.tTime[t] = this.tLastQueryTime[t] = time;
    // Outstanding with the same ID and another question: ID reuse, two transactions.
    const pendingHead = this.pendGet(fid, id);
    if (pendingHead >= 0) {
      let last = pendingHead;
      while (this.tNextSameId[last] >= 0) last = this.tNextSameId[last];
      this.tNextSameId[last] = t;
    } else this.pendSet(fid, id, t);
    if (other >= 0) {
      this.tReusedIdWith[t] = other;
      if (!quiet)
        this.push('dns.id-reuse', frame, time, fid,
          `query ID ${hex4(id)} reused for ${this.questionOf(t)} while the query for ${this.questionOf(other)} (frame ${this.tQf0[other]}) with the same ID is still unanswered on this flow`,
          [this.tQf0[other]]);
    }
    if (quiet) return;
    // The same query from another source port to the same server: a retry on a new socket.
    const key = this.hostKey(fid, id);
    const o = this.byHost.get(key, 0);
    if (o >= 0 && this.tFlow[o] !== fid && this.tResponseFrame[o] < 0 && this.tId[o] === id && this.sameQuestion(o, hasQuestion) &&
        time - this.tLastQueryTime[o] <= RETRY_WINDOW_SECONDS && sameHosts(this.flowOf(o), flow)) {
      this.tRetryOf[t] = o;
      if (this.tRetriedBy[o] < 0) this.tRetriedBy[o] = t;
      this.push('dns.retransmission', frame, time, fid,
        `query ${hex4(id)} for ${this.questionOf(t)} sent again from a new source port (${flow.endpoint(true)}, first sent from ${this.flowOf(o).endpoint(true)} at frame ${this.tQf0[o]}, ${secs(time - this.tLastQueryTime[o])} earlier, unanswered)`,
        [this.tQf0[o]]);
    }
    this.byHost.set(key, 0, t);
    // A TCP query retrying a truncated UDP answer.
    if (this.fFlags[fid] & FF_TCP && this.truncatedWaiting.size && hasQuestion) {
      const k = truncKey(flow, this.q.name, this.q.type);
      const u = this.truncatedWaiting.get(k);
      if (u !== undefined && time - this.tResponseTime[u] <= TCP_RETRY_WINDOW_SECONDS) {
        this.tTcpRetryFrame[u] = frame;
        this.truncatedWaiting.delete(k);
      }
    }
  }

  private unlink(fid: number, t: number): void {
    const id = this.tId[t];
    const head = this.pendGet(fid, id);
    if (head < 0) return;
    const next = this.tNextSameId;
    if (head === t) {
      if (next[t] >= 0) this.pendSet(fid, id, next[t]);
      else this.pendDelete(fid, id);
    } else {
      for (let p = head; next[p] >= 0; p = next[p])
        if (next[p] === t) {
          next[p] = next[t];
          break;
        }
    }
    next[t] = -1;
  }

  private onResponse(fid: number, flow: Flow, frame: number, time: number, hasQuestion: boolean, data: Uint8Array, off: number, len: number, udpLength: number): void {
    const h = this.h;
    const id = h.id;
    const quiet = (this.fFlags[fid] & 6) !== 0;
    const rcode = this.walk.extendedRcode >= 0 ? this.walk.extendedRcode : h.rcode;
    let match = -1;
    let latest = -1;
    for (let t = this.pendGet(fid, id); t >= 0; t = this.tNextSameId[t]) {
      if (!hasQuestion || this.sameQuestion(t, hasQuestion)) {
        match = t;
        break;
      }
      latest = t;
    }
    if (match < 0 && latest >= 0) {
      // The ID is outstanding, the question is another one.
      const asked = latest;
      const got = questionText(this.q.name, this.q.type, this.q.qclass);
      let mf = this.mismatchFrames.get(asked);
      if (!mf) {
        this.mismatchFrames.set(asked, mf = []);
        this.mismatchQuestions.set(asked, []);
      }
      mf.push(frame);
      this.mismatchQuestions.get(asked)!.push(got);
      if (mf.length === 1) {
        this.tResponseTime[asked] = time;
        this.tRcode[asked] = rcode;
        this.keep(asked, data, off, len);
        this.tRespUdpLength[asked] = udpLength;
      }
      this.push('dns.question-mismatch', frame, time, fid,
        `response ${hex4(id)} answers ${got}, but the query with that ID (frame ${this.tQf0[asked]}) asked for ${this.questionOf(asked)}: not taken as its answer`,
        [this.tQf0[asked]]);
      return;
    }
    let t = match;
    if (t >= 0) {
      this.unlink(fid, t);
      this.tResponseFrame[t] = frame;
      this.tResponseTime[t] = time;
      this.tStatus[t] = S_ANSWERED;
      if (!quiet) {
        const key = this.hostKey(fid, id);
        if (this.byHost.get(key, 0) === t) this.byHost.delete(key, 0);
      }
    } else {
      // No query outstanding: a duplicate of an answered one, or an orphan.
      let prev = -1;
      let r = this.fLastResp[fid] - 1;
      for (let k = 0; r >= 0 && k < RECENT_RESPONSES; k++, r = this.tPrevResp[r])
        if (this.tId[r] === id && this.tQn[r] > 0) { prev = r; break; }
      const dup = prev >= 0 && this.tResponseFrame[prev] > 0 && (!hasQuestion || !(this.tFlags[prev] & F_QUESTION) || this.sameQuestion(prev, true)) ? prev : -1;
      if (quiet) return; // mDNS / LLMNR: unasked answers are announcements
      t = this.newTx(fid, id);
      if (hasQuestion) this.setQuestion(t);
      this.tTime[t] = time;
      this.tResponseFrame[t] = frame;
      this.tResponseTime[t] = time;
      this.tStatus[t] = S_ORPHAN;
      const q = hasQuestion ? ` for ${this.questionOf(t)}` : '';
      if (dup >= 0) {
        const dupResp = this.tResponseFrame[dup];
        this.tDuplicateOf[t] = dupResp;
        this.push('dns.orphan-response', frame, time, fid,
          `duplicate response ${hex4(id)}${q}: the query (frame ${this.tQf0[dup]}) was already answered at frame ${dupResp}, ${secs(time - this.tResponseTime[dup])} earlier, so the client no longer waited for it`,
          [this.tQf0[dup], dupResp]);
      } else {
        this.push('dns.orphan-response', frame, time, fid,
          `response ${hex4(id)}${q} from ${flow.endpoint(false)} to ${flow.endpoint(true)} matches no query seen on this flow`,
          []);
      }
    }
    this.tRcode[t] = rcode;
    if (h.tc === 1) this.tFlags[t] |= F_TRUNCATED;
    else this.tFlags[t] &= ~F_TRUNCATED;
    this.keep(t, data, off, len);
    this.tRespUdpLength[t] = udpLength;
    this.tPrevResp[t] = this.fLastResp[fid] - 1;
    this.fLastResp[fid] = t + 1;
    if (this.tStatus[t] === S_ORPHAN) return;
    if (h.tc === 1 && !(this.fFlags[fid] & FF_TCP) && this.tFlags[t] & F_QUESTION) this.truncatedWaiting.set(truncKey(flow, this.tName[t], this.tQtype[t]), t);
  }

  /**
   * Copies a response's bytes into 1 MiB arena chunks (one ArrayBuffer per MiB, not
   * one per message: tens of thousands of small buffers weigh on the garbage collector).
   */
  private keep(t: number, data: Uint8Array, off: number, len: number): void {
    if (len > ARENA_CHUNK) {
      this.tRespChunk[t] = this.chunks.length;
      this.chunks.push(data.slice(off, off + len));
      this.tRespOff[t] = 0;
      this.tRespLen[t] = len;
      return;
    }
    if (this.arenaUsed + len > this.arena.length) {
      this.arena = new Uint8Array(ARENA_CHUNK);
      this.arenaIdx = this.chunks.length;
      this.chunks.push(this.arena);
      this.arenaUsed = 0;
    }
    this.arena.set(data.subarray(off, off + len), this.arenaUsed);
    this.tRespChunk[t] = this.arenaIdx;
    this.tRespOff[t] = this.arenaUsed;
    this.tRespLen[t] = len;
    this.arenaUsed += len;
  }

  // ------------------------------------------------------------------ ICMP

  /**
   * An ICMP error on a UDP flow (UdpIcmpExplainer). A refused response is explained:
   * the client's socket was gone (dns.client-gone, at the end). A refused query is
   * noted on its transaction (dns.unanswered names it) but stays the UDP tracker's
   * udp.port-unreachable.
   */
  explainIcmpError(err: UdpIcmpError, d: Uint8Array): boolean {
    const frame = err.frame;
    const flow = err.flow;
    const fid = flow ? flow.id : -1;
    const ff = fid >= 0 && fid < this.fFlags.length ? this.fFlags[fid] : 0;
    if (ff & FF_TRACKED && !(ff & FF_TCP) && err.kind === 'port') {
      // Which DNS message was refused: by quoted ID and UDP length when present.
      const qid = err.payloadLen >= 2 ? (d[err.payloadOff] << 8) | d[err.payloadOff + 1] : -1;
      const qr = err.payloadLen >= 3 ? d[err.payloadOff + 2] >> 7 : -1;
      if (qr !== 0) {
        let t = this.fLastResp[fid] - 1;
        for (let k = 0; t >= 0 && k < RECENT_RESPONSES; k++, t = this.tPrevResp[t]) {
          if (this.tResponseFrame[t] >= frame) continue;
          if (qid >= 0 && this.tId[t] !== qid) continue;
          if (err.udpLength >= 0 && this.tRespUdpLength[t] >= 0 && this.tRespUdpLength[t] !== err.udpLength) continue;
          if (this.tIcmpFrame[t] > 0) continue;
          // The quoted datagram is a response (QR bit quoted, or it went server → client).
          if (qr === -1 && err.dir !== 1) continue;
          this.tIcmpFrame[t] = frame;
          if (this.tStatus[t] !== S_ORPHAN) this.tStatus[t] = S_CLIENT_GONE;
          return true;
        }
      }
      if (qr !== 1) {
        // A refused query: nothing listens on the server's port.
        for (let t = this.n - 1; t >= 0 && t >= this.n - 4096; t--) {
          if (this.tFlow[t] !== fid || (qid >= 0 && this.tId[t] !== qid) || this.tQn[t] === 0 || this.tQf0[t] >= frame) continue;
          if (this.tServerIcmpFrame[t] < 0) {
            this.tServerIcmpFrame[t] = frame;
            this.serverIcmpText.set(t, err.text);
          }
          break;
        }
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ end

  finish(a: Analysis): void {
    for (const fid of [...this.streams.keys()].sort((x, y) => x - y)) {
      const flow = this.fFlow[fid]!;
      this.streams.get(fid)!.forEach((s, dir) => {
        const wasLost = s.lostSync;
        s.finish();
        if (s.lostSync && !wasLost)
          this.malformed(fid, flow.lastFrame, flow.end, `DNS over TCP (${dir === 0 ? 'client → server' : 'server → client'}): ${s.lostReason}; the messages held after the gap were never delimited`);
      });
    }
    const end = a.end ?? 0;
    const T = this.timeout;
    const n = this.n;
    const status = this.tStatus, qn = this.tQn, qf0 = this.tQf0;
    for (let t = 0; t < n; t++) {
      if (status[t] === S_UNANSWERED) {
        const mf = this.mismatchFrames.get(t);
        if (mf) {
          status[t] = S_MISMATCH;
          this.tResponseFrame[t] = mf[0];
        }
      }
      const quiet = (this.fFlags[this.tFlow[t]] & 6) !== 0;
      if (qn[t] === 0) continue;
      const first = qf0[t];
      if (status[t] === S_MISMATCH) continue; // dns.question-mismatch says it
      if (status[t] === S_UNANSWERED) {
        if (quiet) continue;
        const flow = this.flowOf(t);
        const sends = qn[t] > 1 ? ` (sent ${qn[t]} times, last at frame ${this.tQlast[t]})` : '';
        const left = end - this.tLastQueryTime[t];
        const why = left < T
          ? `the capture ended ${secs(left)} after the last send, within the ${T} s timeout`
          : `no response in the ${secs(left)} until the capture ended (timeout ${T} s)`;
        const sif = this.tServerIcmpFrame[t];
        const icmp = sif > 0 ? `; the server's host refused it: ${this.serverIcmpText.get(t)} at frame ${sif}` : '';
        const r = this.tRetriedBy[t];
        this.push('dns.unanswered', first, this.tTime[t], flow.id,
          `query ${hex4(this.tId[t])} for ${this.questionOf(t)} to ${flow.endpoint(false)} was not answered${sends}: ${why}${icmp}${r >= 0 ? `; retried from ${this.flowOf(r).endpoint(true)} at frame ${qf0[r]}${this.tResponseFrame[r] > 0 ? `, answered at frame ${this.tResponseFrame[r]}` : ''}` : ''}`,
          sif > 0 ? [sif] : []);
        continue;
      }
      // Answered, but only after the client's timeout.
      const wait = this.tResponseTime[t] - this.tLastQueryTime[t];
      if (!quiet && wait > T) {
        const flow = this.flowOf(t);
        this.push('dns.unanswered', first, this.tTime[t], flow.id,
          `query ${hex4(this.tId[t])} for ${this.questionOf(t)} to ${flow.endpoint(false)} got no response within the ${T} s timeout; the response came only ${secs(wait)} after the ${qn[t] > 1 ? 'last send' : 'query'}, at frame ${this.tResponseFrame[t]}${this.tIcmpFrame[t] > 0 ? ', when the client had given up' : ''}`,
          [this.tResponseFrame[t]]);
      }
    }
    for (let t = 0; t < n; t++) {
      const rf = this.tResponseFrame[t];
      if (rf < 0) continue;
      const flags = this.tFlags[t];
      const icmpFrame = this.tIcmpFrame[t];
      if (icmpFrame > 0) {
        const flow = this.flowOf(t);
        this.push('dns.client-gone', rf, this.tResponseTime[t], flow.id,
          status[t] === S_ORPHAN
            ? `response ${hex4(this.tId[t])}${flags & F_QUESTION ? ` for ${this.questionOf(t)}` : ''} (no query seen) was refused by ${flow.endpoint(true).replace(/:\d+$/, '')} with ICMP port unreachable (frame ${icmpFrame}): no socket on ${flow.endpoint(true)} any more`
            : `response ${hex4(this.tId[t])} for ${this.questionOf(t)} came ${secs(this.tResponseTime[t] - this.tTime[t])} after the query (frame ${qf0[t]}) and was refused with ICMP port unreachable (frame ${icmpFrame}): the client's socket ${flow.endpoint(true)} was already closed`,
          [icmpFrame]);
      }
      if (status[t] === S_MISMATCH) continue;
      const rcode = this.tRcode[t];
      if (rcode > 0 && (this.fFlags[this.tFlow[t]] & 6) === 0) {
        const flow = this.flowOf(t);
        this.push('dns.error', rf, this.tResponseTime[t], flow.id,
          `${rcodeName(rcode)} for ${flags & F_QUESTION ? this.questionOf(t) : `query ${hex4(this.tId[t])}`} from ${flow.endpoint(false)}${qn[t] ? ` (query frame ${qf0[t]})` : ''}`,
          qn[t] ? [qf0[t]] : []);
      }
      if (flags & F_TRUNCATED && !(flags & F_TCP) && status[t] !== S_ORPHAN) {
        const trf = this.tTcpRetryFrame[t];
        this.push('dns.truncated', rf, this.tResponseTime[t], this.tFlow[t],
          `response ${hex4(this.tId[t])} for ${this.questionOf(t)} is truncated (TC bit): the answer did not fit in UDP; ${trf > 0 ? `the client asked again over TCP at frame ${trf}` : 'no TCP retry in the capture'}`,
          trf > 0 ? [trf] : []);
      }
    }
  }

  // ------------------------------------------------------------------ JSON

  /** The JSON record of a transaction (answers decoded now, from the kept response). */
  toJson(tx: DnsTransaction | number): DnsJson {
    const t = typeof tx === 'number' ? tx : tx.index;
    const status = this.tStatus[t];
    const c = this.tRespChunk[t];
    const answers = c >= 0 && status !== S_MISMATCH ? answerTextsCached(this.chunks[c], this.tRespOff[t], this.tRespLen[t]) : [];
    const flags = this.tFlags[t];
    const rf = this.tResponseFrame[t];
    const qn = this.tQn[t];
    const rcode = this.tRcode[t];
    const j: DnsJson = {
      flow: this.tFlow[t],
      transport: flags & F_TCP ? 'tcp' : 'udp',
      id: this.tId[t],
      question: this.questionOf(t),
      queryFrames: qn === 0 ? [] : qn === 1 ? [this.tQf0[t]] : this.moreQueryFrames.get(t)!,
      responseFrame: rf > 0 ? rf : null,
      rtt: (status === S_ANSWERED || status === S_CLIENT_GONE) && rf > 0 && qn > 0 ? this.tResponseTime[t] - this.tTime[t] : null,
      rcode: rcode >= 0 ? rcodeName(rcode) : null,
      status: STATUS[status],
      answers,
      time: this.tTime[t],
    };
    const protocol = (this.fFlags[this.tFlow[t]] >> 1) & 3;
    if (protocol !== 0) j.protocol = PROTOCOLS[protocol];
    if (flags & F_MULTICAST) j.multicast = true;
    if (flags & F_TRUNCATED) j.truncated = true;
    if (this.tTcpRetryFrame[t] > 0) j.tcpRetryFrame = this.tTcpRetryFrame[t];
    if (this.tIcmpFrame[t] > 0) j.icmpFrame = this.tIcmpFrame[t];
    if (this.tServerIcmpFrame[t] > 0) j.serverIcmpFrame = this.tServerIcmpFrame[t];
    const mf = this.mismatchFrames.get(t);
    if (mf) j.mismatchFrames = mf;
    if (this.tRetryOf[t] >= 0) j.retryOf = this.tQf0[this.tRetryOf[t]];
    if (this.tDuplicateOf[t] > 0) j.duplicateOf = this.tDuplicateOf[t];
    return j;
  }

  contribute(json: AnalysisJson, _analysis: Analysis, opts: JsonOptions): void {
    if (opts.transactions === false) return;
    const out = json.dns;
    for (let t = 0; t < this.n; t++) out.push(this.toJson(t));
  }
}

function sameHosts(a: Flow, b: Flow): boolean {
  if (a.ipVersion !== b.ipVersion || a.proto !== b.proto) return false;
  const ap = a.clientIsA ? a.portB : a.portA, bp = b.clientIsA ? b.portB : b.portA;
  return ap === bp && sameAddress(a, true, b, true) && sameAddress(a, false, b, false);
}

function hostText(flow: Flow, client: boolean): string {
  return flow.endpoint(client).replace(/:\d+$/, '');
}

function truncKey(flow: Flow, name: string, type: number): string {
  return `${hostText(flow, true)}|${hostText(flow, false)}|${name.toLowerCase()}|${type}`;
}
