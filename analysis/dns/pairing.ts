// DNS pairing: each message (over UDP, or delimited from a TCP stream) is read — the
// header and the first question only (parsers/dns/wire) — and a query opens or extends
// a transaction of the store, a response answers one. The decisions (retransmission,
// cross-port retry, failover to another resolver, ID reuse, question mismatch, orphan
// and duplicate responses, the TCP retry of a truncated answer) are listed in
// ./tracker's header; the events they raise while the capture is read
// (dns.retransmission, dns.id-reuse, dns.question-mismatch, dns.malformed) are raised
// here, the rest at the end (./breaks) — the orphan responses too, since an ICMP error
// that comes after one makes it dns.client-gone instead.

import { DnsHeader, DnsQuestion, questionText, readHeader, readQuestion, RecordWalk, sameName, walkRecords } from '../../parsers/dns/wire';
import { sameAddress, sameVlans, type Flow } from '../flows';
import { IntTable } from './int-table';
import { hex4, hostText, secs, type DnsEmit } from './report';
import {
  F_MULTICAST, F_QUESTION, F_TRUNCATED, FF_MDNS, FF_MULTI, FF_PROTOCOL, FF_TCP, RECENT_RESPONSES, S_ANSWERED, S_MISMATCH, S_ORPHAN, S_UNANSWERED,
  type DnsStore,
} from './store';

/** How long after the previous send a re-sent query still counts as a retransmission. */
export const RETRY_WINDOW_SECONDS = 30;
/** How long after a truncated answer a TCP query for the same question is its retry. */
export const TCP_RETRY_WINDOW_SECONDS = 30;
/** Malformed-message events listed per flow (the rest are counted in the last one). */
const MAX_MALFORMED_PER_FLOW = 5;

export class DnsPairing {
  /** Decoded DNS messages (for the bench). */
  messages = 0;
  /** The latest outstanding query by client host, server host and port, and ID (cross-port retries). */
  private readonly byHost = new IntTable();
  /** The latest outstanding query by client host, server port and ID, to any server (failovers). */
  private readonly byClient = new IntTable();
  /** Truncated UDP answers waiting for the TCP retry, by client/server host and question. */
  private readonly truncatedWaiting = new Map<string, number>();
  /** Outstanding transactions of flows with several IDs outstanding, by flow id and ID. */
  private readonly pendingMulti = new IntTable();
  private readonly h = new DnsHeader();
  private readonly q = new DnsQuestion();
  private readonly walk = new RecordWalk();

  constructor(private readonly s: DnsStore, private readonly emit: DnsEmit) {}

