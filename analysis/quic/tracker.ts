// QUIC connection tracking by connection ID (RFC 9000 5.1, 9, 10.3).
//
// A connection is a set of CIDs, not a 4-tuple. Long headers teach us the CIDs (the
// client's first Initial DCID, both sides' SCIDs, the Retry SCID); short headers carry
// only a DCID whose length is not on the wire, so it is matched by prefix against the
// CIDs learned so far (as Wireshark's packet-quic.c does). A connection seen on a new
// 4-tuple gets a new path; a path that starts with a 1-RTT packet is a migration.
//
// onPacket is synchronous and runs for every UDP packet: it attributes packets, reads
// the client's first Initials at once for SNI/ALPN (keys from the DCID, an unauthenticated
// peek in TypeScript: once per connection, until the ClientHello is whole), copies the
// few other packets that may pay to decrypt (a side's last Initial while it has not got
// past Initial; the Handshake and 1-RTT packets only when secrets can come: a key log,
// or a capture format that can embed them, see onCaptureHeader), and records
// short-header packets whose DCID matched nothing. finishAsync decrypts with WebCrypto,
// learns CIDs and reset tokens from NEW_CONNECTION_ID and the transport parameters,
// re-attributes what the new CIDs explain, infers paths, and emits the events.
//
// Per-packet state stays off the JS heap where it can: frame lists and timelines live
// in shared chunked logs (lists.ts), small copies in one byte arena.

import { formatEndpoint } from '../../parsers/decode/format';
import type { Packet } from '../../parsers/decode/packet';
import {
  hex, isShortHeaderByte, isShortHeaderForm, parseLongHeader, PacketType, versionHex, vnVersions, type LongHeader, type PacketTypeCode,
} from '../../parsers/quic/header';
import { initialKeysLazy, initialKeysSync, packetKeys, peek, peekAt, suiteOf, unprotect, updatedKeys, type PacketKeys } from '../../parsers/quic/protection';
import { CryptoStream, errorName, parseFrames, type QuicFrame } from '../../parsers/quic/frames';
import { handshakeMessages, parseClientHelloNames, parseEncryptedExtensions, parseServerHello, type TransportParams } from '../../parsers/quic/tls';
import { parseKeylog, SECRETS_TYPE_TLS_KEYLOG, type TlsSecrets } from '../../parsers/quic/keylog';
import type { Analysis, JsonOptions, Tracker } from '../analysis';
import type { Flow } from '../flows';
import type { AnalysisJson, QuicJson } from '../model';
import { FrameList, IntLog, Timeline, TimelineLog } from './lists';
import './kinds';

export interface QuicTrackerOptions {
  keylog?: string;
  idleSeconds?: number;
  /**
   * Can the capture carry its own TLS secrets? A pcapng file can (a decryption-secrets
   * block, which may come anywhere in the file); a classic pcap cannot. Unknown (the
   * default) counts as yes. When it cannot and no key log is given, nothing past the
   * Initials can ever be decrypted, so no Handshake or 1-RTT packet is kept for it.
   * The same as onCaptureHeader({ format: 'pcap' }) before the first packet.
   */
  captureSecrets?: boolean;
}

/** A 4-tuple a connection was seen on. */
export interface QuicPath {
  flow: number;
  client: string;
  server: string;
  firstFrame: number;
  lastFrame: number;
  firstTime: number;
  lastTime: number;
  /** Attributed by inference (no CID of the connection seen on it in clear). */
  inferred: boolean;
  /** PATH_CHALLENGE / PATH_RESPONSE frames seen on it (with the key log). */
  challenges: number[];
}

interface Pending {
  frame: number;
  time: number;
  fromClient: boolean;
  type: PacketTypeCode;
  bytes: Uint8Array;
  pnOff: number;
  /** The DCID whose Initial keys protect this packet (Initial packets only). */
  keyCid: Uint8Array | null;
  pathIndex: number;
  /** A side's last Initial, decrypted only to look for CONNECTION_CLOSE. */
  closeCheck?: boolean;
  /** A server Initial kept for its ServerHello (the cipher suite): decrypted only when secrets exist. */
  forKeys?: boolean;
}

/** A short-header datagram on a QUIC 4-tuple whose DCID matched no CID of the side it goes to. */
interface Unmatched {
  frame: number;
  time: number;
  flow: number;
  /** Direction relative to the QUIC client of the flow's connection (true = client → server); null when unknown. */
  fromClient: boolean | null;
  /**
   * One copy in the tracker's arena: the first headLen bytes (up to 21: the first byte and
   * a DCID of up to 20; headOf), then for a datagram of at least 21 bytes its last 16 (a
   * possible reset token; tailOf).
   */
  head: Uint8Array;
  headLen: number;
  tailHex?: string;
  len: number;
  conn: QuicConn | null;
  resolved: boolean;
  /** The client packet it answers (the previous client packet on the 4-tuple), if any. */
  answersLen: number;
  /** That client packet carried one of the connection's known CIDs. */
  answersMatched?: boolean;
  /** A candidate CID first seen in a long header (already counted among the inferred frames). */
  viaLong?: boolean;
  /** The whole packet, kept for orphan flows when a key log may decrypt it. */
  bytes?: Uint8Array;
  dir?: number;
}

type CloseFrame = Extract<QuicFrame, { type: 'connection_close' }>;

/**
 * The client's first Initials, read while the capture is read (readClientInitial): the
 * state that the end-of-capture Initial pass would have built from them, which it takes
 * over. Reading them at once means they need not be copied and kept: once the ClientHello
 * is whole, the client's other Initials are never read (unless kept for a CONNECTION_CLOSE).
 */
interface EarlyInitials {
  /** The client's Initial keys, for keysCid and keysVersion. */
  keys: PacketKeys | null;
  keysCid: Uint8Array | null;
  keysVersion: number;
  /** Largest client Initial packet number decrypted. */
  largest: number;
  crypto: CryptoStream;
  helloDone: boolean;
  /** CONNECTION_CLOSE frames read, turned into events at the end (where the end pass would). */
  closes: { p: Pending; f: CloseFrame }[];
  /** A packet the peek could not read: it and the client's later Initials wait for the end pass. */
  stopped: boolean;
}

const NO_BYTES = new Uint8Array(0);
const NO_CIDS: ReadonlySet<string> = new Set();

interface DecryptCtx {
  largest: number[][];
  crypto: CryptoStream[][];
  hsKeys: (PacketKeys | null)[];
  appKeys: (PacketKeys | null)[][];
  phase: number[];
}

export interface TimelinePoint {
  frame: number;
  time: number;
  /** PacketType code (Initial 0, 0-RTT 1, Handshake 2, Retry 3, VN 4, 1-RTT 5). */
  type: number;
  /** 0 = client → server, 1 = server → client. */
  dir: number;
  path: number;
}

export class QuicConn {
  number = 0;
  readonly versions: number[] = [];
  sni: string | null = null;
  alpn: string[] = [];
  clientRandom: string | null = null;
  cipherSuite = 0;
  readonly clientCids: string[] = [];
  readonly serverCids: string[] = [];
  /**
   * CIDs learned by inference (a DCID prefix repeating on the connection's 4-tuple), prefixed 's'/'c' for the side that chose it.
   * This and the other rarely used maps and sets below are created on first use (most connections never need them).
   */
  inferredCids: Set<string> | null = null;
  readonly paths: QuicPath[] = [];
  /** Frames attributed by CID (and the ICMP errors quoting the connection); sorted at the end. */
  readonly frames: FrameList;
  /** Frames attributed by inference; sorted at the end. */
  readonly inferredFrames: FrameList;
  /** One entry per QUIC packet, coalesced ones included. */
  readonly timeline: Timeline;
  firstTime = 0;
  lastTime = 0;
  lastFrame = 0;
  firstClientFrame = 0;
  clientInitials = 0;
  serverPackets = 0;
  clientPackets = 0;
  lastClientTime = 0;
  lastClientFrame = 0;
  lastServerTime = 0;
  lastServerFrame = 0;
  lastServerMatchedTime = -1;
  /** Highest packet type reached per side (Initial 0 → Handshake 2 → 1-RTT 5). */
  clientBeyondInitial = false;
  serverBeyondInitial = false;
  /** Initial keys DCID (client's first Initial DCID, or the Retry's SCID). */
  keyCid: Uint8Array | null = null;
  /** The client's Initials read as they came (null until the first, and always with a key log). */
  early: EarlyInitials | null = null;
  readonly pending: Pending[] = [];
  firstClientInitials = 0;
  lastClientInitial: Pending | null = null;
  lastServerInitial: Pending | null = null;
  firstServerInitials = 0;
  /** Stateless reset tokens issued by the server / the client, with where we learned them. */
  serverTokens: Map<string, string> | null = null;
  clientTokens: Map<string, string> | null = null;
  serverParams: TransportParams | null = null;
  handshakeDoneFrame = 0;
  closeFrames: number[] = [];
  decrypted = 0;
  readonly unmatched: Unmatched[] = [];
  /** DCID prefix candidates seen once on the connection's 4-tuples (promoted when they repeat). */
  candidates: Map<string, Unmatched> | null = null;
  /** The client's Initial DCID (hex), first seen. */
  originalDcid = '';
  retryScid: string | null = null;
  icmpFrames: number[] = [];
  vnSeen = false;
  /** 1-RTT packets kept so far from the client / the server. */
  keptShortClient = 0;
  keptShortServer = 0;
  keptHandshake = 0;
  /** The server's last short-header datagrams (a reset ends a connection, so it is among them): last 16 bytes (null until the first). */
  ringTail: Uint8Array | null = null;
  /** Per ring slot: frame, time, flow, length (frame 0 = empty). */
  ringMeta: Float64Array | null = null;
  ringNext = 0;
  /** Frames first kept as unmatched or inferred whose DCID a decrypted NEW_CONNECTION_ID explained. */
  proven: Set<number> | null = null;
  /** False after paths were inferred at the end (timeline arrays then need sorting). */
  timelineSorted = true;

