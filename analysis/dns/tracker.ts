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
//   quoted); any other UDP datagram refused so is udp.port-unreachable on its flow.

import { IpProto, type Packet } from '../../parsers/decode/packet';
import type { Analysis, JsonOptions, Tracker } from '../analyze';
import type { Flow } from '../flows';
import type { AnalysisJson, DnsJson, Severity } from '../model';
import { findQuotedDatagram, UdpFlowIndex, type UdpIcmpError } from '../udp/icmp';
import './kinds';
import { DnsTcpStream } from './tcp-stream';
import {
  answerTexts, DnsHeader, DnsQuestion, questionText, rcodeName, readHeader, readQuestion, RecordWalk, sameName, walkRecords,
} from './wire';

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

/** One query/response exchange (or a response without query). */
export class DnsTransaction {
  /** Index in capture order (0-based). */
  index = 0;
  flow: Flow;
  transport: 'udp' | 'tcp';
  protocol: DnsProtocol;
  /** The query went to a multicast group. */
  multicast = false;
  id: number;
  /** Question as sent (case kept); '' when the message had none. */
  name = '';
  qtype = 0;
  qclass = 0;
  hasQuestion = false;
  queryFrames: number[] = [];
  /** Time of the first query (or of the response for an orphan). */
  time = 0;
  lastQueryTime = 0;
  responseFrame = -1;
  responseTime = 0;
  rcode = -1;
  truncated = false;
  /** Response message bytes (kept in the tracker's arena), for the answers shown. */
  response: Uint8Array | null = null;
  responseOff = 0;
  responseLen = 0;
  /** UDP length of the response datagram (to match an ICMP quote). */
  responseUdpLength = -1;
  status: DnsStatus = 'unanswered';
  /** Responses with this ID and another question. */
  mismatchFrames: number[] | null = null;
  mismatchQuestions: string[] | null = null;
  /** ICMP frame that refused the response (client gone). */
  icmpFrame = -1;
  /** ICMP frame that refused a query (nothing listened on the server's port). */
  serverIcmpFrame = -1;
  serverIcmpText = '';
  /** The earlier transaction this one re-sends from another source port, and the reverse link. */
  retryOf: DnsTransaction | null = null;
  retriedBy: DnsTransaction | null = null;
  /** TCP query that retried this truncated answer. */
  tcpRetryFrame = -1;
  /** For a duplicate response: the frame that answered the query first. */
  duplicateOf = -1;
  /** Same ID, other question, outstanding at the same time on the same flow. */
  reusedIdWith: DnsTransaction | null = null;
  /** Next transaction with the same ID outstanding on the same flow. */
  nextSameId: DnsTransaction | null = null;

  constructor(flow: Flow, transport: 'udp' | 'tcp', protocol: DnsProtocol, id: number) {
    this.flow = flow;
    this.transport = transport;
    this.protocol = protocol;
    this.id = id;
  }

  get question(): string {
    return this.hasQuestion ? questionText(this.name, this.qtype, this.qclass) : '';
  }

  get rtt(): number | null {
    return this.responseFrame > 0 && this.queryFrames.length ? this.responseTime - this.time : null;
  }
}

/** A Map of ID → transaction that holds its first entry without a Map. */
class PendingById {
  private one: DnsTransaction | null = null;
  private map: Map<number, DnsTransaction> | null = null;

  get(id: number): DnsTransaction | undefined {
    if (this.map) return this.map.get(id);
    return this.one !== null && this.one.id === id ? this.one : undefined;
  }

  set(id: number, t: DnsTransaction): void {
    if (this.map) this.map.set(id, t);
    else if (this.one === null || this.one.id === id) this.one = t;
    else {
      this.map = new Map([[this.one.id, this.one], [id, t]]);
      this.one = null;
    }
  }

  delete(id: number): void {
    if (this.map) this.map.delete(id);
    else if (this.one !== null && this.one.id === id) this.one = null;
  }
}