  /** One DNS message at data[off..off+len) (`wireLen` as the headers state) of flow `fid`. */
  message(data: Uint8Array, off: number, len: number, wireLen: number, fid: number, flow: Flow, frame: number, time: number, udpLength: number, multicast: boolean): void {
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
      const err = readQuestion(data, off, len, q, (this.s.fFlags[fid] & FF_PROTOCOL) === FF_MDNS);
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

  /** dns.malformed, the first MAX_MALFORMED_PER_FLOW times on a flow. */
  malformed(fid: number, frame: number, time: number, reason: string): void {
    const m = ++this.s.fMalformed[fid];
    if (m > MAX_MALFORMED_PER_FLOW) return;
    const more = m === MAX_MALFORMED_PER_FLOW ? ' (further malformed messages on this flow are not listed)' : '';
    this.emit('dns.malformed', frame, time, fid, `frame ${frame}: ${reason}${more}`, []);
  }

  /** At the end: a query answered only by responses to another question ends as `mismatch`. */
  settle(): void {
    const s = this.s;
    for (const [t, mf] of s.mismatchFrames) {
      if (s.tStatus[t] !== S_UNANSWERED) continue;
      s.tStatus[t] = S_MISMATCH;
      s.tResponseFrame[t] = mf[0];
    }
  }

  private sameQuestion(t: number, hasQuestion: boolean): boolean {
    const q = this.q, s = this.s;
    const tHas = (s.tFlags[t] & F_QUESTION) !== 0;
    if (!hasQuestion || !tHas) return !hasQuestion && !tHas;
    return s.tQtype[t] === q.type && s.tQclass[t] === q.qclass && sameName(s.tName[t], q.name);
  }

  private hostKey(fid: number, id: number): number {
    return (this.s.fHostHash[fid] ^ Math.imul(id + 1, 0x9e3779b1)) | 0;
  }

  private clientKey(fid: number, id: number): number {
    return (this.s.fClientHash[fid] ^ Math.imul(id + 1, 0x9e3779b1)) | 0;
  }

  // Outstanding transactions by flow and ID: the flow's one ID in fPending, or the shared map.

  private pendGet(fid: number, id: number): number {
    const s = this.s;
    if (s.fFlags[fid] & FF_MULTI) return this.pendingMulti.get(fid, id);
    const one = s.fPending[fid] - 1;
    return one >= 0 && s.tId[one] === id ? one : -1;
  }

  private pendSet(fid: number, id: number, t: number): void {
    const s = this.s;
    if (s.fFlags[fid] & FF_MULTI) {
      this.pendingMulti.set(fid, id, t);
      return;
    }
    const one = s.fPending[fid] - 1;
    if (one < 0 || s.tId[one] === id) s.fPending[fid] = t + 1;
    else {
      s.fFlags[fid] |= FF_MULTI;
      s.fPending[fid] = 0;
      this.pendingMulti.set(fid, s.tId[one], one);
      this.pendingMulti.set(fid, id, t);
    }
  }

  private pendDelete(fid: number, id: number): void {
    const s = this.s;
    if (s.fFlags[fid] & FF_MULTI) this.pendingMulti.delete(fid, id);
    else {
      const one = s.fPending[fid] - 1;
      if (one >= 0 && s.tId[one] === id) s.fPending[fid] = 0;
    }
  }

  private unlink(fid: number, t: number): void {
    const s = this.s;
    const id = s.tId[t];
    const head = this.pendGet(fid, id);
    if (head < 0) return;
    const next = s.tNextSameId;
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

  private onQuery(fid: number, flow: Flow, frame: number, time: number, hasQuestion: boolean, multicast: boolean): void {
    const s = this.s;
    const id = this.h.id;
    const quiet = s.quiet(fid);
    let other = -1;
    for (let t = this.pendGet(fid, id); t >= 0; t = s.tNextSameId[t]) {
      if (this.sameQuestion(t, hasQuestion)) {
        const last = s.tLastQueryTime[t];
        if (time - last <= RETRY_WINDOW_SECONDS) {
          const n = ++s.tQn[t];
          const prev = s.tQlast[t];
          if (n === 2) s.moreQueryFrames.set(t, [s.tQf0[t], frame]);
          else s.moreQueryFrames.get(t)!.push(frame);
          s.tQlast[t] = frame;
          if (!quiet)
            this.emit('dns.retransmission', frame, time, fid,
              `query ${hex4(id)} for ${s.questionOf(t)} sent again (${n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`} time) ${secs(time - last)} after the previous send (frame ${prev}) without an answer`,
              [s.tQf0[t]]);
          s.tLastQueryTime[t] = time;
          return;
        }
        // Too old to be a retry: that query stays unanswered; this one starts anew.
        this.unlink(fid, t);
        break;
      }
      other = t;
    }
    const t = s.newTx(fid, id);
    if (multicast) s.tFlags[t] |= F_MULTICAST;
    if (hasQuestion) s.setQuestion(t, this.q);
    s.tQf0[t] = s.tQlast[t] = frame;
    s.tQn[t] = 1;
    s.tTime[t] = s.tLastQueryTime[t] = time;
    // Outstanding with the same ID and another question: ID reuse, two transactions.
    const pendingHead = this.pendGet(fid, id);
    if (pendingHead >= 0) {
      let last = pendingHead;
      while (s.tNextSameId[last] >= 0) last = s.tNextSameId[last];
      s.tNextSameId[last] = t;
    } else this.pendSet(fid, id, t);
    if (other >= 0) {
      s.tReusedIdWith[t] = other;
      if (!quiet)
        this.emit('dns.id-reuse', frame, time, fid,
          `query ID ${hex4(id)} reused for ${s.questionOf(t)} while the query for ${s.questionOf(other)} (frame ${s.tQf0[other]}) with the same ID is still unanswered on this flow`,
          [s.tQf0[other]]);
    }
    if (quiet) return;
    // The same query from another source port to the same server: a retry on a new socket.
    const key = this.hostKey(fid, id);
    const o = this.byHost.swap(key, 0, t); // t is the latest query of this key from now on
    if (o >= 0 && s.tFlow[o] !== fid && s.tResponseFrame[o] < 0 && s.tId[o] === id && this.sameQuestion(o, hasQuestion) &&
        time - s.tLastQueryTime[o] <= RETRY_WINDOW_SECONDS && sameHosts(s.flowOf(o), flow)) {
      s.tRetryOf[t] = o;
      if (s.tRetriedBy[o] < 0) s.tRetriedBy[o] = t;
      this.emit('dns.retransmission', frame, time, fid,
        `query ${hex4(id)} for ${s.questionOf(t)} sent again from a new source port (${flow.endpoint(true)}, first sent from ${s.flowOf(o).endpoint(true)} at frame ${s.tQf0[o]}, ${secs(time - s.tLastQueryTime[o])} earlier, unanswered)`,
        [s.tQf0[o]]);
    }
    // The same query from the same client host, from a new port, to another server: a
    // failover to the next resolver (dns.failover at the end, when its answer is known).
    const ckey = this.clientKey(fid, id);
    const f = this.byClient.swap(ckey, 0, t);
    if (f >= 0 && s.tRetryOf[t] < 0 && s.tFlow[f] !== fid && s.tResponseFrame[f] < 0 && s.tId[f] === id && this.sameQuestion(f, hasQuestion) &&
        time - s.tLastQueryTime[f] <= RETRY_WINDOW_SECONDS && otherServer(s.flowOf(f), flow)) {
      s.tFailoverOf[t] = f;
      if (s.tFailedOverTo[f] < 0) s.tFailedOverTo[f] = t;
    }
    // A TCP query retrying a truncated UDP answer.
    if (s.fFlags[fid] & FF_TCP && this.truncatedWaiting.size && hasQuestion) {
      const k = truncKey(flow, this.q.name, this.q.type);
      const u = this.truncatedWaiting.get(k);
      if (u !== undefined && time - s.tResponseTime[u] <= TCP_RETRY_WINDOW_SECONDS) {
        s.tTcpRetryFrame[u] = frame;
        this.truncatedWaiting.delete(k);
      }
    }
  }

  private onResponse(fid: number, flow: Flow, frame: number, time: number, hasQuestion: boolean, data: Uint8Array, off: number, len: number, udpLength: number): void {
    const s = this.s;
    const h = this.h;
    const id = h.id;
    const quiet = s.quiet(fid);
    const rcode = this.walk.extendedRcode >= 0 ? this.walk.extendedRcode : h.rcode;
    let match = -1;
    let latest = -1;
    for (let t = this.pendGet(fid, id); t >= 0; t = s.tNextSameId[t]) {
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
      let mf = s.mismatchFrames.get(asked);
      if (!mf) {
        s.mismatchFrames.set(asked, mf = []);
        s.mismatchQuestions.set(asked, []);
      }
      mf.push(frame);
      s.mismatchQuestions.get(asked)!.push(got);
      if (mf.length === 1) {
        s.tResponseTime[asked] = time;
        s.tRcode[asked] = rcode;
        s.keep(asked, data, off, len);
        s.tRespUdpLength[asked] = udpLength;
      }
      this.emit('dns.question-mismatch', frame, time, fid,
        `response ${hex4(id)} answers ${got}, but the query with that ID (frame ${s.tQf0[asked]}) asked for ${s.questionOf(asked)}: not taken as its answer`,
        [s.tQf0[asked]]);
      return;
    }
    let t = match;
    if (t >= 0) {
      this.unlink(fid, t);
      s.tResponseFrame[t] = frame;
      s.tResponseTime[t] = time;
      s.tStatus[t] = S_ANSWERED;
      if (!quiet) {
        this.byHost.deleteIf(this.hostKey(fid, id), 0, t);
        this.byClient.deleteIf(this.clientKey(fid, id), 0, t);
      }
    } else {
      // No query outstanding: a duplicate of an answered one, or an orphan.
      let prev = -1;
      let r = s.fLastResp[fid] - 1;
      for (let k = 0; r >= 0 && k < RECENT_RESPONSES; k++, r = s.tPrevResp[r])
        if (s.tId[r] === id && s.tQn[r] > 0) { prev = r; break; }
      const dup = prev >= 0 && s.tResponseFrame[prev] > 0 && (!hasQuestion || !(s.tFlags[prev] & F_QUESTION) || this.sameQuestion(prev, true)) ? prev : -1;
      if (quiet) return; // mDNS / LLMNR: unasked answers are announcements
      // An orphan (dns.orphan-response, or dns.client-gone when ICMP refuses it: ./breaks).
      t = s.newTx(fid, id);
      if (hasQuestion) s.setQuestion(t, this.q);
      s.tTime[t] = time;
      s.tResponseFrame[t] = frame;
      s.tResponseTime[t] = time;
      s.tStatus[t] = S_ORPHAN;
      s.tDuplicateOf[t] = dup;
    }
    s.tRcode[t] = rcode;
    if (h.tc === 1) s.tFlags[t] |= F_TRUNCATED;
    else s.tFlags[t] &= ~F_TRUNCATED;
    s.keep(t, data, off, len);
    s.tRespUdpLength[t] = udpLength;
    s.tPrevResp[t] = s.fLastResp[fid] - 1;
    s.fLastResp[fid] = t + 1;
    if (s.tStatus[t] === S_ORPHAN) return;
    if (h.tc === 1 && !(s.fFlags[fid] & FF_TCP) && s.tFlags[t] & F_QUESTION) this.truncatedWaiting.set(truncKey(flow, s.tName[t], s.tQtype[t]), t);
  }
}

/** Same client host, server host and server port (a retry from a new client port), on the same VLANs. */
function sameHosts(a: Flow, b: Flow): boolean {
  if (a.ipVersion !== b.ipVersion || a.proto !== b.proto || !sameVlans(a, b)) return false;
  const ap = a.clientIsA ? a.portB : a.portA, bp = b.clientIsA ? b.portB : b.portA;
  return ap === bp && sameAddress(a, true, b, true) && sameAddress(a, false, b, false);
}

/**
 * Same client host and server port (on the same VLANs), another server host and a new
 * client port: the next resolver asked, from a new socket, as glibc's stub resolver
 * does. (One socket asking several servers at once, as musl does, is not a failover:
 * nothing had failed.)
 */
function otherServer(a: Flow, b: Flow): boolean {
  if (a.ipVersion !== b.ipVersion || a.proto !== b.proto || !sameVlans(a, b)) return false;
  const ap = a.clientIsA ? a.portB : a.portA, bp = b.clientIsA ? b.portB : b.portA;
  const ac = a.clientIsA ? a.portA : a.portB, bc = b.clientIsA ? b.portA : b.portB;
  return ap === bp && ac !== bc && sameAddress(a, true, b, true) && !sameAddress(a, false, b, false);
}

function truncKey(flow: Flow, name: string, type: number): string {
  return `${hostText(flow, true)}|${hostText(flow, false)}|${name.toLowerCase()}|${type}`;
}
