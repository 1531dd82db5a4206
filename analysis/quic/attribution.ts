// Attribution of packets to QUIC connections, by connection ID (RFC 9000 5.1, 9).
//
// A connection is a set of CIDs, not a 4-tuple. Long headers teach the CIDs (the
// client's first Initial DCID, both sides' SCIDs, the Retry SCID); short headers carry
// only a DCID whose length is not on the wire, matched by prefix against the CIDs
// learned so far (cids.ts). A connection seen on a new 4-tuple gets a new path; a path
// that starts with a 1-RTT packet is a migration.
//
// onPacket runs for every UDP datagram, so the common case is short: a short header on
// a 4-tuple already attributed whose DCID is the one last matched there (the fast path).
// Packets that may pay to decrypt are handed to the Decryptor; short headers whose DCID
// matched nothing are kept as Unmatched (resolved at the end: a CID that repeats is the
// connection's by inference; a reset token; or an unknown CID). At the end, the CIDs
// that decryption taught re-attribute what they explain, and the 4-tuples without a
// connection (orphans) are put on one by CID or, where the evidence is strong, by
// inference (a migration).
//
// Per-packet state stays off the JS heap where it can: frame lists and timelines live
// in shared chunked logs (lists.ts), small copies in one byte arena (bytes.ts).

import { formatEndpoint } from '../../parsers/decode/format';
import { IpProto, type Packet } from '../../parsers/decode/packet';
import { hex, isShortHeaderByte, isShortHeaderForm, parseLongHeader, PacketType, versionHex, vnVersions, type LongHeader } from '../../parsers/quic/header';
import type { Flow } from '../flows';
import { unreachableKind } from '../udp/icmp';
import { idleEvent, noteServerShort } from './breaks';
import { bytesEq, bytesEqHex, hasCid, type ByteArena } from './bytes';
import type { ConnectionIds } from './cids';
import { headOf, NO_CIDS, QuicConn, type FlowQ, type IcmpNote, type Orphan, type PendingEvent, type QuicPath, type Unmatched } from './conn';
import type { Decryptor } from './decrypt';
import { FIXED_BIT_ZERO, IntLog, TimelineLog } from './lists';

/** Datagrams that fail to parse as QUIC before a 4-tuple is given up as not QUIC. */
const NOT_QUIC_AFTER = 8;
/** The state of every 4-tuple that is never QUIC (DNS): shared, never written. */
const NOT_QUIC_FLOW: FlowQ = newFlowQ(NOT_QUIC_AFTER);
const MAX_UNMATCHED_PER_CONN = 10_000;

function newFlowQ(misses: number): FlowQ {
  return { conn: null, clientDir: 0, pathIndex: -1, misses, fast0: null, fast1: null, fastInferred0: false, fastInferred1: false, key: '', lastClientLen: 0, lastClientMatched: false };
}

/** FIXED_BIT_ZERO when a packet's first byte has the fixed bit (0x40) greased to 0 (RFC 9287), else 0: or-ed into its timeline type. */
function fixedBit0(b0: number): number {
  return b0 & 0x40 ? 0 : FIXED_BIT_ZERO;
}

function setFast(fq: FlowQ, dir: number, cid: Uint8Array | null, inferred: boolean): void {
  if (dir === 0) { fq.fast0 = cid; fq.fastInferred0 = inferred; }
  else { fq.fast1 = cid; fq.fastInferred1 = inferred; }
}

export class Attribution {
  /** The connections, in the order their first client Initial came (QuicJson.number). */
  readonly conns: QuicConn[] = [];
  /** Server endpoints ("ip:port") of the connections. */
  readonly serverEps = new Set<string>();
  /** ICMP errors quoting a connection's datagrams. */
  readonly icmp: IcmpNote[] = [];
  private readonly flowQ: (FlowQ | undefined)[] = [];
  /**
   * Endpoint pair key ("client|server") → flow state, for ICMP quotes: built at the first
   * ICMP error from the keys attached so far (most captures have none), kept up to date after.
   */
  private byKey: Map<string, FlowQ> | null = null;
  /** The keys and flow states attached before byKey was built, in order. */
  private readonly keysBefore: string[] = [];
  private readonly flowsBefore: FlowQ[] = [];
  /** Orphan short-header flows by flow id. */
  private readonly orphans = new Map<number, Orphan>();
  /** The connections' frame lists and timelines, in shared chunked logs. */
  private readonly frameLog = new IntLog();
  private readonly timelineLog = new TimelineLog();

  constructor(
    private readonly idleSeconds: number,
    private readonly arena: ByteArena,
    private readonly cids: ConnectionIds,
    private readonly dec: Decryptor,
    /** Events raised as the packets come (QuicTracker's pending events). */
    private readonly events: PendingEvent[],
  ) {}

