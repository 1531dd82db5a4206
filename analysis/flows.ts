// Bidirectional flow table keyed by transport, both endpoints and the VLAN stack.
//
// The key is symmetric: a packet and its reply land on the same Flow. The table is an
// open-addressing hash over flow indices with the endpoints stored in the Flow, so a
// lookup allocates nothing (no key strings on the hot path).
//
// The 802.1Q / 802.1ad VLAN IDs are part of the key, as in Zeek's `vlan_fivetuple`
// connection key (policy/frameworks/conn_key/vlan_fivetuple.zeek; its IPVlanConnKey in
// src/packet_analysis/protocol/ip/conn_key/vlan_fivetuple/Factory.cc keys the five-tuple
// plus `vlan` and `inner_vlan`, 0 meaning absent): a mirror port that carries several
// VLANs reusing one address plan shows the same 5-tuple as different connections, and
// merging them fabricates retransmissions and port reuse. Unlike Zeek, every decoded
// tag counts, not only the outer two. A tag with VID 0 is a priority tag (IEEE 802.1Q:
// the null VID carries only the priority), not a VLAN, and is left out, as Zeek's 0
// does. `mergeVlans` keys by the 5-tuple alone, as Zeek's default key and Wireshark's
// TCP conversations do. The client is the SYN
// sender where seen, the receiver of a SYN-ACK when the capture starts there, the
// sender of a query to a well-known port, else the endpoint with the ephemeral port,
// else the first sender.

import { CaptureStop } from '../parsers/capture/index';
import { formatIp, type Packet, IpProto, TcpFlag } from '../parsers/decode/index';

const TCP = IpProto.TCP, UDP = IpProto.UDP, ICMP = IpProto.ICMP, ICMPV6 = IpProto.ICMPV6;
const SYN = TcpFlag.SYN, ACK = TcpFlag.ACK;
/**
 * How many flows the table holds by default (AnalyzeOptions.maxFlows). A flow costs
 * ~0.35 KB in the analysis, ~2.8 KB when it is TCP, and `--json` peaks at ~7 KB per
 * one-packet TCP flow (README, "Speed and memory"): half a million keeps a capture of
 * nothing but new flows (a SYN scan) inside Node's default 4 GiB heap, --json too.
 */
export const DEFAULT_MAX_FLOWS = 500_000;

export type ClientBy = 'syn' | 'syn-ack' | 'port' | 'payload' | 'first';

export class Flow {
  /** 1-based, in order of first packet. */
  id = 0;
  proto = 0;
  ipVersion: 4 | 6 = 4;
  /**
   * Endpoint A = source of the first packet seen; B = its destination: the addresses
   * as big-endian 32-bit words (IPv4 uses word 0). Small integers live inside the
   * object, so a flow costs the garbage collector one object, not five (two
   * Uint8Arrays with their buffers); `addrA`/`addrB` give the bytes when needed.
   */
  a0 = 0; a1 = 0; a2 = 0; a3 = 0;
  b0 = 0; b1 = 0; b2 = 0; b3 = 0;
  /**
   * The VLAN stack in the key: 0 when untagged (or VLANs are merged); else the number
   * of tags << 24 | outer ID << 12 | the second ID (0 when one tag), exact up to two
   * tags — deeper stacks are also compared by `vlan`. A small integer, like the words.
   */
  vlanKey = 0;
  /** The VLAN IDs of the key, outer first; null when untagged or merged. */
  vlan: number[] | null = null;
  /** Ports as shown (for ICMP, Zeek's convention: the first packet's type and code). */
  portA = 0;
  portB = 0;
  /** Ports as keyed in the table (for ICMP: the echo identifier or 0, on both sides). */
  keyPortA = 0;
  keyPortB = 0;
  /** True when A is the client. */
  clientIsA = true;
  clientBy: ClientBy = 'first';
  app: 'dns' | 'quic' | null = null;
  firstFrame = 0;
  lastFrame = 0;
  start = 0;
  end = 0;
  clientPackets = 0;
  serverPackets = 0;
  clientBytes = 0;
  serverBytes = 0;
  /** Tracker state attached by the analysis (TCP, DNS, QUIC). */
  tracker: unknown = null;
  /**
   * TCP: each endpoint's base sequence number as Wireshark sets it (the SYN's ISN, or
   * seq − 1 of its first segment when its SYN was not seen), for the reused-port split.
   * Kept as int32 (`| 0`; `>>> 0` gives the unsigned number): a small integer inside the
   * object, where an unsigned value past 2^31 is a boxed double (a heap object per flow).
   */
  tcpBaseA = 0;
  tcpBaseB = 0;
  tcpBaseSetA = false;
  tcpBaseSetB = false;
  /** The earlier flow on the same 4-tuple that this one replaced (a reused port), if any. */
  previous: Flow | null = null;
  /**
   * TCP, a flow that replaced `previous`: nothing but its SYN (and SYN retransmissions)
   * seen yet, so a segment with the earlier connection's numbers still goes there.
   */
  synOnly = false;