/** Per-flow DNS state. */
class FlowDns {
  /**
   * Outstanding (unanswered) transactions by ID, further ones with the same ID chained
   * by nextSameId. Most flows have one ID outstanding at a time (a new port per query):
   * that one needs no Map.
   */
  readonly pending = new PendingById();
  /** The last 32 transactions and orphans with a response, latest last (duplicates, ICMP quotes). */
  responses: DnsTransaction[] | null = null;
  streams: [DnsTcpStream, DnsTcpStream] | null = null;
  malformed = 0;
  hostHash = 0;
  constructor(readonly flow: Flow, readonly protocol: DnsProtocol, readonly transport: 'udp' | 'tcp') {}
}

interface PendingEvent {
  kind: string;
  severity: Severity;
  frame: number;
  time: number;
  flow: number | null;
  message: string;
  related: number[];
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

function addrHash(a: Uint8Array, len: number, h: number): number {
  for (let i = 0; i < len; i++) h = Math.imul(h ^ a[i], 0x01000193);
  return h;
}

export class DnsTracker implements Tracker {
  readonly timeout: number;
  readonly transactions: DnsTransaction[] = [];
  /** UDP flows by endpoints, for the ICMP errors that quote their datagrams. */
  readonly udpIndex = new UdpFlowIndex();
  /** ICMP destination-unreachable messages tied to UDP flows (timeline markers). */
  readonly icmpErrors: UdpIcmpError[] = [];
  /** Decoded DNS messages and the time spent in the per-message path (for the bench). */
  messages = 0;
  private readonly states: (FlowDns | undefined)[] = [];
  private readonly events: PendingEvent[] = [];
  /** The latest outstanding query by client host, server host and port, and ID (cross-port retries). */
  private readonly byHost = new Map<number, DnsTransaction>();
  /** Truncated UDP answers waiting for the TCP retry, by client/server host and question. */
  private readonly truncatedWaiting = new Map<string, DnsTransaction>();
  private readonly h = new DnsHeader();
  private readonly q = new DnsQuestion();
  private readonly walk = new RecordWalk();
  private lastTime = 0;
  private arena = new Uint8Array(0);
  private arenaUsed = 0;
  /** Current packet while a TCP stream hands messages over. */
  private cur: { flow: Flow; frame: number; time: number; state: FlowDns; udpLength: number; multicast: boolean } | null = null;

  constructor(opts: DnsTrackerOptions = {}) {
    this.timeout = opts.dnsTimeoutSeconds ?? 5;
  }

  // ------------------------------------------------------------------ packets

  onPacket(pkt: Packet, flow: Flow, dir: number, frame: number, time: number): void {
    if (time > this.lastTime) this.lastTime = time;
    const proto = pkt.ipProto;
    if (proto === IpProto.UDP) {
      this.udpIndex.onUdp(flow);
      const sp = pkt.srcPort, dp = pkt.dstPort;
      let protocol: DnsProtocol;
      if (sp === PORT_DNS || dp === PORT_DNS) protocol = 'dns';
      else if (sp === PORT_MDNS || dp === PORT_MDNS) protocol = 'mdns';
      else if (sp === PORT_LLMNR || dp === PORT_LLMNR) protocol = 'llmnr';
      else return;
      // A fragment that does not complete its datagram carries no whole message.
      if (pkt.isFragment && !pkt.reassembled) return;
      const st = this.state(flow, protocol, 'udp');
      this.message(pkt.data, pkt.payloadOff, pkt.payloadLen, pkt.payloadWireLen, st, flow, frame, time, pkt.udpLength, protocol === 'dns' ? false : isMulticast(pkt));
      return;
    }
    if (proto === IpProto.TCP) {
      if (pkt.srcPort !== PORT_DNS && pkt.dstPort !== PORT_DNS) return;
      const syn = (pkt.tcpFlags & 0x02) !== 0;
      if (pkt.payloadLen === 0 && !syn && !this.states[flow.id]) return;
      const st = this.state(flow, 'dns', 'tcp');
      if (!st.streams) st.streams = [new DnsTcpStream(), new DnsTcpStream()];
      const s = st.streams[dir];
      const wasLost = s.lostSync;
      this.cur = { flow, frame, time, state: st, udpLength: -1, multicast: false };
      s.segment(pkt.tcpSeq, syn, pkt.data, pkt.payloadOff, pkt.payloadLen, pkt.payloadWireLen, this.onStreamMessage);
      this.cur = null;
      if (s.lostSync && !wasLost) this.malformed(st, frame, time, `DNS over TCP (${dir === 0 ? 'client → server' : 'server → client'}): ${s.lostReason}; the messages after it cannot be delimited`);
      return;
    }
    if ((proto === IpProto.ICMP || proto === IpProto.ICMPV6) && pkt.hasQuote) this.onIcmp(pkt, frame, time);
  }

