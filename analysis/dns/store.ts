// The DNS transactions store: every transaction (a query/response exchange, or a
// response without query) and the DNS state of each flow, in typed-array columns
// indexed by transaction (capture order) and by flow id, plus the kept response bytes.
// Tens of thousands of transactions cost the garbage collector nothing this way.
//
// The columns are the shared state of the DNS tracker's modules — pairing writes
// them, ICMP marks the refused messages, breaks and JSON read them — and of no one
// else: the rest of the analysis reads the tracker's JSON, or DnsTransaction views.

import { IpProto } from '../../parsers/decode/index';
import { questionText, type DnsQuestion } from '../../parsers/dns/wire';
import type { Flow } from '../flows';
import type { DnsJson } from '../model';

export type DnsProtocol = 'dns' | 'mdns' | 'llmnr';
export type DnsStatus = DnsJson['status'];

export const PROTOCOLS: readonly DnsProtocol[] = ['dns', 'mdns', 'llmnr'];
const TRANSPORTS: readonly ('udp' | 'tcp')[] = ['udp', 'tcp'];
// Transaction status codes (the `tStatus` column).
export const S_UNANSWERED = 0, S_ANSWERED = 1, S_ORPHAN = 2, S_CLIENT_GONE = 3, S_MISMATCH = 4;
export const STATUS: readonly DnsStatus[] = ['unanswered', 'answered', 'orphan', 'client-gone', 'mismatch'];
// Transaction flag bits (the `tFlags` column).
export const F_TCP = 1, F_MULTICAST = 2, F_QUESTION = 4, F_TRUNCATED = 8;
// Per-flow flag bits (the `fFlags` column): tracked; the protocol (index in PROTOCOLS) in
// FF_PROTOCOL, non-zero for mDNS and LLMNR; TCP; IDs pending in the shared map (pairing).
export const FF_TRACKED = 1, FF_PROTOCOL = 6, FF_TCP = 8, FF_MULTI = 16;
/** FF_PROTOCOL of an mDNS flow (PROTOCOLS[1]). */
export const FF_MDNS = 1 << 1;
/** How many of a flow's latest responses are searched for duplicates and ICMP quotes. */
export const RECENT_RESPONSES = 32;
/** Response bytes are kept in arena chunks of this size. */
const ARENA_CHUNK = 1 << 20;

/** Mixes an address, as the flow's 32-bit words, into `h`. */
function addrHash(w0: number, w1: number, w2: number, w3: number, h: number): number {
  h = Math.imul(h ^ w0, 0x01000193);
  h = Math.imul(h ^ w1, 0x01000193);
  h = Math.imul(h ^ w2, 0x01000193);
  return Math.imul(h ^ w3, 0x01000193);
}

export class DnsStore {
  // ---- per flow, indexed by flow id
  fFlow: (Flow | undefined)[] = [];
  fFlags = new Uint8Array(1024);
  /** dns.malformed events raised on the flow. */
  fMalformed = new Int32Array(1024);
  /** Client host, server host and port (the key of cross-port retries). */
  fHostHash = new Int32Array(1024);
  /** Client host and server port, any server (the key of failovers to another resolver). */
  fClientHash = new Int32Array(1024);
  /** The one outstanding ID's first transaction + 1 (0: none) while FF_MULTI is clear. */
  fPending = new Int32Array(1024);
  /** Latest transaction with a response + 1 (0: none); earlier ones chained by tPrevResp. */
  fLastResp = new Int32Array(1024);

  // ---- per transaction, indexed by capture order
  /** Number of transactions. */
  n = 0;
  private cap = 0;
  tFlow = new Int32Array(0);
  tFlags = new Uint8Array(0);
  tStatus = new Uint8Array(0);
  tId = new Uint16Array(0);
  tQtype = new Uint16Array(0);
  tQclass = new Uint16Array(0);
  tRcode = new Int16Array(0);
  tName: string[] = [];
  /** First query frame (-1 for an orphan), number of sends, last send. */
  tQf0 = new Int32Array(0);
  tQn = new Int32Array(0);
  tQlast = new Int32Array(0);
  tTime = new Float64Array(0);
  tLastQueryTime = new Float64Array(0);
  tResponseTime = new Float64Array(0);
  tResponseFrame = new Int32Array(0);
  tRespChunk = new Int32Array(0);
  tRespOff = new Int32Array(0);
  tRespLen = new Int32Array(0);
  tRespUdpLength = new Int32Array(0);
  tIcmpFrame = new Int32Array(0);
  tServerIcmpFrame = new Int32Array(0);
  tTcpRetryFrame = new Int32Array(0);
  /** For an orphan duplicating an answer: the answered transaction (-1: none). */
  tDuplicateOf = new Int32Array(0);
  tRetryOf = new Int32Array(0);
  tRetriedBy = new Int32Array(0);
  /** The transaction at another resolver this one fails over from / the first that took over from it (-1: none). */
  tFailoverOf = new Int32Array(0);
  tFailedOverTo = new Int32Array(0);
  tReusedIdWith = new Int32Array(0);
  tNextSameId = new Int32Array(0);
  tPrevResp = new Int32Array(0);
  /** Every query frame of the transactions sent more than once. */
  readonly moreQueryFrames = new Map<number, number[]>();
  /** The ICMP text of a refused query, by transaction. */
  readonly serverIcmpText = new Map<number, string>();
  /** Responses with the transaction's ID and another question, and their questions. */
  readonly mismatchFrames = new Map<number, number[]>();
  readonly mismatchQuestions = new Map<number, string[]>();
  /** Question texts by name, then type << 16 | class (each built once). */
  private readonly questionTexts = new Map<string, Map<number, string>>();