  get transport(): 'tcp' | 'udp' | 'icmp' {
    return this.proto === TCP ? 'tcp' : this.proto === UDP ? 'udp' : 'icmp';
  }

  /** Endpoint A's address bytes (4 or 16; a new array on each call). */
  get addrA(): Uint8Array {
    return wordsToBytes(this.ipVersion, this.a0, this.a1, this.a2, this.a3);
  }

  get addrB(): Uint8Array {
    return wordsToBytes(this.ipVersion, this.b0, this.b1, this.b2, this.b3);
  }

  endpoint(client: boolean): string {
    const a = client === this.clientIsA;
    const addr = a ? this.addrA : this.addrB;  // formatting only: the copy does not matter
    const port = a ? this.portA : this.portB;
    const ip = formatIp(addr, 0, this.ipVersion);
    return this.ipVersion === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
  }
}

const WELL_KNOWN_UDP = new Set([53, 67, 68, 69, 123, 137, 138, 161, 162, 443, 500, 514, 1900, 4500, 5353, 5355, 853, 784, 8443]);

/** Is `p` more likely the service port than `q`? (lower well-known port vs ephemeral) */
function servicePortOrder(p: number, q: number): number {
  const pk = p < 1024, qk = q < 1024;
  if (pk !== qk) return pk ? 1 : -1;
  const pe = p >= 32768, qe = q >= 32768;
  if (pe !== qe) return pe ? -1 : 1;
  return 0;
}

export class FlowTable {
  readonly flows: Flow[] = [];
  /** Key flows by the 5-tuple alone, ignoring VLAN tags (Zeek's default conn key); set before the first lookup. */
  mergeVlans = false;
  /**
   * The open-addressing table: per slot the flow id (0 = empty) and the key's hash, side
   * by side. A probe compares the hash before it touches a Flow (a cache miss each, in a
   * table of tens of thousands), and rehashing reads only this array.
   */
  private slots = new Int32Array(2 << 12);
  /** Slots - 1. */
  private mask = (1 << 12) - 1;
  /** Packets that matched an existing flow from endpoint A (true) or B (false) — set by lookup. */
  fromA = true;
  /**
   * The bound: the packet that would start flow maxFlows + 1 stops reading there
   * (CaptureStop: an error of the capture, with everything before it kept).
   */
  maxFlows = DEFAULT_MAX_FLOWS;

  get size(): number {
    return this.flows.length;
  }

  /**
   * The VLAN IDs a packet is keyed by, outer first (as Flow.vlan); null when untagged
   * or merged. Allocates: for rare paths (an ICMP error's flow), not for every packet.
   */
  vlanOf(pkt: Packet): number[] | null {
    const ids = pkt.vlanCount === 0 || this.mergeVlans ? null : vlanStack(pkt);
    return ids && ids.length > 0 ? ids : null;
  }