  // ------------------------------------------------------------------ per packet

  /** A UDP datagram of the flow (or an ICMP error, which may quote one). */
  onPacket(pkt: Packet, flow: Flow, dir: number, frame: number, time: number): void {
    if (pkt.ipProto !== IpProto.UDP) {
      if (pkt.hasQuote && pkt.quote.ipProto === IpProto.UDP) this.onIcmp(pkt, flow, frame, time);
      return;
    }
    if (pkt.payloadLen === 0) return;
    this.dec.checkCaptureSecrets();
    let fq = this.flowQ[flow.id];
    if (fq === undefined) {
      if (flow.app === 'dns' || pkt.srcPort === 53 || pkt.dstPort === 53 || pkt.srcPort === 5353 || pkt.dstPort === 5353) {
        // never QUIC: one shared state, never written (onPacket returns before any use)
        this.flowQ[flow.id] = NOT_QUIC_FLOW;
        return;
      }
      this.flowQ[flow.id] = fq = newFlowQ(0);
    } else if (fq.conn === null && fq.misses >= NOT_QUIC_AFTER) return;

    // the datagram where it lies in the reader's chunk (no pkt.data view made per
    // packet): every read below is bounded by `end`, not by d's length
    const d = pkt.bytes;
    const off = pkt.bytesOff + pkt.payloadOff;
    const end = off + pkt.payloadLen;
    const b0 = d[off];

    if (b0 & 0x80) {
      this.onLong(d, off, end, fq, flow, dir, frame, time, pkt.payloadWireLen);
      return;
    }
    if (!isShortHeaderForm(b0)) {
      if (fq.conn === null) fq.misses++;
      return;
    }
    // ---- short header: fast path on the 4-tuple's connection
    const conn = fq.conn;
    if (conn !== null) {
      const fromClient = dir === fq.clientDir;
      const f = dir === 0 ? fq.fast0 : fq.fast1;
      if (f !== null && bytesEq(f, d, off + 1, end)) {
        this.attribute(conn, fq, fromClient, PacketType.ONE_RTT | fixedBit0(b0), frame, time, dir === 0 ? fq.fastInferred0 : fq.fastInferred1);
        if (!fromClient && this.dec.keepForSecrets) noteServerShort(conn, d, end, frame, time, flow.id, end - off);
        if (this.dec.keepShort(conn, fromClient)) this.dec.keep(conn, fq.pathIndex, fromClient, PacketType.ONE_RTT, d, off, end, 1, frame, time);
        if (fromClient) { fq.lastClientLen = pkt.payloadWireLen; fq.lastClientMatched = true; }
        return;
      }
    }
    this.onShortSlow(d, off, end, fq, flow, dir, frame, time, pkt.payloadWireLen);
  }