  onOther(pkt: Packet, frame: number, time: number): void {
    if (time > this.lastTime) this.lastTime = time;
    if ((pkt.ipProto === IpProto.ICMP || pkt.ipProto === IpProto.ICMPV6) && pkt.hasQuote) this.onIcmp(pkt, frame, time);
  }

  private readonly onStreamMessage = (data: Uint8Array, off: number, len: number): void => {
    const c = this.cur!;
    this.message(data, off, len, len, c.state, c.flow, c.frame, c.time, -1, false);
  };

  private state(flow: Flow, protocol: DnsProtocol, transport: 'udp' | 'tcp'): FlowDns {
    let st = this.states[flow.id];
    if (!st) {
      st = new FlowDns(flow, protocol, transport);
      const len = flow.ipVersion === 6 ? 16 : 4;
      const cA = flow.clientIsA;
      let h = 0x811c9dc5 ^ (transport === 'tcp' ? 6 : 17);
      h = addrHash(cA ? flow.addrA : flow.addrB, len, h);
      h = addrHash(cA ? flow.addrB : flow.addrA, len, h);
      st.hostHash = Math.imul(h ^ (cA ? flow.portB : flow.portA), 0x5bd1e995);
      this.states[flow.id] = st;
      flow.app = 'dns';
    }
    return st;
  }

  private malformed(st: FlowDns, frame: number, time: number, reason: string): void {
    st.malformed++;
    if (st.malformed > MAX_MALFORMED_PER_FLOW) return;
    const more = st.malformed === MAX_MALFORMED_PER_FLOW ? ' (further malformed messages on this flow are not listed)' : '';
    this.push('dns.malformed', 'warning', frame, time, st.flow.id, `frame ${frame}: ${reason}${more}`, []);
  }

  private push(kind: string, severity: Severity, frame: number, time: number, flow: number | null, message: string, related: number[]): PendingEvent {
    const e = { kind, severity, frame, time, flow, message, related };
    this.events.push(e);
    return e;
  }

  /** One DNS message at data[off..off+len) (`wireLen` as the headers state). */
  private message(data: Uint8Array, off: number, len: number, wireLen: number, st: FlowDns, flow: Flow, frame: number, time: number, udpLength: number, multicast: boolean): void {
    this.messages++;
    const h = this.h;
    const cut = len < wireLen ? ` (the capture kept ${len} of its ${wireLen} bytes)` : '';
    if (!readHeader(data, off, len, h)) {
      this.malformed(st, frame, time, `${len}-byte message is shorter than the 12-byte DNS header${cut}`);
      return;
    }
    const q = this.q;
    let hasQuestion = false;
    if (h.qdcount > 0) {
      const err = readQuestion(data, off, len, q, st.protocol === 'mdns');
      if (err) {
        this.malformed(st, frame, time, `DNS ${h.qr ? 'response' : 'query'} ${hex4(h.id)}: ${err}${cut}`);
        return;
      }
      hasQuestion = true;
    } else if (h.qr === 0 && h.opcode === 0) {
      this.malformed(st, frame, time, `DNS query ${hex4(h.id)} has no question`);
      return;
    }
    if (h.qr === 0) this.onQuery(st, flow, frame, time, hasQuestion, multicast);
    else {
      const walk = this.walk;
      walkRecords(data, off, len, hasQuestion ? q.end : off + 12, h, walk);
      if (walk.error) {
        this.malformed(st, frame, time, `DNS response ${hex4(h.id)}${hasQuestion ? ` to ${questionText(q.name, q.type, q.qclass)}` : ''}: ${walk.error}${cut}`);
        return;
      }
      this.onResponse(st, flow, frame, time, hasQuestion, data, off, len, udpLength);
    }
  }