  /** Response bytes: 1 MiB arena chunks (and the odd larger message on its own). */
  private readonly chunks: Uint8Array[] = [];
  private arena = new Uint8Array(0);
  private arenaIdx = -1;
  private arenaUsed = 0;

  constructor() {
    this.grow(1024);
  }

  // ------------------------------------------------------------------ flows

  /** The flow's id, its DNS state set up on its first message (protocol: index in PROTOCOLS). */
  track(flow: Flow, protocol: number, tcp: boolean): number {
    const fid = flow.id;
    if (fid >= this.fFlags.length) this.growFlows(fid);
    if (this.fFlags[fid] & FF_TRACKED) return fid;
    this.fFlags[fid] = FF_TRACKED | (protocol << 1) | (tcp ? FF_TCP : 0);
    this.fFlow[fid] = flow;
    const cA = flow.clientIsA;
    let h = 0x811c9dc5 ^ (tcp ? IpProto.TCP : IpProto.UDP);
    h = cA ? addrHash(flow.a0, flow.a1, flow.a2, flow.a3, h) : addrHash(flow.b0, flow.b1, flow.b2, flow.b3, h);
    if (flow.vlanKey !== 0) h = Math.imul(h ^ flow.vlanKey, 0x01000193); // hosts on two VLANs are two hosts
    const serverPort = cA ? flow.portB : flow.portA;
    this.fClientHash[fid] = Math.imul(h ^ serverPort, 0x27d4eb2d);
    h = cA ? addrHash(flow.b0, flow.b1, flow.b2, flow.b3, h) : addrHash(flow.a0, flow.a1, flow.a2, flow.a3, h);
    this.fHostHash[fid] = Math.imul(h ^ serverPort, 0x5bd1e995);
    flow.app = 'dns';
    return fid;
  }

  /** The flow's FF_* flags: 0 for a flow that carried no DNS message. */
  flags(fid: number): number {
    return fid >= 0 && fid < this.fFlags.length ? this.fFlags[fid] : 0;
  }

  /** mDNS or LLMNR: multicast name resolution, never flagged unanswered, retransmitted or orphan. */
  quiet(fid: number): boolean {
    return (this.fFlags[fid] & FF_PROTOCOL) !== 0;
  }

  private growFlows(id: number): void {
    const cap = Math.max(this.fFlags.length * 2, id + 1);
    const u8 = new Uint8Array(cap);
    u8.set(this.fFlags);
    this.fFlags = u8;
    const i32 = (a: Int32Array) => { const b = new Int32Array(cap); b.set(a); return b; };
    this.fMalformed = i32(this.fMalformed);
    this.fHostHash = i32(this.fHostHash);
    this.fClientHash = i32(this.fClientHash);
    this.fPending = i32(this.fPending);
    this.fLastResp = i32(this.fLastResp);
  }

  // ------------------------------------------------------------------ transactions

  /**
   * A new transaction of flow `fid` with every field at its default. The slots past `n`
   * already hold the defaults (grow fills them; a transaction is never removed), so
   * only the fields that differ are written here.
   */
  newTx(fid: number, id: number): number {
    const t = this.n;
    if (t === this.cap) this.grow(this.cap * 2);
    this.n = t + 1;
    this.tFlow[t] = fid;
    if (this.fFlags[fid] & FF_TCP) this.tFlags[t] = F_TCP;
    this.tId[t] = id;
    return t;
  }

  setQuestion(t: number, q: DnsQuestion): void {
    this.tFlags[t] |= F_QUESTION;
    this.tName[t] = q.name;
    this.tQtype[t] = q.type;
    this.tQclass[t] = q.qclass;
  }