  private onShortSlow(d: Uint8Array, off: number, end: number, fq: FlowQ, flow: Flow, dir: number, frame: number, time: number, wireLen: number): void {
    let conn = fq.conn;
    if (conn !== null) {
      const fromClient = dir === fq.clientDir;
      const peer = fromClient ? conn.serverCids : conn.clientCids;
      const m = this.cids.prefixMatch(peer, d, off + 1, end);
      if (m !== null) {
        setFast(fq, dir, m, false);
        this.attribute(conn, fq, fromClient, PacketType.ONE_RTT | fixedBit0(d[off]), frame, time, false);
        if (!fromClient && this.dec.keepForSecrets) noteServerShort(conn, d, end, frame, time, flow.id, end - off);
        if (this.dec.keepShort(conn, fromClient)) this.dec.keep(conn, fq.pathIndex, fromClient, PacketType.ONE_RTT, d, off, end, 1, frame, time);
        if (fromClient) { fq.lastClientLen = wireLen; fq.lastClientMatched = true; }
        return;
      }
    }
    // global lookup by DCID prefix, longest known length first (the client's CID first at
    // equal length): lengths 6 and more in one lookup per side, then 5 down to 1
    let found: QuicConn | null = null;
    let fromServerSide = false;
    let matchedLen = 0;
    let foundBytes: Uint8Array | null = null;
    const maxLen = Math.min(20, end - off - 1);
    if (maxLen >= 6) {
      const c = this.cids.client.longest(d, off + 1, maxLen);
      const s = this.cids.server.longest(d, off + 1, maxLen);
      if (c !== null && (s === null || c.bytes.length >= s.bytes.length)) { found = c.conn; foundBytes = c.bytes; fromServerSide = true; matchedLen = c.bytes.length; }
      else if (s !== null) { found = s.conn; foundBytes = s.bytes; fromServerSide = false; matchedLen = s.bytes.length; }
    }
    for (let len = Math.min(5, maxLen); len >= 1 && found === null; len--) {
      if ((this.cids.lengths & (1 << len)) === 0) continue;
      const c = this.cids.client.find(d, off + 1, len);
      if (c !== null) { found = c.conn; foundBytes = c.bytes; fromServerSide = true; matchedLen = len; break; }
      const s = this.cids.server.find(d, off + 1, len);
      if (s !== null) { found = s.conn; foundBytes = s.bytes; fromServerSide = false; matchedLen = len; break; }
    }
    let inferred = false;
    if (found === null && fq.conn !== null) {
      // CIDs inferred on this connection (repeating unknown DCIDs)
      const c = fq.conn;
      const fromClient = dir === fq.clientDir;
      for (const cid of c.inferredCids ?? NO_CIDS) {
        if (cid[0] !== (fromClient ? 's' : 'c')) continue;
        if (bytesEqHex(cid, d, off + 1, 1, end)) { found = c; fromServerSide = !fromClient; matchedLen = (cid.length - 1) / 2; inferred = true; break; }
      }
    }
    if (found !== null) {
      const fromClient = !fromServerSide;
      this.attach(found, fq, flow, dir, fromClient, frame, time, false);
      setFast(fq, dir, foundBytes ?? this.arena.copy(d, off + 1, off + 1 + matchedLen), inferred);
      this.attribute(found, fq, fromClient, PacketType.ONE_RTT | fixedBit0(d[off]), frame, time, inferred);
      if (this.dec.keepShort(found, fromClient)) this.dec.keep(found, fq.pathIndex, fromClient, PacketType.ONE_RTT, d, off, end, 1, frame, time);
      if (fromClient) { fq.lastClientLen = wireLen; fq.lastClientMatched = !inferred; }
      return;
    }
    // no CID matched
    conn = fq.conn;
    let o: Orphan | undefined;
    if (conn === null) {
      // a UDP 4-tuple without a connection: maybe a migrated path (resolved at the end)
      o = this.orphans.get(flow.id);
      if (!isShortHeaderByte(d[off])) {
        // fixed bit greased (RFC 9287): only next to a known QUIC server endpoint
        if (fq.nearServer === undefined) fq.nearServer = this.serverEps.has(flow.endpoint(true)) || this.serverEps.has(flow.endpoint(false));
        if (!fq.nearServer) { fq.misses++; return; }
      }
      if (!o && fq.misses >= NOT_QUIC_AFTER) return;
    }
    const u: Unmatched = {
      frame, time, flow: flow.id, fromClient: null, head: this.arena.copyHeadTail(d, off, end), headLen: Math.min(end - off, 21), len: end - off, conn: null, resolved: false, answersLen: 0,
    };
    if (conn !== null) {
      const fromClient = dir === fq.clientDir;
      u.fromClient = fromClient;
      u.conn = conn;
      u.answersLen = fromClient ? 0 : fq.lastClientLen;
      u.answersMatched = !fromClient && fq.lastClientMatched;
      if (fromClient) { fq.lastClientLen = wireLen; fq.lastClientMatched = false; }
      // A DCID prefix (of the length the receiving side's CIDs have) that repeats is a new
      // CID of the connection we could not read (NEW_CONNECTION_ID is encrypted).
      const peer = fromClient ? conn.serverCids : conn.clientCids;
      const L = peer.length ? peer[0].length / 2 : 0;
      if (L > 0 && end - off - 1 >= L) {
        const k = (fromClient ? 's' : 'c') + hex(d, off + 1, L);
        const prev = conn.candidates?.get(k);
        if (prev && !prev.resolved) {
          prev.resolved = true;
          u.resolved = true;
          (conn.inferredCids ??= new Set()).add(k);
          if (!prev.viaLong) conn.inferredFrames.push(prev.frame);
          setFast(fq, dir, this.arena.copy(d, off + 1, off + 1 + L), true);
          // the two packets count in the timeline (marked by the inferred list)
          this.attribute(conn, fq, fromClient, PacketType.ONE_RTT | fixedBit0(d[off]), frame, time, true);
          if (this.dec.keepShort(conn, fromClient)) this.dec.keepUnmatched(conn, fq.pathIndex, fromClient, d, off, end, frame, time);
          return;
        }
        if (!prev) (conn.candidates ??= new Map()).set(k, u);
      }
      if (conn.unmatched.length < MAX_UNMATCHED_PER_CONN) conn.unmatched.push(u);
      if (this.dec.keepShort(conn, fromClient)) this.dec.keepUnmatched(conn, fq.pathIndex, fromClient, d, off, end, frame, time);
      return;
    }
    if (!o) this.orphans.set(flow.id, (o = { flow, items: [] }));
    u.fromClient = null;
    if (this.dec.wantAll || (this.dec.keepForSecrets && o.items.length < 8)) u.bytes = this.arena.copy(d, off, end);
    if (o.items.length < MAX_UNMATCHED_PER_CONN) o.items.push(u);
    else fq.misses = NOT_QUIC_AFTER;
    u.dir = dir;
  }