  private sameQuestion(t: DnsTransaction, hasQuestion: boolean): boolean {
    const q = this.q;
    if (!hasQuestion || !t.hasQuestion) return !hasQuestion && !t.hasQuestion;
    return t.qtype === q.type && t.qclass === q.qclass && sameName(t.name, q.name);
  }

  private hostKey(st: FlowDns, id: number): number {
    return (st.hostHash ^ Math.imul(id + 1, 0x9e3779b1)) | 0;
  }

  private onQuery(st: FlowDns, flow: Flow, frame: number, time: number, hasQuestion: boolean, multicast: boolean): void {
    const h = this.h;
    const id = h.id;
    const head = st.pending.get(id);
    const quiet = st.protocol !== 'dns';
    let other: DnsTransaction | null = null;
    for (let t: DnsTransaction | null = head ?? null; t; t = t.nextSameId) {
      if (this.sameQuestion(t, hasQuestion)) {
        if (time - t.lastQueryTime <= RETRY_WINDOW_SECONDS) {
          t.queryFrames.push(frame);
          if (!quiet)
            this.push('dns.retransmission', 'warning', frame, time, flow.id,
              `query ${hex4(id)} for ${t.question} sent again (${t.queryFrames.length === 2 ? '2nd' : t.queryFrames.length === 3 ? '3rd' : `${t.queryFrames.length}th`} time) ${secs(time - t.lastQueryTime)} after the previous send (frame ${t.queryFrames[t.queryFrames.length - 2]}) without an answer`,
              [t.queryFrames[0]]);
          t.lastQueryTime = time;
          return;
        }
        // Too old to be a retry: that query stays unanswered; this one starts anew.
        this.unlink(st, t);
        break;
      }
      other = t;
    }
    const t = new DnsTransaction(flow, st.transport, st.protocol, id);
    t.index = this.transactions.length;
    t.multicast = multicast;
    if (hasQuestion) {
      t.hasQuestion = true;
      t.name = this.q.name;
      t.qtype = this.q.type;
      t.qclass = this.q.qclass;
    }
    t.queryFrames.push(frame);
    t.time = t.lastQueryTime = time;
    this.transactions.push(t);
    // Outstanding with the same ID and another question: ID reuse, two transactions.
    const pendingHead = st.pending.get(id);
    if (pendingHead) {
      let last = pendingHead;
      while (last.nextSameId) last = last.nextSameId;
      last.nextSameId = t;
    } else st.pending.set(id, t);
    if (other) {
      t.reusedIdWith = other;
      if (!quiet)
        this.push('dns.id-reuse', 'warning', frame, time, flow.id,
          `query ID ${hex4(id)} reused for ${t.question} while the query for ${other.question} (frame ${other.queryFrames[0]}) with the same ID is still unanswered on this flow`,
          [other.queryFrames[0]]);
    }
    if (quiet) return;
    // The same query from another source port to the same server: a retry on a new socket.
    const key = this.hostKey(st, id);
    const o = this.byHost.get(key);
    if (o && o.flow !== flow && o.responseFrame < 0 && o.id === id && this.sameQuestion(o, hasQuestion) &&
        time - o.lastQueryTime <= RETRY_WINDOW_SECONDS && sameHosts(o.flow, flow)) {
      t.retryOf = o;
      if (!o.retriedBy) o.retriedBy = t;
      this.push('dns.retransmission', 'warning', frame, time, flow.id,
        `query ${hex4(id)} for ${t.question} sent again from a new source port (${flow.endpoint(true)}, first sent from ${o.flow.endpoint(true)} at frame ${o.queryFrames[0]}, ${secs(time - o.lastQueryTime)} earlier, unanswered)`,
        [o.queryFrames[0]]);
    }
    this.byHost.set(key, t);
    // A TCP query retrying a truncated UDP answer.
    if (st.transport === 'tcp' && this.truncatedWaiting.size && hasQuestion) {
      const k = truncKey(flow, this.q.name, this.q.type);
      const u = this.truncatedWaiting.get(k);
      if (u && time - u.responseTime <= TCP_RETRY_WINDOW_SECONDS) {
        u.tcpRetryFrame = frame;
        this.truncatedWaiting.delete(k);
      }
    }
  }