  /**
   * Find or create the flow of a decoded IP packet with a transport header (TCP, UDP,
   * ICMP/ICMPv6). Returns the flow and sets `this.fromA`. Returns null for packets that
   * carry no transport endpoints. Throws CaptureStop when a new flow would exceed maxFlows.
   */
  lookup(pkt: Packet, frame: number, time: number): Flow | null {
    const proto = pkt.ipProto;
    let sp: number, dp: number;
    if (proto === TCP || proto === UDP) {
      if (pkt.srcPort < 0) return null;
      sp = pkt.srcPort;
      dp = pkt.dstPort;
    } else if (proto === ICMP || proto === ICMPV6) {
      if (pkt.icmpType < 0) return null;
      // Echo request/reply pair on the identifier; everything else between two hosts
      // is one ICMP flow per address pair.
      sp = dp = icmpEchoId(pkt);
    } else return null;

    // (from the buffer the packet lies in: no pkt.data view made for this)
    const d = pkt.bytes;
    const v6 = pkt.ipVersion === 6;
    const so = pkt.bytesOff + pkt.ipSrcOff, doff = pkt.bytesOff + pkt.ipDstOff;
    // The addresses as words, compared with each flow's words on the probe path.
    const s0 = word(d, so), d0 = word(d, doff);
    let s1 = 0, s2 = 0, s3 = 0, d1 = 0, d2 = 0, d3 = 0;
    if (v6) {
      s1 = word(d, so + 4); s2 = word(d, so + 8); s3 = word(d, so + 12);
      d1 = word(d, doff + 4); d2 = word(d, doff + 8); d3 = word(d, doff + 12);
    }
    const vk = pkt.vlanCount === 0 || this.mergeVlans ? 0 : vlanKeyOf(pkt);
    const h = (endpointHash(s0, s1, s2, s3, sp) + endpointHash(d0, d1, d2, d3, dp) + proto * 0x9e3779b1 + Math.imul(vk, VLAN_MIX)) | 0;
    const mask = this.mask;
    let i = (h ^ (h >>> 15)) & mask;
    const slots = this.slots;
    for (;;) {
      const s = slots[2 * i];
      if (s === 0) break;
      if (slots[2 * i + 1] !== h) {
        i = (i + 1) & mask;
        continue;
      }
      const f = this.flows[s - 1];
      if (f.proto === proto && f.ipVersion === pkt.ipVersion && f.vlanKey === vk && (vk < DEEP_STACK || sameStack(f.vlan!, pkt))) {
        if (f.keyPortA === sp && f.keyPortB === dp && f.a0 === s0 && f.b0 === d0 && f.a1 === s1 && f.b1 === d1 &&
          f.a2 === s2 && f.b2 === d2 && f.a3 === s3 && f.b3 === d3) {
          if (f.synOnly && this.ofPrevious(f, pkt, true)) return this.toPrevious(f.previous!, s0, s1, s2, s3, sp);
          if (this.shouldSplit(f, pkt, true)) return this.replace(i, pkt, frame, time, sp, dp, vk);
          this.fromA = true;
          return f;
        }
        if (f.keyPortA === dp && f.keyPortB === sp && f.a0 === d0 && f.b0 === s0 && f.a1 === d1 && f.b1 === s1 &&
          f.a2 === d2 && f.b2 === s2 && f.a3 === d3 && f.b3 === s3) {
          if (f.synOnly && this.ofPrevious(f, pkt, false)) return this.toPrevious(f.previous!, s0, s1, s2, s3, sp);
          if (this.shouldSplit(f, pkt, false)) return this.replace(i, pkt, frame, time, sp, dp, vk);
          this.fromA = false;
          return f;
        }
      }
      i = (i + 1) & mask;
    }
    const f = this.create(pkt, frame, time, sp, dp, vk);
    slots[2 * i] = f.id;
    slots[2 * i + 1] = h;
    if (this.flows.length * 2 > mask) this.rehash();
    return f;
  }

  /**
   * A new connection on a 4-tuple that already has one: as Wireshark splits
   * conversations (packet-tcp.c, dissect_tcp), a pure SYN whose sequence number differs
   * from its sender's base sequence number starts a new flow — whether or not the
   * earlier connection closed (the TCP tracker then says which it was). A SYN with the
   * same ISN is a retransmission and stays. Also keeps each endpoint's base sequence
   * number (first segment: SYN → its ISN, else seq − 1) for that test.
   */
  private shouldSplit(f: Flow, pkt: Packet, fromA: boolean): boolean {
    if (f.proto !== TCP) return false;
    const seq = pkt.tcpSeq | 0;
    const pure = (pkt.tcpFlags & (SYN | ACK)) === SYN;
    if (fromA) {
      if (f.tcpBaseSetA) return pure && seq !== f.tcpBaseA;
      f.tcpBaseSetA = true;
      f.tcpBaseA = pkt.tcpFlags & SYN ? seq : (seq - 1) | 0;
    } else {
      if (f.tcpBaseSetB) return pure && seq !== f.tcpBaseB;
      f.tcpBaseSetB = true;
      f.tcpBaseB = pkt.tcpFlags & SYN ? seq : (seq - 1) | 0;
    }
    return false;
  }

  private replace(slot: number, pkt: Packet, frame: number, time: number, sp: number, dp: number, vk: number): Flow {
    const previous = this.flows[this.slots[2 * slot] - 1];
    const f = this.create(pkt, frame, time, sp, dp, vk);
    f.previous = previous;
    f.synOnly = true;
    this.slots[2 * slot] = f.id; // the same tuple: the same hash
    return f;
  }