  private onLong(d: Uint8Array, off: number, end: number, fq: FlowQ, flow: Flow, dir: number, frame: number, time: number, wireLen: number): void {
    this.onLongPackets(d, off, end, fq, flow, dir, frame, time, wireLen);
    this.dec.endDatagram(d);
  }

  private onLongPackets(d: Uint8Array, off: number, end: number, fq: FlowQ, flow: Flow, dir: number, frame: number, time: number, wireLen: number): void {
    let first = true;
    let conn: QuicConn | null = null;
    let fromClient = true;
    let p = off;
    while (p < end) {
      const b0 = d[p];
      if (!(b0 & 0x80)) {
        // a short-header packet coalesced after long ones belongs to the same connection;
        // its fixed bit may be greased (RFC 9287, ngtcp2 does), so any non-zero first byte
        // of form 0 counts (zeros are padding)
        if (conn !== null && isShortHeaderForm(b0) && b0 !== 0) {
          this.attribute(conn, fq, fromClient, PacketType.ONE_RTT | fixedBit0(b0), frame, time, false, true);
          if (this.dec.keepShort(conn, fromClient)) this.dec.keep(conn, fq.pathIndex, fromClient, PacketType.ONE_RTT, d, p, end, 1, frame, time);
        }
        break;
      }
      const h = parseLongHeader(d, p, end);
      if (h === null) {
        if (first && fq.conn === null) fq.misses++;
        break;
      }
      if (first) {
        const r = this.findLong(d, h, fq, dir, frame, time);
        if (r === null) {
          // a long header on the connection's 4-tuple to a CID we never saw (the peer
          // switched to a CID from an encrypted frame): the connection's, by inference
          const c = fq.conn;
          if (c !== null && h.type !== PacketType.INITIAL && h.type !== PacketType.VERSION_NEGOTIATION) {
            const fc = dir === fq.clientDir;
            this.attribute(c, fq, fc, h.type | fixedBit0(d[h.start]), frame, time, true);
            if (h.dcidLen) {
              const k = (fc ? 's' : 'c') + hex(d, h.dcidOff, h.dcidLen);
              if (!c.candidates?.has(k)) (c.candidates ??= new Map()).set(k, { frame, time, flow: flow.id, fromClient: fc, head: this.arena.copy(d, h.dcidOff - 1, h.dcidOff + h.dcidLen), headLen: h.dcidLen + 1, len: 0, conn: c, resolved: false, answersLen: 0, viaLong: true });
            }
            if (h.type === PacketType.HANDSHAKE && this.dec.keepHandshake(c)) this.dec.keep(c, fq.pathIndex, fc, h.type, d, h.start, h.end, h.pnOff - h.start, frame, time);
            // a short-header packet coalesced after it is the connection's too (its timeline entry)
            const q = h.end;
            if (q < end && isShortHeaderForm(d[q]) && d[q] !== 0) this.attribute(c, fq, fc, PacketType.ONE_RTT | fixedBit0(d[q]), frame, time, true, true);
          }
          return;
        }
        conn = r.conn;
        fromClient = r.fromClient;
        this.attach(conn, fq, flow, dir, fromClient, frame, time, true);
        if (fromClient) fq.lastClientLen = wireLen;
      }
      this.learnLong(conn!, d, h, fromClient, frame, time, fq);
      this.attribute(conn!, fq, fromClient, h.type | fixedBit0(d[h.start]), frame, time, false, !first);
      first = false;
      if (h.type === PacketType.VERSION_NEGOTIATION || h.type === PacketType.RETRY || h.opaque) break;
      p = h.end;
    }
  }