  private unlink(st: FlowDns, t: DnsTransaction): void {
    const head = st.pending.get(t.id);
    if (!head) return;
    if (head === t) {
      if (t.nextSameId) st.pending.set(t.id, t.nextSameId);
      else st.pending.delete(t.id);
    } else {
      for (let p = head; p.nextSameId; p = p.nextSameId)
        if (p.nextSameId === t) {
          p.nextSameId = t.nextSameId;
          break;
        }
    }
    t.nextSameId = null;
  }

  private onResponse(st: FlowDns, flow: Flow, frame: number, time: number, hasQuestion: boolean, data: Uint8Array, off: number, len: number, udpLength: number): void {
    const h = this.h;
    const id = h.id;
    const quiet = st.protocol !== 'dns';
    const rcode = this.walk.extendedRcode >= 0 ? this.walk.extendedRcode : h.rcode;
    let match: DnsTransaction | null = null;
    let latest: DnsTransaction | null = null;
    for (let t = st.pending.get(id) ?? null; t; t = t.nextSameId) {
      if (!hasQuestion || this.sameQuestion(t, hasQuestion)) {
        match = t;
        break;
      }
      latest = t;
    }
    if (!match && latest) {
      // The ID is outstanding, the question is another one.
      const asked = latest;
      const got = questionText(this.q.name, this.q.type, this.q.qclass);
      (asked.mismatchFrames ??= []).push(frame);
      (asked.mismatchQuestions ??= []).push(got);
      if (asked.mismatchFrames.length === 1) {
        asked.responseTime = time;
        asked.rcode = rcode;
        this.keep(asked, data, off, len);
        asked.responseUdpLength = udpLength;
      }
      this.push('dns.question-mismatch', 'break', frame, time, flow.id,
        `response ${hex4(id)} answers ${got}, but the query with that ID (frame ${asked.queryFrames[0]}) asked for ${asked.question}: not taken as its answer`,
        [asked.queryFrames[0]]);
      return;
    }
    let t = match;
    if (t) {
      this.unlink(st, t);
      t.responseFrame = frame;
      t.responseTime = time;
      t.status = 'answered';
      if (!quiet) {
        const key = this.hostKey(st, id);
        if (this.byHost.get(key) === t) this.byHost.delete(key);
      }
    } else {
      // No query outstanding: a duplicate of an answered one, or an orphan.
      let prev: DnsTransaction | null = null;
      const rs = st.responses;
      if (rs) for (let i = rs.length - 1; i >= 0; i--) if (rs[i].id === id && rs[i].queryFrames.length) { prev = rs[i]; break; }
      const dup = prev && prev.responseFrame > 0 && (!hasQuestion || !prev.hasQuestion || this.sameQuestion(prev, true)) ? prev : null;
      if (quiet) return; // mDNS / LLMNR: unasked answers are announcements
      t = new DnsTransaction(flow, st.transport, st.protocol, id);
      t.index = this.transactions.length;
      if (hasQuestion) {
        t.hasQuestion = true;
        t.name = this.q.name;
        t.qtype = this.q.type;
        t.qclass = this.q.qclass;
      }
      t.time = time;
      t.responseFrame = frame;
      t.responseTime = time;
      t.status = 'orphan';
      this.transactions.push(t);
      if (dup) {
        t.duplicateOf = dup.responseFrame;
        this.push('dns.orphan-response', 'break', frame, time, flow.id,
          `duplicate response ${hex4(id)}${t.hasQuestion ? ` for ${t.question}` : ''}: the query (frame ${dup.queryFrames[0] ?? '?'}) was already answered at frame ${dup.responseFrame}, ${secs(time - dup.responseTime)} earlier, so the client no longer waited for it`,
          dup.queryFrames.length ? [dup.queryFrames[0], dup.responseFrame] : [dup.responseFrame]);
      } else {
        this.push('dns.orphan-response', 'break', frame, time, flow.id,
          `response ${hex4(id)}${t.hasQuestion ? ` for ${t.question}` : ''} from ${flow.endpoint(false)} to ${flow.endpoint(true)} matches no query seen on this flow`,
          []);
      }
    }
    t.rcode = rcode;
    t.truncated = h.tc === 1;
    this.keep(t, data, off, len);
    t.responseUdpLength = udpLength;
    const rs = (st.responses ??= []);
    if (rs.length >= 32) rs.shift();
    rs.push(t);
    if (t.status === 'orphan') return;
    if (t.truncated && st.transport === 'udp' && t.hasQuestion) this.truncatedWaiting.set(truncKey(flow, t.name, t.qtype), t);
  }