  /** The connection's lists live in the tracker's shared logs. */
  constructor(frames: IntLog, timeline: TimelineLog) {
    this.frames = new FrameList(frames);
    this.inferredFrames = new FrameList(frames);
    this.timeline = new Timeline(timeline);
  }

  cidList(server: boolean): string[] {
    return server ? this.serverCids : this.clientCids;
  }
}

interface FlowQ {
  conn: QuicConn | null;
  /** Flow direction (0/1) that the connection's client sends in. */
  clientDir: number;
  pathIndex: number;
  /** Failed attempts before the flow proved to be QUIC. */
  misses: number;
  /** DCID bytes last matched per flow direction 0 / 1 (fast path for short headers), and whether that CID was inferred. */
  fast0: Uint8Array | null;
  fast1: Uint8Array | null;
  fastInferred0: boolean;
  fastInferred1: boolean;
  key: string;
  lastClientLen: number;
  /** The last client packet on the 4-tuple carried a known CID. */
  lastClientMatched: boolean;
  /** One endpoint is the server endpoint of a known connection (computed when needed). */
  nearServer?: boolean;
}

const NOT_QUIC_AFTER = 8;
const NOT_QUIC_FLOW: FlowQ = newFlowQ(NOT_QUIC_AFTER);
const MAX_PENDING_PER_CONN = 50_000;
const MAX_UNMATCHED_PER_CONN = 10_000;

function setFast(fq: FlowQ, dir: number, cid: Uint8Array | null, inferred: boolean): void {
  if (dir === 0) { fq.fast0 = cid; fq.fastInferred0 = inferred; }
  else { fq.fast1 = cid; fq.fastInferred1 = inferred; }
}

function newFlowQ(misses: number): FlowQ {
  return { conn: null, clientDir: 0, pathIndex: -1, misses, fast0: null, fast1: null, fastInferred0: false, fastInferred1: false, key: '', lastClientLen: 0, lastClientMatched: false };
}

function addUnique(list: string[], v: string): boolean {
  if (list.includes(v)) return false;
  list.push(v);
  return true;
}

/** Is the CID at d[off..off+len) in the list (hex strings)? */
function hasCid(list: string[], d: Uint8Array, off: number, len: number): boolean {
  for (let i = 0; i < list.length; i++) if (list[i].length === 2 * len && bytesEqHex(list[i], d, off)) return true;
  return false;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && bytesEq(a, b, 0);
}

function bytesEq(a: Uint8Array, d: Uint8Array, off: number): boolean {
  if (off + a.length > d.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== d[off + i]) return false;
  return true;
}

/** A 30-bit hash of a CID's length and first bytes (a Smi, so Map lookups allocate nothing). */
function cidHash(d: Uint8Array, off: number, len: number): number {
  let h = len * 0x9e3779b1;
  const n = len < 6 ? len : 6;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ d[off + i], 0x01000193);
  return (h ^ (h >>> 15)) & 0x3fffffff;
}

interface CidEntry {
  bytes: Uint8Array;
  conn: QuicConn;
  next: CidEntry | null;
}

/**
 * CID bytes → connection, looked up in the datagram without building a key string. The
 * key hashes at most the first 6 bytes, and CIDs of 6 bytes or more share it (the length
 * is not in it): one lookup finds every such CID that a DCID may start with (longest).
 */
class CidIndex {
  private readonly m = new Map<number, CidEntry>();

  /** The entry whose CID is exactly the `len` bytes at `off`. */
  find(d: Uint8Array, off: number, len: number): CidEntry | null {
    let e = this.m.get(cidHash(d, off, len < 6 ? len : 6)) ?? null;
    for (; e !== null; e = e.next) if (e.bytes.length === len && bytesEq(e.bytes, d, off)) return e;
    return null;
  }

  /** The longest CID of 6 to maxLen bytes (maxLen ≥ 6) that the bytes at `off` start with. */
  longest(d: Uint8Array, off: number, maxLen: number): CidEntry | null {
    let best: CidEntry | null = null;
    for (let e = this.m.get(cidHash(d, off, 6)) ?? null; e !== null; e = e.next) {
      const L = e.bytes.length;
      if (L >= 6 && L <= maxLen && (best === null || L > best.bytes.length) && bytesEq(e.bytes, d, off)) best = e;
    }
    return best;
  }

  get(d: Uint8Array, off: number, len: number): QuicConn | undefined {
    return this.find(d, off, len)?.conn;
  }

  /** As Map.set: a later connection with the same CID replaces the earlier. */
  set(bytes: Uint8Array, conn: QuicConn): void {
    const e = this.find(bytes, 0, bytes.length);
    if (e !== null) { e.conn = conn; return; }
    const h = cidHash(bytes, 0, bytes.length < 6 ? bytes.length : 6);
    this.m.set(h, { bytes, conn, next: this.m.get(h) ?? null });
  }
}

/** Copies of the packets kept for decryption, packed into large chunks (no ArrayBuffer per packet). */
class ByteArena {
  private chunk = new Uint8Array(0);
  private used = 0;

  copy(d: Uint8Array, start: number, end: number): Uint8Array {
    const n = end - start;
    const o = this.reserve(n);
    const c = this.chunk;
    if (n <= 64) for (let i = 0; i < n; i++) c[o + i] = d[start + i]; // no subarray for a CID
    else c.set(d.subarray(start, end), o);
    return c.subarray(o, o + n);
  }

  /** d[off, off+21) (or to end), then, for at least 21 bytes, d[end-16, end): in one copy. */
  copyHeadTail(d: Uint8Array, off: number, end: number): Uint8Array {
    const h = Math.min(end - off, 21);
    const n = end - off >= 21 ? h + 16 : h;
    const o = this.reserve(n);
    const c = this.chunk;
    for (let i = 0; i < h; i++) c[o + i] = d[off + i];
    for (let i = h; i < n; i++) c[o + i] = d[end - 16 + i - h];
    return c.subarray(o, o + n);
  }

  /** A CID's bytes from its hex. */
  fromHex(cid: string): Uint8Array {
    const n = cid.length >> 1;
    const o = this.reserve(n);
    const c = this.chunk;
    for (let i = 0; i < n; i++) c[o + i] = parseInt(cid.substr(2 * i, 2), 16);
    return c.subarray(o, o + n);
  }

  /** Room for n bytes: their offset in this.chunk. */
  private reserve(n: number): number {
    if (this.used + n > this.chunk.length) {
      this.chunk = new Uint8Array(Math.max(1 << 20, n));
      this.used = 0;
    }
    const o = this.used;
    this.used = o + n;
    return o;
  }
}

export class QuicTracker implements Tracker {
  /** QUIC rides on UDP; ICMP and ICMPv6 errors quote its datagrams. */
  readonly ipProtocols = [17, 1, 58];
  readonly conns: QuicConn[] = [];
  private readonly flowQ: (FlowQ | undefined)[] = [];
  /** Known CID → connection, per side that chose it, and the client's first Initial DCID → connection (keyed by the CID bytes). */
  private readonly clientCidIdx = new CidIndex();
  private readonly serverCidIdx = new CidIndex();
  private readonly initialIdx = new CidIndex();
  /** CID (hex) → its bytes, shared by the flows' fast paths. */
  private readonly cidBytes = new Map<string, Uint8Array>();
  private readonly arena = new ByteArena();
  /** The connections' frame lists and timelines, in shared chunked logs. */
  private readonly frameLog = new IntLog();
  private readonly timelineLog = new TimelineLog();
  /** A server Initial of the datagram being read whose copy waits for the datagram's end (keepInitial). */
  private deferredConn: QuicConn | null = null;
  private deferredFq: FlowQ | null = null;
  private deferredHeader: LongHeader | null = null;
  private deferredFrame = 0;
  private deferredTime = 0;
  /** Scratch for the payload of a client Initial read during the capture. */
  private peekBuf = new Uint8Array(1500);
  /** CID lengths in use (bit per length), as Wireshark keeps them. */
  private cidLengths = 0;
  /** Endpoint pair key → flow state, for ICMP quotes. */
  private readonly byKey = new Map<string, FlowQ>();
  private readonly keylogText: string | undefined;
  private readonly idleSeconds: number;
  /** Keep every packet for decryption: a key log was given, or the capture has embedded secrets so far. */
  private wantAll: boolean;
  /** The capture's secrets as the reader finds them (pcapng decryption-secrets blocks, usually before the packets). */
  private captureSecrets: readonly unknown[] | null = null;
  /**
   * Keep Handshake and 1-RTT packets for a key log or secrets the capture may embed (see
   * onCaptureHeader). Also whether to note the server's short-header tails for stateless
   * resets: without secrets a connection learns server reset tokens only from a server
   * Initial decrypted at the end, which happens only when the server never got past
   * Initial, so never on a connection with server short-header packets.
   */
  private keepForSecrets: boolean;
  /** Orphan short-header flows: UDP 4-tuples with short-header-looking packets but no connection. */
  private readonly orphans = new Map<number, { flow: Flow; items: Unmatched[] }>();
  private readonly ctx = new Map<QuicConn, DecryptCtx>();
  /** Server endpoints ("ip:port") of the connections. */
  private readonly serverEps = new Set<string>();
  private readonly icmp: { frame: number; time: number; icmpFlow: number; fq: FlowQ; fromClient: boolean; port: boolean }[] = [];