  /** Which connection a datagram's first long-header packet belongs to (creating one for a client Initial). */
  private findLong(d: Uint8Array, h: LongHeader, fq: FlowQ, dir: number, frame: number, time: number): { conn: QuicConn; fromClient: boolean } | null {
    const t = h.type;
    if (t === PacketType.VERSION_NEGOTIATION) {
      // From the server: DCID = the client's SCID, SCID = the client's DCID.
      const c = (h.dcidLen ? this.cids.client.get(d, h.dcidOff, h.dcidLen) : undefined) ?? this.cids.initial.get(d, h.scidOff, h.scidLen) ?? fq.conn;
      if (!c) return null;
      return { conn: c, fromClient: false };
    }
    if (h.dcidLen > 0) {
      if (t === PacketType.INITIAL || t === PacketType.ZERO_RTT) {
        const c = this.cids.initial.get(d, h.dcidOff, h.dcidLen);
        if (c && (fq.conn !== c || dir === fq.clientDir)) return { conn: c, fromClient: true };
      }
      const cc = this.cids.client.get(d, h.dcidOff, h.dcidLen);
      if (cc) return { conn: cc, fromClient: false };
      const sc = this.cids.server.get(d, h.dcidOff, h.dcidLen);
      if (sc) return { conn: sc, fromClient: true };
    } else if (fq.conn !== null) {
      return { conn: fq.conn, fromClient: dir === fq.clientDir };
    }
    if (t === PacketType.INITIAL && fq.conn !== null && dir === fq.clientDir && h.dcidLen < 8 && !h.opaque) {
      // A client Initial on the connection's 4-tuple to a DCID too short to be a new
      // connection's first (RFC 9000 7.2: at least 8 bytes): the client addresses the
      // server by a CID we did not see (one in a server Initial lost before the capture).
      this.cids.add(fq.conn, hex(d, h.dcidOff, h.dcidLen), true);
      return { conn: fq.conn, fromClient: true };
    }
    if (t === PacketType.INITIAL && h.dcidLen >= 8 && (d[h.start] & 0x40) !== 0) {
      // A client Initial with a DCID we do not know starts a new connection
      // (also after Version Negotiation, when the client starts again).
      const c = new QuicConn(this.frameLog, this.timelineLog);
      c.number = this.conns.length;
      this.conns.push(c);
      c.firstTime = time;
      c.firstClientFrame = frame;
      c.keyCid = this.arena.copy(d, h.dcidOff, h.dcidOff + h.dcidLen);
      this.cids.initial.set(c.keyCid, c);
      return { conn: c, fromClient: true };
    }
    // a long header with an unknown DCID (on a known 4-tuple, Wireshark leaves it out; so do we)
    return null;
  }

  /** Learn CIDs from a long header. */
  private learnLong(c: QuicConn, d: Uint8Array, h: LongHeader, fromClient: boolean, frame: number, time: number, fq: FlowQ): void {
    if (h.type !== PacketType.VERSION_NEGOTIATION && !c.versions.includes(h.version)) c.versions.push(h.version);
    if (h.type === PacketType.VERSION_NEGOTIATION) {
      if (!c.vnSeen) {
        c.vnSeen = true;
        this.events.push({ kind: 'quic.version-negotiation', escalate: false, frame, time, flow: fq.key ? this.flowIdOf(fq) : null,
          message: `the server does not support the client's version ${c.versions.map(versionHex).join(', ') || '?'} and offers ${vnVersions(d, h).map(versionHex).join(', ')}`, related: [] });
      }
      return;
    }
    if (h.type === PacketType.RETRY) {
      const scid = hex(d, h.scidOff, h.scidLen);
      if (h.scidLen) this.cids.add(c, scid, true);
      c.keyCid = this.arena.copy(d, h.scidOff, h.scidOff + h.scidLen);
      this.events.push({ kind: 'quic.retry', escalate: false, frame, time, flow: this.flowIdOf(fq),
        message: `the server asks the client to prove its address: Retry with a ${h.tokenLen}-byte token and the new connection ID ${scid}; the client's next Initial must go to it`, related: [] });
      return;
    }
    if (h.scidLen) { if (!hasCid(fromClient ? c.clientCids : c.serverCids, d, h.scidOff, h.scidLen)) this.cids.add(c, hex(d, h.scidOff, h.scidLen), !fromClient); }
    else if (!fromClient ? !c.serverCids.includes('') : !c.clientCids.includes('')) (fromClient ? c.clientCids : c.serverCids).push('');
    if (fromClient) {
      if (h.type === PacketType.INITIAL) {
        c.clientInitials++;
        if (!h.opaque) this.dec.keepInitial(c, fq.pathIndex, true, d, h, frame, time);
        else (c.opaqueFrames ??= []).push(frame);
      } else {
        c.clientBeyondInitial = true;
        if (h.type === PacketType.ZERO_RTT) {
          // early data (RFC 9001 4.6): counted per packet, coalesced ones included
          c.zeroRttPackets++;
          if (c.zeroRttFrames === null) { c.zeroRttFrames = []; c.zeroRttTime = time; }
          const zf = c.zeroRttFrames;
          if (zf.length < 16 && zf[zf.length - 1] !== frame) zf.push(frame);
        }
      }
    } else {
      if (h.type === PacketType.INITIAL && !h.opaque) this.dec.keepInitial(c, fq.pathIndex, false, d, h, frame, time);
      else c.serverBeyondInitial = true;
    }
    if ((h.type === PacketType.HANDSHAKE || h.type === PacketType.ZERO_RTT) && this.dec.keepHandshake(c)) this.dec.keep(c, fq.pathIndex, fromClient, h.type, d, h.start, h.end, h.pnOff - h.start, frame, time);
  }