  /**
   * Copies a response's bytes into 1 MiB arena chunks (one ArrayBuffer per MiB, not
   * one per message: tens of thousands of small buffers weigh on the garbage collector).
   */
  private keep(t: DnsTransaction, data: Uint8Array, off: number, len: number): void {
    if (len > ARENA_CHUNK) {
      t.response = data.slice(off, off + len);
      t.responseOff = 0;
      t.responseLen = len;
      return;
    }
    if (this.arenaUsed + len > this.arena.length) {
      this.arena = new Uint8Array(ARENA_CHUNK);
      this.arenaUsed = 0;
    }
    this.arena.set(data.subarray(off, off + len), this.arenaUsed);
    t.response = this.arena;
    t.responseOff = this.arenaUsed;
    t.responseLen = len;
    this.arenaUsed += len;
  }

  /** The response message of a transaction (a view; empty when there is none). */
  responseBytes(t: DnsTransaction): Uint8Array {
    return t.response ? t.response.subarray(t.responseOff, t.responseOff + t.responseLen) : new Uint8Array(0);
  }

  // ------------------------------------------------------------------ ICMP

  private onIcmp(pkt: Packet, frame: number, time: number): void {
    const err = this.udpIndex.resolve(pkt, frame, time);
    if (!err) return;
    this.icmpErrors.push(err);
    const flow = err.flow;
    const st = flow ? this.states[flow.id] : undefined;
    if (st && st.transport === 'udp' && err.kind === 'port') {
      // Which DNS message was refused: by quoted ID and UDP length when present.
      const d = pkt.data;
      const qid = err.payloadLen >= 2 ? (d[err.payloadOff] << 8) | d[err.payloadOff + 1] : -1;
      const qr = err.payloadLen >= 3 ? d[err.payloadOff + 2] >> 7 : -1;
      if (qr !== 0) {
        const rs = st.responses ?? [];
        for (let i = rs.length - 1; i >= 0; i--) {
          const t = rs[i];
          if (t.responseFrame >= frame) continue;
          if (qid >= 0 && t.id !== qid) continue;
          if (err.udpLength >= 0 && t.responseUdpLength >= 0 && t.responseUdpLength !== err.udpLength) continue;
          if (t.icmpFrame > 0) continue;
          // The quoted datagram is a response (QR bit quoted, or it went server → client).
          if (qr === -1 && err.dir !== 1) continue;
          t.icmpFrame = frame;
          if (t.status !== 'orphan') t.status = 'client-gone';
          return;
        }
      }
      if (qr !== 1) {
        // A refused query: nothing listens on the server's port.
        for (let i = this.transactions.length - 1; i >= 0 && i >= this.transactions.length - 4096; i--) {
          const t = this.transactions[i];
          if (t.flow !== flow || (qid >= 0 && t.id !== qid) || !t.queryFrames.length || t.queryFrames[0] >= frame) continue;
          if (t.serverIcmpFrame < 0) {
            t.serverIcmpFrame = frame;
            t.serverIcmpText = err.text;
          }
          break;
        }
      }
    }
  }

  // ------------------------------------------------------------------ end