  /**
   * Grows the columns to `cap` transactions, the new slots at each field's default
   * (what newTx relies on): 0 (a zero-filled array, S_UNANSWERED, no flags, times 0),
   * -1 (frames, links, rcode, the kept response's chunk) or '' (the name).
   */
  private grow(cap: number): void {
    const old = this.cap;
    const i32 = (a: Int32Array, init: number) => { const b = new Int32Array(cap); b.set(a); if (init !== 0) b.fill(init, old); return b; };
    const f64 = (a: Float64Array) => { const b = new Float64Array(cap); b.set(a); return b; };
    const u16 = (a: Uint16Array) => { const b = new Uint16Array(cap); b.set(a); return b; };
    const u8 = (a: Uint8Array) => { const b = new Uint8Array(cap); b.set(a); return b; };
    this.tFlow = i32(this.tFlow, 0);
    this.tFlags = u8(this.tFlags);
    this.tStatus = u8(this.tStatus);
    this.tId = u16(this.tId);
    this.tQtype = u16(this.tQtype);
    this.tQclass = u16(this.tQclass);
    const r = new Int16Array(cap);
    r.set(this.tRcode);
    r.fill(-1, old);
    this.tRcode = r;
    for (let t = old; t < cap; t++) this.tName.push('');
    this.tQf0 = i32(this.tQf0, -1);
    this.tQn = i32(this.tQn, 0);
    this.tQlast = i32(this.tQlast, -1);
    this.tTime = f64(this.tTime);
    this.tLastQueryTime = f64(this.tLastQueryTime);
    this.tResponseTime = f64(this.tResponseTime);
    this.tResponseFrame = i32(this.tResponseFrame, -1);
    this.tRespChunk = i32(this.tRespChunk, -1);
    this.tRespOff = i32(this.tRespOff, 0);
    this.tRespLen = i32(this.tRespLen, 0);
    this.tRespUdpLength = i32(this.tRespUdpLength, -1);
    this.tIcmpFrame = i32(this.tIcmpFrame, -1);
    this.tServerIcmpFrame = i32(this.tServerIcmpFrame, -1);
    this.tTcpRetryFrame = i32(this.tTcpRetryFrame, -1);
    this.tDuplicateOf = i32(this.tDuplicateOf, -1);
    this.tRetryOf = i32(this.tRetryOf, -1);
    this.tRetriedBy = i32(this.tRetriedBy, -1);
    this.tFailoverOf = i32(this.tFailoverOf, -1);
    this.tFailedOverTo = i32(this.tFailedOverTo, -1);
    this.tReusedIdWith = i32(this.tReusedIdWith, -1);
    this.tNextSameId = i32(this.tNextSameId, -1);
    this.tPrevResp = i32(this.tPrevResp, -1);
    this.cap = cap;
  }

  /**
   * Keeps a response's bytes in 1 MiB arena chunks (one ArrayBuffer per MiB, not one
   * per message: tens of thousands of small buffers weigh on the garbage collector).
   */
  keep(t: number, data: Uint8Array, off: number, len: number): void {
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

  // ------------------------------------------------------------------ reading

  flowOf(t: number): Flow {
    return this.fFlow[this.tFlow[t]]!;
  }

  transportOf(t: number): 'udp' | 'tcp' {
    return TRANSPORTS[this.tFlags[t] & F_TCP];
  }

  protocolOf(t: number): DnsProtocol {
    return PROTOCOLS[(this.fFlags[this.tFlow[t]] & FF_PROTOCOL) >> 1];
  }

  statusOf(t: number): DnsStatus {
    return STATUS[this.tStatus[t]];
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

  /** Every query frame (the store's own array when sent more than once: do not change it). */
  queryFrames(t: number): number[] {
    const n = this.tQn[t];
    return n === 0 ? [] : n === 1 ? [this.tQf0[t]] : this.moreQueryFrames.get(t)!;
  }

  hasResponse(t: number): boolean {
    return this.tRespChunk[t] >= 0;
  }

  /** The response message of a transaction (a view; empty when there is none). */
  responseBytes(t: number): Uint8Array {
    const c = this.tRespChunk[t];
    if (c < 0) return new Uint8Array(0);
    const off = this.tRespOff[t];
    return this.chunks[c].subarray(off, off + this.tRespLen[t]);
  }

  /** The arena chunk holding the kept response (at tRespOff, tRespLen bytes), without a view; null when none. */
  responseChunk(t: number): Uint8Array | null {
    const c = this.tRespChunk[t];
    return c < 0 ? null : this.chunks[c];
  }
}

/**
 * A read-only view of one transaction, for tests and tools (built on demand over the
 * store's columns).
 */
export class DnsTransaction {
  constructor(private readonly s: DnsStore, readonly index: number) {}
  get flow(): Flow { return this.s.flowOf(this.index); }
  get transport(): 'udp' | 'tcp' { return this.s.transportOf(this.index); }
  get protocol(): DnsProtocol { return this.s.protocolOf(this.index); }
  get id(): number { return this.s.tId[this.index]; }
  /** Question as sent (case kept); '' when the message had none. */
  get name(): string { return this.s.tName[this.index]; }
  get question(): string { return this.s.questionOf(this.index); }
  get queryFrames(): number[] { return this.s.queryFrames(this.index).slice(); }
  get responseFrame(): number { return this.s.tResponseFrame[this.index]; }
  get status(): DnsStatus { return this.s.statusOf(this.index); }
  /** Whether the response's bytes are kept (see DnsTracker.responseBytes). */
  get response(): boolean { return this.s.hasResponse(this.index); }
}
