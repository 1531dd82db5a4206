// The DNS tracker: DNS, mDNS and LLMNR over UDP, DNS over TCP, paired into
// transactions, and the ICMP errors that refused them. This file is the coordinator:
// it picks the DNS packets, delimits DNS over TCP (parsers/dns/tcp-stream) and hands
// each message on. The work is split by concern:
//   ./store     the transactions and per-flow DNS state, as typed-array columns
//   ./pairing   queries and responses into transactions (events raised while reading)
//   ./icmp      ICMP port unreachable on a DNS flow: refused responses and queries
//   ./breaks    the events decided at the end of the capture
//   ./json      a transaction as the JSON's dns[] record
//
// A transaction is keyed by transport, flow (5-tuple), query ID AND question: unlike
// Wireshark, which pairs on the ID alone and so pairs a spoofed or confused answer,
// a response whose question differs is a question mismatch, not the answer. Per
// message only the header and the first question are read (parsers/dns/wire); the
// answer section is validated by a walk that reads no names, and turned into text
// only for the JSON (./json) — see parsers/dns/wire for why not `dns-packet`.
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
// - The same ID and question from the same client host, from a new source port, to
//   ANOTHER server (same server port) while the first is unanswered — glibc's stub
//   resolver moving to the next nameserver after a timeout or an ICMP error — is a
//   failover: linked both ways (failoverOf / failedOverTo), and dns.failover (info) on
//   the retry when it was answered (the lookup survived). The first stays
//   dns.unanswered, its message saying where the lookup went: that resolver did fail
//   it. One socket asking several servers at once (musl) is no failover.
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
//   quoted) — an orphan or duplicate response too, as that one break (not also
//   dns.orphan-response: one break per frame and cause, the ICMP saying why nobody
//   waited for it). The UDP tracker (../udp/tracker) resolves the ICMP error and asks this
//   tracker to explain it (UdpIcmpExplainer); every other ICMP error on a UDP flow —
//   a refused query included — is its udp.port-unreachable / udp.unreachable.

import { IpProto, TcpFlag, type Packet } from '../../parsers/decode/index';
import { DnsTcpStream } from '../../parsers/dns/tcp-stream';
import type { Analysis, Tracker } from '../analysis';
import type { Flow } from '../flows';
import type { DnsJson } from '../model';
import type { UdpIcmpError } from '../udp/icmp';
import type { UdpIcmpExplainer } from '../udp/tracker';
import { raiseBreaks } from './breaks';
import { explainIcmpError } from './icmp';
import { transactionJson } from './json';
import './kinds';
import { DnsPairing } from './pairing';
import type { DnsEmit } from './report';
import { DnsStore, DnsTransaction, FF_TRACKED } from './store';

export const PORT_DNS = 53;
export const PORT_MDNS = 5353;
export const PORT_LLMNR = 5355;

// module constants (read once, not a property load per packet)
const UDP = IpProto.UDP, TCP = IpProto.TCP, SYN = TcpFlag.SYN;

export interface DnsTrackerOptions {
  /** Seconds after which a query without response is unanswered (default 5). */
  dnsTimeoutSeconds?: number;
}

function isMulticast(pkt: Packet): boolean {
  const d = pkt.bytes, o = pkt.bytesOff + pkt.ipDstOff;
  return pkt.ipVersion === 4 ? (d[o] & 0xf0) === 0xe0 : d[o] === 0xff;
}

export class DnsTracker implements Tracker, UdpIcmpExplainer {
  /** DNS runs over UDP and TCP; the ICMP errors come resolved from the UDP tracker. */
  readonly ipProtocols: readonly number[] = [UDP, TCP];
  readonly timeout: number;
  /** The analysis events go to (set by onStart). */
  private analysis!: Analysis;
  private readonly emit: DnsEmit = (kind, frame, time, flow, message, related) => {
    this.analysis.emit('dns', kind, frame, time, flow, message, related);
  };
  private readonly store = new DnsStore();
  private readonly pairing = new DnsPairing(this.store, this.emit);
  /** DNS over TCP: one stream per direction, by flow id. */
  private readonly streams = new Map<number, [DnsTcpStream, DnsTcpStream]>();
  /** Current packet while a TCP stream hands messages over. */
  private curFlow: Flow | null = null;
  private curFrame = 0;
  private curTime = 0;

  constructor(opts: DnsTrackerOptions = {}) {
    this.timeout = opts.dnsTimeoutSeconds ?? 5;
  }

  onStart(analysis: Analysis): void {
    this.analysis = analysis;
  }

  // ------------------------------------------------------------------ reading

  /** Number of transactions. */
  get count(): number {
    return this.store.n;
  }

  /** Each DNS flow's transactions by status, in transaction order (for the flows table, without the JSON). */
  statusesByFlow(): Map<number, string[]> {
    const out = new Map<number, string[]>();
    const s = this.store;
    for (let t = 0; t < s.n; t++) {
      const f = s.tFlow[t];
      let l = out.get(f);
      if (!l) out.set(f, (l = []));
      l.push(s.statusOf(t));
    }
    return out;
  }

  /** Decoded DNS messages (for the bench). */
  get messages(): number {
    return this.pairing.messages;
  }