  constructor(opts: QuicTrackerOptions = {}) {
    this.keylogText = opts.keylog;
    this.idleSeconds = opts.idleSeconds ?? 30;
    this.wantAll = !!opts.keylog;
    this.keepForSecrets = opts.keylog !== undefined || opts.captureSecrets !== false;
  }

  /**
   * The capture's file header, once the reader has read it (before the first packet):
   * a classic pcap cannot embed secrets, so without a key log packets are then kept only
   * for the Initial-level reading (SNI, ALPN, CONNECTION_CLOSE in Initial), which needs
   * no secret. Meant for an optional Tracker hook that the analysis calls.
   */
  onCaptureHeader(info: { format: 'pcap' | 'pcapng'; secrets?: readonly unknown[] }): void {
    // The reader appends each decryption-secrets block to info.secrets as it reads it:
    // from the first one on, every packet is kept, as with a key log (editcap
    // --inject-secrets puts the block before the packets).
    if (info.format === 'pcapng' && info.secrets) this.captureSecrets = info.secrets;
    if (info.format !== 'pcap' || this.keylogText !== undefined) return;
    this.keepForSecrets = false;
    // called late: what was kept for secrets can go (it could never be decrypted)
    for (const c of this.conns) {
      let n = 0;
      for (const p of c.pending) if (p.type === PacketType.INITIAL) c.pending[n++] = p;
      c.pending.length = n;
    }
    for (const o of this.orphans.values()) for (const u of o.items) u.bytes = undefined;
  }

  // ------------------------------------------------------------------ per packet