  /**
   * A new SYN replaced `f.previous` and nothing else of the new connection was seen yet:
   * does this segment still belong to the earlier connection? Until the server answers
   * the SYN, a segment of the new connection is a SYN again, the client's segment at
   * ISN + 1, or the server's answer acknowledging ISN + 1 (SYN-ACK, RST-ACK); anything
   * else carries the earlier connection's numbers — the challenge ACK a server that still
   * holds it sends for the SYN (RFC 5961 4.2), the client's RST answering that ACK. The
   * first segment of the new connection ends the test (clears synOnly).
   */
  private ofPrevious(f: Flow, pkt: Packet, fromA: boolean): boolean {
    const flags = pkt.tcpFlags;
    if (flags & SYN) return false;
    const next = (f.tcpBaseA + 1) >>> 0; // A sent the SYN (tcpBaseA is int32: the sum wraps to uint32 here)
    const old = fromA ? pkt.tcpSeq >>> 0 !== next : !(flags & ACK) || pkt.tcpAck >>> 0 !== next;
    if (!old) f.synOnly = false;
    return old;
  }

  /** Route a packet to the earlier connection of a reused tuple (sets fromA for it). */
  private toPrevious(p: Flow, s0: number, s1: number, s2: number, s3: number, sp: number): Flow {
    this.fromA = p.keyPortA === sp && p.a0 === s0 && p.a1 === s1 && p.a2 === s2 && p.a3 === s3;
    return p;
  }

  private create(pkt: Packet, frame: number, time: number, sp: number, dp: number, vk: number): Flow {
    if (this.flows.length >= this.maxFlows) throw new CaptureStop(`flow table full at ${this.maxFlows} flows: reading stopped here (the limit is set by --max-flows)`);
    const f = new Flow();
    f.id = this.flows.length + 1;
    f.proto = pkt.ipProto;
    f.ipVersion = pkt.ipVersion === 6 ? 6 : 4;
    if (vk !== 0) {
      f.vlanKey = vk;
      f.vlan = vlanStack(pkt);
    }
    const d = pkt.bytes, so = pkt.bytesOff + pkt.ipSrcOff, doff = pkt.bytesOff + pkt.ipDstOff;
    f.a0 = word(d, so);
    f.b0 = word(d, doff);
    if (f.ipVersion === 6) {
      f.a1 = word(d, so + 4); f.a2 = word(d, so + 8); f.a3 = word(d, so + 12);
      f.b1 = word(d, doff + 4); f.b2 = word(d, doff + 8); f.b3 = word(d, doff + 12);
    }
    f.portA = f.keyPortA = sp;
    f.portB = f.keyPortB = dp;
    f.firstFrame = frame;
    f.start = time;
    this.chooseClient(f, pkt);
    if (f.proto === TCP) {
      f.tcpBaseSetA = true;
      f.tcpBaseA = pkt.tcpFlags & SYN ? pkt.tcpSeq | 0 : (pkt.tcpSeq - 1) | 0;
    }
    if (f.proto === ICMP || f.proto === ICMPV6) {
      // Zeek's convention for ICMP: the "ports" are the first packet's type and code.
      f.portA = pkt.icmpType;
      f.portB = pkt.icmpCode;
    }
    this.flows.push(f);
    this.fromA = true;
    return f;
  }

  private chooseClient(f: Flow, pkt: Packet): void {
    if (f.proto === TCP) {
      const syn = pkt.tcpFlags & (SYN | ACK);
      if (syn === SYN) {
        f.clientIsA = true;
        f.clientBy = 'syn';
        return;
      }
      if (syn === (SYN | ACK)) {
        f.clientIsA = false;
        f.clientBy = 'syn-ack';
        return;
      }
    }
    if (f.proto === ICMP || f.proto === ICMPV6) {
      // Echo reply first: the replier is the server.
      const reply = (f.proto === ICMP && pkt.icmpType === 0) || (f.proto === ICMPV6 && pkt.icmpType === 129);
      f.clientIsA = !reply;
      f.clientBy = reply ? 'payload' : 'first';
      return;
    }
    if (f.proto === UDP) {
      const a = WELL_KNOWN_UDP.has(f.portA), b = WELL_KNOWN_UDP.has(f.portB);
      if (a !== b) {
        f.clientIsA = b;
        f.clientBy = 'port';
        return;
      }
    }
    const o = servicePortOrder(f.portA, f.portB);
    if (o !== 0) {
      f.clientIsA = o < 0;
      f.clientBy = 'port';
      return;
    }
    f.clientIsA = true;
    f.clientBy = 'first';
  }