  /** Put the flow on the connection (a new path when the connection is elsewhere; a migration unless a long header starts it). */
  private attach(c: QuicConn, fq: FlowQ, flow: Flow, dir: number, fromClient: boolean, frame: number, time: number, long: boolean): void {
    if (fq.conn === c) return;
    fq.conn = c;
    fq.clientDir = fromClient ? dir : 1 - dir;
    setFast(fq, 0, null, false);
    setFast(fq, 1, null, false);
    flow.app = 'quic';
    const client = flow.endpoint(fq.clientDir === 0);
    const server = flow.endpoint(fq.clientDir !== 0);
    fq.key = `${client}|${server}`;
    if (this.byKey !== null) this.byKey.set(fq.key, fq);
    else { this.keysBefore.push(fq.key); this.flowsBefore.push(fq); }
    const existing = c.paths.findIndex((p) => p.flow === flow.id);
    if (existing >= 0) {
      fq.pathIndex = existing;
      return;
    }
    fq.pathIndex = c.paths.length;
    c.paths.push({ flow: flow.id, client, server, firstFrame: frame, lastFrame: frame, firstTime: time, lastTime: time, clientLastFrame: 0, clientLastTime: 0, inferred: false, challenges: [] });
    this.serverEps.add(server);
    if (c.paths.length > 1 && !long) {
      const prev = c.paths[c.paths.length - 2];
      this.events.push({ kind: 'quic.migration', escalate: false, frame, time, flow: flow.id,
        message: `connection ${c.number} continues on a new path ${client} → ${server} (was ${prev.client} → ${prev.server}, last frame ${prev.lastFrame})`, related: [prev.lastFrame],
        path: c.paths[c.paths.length - 1] });
    }
  }

  /**
   * Packet `frame` is the connection's: its frame lists, per-side counts and times, the
   * path's last frame, and one timeline entry. A packet coalesced after another in the
   * same datagram (`coalesced`) adds only its timeline entry. `type`: the PacketType
   * code, | FIXED_BIT_ZERO when the packet's fixed bit is greased (fixedBit0).
   */
  private attribute(c: QuicConn, fq: FlowQ, fromClient: boolean, type: number, frame: number, time: number, inferred: boolean, coalesced = false): void {
    if (!coalesced) {
      if (!inferred) c.frames.push(frame);
      else c.inferredFrames.push(frame);
      if (fromClient) { c.clientPackets++; c.lastClientTime = time; c.lastClientFrame = frame; }
      else { c.serverPackets++; c.lastServerTime = time; c.lastServerFrame = frame; if (!inferred) c.lastServerMatchedTime = time; }
      if (c.lastFrame && time - c.lastTime > this.idleSeconds) this.events.push(idleEvent(c, frame, time, this.flowIdOf(fq), this.idleSeconds));
      if (time > c.lastTime) c.lastTime = time;
      c.lastFrame = frame;
      const p = c.paths[fq.pathIndex];
      if (p) { p.lastFrame = frame; p.lastTime = time; if (fromClient) { p.clientLastFrame = frame; p.clientLastTime = time; } }
    }
    if ((type & 7) === PacketType.ONE_RTT) { if (fromClient) c.clientBeyondInitial = true; else c.serverBeyondInitial = true; }
    c.timeline.push(frame, time, type, fromClient ? 0 : 1, fq.pathIndex);
  }

  private flowIdOf(fq: FlowQ): number | null {
    const c = fq.conn;
    if (!c) return null;
    return c.paths[fq.pathIndex]?.flow ?? null;
  }

  /** An ICMP error quoting a datagram of a connection's 4-tuple: the connection's frame, and a note for server-gone. */
  private onIcmp(pkt: Packet, flow: Flow, frame: number, time: number): void {
    const q = pkt.quote;
    if (q.srcPort < 0) return;
    const v = q.ipVersion === 6 ? 6 : 4;
    const src = formatEndpoint(pkt.data, q.ipSrcOff, v, q.srcPort);
    const dst = formatEndpoint(pkt.data, q.ipDstOff, v, q.dstPort);
    const byKey = this.byKey ?? this.buildByKey();
    let fq = byKey.get(`${src}|${dst}`);
    let fromClient = true;
    if (!fq) {
      fq = byKey.get(`${dst}|${src}`);
      fromClient = false;
    }
    if (!fq || !fq.conn) return;
    const port = unreachableKind(pkt)?.kind === 'port';
    fq.conn.frames.push(frame);
    this.icmp.push({ frame, time, icmpFlow: flow.id, fq, fromClient, port });
  }

  /** byKey from the attachments so far, in their order (a flow attached twice keeps both keys, as when set at once). */
  private buildByKey(): Map<string, FlowQ> {
    const m = new Map<string, FlowQ>();
    for (let i = 0; i < this.keysBefore.length; i++) m.set(this.keysBefore[i], this.flowsBefore[i]);
    this.keysBefore.length = this.flowsBefore.length = 0;
    return (this.byKey = m);
  }