  /** Views of every transaction in capture order (built on each call; for tests and tools). */
  get transactions(): DnsTransaction[] {
    const out: DnsTransaction[] = [];
    for (let i = 0; i < this.store.n; i++) out.push(new DnsTransaction(this.store, i));
    return out;
  }

  /** Whether a transaction's response bytes are kept (responseBytes). */
  hasResponse(tx: DnsTransaction | number): boolean {
    return this.store.hasResponse(typeof tx === 'number' ? tx : tx.index);
  }

  /** The response message of a transaction (a view; empty when there is none). */
  responseBytes(tx: DnsTransaction | number): Uint8Array {
    return this.store.responseBytes(typeof tx === 'number' ? tx : tx.index);
  }

  /** The JSON record of a transaction (answers decoded now, from the kept response). */
  toJson(tx: DnsTransaction | number): DnsJson {
    return transactionJson(this.store, typeof tx === 'number' ? tx : tx.index);
  }

  /**
   * The transactions as the incidents read them (../incidents), in capture order: per
   * transaction its flow id, first query frame (-1: none, an orphan) and time, last
   * query time, response frame (-1: none) and time, rcode (-1: no response). The
   * store's own columns, valid for `n` entries: read them, do not change them.
   */
  transactionColumns(): {
    n: number; flow: Int32Array; queryFrame: Int32Array; queryTime: Float64Array; lastQueryTime: Float64Array;
    responseFrame: Int32Array; responseTime: Float64Array; rcode: Int16Array;
  } {
    const s = this.store;
    return {
      n: s.n, flow: s.tFlow, queryFrame: s.tQf0, queryTime: s.tTime, lastQueryTime: s.tLastQueryTime,
      responseFrame: s.tResponseFrame, responseTime: s.tResponseTime, rcode: s.tRcode,
    };
  }

  // ------------------------------------------------------------------ packets

  onPacket(pkt: Packet, flow: Flow, dir: number, frame: number, time: number): void {
    const proto = pkt.ipProto;
    if (proto === UDP) {
      const sp = pkt.srcPort, dp = pkt.dstPort;
      let protocol: number;
      if (sp === PORT_DNS || dp === PORT_DNS) protocol = 0;
      else if (sp === PORT_MDNS || dp === PORT_MDNS) protocol = 1;
      else if (sp === PORT_LLMNR || dp === PORT_LLMNR) protocol = 2;
      else return;
      // A fragment that does not complete its datagram carries no whole message.
      if (pkt.isFragment && !pkt.reassembled) return;
      const fid = this.store.track(flow, protocol, false);
      // The message where it lies (pkt.bytes at bytesOff + the packet's offsets): no
      // pkt.data view made, an object per DNS packet spared.
      this.pairing.message(pkt.bytes, pkt.bytesOff + pkt.payloadOff, pkt.payloadLen, pkt.payloadWireLen, fid, flow, frame, time, pkt.udpLength, protocol === 0 ? false : isMulticast(pkt));
      return;
    }
    if (proto === TCP) {
      if (pkt.srcPort !== PORT_DNS && pkt.dstPort !== PORT_DNS) return;
      const syn = (pkt.tcpFlags & SYN) !== 0;
      if (pkt.payloadLen === 0 && !syn && !(this.store.flags(flow.id) & FF_TRACKED)) return;
      const fid = this.store.track(flow, 0, true);
      let ss = this.streams.get(fid);
      if (!ss) this.streams.set(fid, ss = [new DnsTcpStream(), new DnsTcpStream()]);
      const s = ss[dir];
      const wasLost = s.lostSync;
      this.curFlow = flow;
      this.curFrame = frame;
      this.curTime = time;
      s.segment(pkt.tcpSeq, syn, pkt.bytes, pkt.bytesOff + pkt.payloadOff, pkt.payloadLen, pkt.payloadWireLen, this.onStreamMessage);
      this.curFlow = null;
      if (s.lostSync && !wasLost) this.pairing.malformed(fid, frame, time, `DNS over TCP (${dir === 0 ? 'client → server' : 'server → client'}): ${s.lostReason}; the messages after it cannot be delimited`);
    }
  }

  private readonly onStreamMessage = (data: Uint8Array, off: number, len: number): void => {
    const flow = this.curFlow!;
    this.pairing.message(data, off, len, len, flow.id, flow, this.curFrame, this.curTime, -1, false);
  };

  /** An ICMP error on a UDP flow, from the UDP tracker (see ./icmp). */
  explainIcmpError(err: UdpIcmpError, data: Uint8Array): boolean {
    return explainIcmpError(this.store, err, data);
  }

  // ------------------------------------------------------------------ end

  finish(a: Analysis): void {
    for (const fid of [...this.streams.keys()].sort((x, y) => x - y)) {
      const flow = this.store.fFlow[fid]!;
      this.streams.get(fid)!.forEach((s, dir) => {
        const wasLost = s.lostSync;
        s.finish();
        if (s.lostSync && !wasLost)
          this.pairing.malformed(fid, flow.lastFrame, flow.end, `DNS over TCP (${dir === 0 ? 'client → server' : 'server → client'}): ${s.lostReason}; the messages held after the gap were never delimited`);
      });
    }
    this.pairing.settle();
    raiseBreaks(this.store, this.emit, a.end ?? 0, this.timeout);
  }

  *dnsRows(): Generator<DnsJson> {
    for (let t = 0; t < this.store.n; t++) yield transactionJson(this.store, t);
  }
}