  finish(a: Analysis): void {
    for (const st of this.states) {
      if (!st?.streams) continue;
      st.streams.forEach((s, dir) => {
        const wasLost = s.lostSync;
        s.finish();
        if (s.lostSync && !wasLost)
          this.malformed(st, st.flow.lastFrame, st.flow.end, `DNS over TCP (${dir === 0 ? 'client → server' : 'server → client'}): ${s.lostReason}; the messages held after the gap were never delimited`);
      });
    }
    const end = a.end ?? this.lastTime;
    const T = this.timeout;
    for (const t of this.transactions) {
      if (t.status === 'unanswered' && t.mismatchFrames) {
        t.status = 'mismatch';
        t.responseFrame = t.mismatchFrames[0];
      }
      const quiet = t.protocol !== 'dns';
      if (!t.queryFrames.length) continue;
      const first = t.queryFrames[0];
      if (t.status === 'mismatch') continue; // dns.question-mismatch says it
      if (t.status === 'unanswered') {
        if (quiet) continue;
        const sends = t.queryFrames.length > 1 ? ` (sent ${t.queryFrames.length} times, last at frame ${t.queryFrames[t.queryFrames.length - 1]})` : '';
        const left = end - t.lastQueryTime;
        const why = left < T
          ? `the capture ended ${secs(left)} after the last send, within the ${T} s timeout`
          : `no response in the ${secs(left)} until the capture ended (timeout ${T} s)`;
        const icmp = t.serverIcmpFrame > 0 ? `; the server's host refused it: ${t.serverIcmpText} at frame ${t.serverIcmpFrame}` : '';
        const retried = t.retriedBy;
        this.push('dns.unanswered', 'break', first, t.time, t.flow.id,
          `query ${hex4(t.id)} for ${t.question} to ${t.flow.endpoint(false)} was not answered${sends}: ${why}${icmp}${retried ? `; retried from ${retried.flow.endpoint(true)} at frame ${retried.queryFrames[0]}${retried.responseFrame > 0 ? `, answered at frame ${retried.responseFrame}` : ''}` : ''}`,
          t.serverIcmpFrame > 0 ? [t.serverIcmpFrame] : []);
        continue;
      }
      // Answered, but only after the client's timeout.
      const wait = t.responseTime - t.lastQueryTime;
      if (!quiet && wait > T) {
        this.push('dns.unanswered', 'break', first, t.time, t.flow.id,
          `query ${hex4(t.id)} for ${t.question} to ${t.flow.endpoint(false)} got no response within the ${T} s timeout; the response came only ${secs(wait)} after the ${t.queryFrames.length > 1 ? 'last send' : 'query'}, at frame ${t.responseFrame}${t.icmpFrame > 0 ? ', when the client had given up' : ''}`,
          [t.responseFrame]);
      }
    }
    for (const t of this.transactions) {
      if (t.responseFrame < 0) continue;
      if (t.icmpFrame > 0) {
        this.push('dns.client-gone', 'break', t.responseFrame, t.responseTime, t.flow.id,
          t.status === 'orphan'
            ? `response ${hex4(t.id)}${t.hasQuestion ? ` for ${t.question}` : ''} (no query seen) was refused by ${t.flow.endpoint(true).replace(/:\d+$/, '')} with ICMP port unreachable (frame ${t.icmpFrame}): no socket on ${t.flow.endpoint(true)} any more`
            : `response ${hex4(t.id)} for ${t.question} came ${secs(t.responseTime - t.time)} after the query (frame ${t.queryFrames[0]}) and was refused with ICMP port unreachable (frame ${t.icmpFrame}): the client's socket ${t.flow.endpoint(true)} was already closed`,
          [t.icmpFrame]);
      }
      if (t.status === 'mismatch') continue;
      if (t.rcode > 0 && t.protocol === 'dns')
        this.push('dns.error', 'info', t.responseFrame, t.responseTime, t.flow.id,
          `${rcodeName(t.rcode)} for ${t.hasQuestion ? t.question : `query ${hex4(t.id)}`} from ${t.flow.endpoint(false)}${t.queryFrames.length ? ` (query frame ${t.queryFrames[0]})` : ''}`,
          t.queryFrames.length ? [t.queryFrames[0]] : []);
      if (t.truncated && t.transport === 'udp' && t.status !== 'orphan')
        this.push('dns.truncated', 'info', t.responseFrame, t.responseTime, t.flow.id,
          `response ${hex4(t.id)} for ${t.question} is truncated (TC bit): the answer did not fit in UDP; ${t.tcpRetryFrame > 0 ? `the client asked again over TCP at frame ${t.tcpRetryFrame}` : 'no TCP retry in the capture'}`,
          t.tcpRetryFrame > 0 ? [t.tcpRetryFrame] : []);
    }
    // ICMP errors on UDP flows other than refused DNS responses.
    const clientGone = new Set<number>();
    for (const t of this.transactions) if (t.icmpFrame > 0) clientGone.add(t.icmpFrame);
    for (const e of this.icmpErrors) {
      if (clientGone.has(e.frame)) continue;
      const dg = findQuotedDatagram(a.columns, e);
      const port = e.kind === 'port';
      this.push(port ? 'udp.port-unreachable' : 'udp.unreachable', port ? 'break' : 'warning', e.frame, e.time, e.flow ? e.flow.id : null,
        `${e.text} for the UDP datagram ${e.src} → ${e.dst}${dg ? ` (frame ${dg})` : e.flow ? '' : ' (not in the capture)'}: ${port ? `nothing listened on ${e.dst}` : 'it did not reach its destination'}`,
        dg ? [dg] : []);
    }
    for (const e of this.events) a.event(e.kind, e.severity, e.frame, e.time, e.flow, e.message, e.related);
  }