  // ------------------------------------------------------------------ end of capture

  /** After decryption: the unmatched packets whose DCID a decrypted NEW_CONNECTION_ID explained are no longer unknown. */
  settleProven(): void {
    for (const c of this.conns) { const proven = c.proven; if (proven) for (const u of c.unmatched) if (proven.has(u.frame)) u.resolved = true; }
  }

  /** Orphan 4-tuples whose DCIDs the decrypted NEW_CONNECTION_ID frames explain: real paths (their packets decrypted with the connection's keys). */
  async resolveOrphansByCid(): Promise<void> {
    for (const [id, o] of this.orphans) {
      const fq = this.flowQ[o.flow.id]!;
      const rest: Unmatched[] = [];
      for (const u of o.items) {
        const dir = u.dir ?? 0;
        // whose CID the DCID is tells the direction (a server's CID: client → server)
        const m = this.cids.byPrefix(u.head, 1, u.headLen - 1);
        if (m === null || (fq.conn !== null && fq.conn !== m.conn)) { rest.push(u); continue; }
        const c = m.conn;
        if (fq.conn === null) this.attach(c, fq, o.flow, dir, m.server, u.frame, u.time, false);
        const fc = dir === fq.clientDir;
        c.frames.push(u.frame);
        const path = c.paths[fq.pathIndex];
        if (path) { if (u.frame < path.firstFrame) { path.firstFrame = u.frame; path.firstTime = u.time; } if (u.frame > path.lastFrame) { path.lastFrame = u.frame; path.lastTime = u.time; } }
        c.timeline.push(u.frame, u.time, PacketType.ONE_RTT | fixedBit0(u.head[0]), fc ? 0 : 1, fq.pathIndex);
        if (fc && path && u.frame > path.clientLastFrame) { path.clientLastFrame = u.frame; path.clientLastTime = u.time; }
        if (fc) { c.clientPackets++; if (u.time > c.lastClientTime) { c.lastClientTime = u.time; c.lastClientFrame = u.frame; } }
        else { c.serverPackets++; if (u.time > c.lastServerTime) { c.lastServerTime = u.time; c.lastServerFrame = u.frame; } if (u.time > c.lastServerMatchedTime) c.lastServerMatchedTime = u.time; }
        if (u.bytes) await this.dec.decryptLate(c, { frame: u.frame, time: u.time, fromClient: fc, type: PacketType.ONE_RTT, bytes: u.bytes, pnOff: 1 + m.len, keyCid: null, pathIndex: fq.pathIndex });
      }
      if (fq.conn !== null) {
        for (const u of rest) {
          u.fromClient = (u.dir ?? 0) === fq.clientDir;
          u.conn = fq.conn;
          fq.conn.unmatched.push(u);
        }
        this.orphans.delete(id);
      }
    }
  }