  /**
   * Twice the slots. Each tuple is in one slot, holding its newest flow (the one before
   * it is reached through it, while it has only a SYN; older ones are done): the entries
   * move over as they are, by their hashes, with no Flow read.
   */
  private rehash(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    const slots = (this.slots = new Int32Array(2 * cap));
    const mask = (this.mask = cap - 1);
    for (let j = 0; j < old.length; j += 2) {
      if (old[j] === 0) continue;
      const h = old[j + 1];
      let i = (h ^ (h >>> 15)) & mask;
      while (slots[2 * i] !== 0) i = (i + 1) & mask;
      slots[2 * i] = old[j];
      slots[2 * i + 1] = h;
    }
  }
}

/** Whether flow a's client (or server) address equals flow b's client (or server) address. */
export function sameAddress(a: Flow, aClient: boolean, b: Flow, bClient: boolean): boolean {
  const x = aClient === a.clientIsA, y = bClient === b.clientIsA;
  return (x ? a.a0 : a.b0) === (y ? b.a0 : b.b0) && (x ? a.a1 : a.b1) === (y ? b.a1 : b.b1) &&
    (x ? a.a2 : a.b2) === (y ? b.a2 : b.b2) && (x ? a.a3 : a.b3) === (y ? b.a3 : b.b3);
}

/** Whether two flows have the same VLAN stack in their keys. */
export function sameVlans(a: Flow, b: Flow): boolean {
  if (a.vlanKey !== b.vlanKey) return false;
  if (a.vlanKey < DEEP_STACK) return true;
  const x = a.vlan!, y = b.vlan!;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Flow.vlanKey at or above this: more than two tags, so the key alone is not exact. */
const DEEP_STACK = 3 << 24;
/** Spreads the VLAN key over the hash (odd multiplier). */
const VLAN_MIX = 0x27d4eb2f;

/** Flow.vlanKey of a tagged packet: its non-zero VLAN IDs (priority tags left out) packed with their count. */
function vlanKeyOf(pkt: Packet): number {
  const ids = pkt.vlanIds;
  let n = 0, outer = 0, second = 0;
  for (let i = 0; i < pkt.vlanCount; i++) {
    const id = ids[i];
    if (id === 0) continue;
    if (n === 0) outer = id;
    else if (n === 1) second = id;
    n++;
  }
  return n === 0 ? 0 : (n << 24) | (outer << 12) | second;
}

/** The packet's non-zero VLAN IDs, outer first. */
function vlanStack(pkt: Packet): number[] {
  const out: number[] = [];
  for (let i = 0; i < pkt.vlanCount; i++) if (pkt.vlanIds[i] !== 0) out.push(pkt.vlanIds[i]);
  return out;
}

/** Whether a packet's non-zero VLAN IDs are `ids` (for stacks of more than two tags, whose count already matched). */
function sameStack(ids: number[], pkt: Packet): boolean {
  let n = 0;
  for (let i = 0; i < pkt.vlanCount; i++) {
    const id = pkt.vlanIds[i];
    if (id !== 0 && ids[n++] !== id) return false;
  }
  return true;
}

function icmpEchoId(pkt: Packet): number {
  const t = pkt.icmpType;
  const echo = pkt.ipProto === ICMP ? t === 8 || t === 0 : t === 128 || t === 129;
  if (!echo || pkt.l4Off < 0 || pkt.l4Off + 6 > pkt.data.length) return 0;
  return (pkt.data[pkt.l4Off + 4] << 8) | pkt.data[pkt.l4Off + 5];
}

/** Four bytes big-endian as a signed 32-bit integer (a small integer for V8). */
function word(d: Uint8Array, o: number): number {
  return (d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3];
}

function wordsToBytes(version: number, w0: number, w1: number, w2: number, w3: number): Uint8Array {
  const out = new Uint8Array(version === 6 ? 16 : 4);
  const ws = version === 6 ? [w0, w1, w2, w3] : [w0];
  for (let i = 0; i < ws.length; i++) {
    out[i * 4] = ws[i] >>> 24;
    out[i * 4 + 1] = (ws[i] >>> 16) & 0xff;
    out[i * 4 + 2] = (ws[i] >>> 8) & 0xff;
    out[i * 4 + 3] = ws[i] & 0xff;
  }
  return out;
}

function endpointHash(w0: number, w1: number, w2: number, w3: number, port: number): number {
  let h = Math.imul(0x811c9dc5 ^ port ^ w0, 0x01000193);
  h ^= h >>> 13;
  h = Math.imul(h ^ w1, 0x01000193);
  h ^= h >>> 13;
  h = Math.imul(h ^ w2, 0x01000193);
  h ^= h >>> 13;
  h = Math.imul(h ^ w3, 0x01000193);
  h ^= h >>> 13;
  return Math.imul(h, 0x5bd1e995);
}