  // ------------------------------------------------------------------ JSON

  /** The JSON record of a transaction (answers decoded now, from the kept response). */
  toJson(t: DnsTransaction): DnsJson {
    const answers = t.response && t.status !== 'mismatch' ? answerTexts(t.response, t.responseOff, t.responseLen) : [];
    const j: DnsJson = {
      flow: t.flow.id,
      transport: t.transport,
      id: t.id,
      question: t.question,
      queryFrames: t.queryFrames,
      responseFrame: t.responseFrame > 0 ? t.responseFrame : null,
      rtt: t.status === 'answered' || t.status === 'client-gone' ? t.rtt : null,
      rcode: t.rcode >= 0 ? rcodeName(t.rcode) : null,
      status: t.status,
      answers,
      time: t.time,
    };
    if (t.protocol !== 'dns') j.protocol = t.protocol;
    if (t.multicast) j.multicast = true;
    if (t.truncated) j.truncated = true;
    if (t.tcpRetryFrame > 0) j.tcpRetryFrame = t.tcpRetryFrame;
    if (t.icmpFrame > 0) j.icmpFrame = t.icmpFrame;
    if (t.serverIcmpFrame > 0) j.serverIcmpFrame = t.serverIcmpFrame;
    if (t.mismatchFrames) j.mismatchFrames = t.mismatchFrames;
    if (t.retryOf) j.retryOf = t.retryOf.queryFrames[0];
    if (t.duplicateOf > 0) j.duplicateOf = t.duplicateOf;
    return j;
  }

  contribute(json: AnalysisJson, _analysis: Analysis, opts: JsonOptions): void {
    if (opts.transactions === false) return;
    for (const t of this.transactions) json.dns.push(this.toJson(t));
  }
}

function sameHosts(a: Flow, b: Flow): boolean {
  if (a.ipVersion !== b.ipVersion || a.proto !== b.proto) return false;
  const len = a.ipVersion === 6 ? 16 : 4;
  const ac = a.clientIsA ? a.addrA : a.addrB, as = a.clientIsA ? a.addrB : a.addrA;
  const bc = b.clientIsA ? b.addrA : b.addrB, bs = b.clientIsA ? b.addrB : b.addrA;
  const ap = a.clientIsA ? a.portB : a.portA, bp = b.clientIsA ? b.portB : b.portA;
  if (ap !== bp) return false;
  for (let i = 0; i < len; i++) if (ac[i] !== bc[i] || as[i] !== bs[i]) return false;
  return true;
}

function hostText(flow: Flow, client: boolean): string {
  return flow.endpoint(client).replace(/:\d+$/, '');
}

function truncKey(flow: Flow, name: string, type: number): string {
  return `${hostText(flow, true)}|${hostText(flow, false)}|${name.toLowerCase()}|${type}`;
}