  /**
   * Packets on 4-tuples without a connection: attributed by inference where the evidence
   * is strong (a migration). Returns the orphans left unexplained, with how many
   * connections could have moved there (breaks.ts raises unknown-cid for them).
   */
  resolveOrphans(): { orphan: Orphan; candidates: number }[] {
    const unexplained: { orphan: Orphan; candidates: number }[] = [];
    for (const o of this.orphans.values()) {
      const { flow, items } = o;
      const first = items[0];
      if (!first) continue;
      // one endpoint of the orphan flow must be the server endpoint of a connection
      const a = flow.endpoint(true), b = flow.endpoint(false);
      let best: { c: QuicConn; serverIsA: boolean; score: number; reasons: string[] } | null = null;
      let candidates = 0;
      for (const c of this.conns) {
        const srv = c.paths[0]?.server;
        if (srv !== a && srv !== b) continue;
        const serverIsA = srv === a;
        // the connection's other paths go quiet as this one starts
        const lastElsewhere = Math.max(...c.paths.map((p) => p.lastTime));
        const quietGap = first.time - lastElsewhere;
        if (lastElsewhere > first.time + 1 || quietGap > this.idleSeconds) continue;
        if (c.closeFrames.length) continue;
        // A client migration: what stops on the old path is the client's sending; the
        // server's packets may still go there a while (in flight, or sent before it saw
        // the new path), so the old path's last packet can come after the new path's first.
        const old = c.paths[c.paths.length - 1];
        const quietReason = old.clientLastFrame > 0 && old.clientLastFrame < first.frame
          ? `the client's last packet on the old path was frame ${old.clientLastFrame}, ${(first.time - old.clientLastTime).toFixed(3)} s before`
          : lastElsewhere <= first.time ? `the old path went quiet ${Math.max(0, quietGap).toFixed(3)} s before` : 'the old path stops as this one starts';
        const reasons: string[] = [`same server ${srv}`, quietReason];
        let score = 1;
        // the client-to-server DCIDs have the server's CID length and stay the same
        const serverLen = (c.serverCids.find((x) => x) ?? '').length / 2;
        const sender = (u: Unmatched): string => ((u.dir ?? 0) === 0 ? flow.endpoint(flow.clientIsA) : flow.endpoint(!flow.clientIsA));
        const fromClient = items.filter((u) => sender(u) !== srv);
        if (serverLen > 0 && fromClient.length >= 2) {
          const k0 = hex(headOf(fromClient[0]), 1, serverLen);
          if (fromClient.every((u) => u.headLen > serverLen && hex(u.head, 1, serverLen) === k0) && !c.serverCids.includes(k0)) {
            score++;
            reasons.push(`client DCID ${k0} has the server's CID length ${serverLen} and stays the same`);
          }
        }
        // path validation: the first datagrams on a new path are padded to ≥ 1200 bytes
        if (items.slice(0, 4).some((u) => u.len >= 1200)) {
          score++;
          reasons.push('PATH_CHALLENGE-sized first datagrams (≥ 1200 bytes)');
        }
        // the server answers on the new path: it knows the CID there (a reason, not a
        // score: the two above decide, as they always have)
        const answer = fromClient.length < items.length ? items.find((u) => sender(u) === srv) : undefined;
        if (answer) reasons.push(`the server answers on the new path from frame ${answer.frame}`);
        if (score < 2) continue;
        candidates++;
        if (!best || score > best.score) best = { c, serverIsA, score, reasons };
      }
      if (!best || candidates !== 1) {
        unexplained.push({ orphan: o, candidates });
        continue;
      }
      const c = best.c;
      const fq = this.flowQ[flow.id]!;
      const srvIsA = best.serverIsA;
      const clientIsA = !srvIsA;
      const clientDir = clientIsA === flow.clientIsA ? 0 : 1;
      fq.conn = c;
      fq.clientDir = clientDir;
      fq.pathIndex = c.paths.length;
      flow.app = 'quic';
      const client = flow.endpoint(clientDir === 0), server = flow.endpoint(clientDir !== 0);
      const path: QuicPath = { flow: flow.id, client, server, firstFrame: first.frame, lastFrame: items[items.length - 1].frame, firstTime: first.time, lastTime: items[items.length - 1].time, clientLastFrame: 0, clientLastTime: 0, inferred: true, challenges: [] };
      c.paths.push(path);
      let answer = 0;
      for (const u of items) {
        const fc = (u.dir ?? 0) === clientDir;
        c.inferredFrames.push(u.frame);
        c.timeline.push(u.frame, u.time, PacketType.ONE_RTT | fixedBit0(u.head[0]), fc ? 0 : 1, fq.pathIndex);
        if (fc) { path.clientLastFrame = u.frame; path.clientLastTime = u.time; } else if (!answer) answer = u.frame;
      }
      // The paths keep what the capture shows on each 4-tuple, as with the key log (where
      // the CIDs prove both): the old path's last frame may be the server's, after the
      // new path's first (ngtcp2-migration.pcap: the client moves in 16, the server
      // answers on the new path in 19 and sends its last packet to the old address in 28).
      // The inference is about the client, whose last packet there came before the move.
      const prev = c.paths[c.paths.length - 2];
      const after = prev.lastFrame > first.frame ? ": the server's, still sent to the old address after the client had moved" : '';
      const related = [...new Set([prev.clientLastFrame, answer, prev.lastFrame].filter((f) => f > 0))].sort((x, y) => x - y);
      this.events.push({ kind: 'quic.migration', escalate: false, frame: first.frame, time: first.time, flow: flow.id,
        message: `connection ${c.number} probably continues on a new path ${client} → ${server} (inferred: ${best.reasons.join('; ')}; was ${prev.client} → ${prev.server}, last frame ${prev.lastFrame}${after})`, related });
    }
    return unexplained;
  }

  /** Once the events are raised: the proven frames move from the inferred to the attributed list; both sorted. */
  settleFrames(): void {
    for (const c of this.conns) {
      const proven = c.proven;
      if (proven) {
        const inFrames = new Set(c.frames.view());
        for (const f of proven) if (!inFrames.has(f)) c.frames.push(f);
        c.inferredFrames.retain((f) => !proven.has(f));
      }
      c.frames.sort();
      c.inferredFrames.sort();
    }
  }

  /** A classic pcap without a key log: nothing can decrypt the orphans' packets, their copies go. */
  dropOrphanCopies(): void {
    for (const o of this.orphans.values()) for (const u of o.items) u.bytes = undefined;
  }
}