  onPacket(pkt: Packet, flow: Flow, dir: number, frame: number, time: number): void {
    if (pkt.ipProto !== 17) {
      if (pkt.hasQuote && pkt.quote.ipProto === 17) this.onIcmp(pkt, flow, frame, time);
      return;
    }
    if (pkt.payloadLen === 0) return;
    if (!this.wantAll && this.captureSecrets !== null && this.captureSecrets.length !== 0) this.wantAll = true;
    let fq = this.flowQ[flow.id];
    if (fq === undefined) {
      if (flow.app === 'dns' || pkt.srcPort === 53 || pkt.dstPort === 53 || pkt.srcPort === 5353 || pkt.dstPort === 5353) {
        // never QUIC: one shared state, never written (onPacket returns before any use)
        this.flowQ[flow.id] = NOT_QUIC_FLOW;
        return;
      }
      this.flowQ[flow.id] = fq = newFlowQ(0);
    } else if (fq.conn === null && fq.misses >= NOT_QUIC_AFTER) return;

    const d = pkt.data;
    const off = pkt.payloadOff;
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
      if (f !== null && bytesEq(f, d, off + 1)) {
        this.attribute(conn, fq, fromClient, PacketType.ONE_RTT, frame, time, dir === 0 ? fq.fastInferred0 : fq.fastInferred1);
        if (!fromClient && this.keepForSecrets) noteServerShort(conn, d, end, frame, time, flow.id, end - off);
        if (this.keepShort(conn, fromClient)) this.keep(conn, fq, fromClient, PacketType.ONE_RTT, d, off, end, 1, frame, time, null);
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
      const m = this.prefixMatch(peer, d, off + 1, end);
      if (m !== null) {
        setFast(fq, dir, m, false);
        this.attribute(conn, fq, fromClient, PacketType.ONE_RTT, frame, time, false);
        if (!fromClient && this.keepForSecrets) noteServerShort(conn, d, end, frame, time, flow.id, end - off);
        if (this.keepShort(conn, fromClient)) this.keep(conn, fq, fromClient, PacketType.ONE_RTT, d, off, end, 1, frame, time, null);
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
      const c = this.clientCidIdx.longest(d, off + 1, maxLen);
      const s = this.serverCidIdx.longest(d, off + 1, maxLen);
      if (c !== null && (s === null || c.bytes.length >= s.bytes.length)) { found = c.conn; foundBytes = c.bytes; fromServerSide = true; matchedLen = c.bytes.length; }
      else if (s !== null) { found = s.conn; foundBytes = s.bytes; fromServerSide = false; matchedLen = s.bytes.length; }
    }
    for (let len = Math.min(5, maxLen); len >= 1 && found === null; len--) {
      if ((this.cidLengths & (1 << len)) === 0) continue;
      const c = this.clientCidIdx.find(d, off + 1, len);
      if (c !== null) { found = c.conn; foundBytes = c.bytes; fromServerSide = true; matchedLen = len; break; }
      const s = this.serverCidIdx.find(d, off + 1, len);
      if (s !== null) { found = s.conn; foundBytes = s.bytes; fromServerSide = false; matchedLen = len; break; }
    }
    let inferred = false;
    if (found === null && fq.conn !== null) {
      // CIDs inferred on this connection (repeating unknown DCIDs)
      const c = fq.conn;
      const fromClient = dir === fq.clientDir;
      for (const cid of c.inferredCids ?? NO_CIDS) {
        if (cid[0] !== (fromClient ? 's' : 'c')) continue;
        if (bytesEqHex(cid, d, off + 1, 1)) { found = c; fromServerSide = !fromClient; matchedLen = (cid.length - 1) / 2; inferred = true; break; }
      }
    }
    if (found !== null) {
      const fromClient = !fromServerSide;
      const isNewPath = fq.conn !== found;
      this.attach(found, fq, flow, dir, fromClient, frame, time, false);
      setFast(fq, dir, foundBytes ?? this.arena.copy(d, off + 1, off + 1 + matchedLen), inferred);
      this.attribute(found, fq, fromClient, PacketType.ONE_RTT, frame, time, inferred);
      if (this.keepShort(found, fromClient)) this.keep(found, fq, fromClient, PacketType.ONE_RTT, d, off, end, 1, frame, time, null);
      if (fromClient) { fq.lastClientLen = wireLen; fq.lastClientMatched = !inferred; }
      void isNewPath;
      return;
    }
    // no CID matched
    conn = fq.conn;
    let o: { flow: Flow; items: Unmatched[] } | undefined;
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
          this.attribute(conn, fq, fromClient, PacketType.ONE_RTT, frame, time, true);
          if (this.keepShort(conn, fromClient)) this.keepUnmatched(conn, fq, fromClient, d, off, end, frame, time);
          return;
        }
        if (!prev) (conn.candidates ??= new Map()).set(k, u);
      }
      if (conn.unmatched.length < MAX_UNMATCHED_PER_CONN) conn.unmatched.push(u);
      if (this.keepShort(conn, fromClient)) this.keepUnmatched(conn, fq, fromClient, d, off, end, frame, time);
      return;
    }
    if (!o) this.orphans.set(flow.id, (o = { flow, items: [] }));
    u.fromClient = null;
    if (this.wantAll || (this.keepForSecrets && o.items.length < 8)) u.bytes = this.arena.copy(d, off, end);
    if (o.items.length < MAX_UNMATCHED_PER_CONN) o.items.push(u);
    else fq.misses = NOT_QUIC_AFTER;
    u.dir = dir;
  }

  private onLong(d: Uint8Array, off: number, end: number, fq: FlowQ, flow: Flow, dir: number, frame: number, time: number, wireLen: number): void {
    this.onLongPackets(d, off, end, fq, flow, dir, frame, time, wireLen);
    if (this.deferredConn !== null) this.keepDeferred(d);
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
          this.attribute(conn, fq, fromClient, PacketType.ONE_RTT, frame, time, false, true);
          if (this.keepShort(conn, fromClient)) this.keep(conn, fq, fromClient, PacketType.ONE_RTT, d, p, end, 1, frame, time, null);
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
            this.attribute(c, fq, fc, h.type, frame, time, true);
            if (h.dcidLen) {
              const k = (fc ? 's' : 'c') + hex(d, h.dcidOff, h.dcidLen);
              if (!c.candidates?.has(k)) (c.candidates ??= new Map()).set(k, { frame, time, flow: flow.id, fromClient: fc, head: this.arena.copy(d, h.dcidOff - 1, h.dcidOff + h.dcidLen), headLen: h.dcidLen + 1, len: 0, conn: c, resolved: false, answersLen: 0, viaLong: true });
            }
            if (h.type === PacketType.HANDSHAKE && this.keepHandshake(c)) this.keep(c, fq, fc, h.type, d, h.start, h.end, h.pnOff - h.start, frame, time, null);
          }
          return;
        }
        conn = r.conn;
        fromClient = r.fromClient;
        this.attach(conn, fq, flow, dir, fromClient, frame, time, true);
        if (fromClient) fq.lastClientLen = wireLen;
      }
      this.learnLong(conn!, d, h, fromClient, frame, time, fq);
      this.attribute(conn!, fq, fromClient, h.type, frame, time, false, !first);
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
      const c = (h.dcidLen ? this.clientCidIdx.get(d, h.dcidOff, h.dcidLen) : undefined) ?? this.initialIdx.get(d, h.scidOff, h.scidLen) ?? fq.conn;
      if (!c) return null;
      return { conn: c, fromClient: false };
    }
    if (h.dcidLen > 0) {
      if (t === PacketType.INITIAL || t === PacketType.ZERO_RTT) {
        const c = this.initialIdx.get(d, h.dcidOff, h.dcidLen);
        if (c && (fq.conn !== c || dir === fq.clientDir)) return { conn: c, fromClient: true };
      }
      const cc = this.clientCidIdx.get(d, h.dcidOff, h.dcidLen);
      if (cc) return { conn: cc, fromClient: false };
      const sc = this.serverCidIdx.get(d, h.dcidOff, h.dcidLen);
      if (sc) return { conn: sc, fromClient: true };
    } else if (fq.conn !== null) {
      return { conn: fq.conn, fromClient: dir === fq.clientDir };
    }
    if (t === PacketType.INITIAL && fq.conn !== null && dir === fq.clientDir && h.dcidLen < 8 && !h.opaque) {
      // A client Initial on the connection's 4-tuple to a DCID too short to be a new
      // connection's first (RFC 9000 7.2: at least 8 bytes): the client addresses the
      // server by a CID we did not see (one in a server Initial lost before the capture).
      this.addCid(fq.conn, hex(d, h.dcidOff, h.dcidLen), true);
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
      const dcid = hex(d, h.dcidOff, h.dcidLen);
      c.originalDcid = dcid;
      c.keyCid = this.arena.copy(d, h.dcidOff, h.dcidOff + h.dcidLen);
      this.initialIdx.set(c.keyCid, c);
      return { conn: c, fromClient: true };
    }
    if (fq.conn !== null) {
      // Long header with an unknown DCID on a known 4-tuple: Wireshark leaves it out; so do we.
      return null;
    }
    return null;
  }

  /** Learn CIDs from a long header. */
  private learnLong(c: QuicConn, d: Uint8Array, h: LongHeader, fromClient: boolean, frame: number, time: number, fq: FlowQ): void {
    if (h.type !== PacketType.VERSION_NEGOTIATION && !c.versions.includes(h.version)) c.versions.push(h.version);
    if (h.type === PacketType.VERSION_NEGOTIATION) {
      if (!c.vnSeen) {
        c.vnSeen = true;
        this.pendingEvents.push({ kind: 'quic.version-negotiation', escalate: false, frame, time, flow: fq.key ? this.flowIdOf(fq) : null,
          message: `the server does not support the client's version ${c.versions.map(versionHex).join(', ') || '?'} and offers ${vnVersions(d, h).map(versionHex).join(', ')}`, related: [] });
      }
      return;
    }
    if (h.type === PacketType.RETRY) {
      const scid = hex(d, h.scidOff, h.scidLen);
      c.retryScid = scid;
      if (h.scidLen) this.addCid(c, scid, true);
      c.keyCid = this.arena.copy(d, h.scidOff, h.scidOff + h.scidLen);
      this.pendingEvents.push({ kind: 'quic.retry', escalate: false, frame, time, flow: this.flowIdOf(fq),
        message: `the server asks the client to prove its address: Retry with a ${h.tokenLen}-byte token and the new connection ID ${scid}; the client's next Initial must go to it`, related: [] });
      return;
    }
    if (h.scidLen) { if (!hasCid(fromClient ? c.clientCids : c.serverCids, d, h.scidOff, h.scidLen)) this.addCid(c, hex(d, h.scidOff, h.scidLen), !fromClient); }
    else if (!fromClient ? !c.serverCids.includes('') : !c.clientCids.includes('')) (fromClient ? c.clientCids : c.serverCids).push('');
    if (fromClient) {
      if (h.type === PacketType.INITIAL) {
        c.clientInitials++;
        if (!h.opaque) this.keepInitial(c, fq, true, d, h, frame, time);
      } else c.clientBeyondInitial = true;
    } else {
      if (h.type === PacketType.INITIAL && !h.opaque) this.keepInitial(c, fq, false, d, h, frame, time);
      else c.serverBeyondInitial = true;
    }
    if ((h.type === PacketType.HANDSHAKE || h.type === PacketType.ZERO_RTT) && this.keepHandshake(c)) this.keep(c, fq, fromClient, h.type, d, h.start, h.end, h.pnOff - h.start, frame, time, null);
  }

  /**
   * Keep a 1-RTT packet for decryption? All of them with a key log; otherwise the first 8
   * per side (NEW_CONNECTION_ID comes early), in case the capture embeds its secrets
   * (pcapng decryption-secrets block, known only when the file has been read).
   */
  private keepShort(c: QuicConn, fromClient: boolean): boolean {
    if (this.wantAll) return true;
    if (!this.keepForSecrets) return false;
    return fromClient ? c.keptShortClient++ < 8 : c.keptShortServer++ < 8;
  }

  private keepHandshake(c: QuicConn): boolean {
    return this.wantAll || (this.keepForSecrets && c.keptHandshake++ < 16);
  }

  private keepInitial(c: QuicConn, fq: FlowQ, fromClient: boolean, d: Uint8Array, h: LongHeader, frame: number, time: number): void {
    // the client's first 3 Initials carry the ClientHello; of the later ones only the last is kept (for a CONNECTION_CLOSE)
    let late = false;
    if (fromClient) {
      if (c.firstClientInitials < 3) {
        c.firstClientInitials++;
        c.lastClientInitial = null;
        // without a key log they are read now, and kept only when that fails
        if (!this.wantAll && this.readClientInitial(c, fq, d, h, frame, time)) return;
      } else late = true;
    }
    // A late client Initial, or a server Initial after the server got past Initial, is
    // never read: the end pass reads them only for a side that never got past Initial
    // (and the server's first two for their ServerHello, which needs secrets).
    if (fromClient ? late && c.clientBeyondInitial : c.serverBeyondInitial && (c.firstServerInitials >= 2 || !this.keepForSecrets)) return;
    if (!fromClient && !this.keepForSecrets && !this.wantAll) {
      // Without secrets, a server Initial matters only if the server never gets past
      // Initial, and its Handshake packet usually follows in the same datagram: the copy
      // waits for the end of the datagram (onLong), when that is known.
      if (this.deferredConn !== null) this.keepDeferred(d);
      this.deferredConn = c;
      this.deferredFq = fq;
      this.deferredHeader = h;
      this.deferredFrame = frame;
      this.deferredTime = time;
      return;
    }
    this.storeInitial(c, fq, fromClient, late, d, h, frame, time);
  }

  private storeInitial(c: QuicConn, fq: FlowQ, fromClient: boolean, late: boolean, d: Uint8Array, h: LongHeader, frame: number, time: number): void {
    const p: Pending = { frame, time, fromClient, type: PacketType.INITIAL, bytes: this.arena.copy(d, h.start, h.end), pnOff: h.pnOff - h.start, keyCid: c.keyCid, pathIndex: fq.pathIndex };
    if (fromClient) {
      if (late) c.lastClientInitial = p;
      else c.pending.push(p);
    } else {
      // the server's first Initials carry the ServerHello (cipher suite, needed with a key log)
      if (c.firstServerInitials < 2) { c.firstServerInitials++; p.forKeys = true; c.pending.push(p); c.lastServerInitial = null; }
      else c.lastServerInitial = p;
    }
  }

  /** The deferred server Initial of the datagram d: kept unless the server got past Initial meanwhile. */
  private keepDeferred(d: Uint8Array): void {
    const c = this.deferredConn!;
    this.deferredConn = null;
    if (!c.serverBeyondInitial) this.storeInitial(c, this.deferredFq!, false, false, d, this.deferredHeader!, this.deferredFrame, this.deferredTime);
    this.deferredFq = null;
    this.deferredHeader = null;
  }

  /**
   * Read one of the client's first Initials now, as the end-of-capture Initial pass would
   * (same keys, same unauthenticated peek, same order), into c.early. True when the end
   * pass needs nothing more of the packet; false when it must be kept: the peek found no
   * ClientHello-like payload, so the end pass authenticates it (and every client Initial
   * after it, from the state reached here).
   */
  private readClientInitial(c: QuicConn, fq: FlowQ, d: Uint8Array, h: LongHeader, frame: number, time: number): boolean {
    const e = (c.early ??= { keys: null, keysCid: null, keysVersion: 0, largest: -1, crypto: new CryptoStream(), helloDone: false, closes: [], stopped: false });
    if (e.stopped) return false;
    // the end pass skips the client's Initials once the ClientHello is whole, and those it has no keys for
    if (e.helloDone) return true;
    const keyCid = c.keyCid;
    if (keyCid === null) return true;
    const pv = ((d[h.start + 1] << 24) | (d[h.start + 2] << 16) | (d[h.start + 3] << 8) | d[h.start + 4]) >>> 0;
    if (e.keysCid === null || !sameBytes(e.keysCid, keyCid) || e.keysVersion !== pv) {
      e.keys = initialKeysSync(keyCid, pv, true);
      e.keysCid = keyCid;
      e.keysVersion = pv;
    }
    if (e.keys === null) return true;
    if (this.peekBuf.length < h.end - h.start) this.peekBuf = new Uint8Array(h.end - h.start);
    const r = peekAt(d, h.start, h.end, h.pnOff - h.start, true, e.keys, e.largest, this.peekBuf);
    const frames = r === null ? null : parseFrames(r.payload);
    if (r === null || frames === null || !peekLooksRight(frames)) {
      e.stopped = true;
      e.keys = e.keysCid = null; // not used again
      return false;
    }
    c.decrypted++;
    if (r.pn > e.largest) e.largest = r.pn;
    let p: Pending | null = null;
    for (const f of frames) {
      if (f.type === 'crypto') e.crypto.add(f.offset, f.data); // copies out of peekBuf
      else if (f.type === 'connection_close') {
        p ??= { frame, time, fromClient: true, type: PacketType.INITIAL, bytes: NO_BYTES, pnOff: h.pnOff - h.start, keyCid, pathIndex: fq.pathIndex };
        e.closes.push({ p, f });
      }
    }
    e.helloDone = handshakeMessages(e.crypto.contiguous()).some((m) => m.type === 1);
    if (e.helloDone) e.keys = e.keysCid = null; // not used again
    return true;
  }

  private keep(c: QuicConn, fq: FlowQ, fromClient: boolean, type: PacketTypeCode, d: Uint8Array, start: number, end: number, pnRel: number, frame: number, time: number, keyCid: Uint8Array | null): void {
    if (c.pending.length >= MAX_PENDING_PER_CONN) return;
    let pnOff = pnRel;
    if (type === PacketType.ONE_RTT) {
      // the DCID length is the length of the receiving side's CIDs
      const peer = fromClient ? c.serverCids : c.clientCids;
      let L = -1;
      for (const cid of peer) if (bytesEqHex(cid, d, start + 1)) { L = cid.length / 2; break; }
      // a CID only inferred so far: kept raw, its length is checked after decryption taught the CIDs
      pnOff = L < 0 ? -1 : 1 + L;
    }
    c.pending.push({ frame, time, fromClient, type, bytes: this.arena.copy(d, start, end), pnOff, keyCid, pathIndex: fq.pathIndex });
  }

  private keepUnmatched(c: QuicConn, fq: FlowQ, fromClient: boolean, d: Uint8Array, off: number, end: number, frame: number, time: number): void {
    if (c.pending.length >= MAX_PENDING_PER_CONN) return;
    // DCID length unknown yet: kept raw, tried after NEW_CONNECTION_ID teaches the CIDs
    c.pending.push({ frame, time, fromClient, type: PacketType.ONE_RTT, bytes: this.arena.copy(d, off, end), pnOff: -1, keyCid: null, pathIndex: fq.pathIndex });
  }

  private addCid(c: QuicConn, cid: string, server: boolean): void {
    if (addUnique(server ? c.serverCids : c.clientCids, cid)) {
      (server ? this.serverCidIdx : this.clientCidIdx).set(this.bytesOfCid(cid), c);
      if (cid.length) this.cidLengths |= 1 << (cid.length / 2);
    }
  }

  private prefixMatch(cids: string[], d: Uint8Array, off: number, end: number): Uint8Array | null {
    for (let i = 0; i < cids.length; i++) {
      const cid = cids[i];
      const L = cid.length / 2;
      if (off + L > end) continue;
      if (bytesEqHex(cid, d, off)) return this.bytesOfCid(cid);
    }
    return null;
  }

  /** The bytes of a CID (hex), one shared copy per CID. */
  private bytesOfCid(cid: string): Uint8Array {
    let b = this.cidBytes.get(cid);
    if (b === undefined) this.cidBytes.set(cid, (b = this.arena.fromHex(cid)));
    return b;
  }

  /** Put the flow on the connection (a new path when the connection is elsewhere). */
  private attach(c: QuicConn, fq: FlowQ, flow: Flow, dir: number, fromClient: boolean, frame: number, time: number, long: boolean, inferred = false): void {
    if (fq.conn === c) return;
    fq.conn = c;
    fq.clientDir = fromClient ? dir : 1 - dir;
    setFast(fq, 0, null, false);
    setFast(fq, 1, null, false);
    flow.app = 'quic';
    const client = flow.endpoint(fq.clientDir === 0);
    const server = flow.endpoint(fq.clientDir !== 0);
    fq.key = `${client}|${server}`;
    this.byKey.set(fq.key, fq);
    const existing = c.paths.findIndex((p) => p.flow === flow.id);
    if (existing >= 0) {
      fq.pathIndex = existing;
      return;
    }
    fq.pathIndex = c.paths.length;
    c.paths.push({ flow: flow.id, client, server, firstFrame: frame, lastFrame: frame, firstTime: time, lastTime: time, inferred, challenges: [] });
    this.serverEps.add(server);
    if (c.paths.length > 1 && !long) {
      const prev = c.paths[c.paths.length - 2];
      this.pendingEvents.push({ kind: 'quic.migration', escalate: false, frame, time, flow: flow.id,
        message: `connection ${c.number} continues on a new path ${client} → ${server} (was ${prev.client} → ${prev.server}, last frame ${prev.lastFrame})${inferred ? ' — inferred' : ''}`, related: [prev.lastFrame],
        path: c.paths[c.paths.length - 1] });
    }
  }

  private attribute(c: QuicConn, fq: FlowQ, fromClient: boolean, type: number, frame: number, time: number, inferred: boolean, coalesced = false): void {
    if (!coalesced) {
      if (!inferred) c.frames.push(frame);
      else c.inferredFrames.push(frame);
      if (fromClient) { c.clientPackets++; c.lastClientTime = time; c.lastClientFrame = frame; }
      else { c.serverPackets++; c.lastServerTime = time; c.lastServerFrame = frame; if (!inferred) c.lastServerMatchedTime = time; }
      if (c.lastFrame && time - c.lastTime > this.idleSeconds) {
        this.pendingEvents.push({ kind: 'quic.idle', escalate: false, frame, time, flow: this.flowIdOf(fq),
          message: `no packet of connection ${c.number} for ${(time - c.lastTime).toFixed(1)} s (frame ${c.lastFrame} → ${frame}; threshold ${this.idleSeconds} s)`, related: [c.lastFrame] });
      }
      if (time > c.lastTime) c.lastTime = time;
      c.lastFrame = frame;
      const p = c.paths[fq.pathIndex];
      if (p) { p.lastFrame = frame; p.lastTime = time; }
    }
    if (type === PacketType.ONE_RTT) { if (fromClient) c.clientBeyondInitial = true; else c.serverBeyondInitial = true; }
    c.timeline.push(frame, time, type, fromClient ? 0 : 1, fq.pathIndex);
  }

  private flowIdOf(fq: FlowQ): number | null {
    const c = fq.conn;
    if (!c) return null;
    return c.paths[fq.pathIndex]?.flow ?? null;
  }

  private onIcmp(pkt: Packet, _flow: Flow, frame: number, time: number): void {
    const q = pkt.quote;
    if (q.srcPort < 0) return;
    const v = q.ipVersion === 6 ? 6 : 4;
    const src = formatEndpoint(pkt.data, q.ipSrcOff, v, q.srcPort);
    const dst = formatEndpoint(pkt.data, q.ipDstOff, v, q.dstPort);
    let fq = this.byKey.get(`${src}|${dst}`);
    let fromClient = true;
    if (!fq) {
      fq = this.byKey.get(`${dst}|${src}`);
      fromClient = false;
    }
    if (!fq || !fq.conn) return;
    const port = (pkt.ipProto === 1 && pkt.icmpType === 3 && pkt.icmpCode === 3) || (pkt.ipProto === 58 && pkt.icmpType === 1 && pkt.icmpCode === 4);
    fq.conn.icmpFrames.push(frame);
    fq.conn.frames.push(frame);
    this.icmp.push({ frame, time, icmpFlow: _flow.id, fq, fromClient, port });
  }

  /** Events raised before their message is complete (a migration's path validation is known only at the end); emitted in finishAsync. */
  private readonly pendingEvents: { kind: string; escalate: boolean; frame: number; time: number; flow: number | null; message: string; related: number[]; path?: QuicPath }[] = [];

  // ------------------------------------------------------------------ end of capture

  finish(_analysis: Analysis): void {
    // everything happens in finishAsync (decryption is async)
  }

  async finishAsync(a: Analysis): Promise<void> {
    const secrets = new Map<string, TlsSecrets>();
    if (this.keylogText) parseKeylog(this.keylogText, secrets);
    for (const s of a.info?.secrets ?? []) if (s.type === SECRETS_TYPE_TLS_KEYLOG) parseKeylog(new TextDecoder().decode(s.data), secrets);
    for (const c of this.conns) {
      if (c.lastClientInitial && !c.clientBeyondInitial) c.pending.push({ ...c.lastClientInitial, closeCheck: true });
      if (c.lastServerInitial && !c.serverBeyondInitial) c.pending.push({ ...c.lastServerInitial, closeCheck: true });
    }
    // Without any secret, a connection with nothing kept (its client Initials were read
    // during the capture) has nothing asynchronous left: its ClientHello is parsed here.
    const queue: QuicConn[] = [];
    for (const c of this.conns) {
      if (c.pending.length || secrets.size) queue.push(c);
      else if (c.early !== null) this.finishEarly(c);
    }
    // WebCrypto works off the main thread: keep a few dozen connections in flight
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < queue.length) {
        const c = queue[next++];
        try {
          const ctx = await this.decrypt(c, secrets);
          if (ctx) this.ctx.set(c, ctx);
        } catch {
          // a decryption problem never loses the analysis
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    for (const c of this.conns) { const proven = c.proven; if (proven) for (const u of c.unmatched) if (proven.has(u.frame)) u.resolved = true; }
    await this.resolveOrphansByCid();
    this.resolveOrphans();
    this.breaks(a);
    for (const e of this.pendingEvents) {
      if (e.path && e.path.challenges.length) {
        const ch = [...e.path.challenges].sort((x, y) => x - y);
        e.message += `; path validation (PATH_CHALLENGE / PATH_RESPONSE) in frame${ch.length > 1 ? 's' : ''} ${ch.slice(0, 6).join(', ')}${ch.length > 6 ? ', …' : ''}`;
        e.related = [...e.related, ...ch.slice(0, 6)];
      }
      a.emit('quic', e.kind, e.frame, e.time, e.flow, e.message, e.related, e.escalate);
    }
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

  /** decrypt() of a connection with nothing kept when there are no secrets: what its early Initials gave. */
  private finishEarly(c: QuicConn): void {
    const e = c.early!;
    c.early = null; // read once
    try {
      for (const x of e.closes) this.onClose(c, x.p, x.f);
      this.learnClientHello(c, e.crypto);
    } catch {
      // as in decrypt: a problem never loses the analysis
    }
  }

  /** SNI, ALPN and random of the (last) ClientHello in the client's Initial CRYPTO stream. */
  private learnClientHello(c: QuicConn, stream: CryptoStream): void {
    for (const m of handshakeMessages(stream.contiguous())) {
      if (m.type === 1) {
        const ch = parseClientHelloNames(m.body);
        if (ch) { c.sni = ch.sni; c.alpn = ch.alpn; c.clientRandom = ch.random; }
      }
    }
  }

  private async decrypt(c: QuicConn, secrets: Map<string, TlsSecrets>): Promise<DecryptCtx | null> {
    if (!c.pending.length && c.early === null) return null;
    const version = c.versions[c.versions.length - 1] ?? 1;
    const ctx: DecryptCtx = {
      largest: [[-1, -1, -1, -1, -1, -1], [-1, -1, -1, -1, -1, -1]],
      crypto: [[new CryptoStream(), new CryptoStream(), new CryptoStream()], [new CryptoStream(), new CryptoStream(), new CryptoStream()]],
      hsKeys: [null, null], appKeys: [[null], [null]], phase: [0, 0],
    };
    const initKeys = new Map<string, { side(client: boolean): Promise<PacketKeys> } | null>();
    // Initial level first (to learn the ClientHello random and the cipher suite)
    const ordered = c.pending.slice().sort((x, y) => x.frame - y.frame);
    let helloDone = false;
    const e = c.early;
    c.early = null; // read once
    if (e !== null) {
      // the client's Initials read during the capture came first: go on from their state
      ctx.crypto[0][0] = e.crypto;
      ctx.largest[0][0] = e.largest;
      helloDone = e.helloDone;
      for (const x of e.closes) this.onClose(c, x.p, x.f);
    }
    for (const p of ordered) {
      // the server's Initials wait for the key log, unless the server never got past Initial (a CONNECTION_CLOSE may be there)
      if (p.type !== PacketType.INITIAL || !p.keyCid || (p.forKeys && c.serverBeyondInitial)) continue;
      // once the ClientHello is whole, the client's other Initials only matter if kept for a CONNECTION_CLOSE
      if (p.fromClient && helloDone && !p.closeCheck) continue;
      const pv = ((p.bytes[1] << 24) | (p.bytes[2] << 16) | (p.bytes[3] << 8) | p.bytes[4]) >>> 0;
      const k = hex(p.keyCid, 0, p.keyCid.length) + '/' + pv;
      let keys = initKeys.get(k);
      if (keys === undefined) initKeys.set(k, (keys = await initialKeysLazy(p.keyCid, pv)));
      if (!keys) continue;
      const side = p.fromClient ? 0 : 1;
      const sideKeys = await keys.side(p.fromClient);
      // the ClientHello is read from an unauthenticated peek (TypeScript AES-CTR, no WebCrypto
      // round trip); it is kept only if it parses as a ClientHello. Everything else is authenticated.
      let r = p.fromClient && !p.closeCheck && !this.wantAll ? peek(p.bytes, p.pnOff, true, sideKeys, ctx.largest[side][0]) : null;
      let frames: QuicFrame[] | null = null;
      if (r) { frames = parseFrames(r.payload); if (!peekLooksRight(frames)) { r = null; frames = null; } }
      if (!r) r = await unprotect(p.bytes, p.pnOff, true, sideKeys, ctx.largest[side][0]);
      if (!r) continue;
      c.decrypted++;
      if (r.pn > ctx.largest[side][0]) ctx.largest[side][0] = r.pn;
      this.handleFrames(c, ctx, p, frames ?? parseFrames(r.payload), 0);
      if (p.fromClient && !helloDone) helloDone = handshakeMessages(ctx.crypto[0][0].contiguous()).some((m) => m.type === 1);
    }
    this.learnClientHello(c, ctx.crypto[0][0]);
    const secNow = c.clientRandom ? secrets.get(c.clientRandom) : undefined;
    if (secNow && c.serverBeyondInitial) {
      // the server's Initials: the ServerHello names the cipher suite of the key log's secrets
      for (const p of ordered) {
        if (!p.forKeys || !p.keyCid) continue;
        const pv = ((p.bytes[1] << 24) | (p.bytes[2] << 16) | (p.bytes[3] << 8) | p.bytes[4]) >>> 0;
        const keys = initKeys.get(hex(p.keyCid, 0, p.keyCid.length) + '/' + pv) ?? (await initialKeysLazy(p.keyCid, pv));
        if (!keys) continue;
        const r = await unprotect(p.bytes, p.pnOff, true, await keys.side(false), ctx.largest[1][0]);
        if (!r) continue;
        c.decrypted++;
        if (r.pn > ctx.largest[1][0]) ctx.largest[1][0] = r.pn;
        this.handleFrames(c, ctx, p, parseFrames(r.payload), 0);
      }
    }
    for (const m of handshakeMessages(ctx.crypto[1][0].contiguous())) {
      if (m.type === 2) {
        const sh = parseServerHello(m.body);
        if (sh) c.cipherSuite = sh.cipherSuite;
      }
    }
    const sec = c.clientRandom ? secrets.get(c.clientRandom) : undefined;
    if (!sec) return null;
    const suite = suiteOf(c.cipherSuite || 0x1301);
    if (!suite) return null;
    ctx.hsKeys = [sec.clientHandshake ? await packetKeys(sec.clientHandshake, suite, version) : null, sec.serverHandshake ? await packetKeys(sec.serverHandshake, suite, version) : null];
    ctx.appKeys = [[sec.client0 ? await packetKeys(sec.client0, suite, version) : null], [sec.server0 ? await packetKeys(sec.server0, suite, version) : null]];
    const retry: Pending[] = [];
    for (const p of ordered) if (p.type !== PacketType.INITIAL && (await this.decryptOne(c, ctx, p)) === 'no-cid') retry.push(p);
    // packets sent to a CID whose NEW_CONNECTION_ID was decrypted later in file order
    for (const p of retry) await this.decryptOne(c, ctx, p);
    for (const m of handshakeMessages(ctx.crypto[1][2].contiguous())) {
      if (m.type === 8) {
        const tp = parseEncryptedExtensions(m.body);
        if (tp) {
          c.serverParams = tp;
          const first = c.serverCids.find((x) => x !== '') ?? '';
          if (tp.statelessResetToken) (c.serverTokens ??= new Map()).set(tp.statelessResetToken, `transport parameter stateless_reset_token (CID ${tp.initialSourceCid ?? first})`);
          if (tp.preferredAddressCid) this.addCid(c, tp.preferredAddressCid, true);
          if (tp.preferredAddressResetToken) (c.serverTokens ??= new Map()).set(tp.preferredAddressResetToken, `preferred_address (CID ${tp.preferredAddressCid})`);
          if (tp.retrySourceCid) this.addCid(c, tp.retrySourceCid, true);
        }
      }
    }
    return ctx;
  }

  private handleFrames(c: QuicConn, _ctx: DecryptCtx, p: Pending, frames: QuicFrame[], level: number): void {
    const side = p.fromClient ? 0 : 1;
    for (const f of frames) {
      if (f.type === 'crypto') _ctx.crypto[side][level].add(f.offset, f.data);
      else if (f.type === 'connection_close') this.onClose(c, p, f);
      else if (f.type === 'new_connection_id') {
        this.addCid(c, f.cid, !p.fromClient);
        (p.fromClient ? (c.clientTokens ??= new Map()) : (c.serverTokens ??= new Map())).set(f.resetToken, `NEW_CONNECTION_ID seq ${f.seq} (CID ${f.cid}) in frame ${p.frame}`);
      } else if (f.type === 'handshake_done') { if (!c.handshakeDoneFrame) c.handshakeDoneFrame = p.frame; }
      else if (f.type === 'path_challenge' || f.type === 'path_response') {
        const path = c.paths[p.pathIndex];
        if (path && !path.challenges.includes(p.frame)) path.challenges.push(p.frame);
      }
    }
  }

  private async decryptOne(c: QuicConn, ctx: DecryptCtx, p: Pending): Promise<'ok' | 'fail' | 'no-cid'> {
    const side = p.fromClient ? 0 : 1;
    if (p.type === PacketType.HANDSHAKE) {
      const k = ctx.hsKeys[side];
      if (!k) return 'fail';
      const r = await unprotect(p.bytes, p.pnOff, true, k, ctx.largest[side][2]);
      if (!r) return 'fail';
      c.decrypted++;
      if (r.pn > ctx.largest[side][2]) ctx.largest[side][2] = r.pn;
      this.handleFrames(c, ctx, p, parseFrames(r.payload), 2);
      return 'ok';
    } else if (p.type === PacketType.ONE_RTT) {
      const gens = ctx.appKeys[side];
      if (!gens[0]) return 'fail';
      let pnOff = p.pnOff;
      if (pnOff < 0) {
        // learn the DCID length now (NEW_CONNECTION_ID may have taught it)
        const peer = p.fromClient ? c.serverCids : c.clientCids;
        const cid = peer.find((x) => bytesEqHex(x, p.bytes, 1));
        if (cid === undefined) return 'no-cid';
        pnOff = 1 + cid.length / 2;
        this.reattribute(c, p);
      }
      // key phase: the current generation, then the next (RFC 9001 6)
      const cur = gens[ctx.phase[side]]!;
      let r = await unprotect(p.bytes, pnOff, false, cur, ctx.largest[side][5]);
      if (!r) {
        if (!gens[ctx.phase[side] + 1]) gens[ctx.phase[side] + 1] = await updatedKeys(cur);
        const nk = gens[ctx.phase[side] + 1];
        if (nk) {
          r = await unprotect(p.bytes, pnOff, false, nk, ctx.largest[side][5]);
          if (r) ctx.phase[side]++;
        }
      }
      if (!r) return 'fail';
      c.decrypted++;
      if (r.pn > ctx.largest[side][5]) ctx.largest[side][5] = r.pn;
      this.handleFrames(c, ctx, p, parseFrames(r.payload), 2);
      return 'ok';
    }
    return 'fail';
  }

  /** A short-header packet kept raw whose DCID a decrypted NEW_CONNECTION_ID explained. */
  private reattribute(c: QuicConn, p: Pending): void {
    (c.proven ??= new Set()).add(p.frame);
  }

  private onClose(c: QuicConn, p: Pending, f: Extract<QuicFrame, { type: 'connection_close' }>): void {
    if (c.closeFrames.includes(p.frame)) return;
    c.closeFrames.push(p.frame);
    const ok = f.errorCode === 0 || (f.application && f.errorCode === 0x100);
    const name = errorName(f.errorCode, f.application);
    const level = p.type === PacketType.INITIAL ? 'Initial' : p.type === PacketType.HANDSHAKE ? 'Handshake' : '1-RTT';
    this.pendingEvents.push({
      kind: 'quic.connection-close', escalate: !ok, frame: p.frame, time: p.time, flow: c.paths[p.pathIndex]?.flow ?? null,
      message: `the ${p.fromClient ? 'client' : 'server'} closes connection ${c.number} with ${f.application ? 'application' : 'transport'} error 0x${f.errorCode.toString(16)} ${name}${f.reason ? ` ("${f.reason}")` : ''} in a${level === 'Initial' ? 'n' : ''} ${level} packet`,
      related: [],
    });
  }

  /** Orphan 4-tuples whose DCIDs the decrypted NEW_CONNECTION_ID frames explain: real paths. */
  private async resolveOrphansByCid(): Promise<void> {
    for (const [id, o] of this.orphans) {
      const fq = this.flowQ[o.flow.id]!;
      const rest: Unmatched[] = [];
      for (const u of o.items) {
        const dir = u.dir ?? 0;
        let found: QuicConn | null = null;
        let fromClient = true;
        let L = 0;
        for (let len = Math.min(20, u.headLen - 1); len >= 1 && !found; len--) {
          if ((this.cidLengths & (1 << len)) === 0) continue;
          const cc = this.clientCidIdx.get(u.head, 1, len);
          if (cc) { found = cc; fromClient = false; L = len; break; }
          const sc = this.serverCidIdx.get(u.head, 1, len);
          if (sc) { found = sc; fromClient = true; L = len; break; }
        }
        if (!found || (fq.conn !== null && fq.conn !== found)) { rest.push(u); continue; }
        if (fq.conn === null) {
          this.attach(found, fq, o.flow, dir, fromClient, u.frame, u.time, false);
        }
        const c = found;
        const fc = dir === fq.clientDir;
        c.frames.push(u.frame);
        const path = c.paths[fq.pathIndex];
        if (path) { if (u.frame < path.firstFrame) { path.firstFrame = u.frame; path.firstTime = u.time; } if (u.frame > path.lastFrame) { path.lastFrame = u.frame; path.lastTime = u.time; } }
        c.timeline.push(u.frame, u.time, PacketType.ONE_RTT, fc ? 0 : 1, fq.pathIndex);
        c.timelineSorted = false;
        if (fc) { c.clientPackets++; if (u.time > c.lastClientTime) { c.lastClientTime = u.time; c.lastClientFrame = u.frame; } }
        else { c.serverPackets++; if (u.time > c.lastServerTime) { c.lastServerTime = u.time; c.lastServerFrame = u.frame; } if (u.time > c.lastServerMatchedTime) c.lastServerMatchedTime = u.time; }
        const ctx = this.ctx.get(c);
        if (ctx && u.bytes) await this.decryptOne(c, ctx, { frame: u.frame, time: u.time, fromClient: fc, type: PacketType.ONE_RTT, bytes: u.bytes, pnOff: 1 + L, keyCid: null, pathIndex: fq.pathIndex });
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

  /** Packets on 4-tuples without a connection: attribute by inference where the evidence is strong. */
  private resolveOrphans(): void {
    for (const { flow, items } of this.orphans.values()) {
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
        const reasons: string[] = [`same server ${srv}`, lastElsewhere <= first.time ? `the old path went quiet ${Math.max(0, quietGap).toFixed(3)} s before` : 'the old path stops as this one starts'];
        let score = 1;
        // the client-to-server DCIDs have the server's CID length and stay the same
        const serverLen = (c.serverCids.find((x) => x) ?? '').length / 2;
        const fromClient = items.filter((u) => {
          const dir = u.dir ?? 0;
          const src = dir === 0 ? flow.endpoint(flow.clientIsA) : flow.endpoint(!flow.clientIsA);
          return src !== srv;
        });
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
        if (score < 2) continue;
        candidates++;
        if (!best || score > best.score) best = { c, serverIsA, score, reasons };
      }
      if (!best || candidates !== 1) {
        // next to a known QUIC server, short-header packets whose DCID nobody issued in our sight
        const near = this.serverEps.has(a) ? a : this.serverEps.has(b) ? b : null;
        if (near) {
          this.pendingEvents.push({ kind: 'quic.unknown-cid', escalate: false, frame: first.frame, time: first.time, flow: flow.id,
            message: `${items.length} short-header packet${items.length === 1 ? '' : 's'} on ${a} ↔ ${b} (server ${near}) to DCID ${hex(first.head, 1, Math.min(8, first.headLen - 1))}… that matches no connection seen in the capture${candidates > 1 ? ` (${candidates} connections of that server could have moved here)` : ''}`, related: [] });
        }
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
      c.paths.push({ flow: flow.id, client, server, firstFrame: first.frame, lastFrame: items[items.length - 1].frame, firstTime: first.time, lastTime: items[items.length - 1].time, inferred: true, challenges: [] });
      for (const u of items) {
        const dir = u.dir ?? 0;
        c.inferredFrames.push(u.frame);
        c.timeline.push(u.frame, u.time, PacketType.ONE_RTT, dir === clientDir ? 0 : 1, fq.pathIndex);
      }
      const prev = c.paths[c.paths.length - 2];
      this.pendingEvents.push({ kind: 'quic.migration', escalate: false, frame: first.frame, time: first.time, flow: flow.id,
        message: `connection ${c.number} probably continues on a new path ${client} → ${server} (inferred: ${best.reasons.join('; ')}; was ${prev.client} → ${prev.server}, last frame ${prev.lastFrame})`, related: [prev.lastFrame] });
    }
    for (const c of this.conns) c.timelineSorted = false;
  }

  private breaks(_a: Analysis): void {
    // the client's ICMP port unreachables per connection (one pass, not one per connection)
    const icmpOf = new Map<QuicConn, typeof this.icmp>();
    for (const x of this.icmp) {
      const c = x.fq.conn;
      if (c === null || !x.fromClient || !x.port) continue;
      const list = icmpOf.get(c);
      if (list) list.push(x);
      else icmpOf.set(c, [x]);
    }
    const none: typeof this.icmp = [];
    for (const c of this.conns) {
      const flow0 = c.paths[0]?.flow ?? null;
      // handshake never answered
      if (c.serverPackets === 0 && c.clientInitials > 0) {
        this.pendingEvents.push({ kind: 'quic.handshake-unanswered', escalate: false, frame: c.firstClientFrame, time: c.firstTime, flow: flow0,
          message: `${c.clientInitials} client Initial packet${c.clientInitials === 1 ? '' : 's'} over ${(c.lastClientTime - c.firstTime).toFixed(3)} s${c.sni ? ` (SNI ${c.sni})` : ''}, no answer from the server`, related: [] });
      }
      // stateless resets
      let resets = 0;
      const tokens = c.serverTokens;
      if (tokens && tokens.size && c.ringMeta && c.ringTail) {
        for (let i = 0; i < 8; i++) {
          const r = c.ringMeta;
          const m = { frame: r[i * 4], time: r[i * 4 + 1], flow: r[i * 4 + 2], len: r[i * 4 + 3] };
          if (m.frame === 0 || m.len < 21) continue;
          const tail = hex(c.ringTail, i * 16, 16);
          const who = tokens.get(tail);
          if (!who) continue;
          resets++;
          this.pendingEvents.push({ kind: 'quic.stateless-reset', escalate: false, frame: m.frame, time: m.time, flow: m.flow,
            message: `stateless reset to the client of connection ${c.number}: the last 16 bytes ${tail} are the reset token the server issued in ${who}`, related: [] });
        }
      }
      const cand = c.unmatched.filter((u) => !u.resolved && u.fromClient === false && u.len >= 21);
      for (const u of cand) {
        const who = c.serverTokens?.get(tailOf(u));
        if (who) {
          resets++;
          u.resolved = true;
          this.pendingEvents.push({ kind: 'quic.stateless-reset', escalate: false, frame: u.frame, time: u.time, flow: u.flow,
            message: `stateless reset to the client of connection ${c.number}: the last 16 bytes ${tailOf(u)} are the reset token the server issued in ${who}`, related: [] });
        }
      }
      const remaining = cand.filter((u) => !u.resolved);
      if (remaining.length && !c.clientCids.every((x) => x === '')) {
        const firstReset = remaining[0];
        // after the first candidate, the server sends nothing the client's CIDs explain, and the client gives up
        const serverQuiet = c.lastServerMatchedTime < firstReset.time;
        // a reset answers a client packet under the old, known CIDs; a client that itself
        // moved to new CIDs around then is rotating CIDs, not talking to a stateless peer
        const clientRotated = c.unmatched.some((x) => x.fromClient === true && x.time >= firstReset.time - 1);
        const answersKnown = remaining.every((x) => x.answersMatched);
        const lastCand = remaining[remaining.length - 1];
        const clientGaveUp = c.lastClientTime <= lastCand.time + 1;
        if (serverQuiet && clientGaveUp && !clientRotated && answersKnown) {
          const tails = new Map<string, number>();
          for (const u of remaining) tails.set(tailOf(u), (tails.get(tailOf(u)) ?? 0) + 1);
          for (const u of remaining) {
            c.inferredFrames.push(u.frame);
            const tail = tailOf(u);
            const same = (tails.get(tail) ?? 0) > 1 ? `; its last 16 bytes ${tail} recur in ${tails.get(tail)} such packets, as a reset token for one CID does` : '';
            u.resolved = true;
            resets++;
            const smaller = u.answersLen > 0 && u.len < u.answersLen ? `, smaller than the ${u.answersLen}-byte client packet it answers` : '';
            this.pendingEvents.push({ kind: 'quic.stateless-reset', escalate: false, frame: u.frame, time: u.time, flow: u.flow,
              message: `likely stateless reset to the client of connection ${c.number}: ${u.len}-byte short-header packet with an unknown DCID ${hex(u.head, 1, Math.min(8, u.headLen - 1))}…${smaller}${same}; the server sent nothing under the connection's CIDs after it and the client's last packet on the connection is frame ${c.lastClientFrame} (token unknown without the key log)`, related: [c.lastClientFrame] });
          }
        }
      }
      // unknown CIDs that are neither resets nor repeated (inferred) CIDs
      const seen = new Set<number>();
      for (const u of c.unmatched) {
        if (u.resolved || seen.has(u.flow)) continue;
        seen.add(u.flow);
        this.pendingEvents.push({ kind: 'quic.unknown-cid', escalate: false, frame: u.frame, time: u.time, flow: u.flow,
          message: `short-header packet from the ${u.fromClient ? 'client' : 'server'} of connection ${c.number} to DCID ${hex(u.head, 1, Math.min(8, u.headLen - 1))}… that matches none of the connection's known CIDs`, related: [] });
      }
      // client packets answered only by ICMP port unreachable, or by silence
      const icmps = icmpOf.get(c) ?? none;
      if (icmps.length && c.lastServerTime < icmps[0].time) {
        this.pendingEvents.push({ kind: 'quic.server-gone', escalate: false, frame: icmps[0].frame, time: icmps[0].time, flow: icmps[0].icmpFlow,
          message: `${icmps.length} ICMP port unreachable answer${icmps.length === 1 ? '' : 's'} to the client's packets of connection ${c.number} (server last heard in frame ${c.lastServerFrame}): nothing listens on ${c.paths[0]?.server ?? 'the server port'} any more`, related: icmps.slice(1, 20).map((x) => x.frame) });
      } else if (resets === 0 && c.serverBeyondInitial && c.lastServerFrame > 0) {
        // the client keeps sending for a while after the server's last packet (the
        // timeline is scanned only when the times already say so)
        const silentFor = c.lastClientTime - c.lastServerTime;
        const tl = c.timeline;
        let after = 0;
        let firstIdx = -1;
        if (silentFor >= 2 && !c.closeFrames.length) {
          const entries = tl.entries();
          for (let k = 0; k < entries.length; k++) {
            const i = entries[k];
            if (tl.dir(i) !== 0 || tl.frame(i) <= c.lastServerFrame) continue;
            if (firstIdx < 0) firstIdx = i;
            after++;
          }
        }
        if (after >= 4 && silentFor >= 2 && !c.closeFrames.length) {
          this.pendingEvents.push({ kind: 'quic.server-silent', escalate: false, frame: tl.frame(firstIdx), time: tl.time(firstIdx), flow: flow0,
            message: `the client sent ${after} more packets of connection ${c.number} over ${silentFor.toFixed(1)} s after the server's last packet (frame ${c.lastServerFrame}) and got no answer, not even a stateless reset`, related: [c.lastServerFrame] });
        }
      }
    }
  }

  // ------------------------------------------------------------------ output

  contribute(json: AnalysisJson, _analysis: Analysis, opts: JsonOptions): void {
    if (opts.transactions === false) return;
    for (const c of this.conns) json.quic.push(quicJson(c));
  }
}

/** The hex of an unmatched datagram's last 16 bytes ('' when shorter than 21 bytes), made when first needed. */
function tailOf(u: Unmatched): string {
  return (u.tailHex ??= u.len >= 21 ? hex(u.head, u.headLen, 16) : '');
}

/** An unmatched datagram's first bytes alone. */
function headOf(u: Unmatched): Uint8Array {
  return u.head.subarray(0, u.headLen);
}

/** A peeked client Initial payload: frames that parse, only those an Initial may carry, CRYPTO among them. */
function peekLooksRight(f: QuicFrame[]): boolean {
  if (!f.length || !f.some((x) => x.type === 'crypto')) return false;
  return f.every((x) => x.type === 'crypto' || x.type === 'padding' || x.type === 'ping' || x.type === 'ack' || x.type === 'connection_close');
}

function noteServerShort(c: QuicConn, d: Uint8Array, end: number, frame: number, time: number, flow: number, len: number): void {
  if (len < 21) return;
  const i = c.ringNext;
  c.ringNext = (i + 1) & 7;
  const t = (c.ringTail ??= new Uint8Array(8 * 16));
  for (let k = 0; k < 16; k++) t[i * 16 + k] = d[end - 16 + k];
  const m = (c.ringMeta ??= new Float64Array(8 * 4));
  m[i * 4] = frame;
  m[i * 4 + 1] = time;
  m[i * 4 + 2] = flow;
  m[i * 4 + 3] = len;
}

/** Is the hex CID (from character `from`, e.g. 1 after a side prefix) at d[off]? */
function bytesEqHex(cid: string, d: Uint8Array, off: number, from = 0): boolean {
  const L = (cid.length - from) / 2;
  if (off + L > d.length) return false;
  for (let i = 0; i < L; i++) {
    const b = d[off + i];
    const c1 = cid.charCodeAt(from + 2 * i), c2 = cid.charCodeAt(from + 2 * i + 1);
    const v = ((c1 <= 57 ? c1 - 48 : c1 - 87) << 4) | (c2 <= 57 ? c2 - 48 : c2 - 87);
    if (v !== b) return false;
  }
  return true;
}

export function quicJson(c: QuicConn): QuicJson & Record<string, unknown> {
  return {
    number: c.number,
    versions: c.versions.map(versionHex),
    sni: c.sni,
    alpn: c.alpn,
    clientCids: c.clientCids.filter((x) => x !== ''),
    serverCids: c.serverCids.filter((x) => x !== ''),
    paths: c.paths.map((p) => ({ client: p.client, server: p.server, firstFrame: p.firstFrame, lastFrame: p.lastFrame, ...(p.inferred ? { inferred: true } : {}) })),
    frames: c.frames.toArray(),
    inferredFrames: c.inferredFrames.toArray(),
    inferredCids: [...(c.inferredCids ?? NO_CIDS)].map((x) => ({ side: x[0] === 's' ? 'server' : 'client', cid: x.slice(1) })),
    clientZeroLengthCid: c.clientCids.includes(''),
    handshakeDoneFrame: c.handshakeDoneFrame || null,
    serverTransportParameters: c.serverParams,
    decryptedPackets: c.decrypted,
  };
}
