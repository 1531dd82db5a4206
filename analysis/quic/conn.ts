// What the QUIC tracker's parts share: a connection as the tracker builds it (QuicConn),
// a UDP 4-tuple as QUIC sees it (FlowQ), the packets kept for decryption (Pending) or
// left unmatched (Unmatched), and the events held until the end (PendingEvent).
//
// The parts: attribution.ts puts packets on connections by CID (cids.ts), decrypt.ts
// keeps and decrypts what may teach more, breaks.ts raises the end-of-capture events,
// json.ts writes the connections out, and tracker.ts coordinates them.

import { hex, type PacketTypeCode } from '../../parsers/quic/header';
import type { CryptoStream, QuicFrame } from '../../parsers/quic/frames';
import type { PacketKeys } from '../../parsers/quic/protection';
import type { TransportParams } from '../../parsers/quic/tls';
import type { Flow } from '../flows';
import { FrameList, Timeline, type IntLog, type TimelineLog } from './lists';

/** One STREAM frame a decrypted packet carried (RFC 9000 19.8). */
export interface QuicStreamFrame {
  fromClient: boolean;
  id: number;
  offset: number;
  data: Uint8Array;
  fin: boolean;
  frame: number;
  time: number;
  /** The packet's number: 0-RTT and 1-RTT share the application data space (RFC 9000 12.3). */
  pn: number;
  /** Sent in a 0-RTT packet (early data, RFC 9001 4.6). */
  zeroRtt: boolean;
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
  /** The client's last packet on it (0: none), for a migration: the client leaves a path, the server may still send there a while. */
  clientLastFrame: number;
  clientLastTime: number;
  /** Attributed by inference (no CID of the connection seen on it in clear). */
  inferred: boolean;
  /** PATH_CHALLENGE / PATH_RESPONSE frames seen on it (with the key log). */
  challenges: number[];
}

/** A packet copied for decryption at the end of the capture. */
export interface Pending {
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
export interface Unmatched {
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

/** The hex of an unmatched datagram's last 16 bytes ('' when shorter than 21 bytes), made when first needed. */
export function tailOf(u: Unmatched): string {
  return (u.tailHex ??= u.len >= 21 ? hex(u.head, u.headLen, 16) : '');
}

/** An unmatched datagram's first bytes alone. */
export function headOf(u: Unmatched): Uint8Array {
  return u.head.subarray(0, u.headLen);
}

export type CloseFrame = Extract<QuicFrame, { type: 'connection_close' }>;

/**
 * The client's first Initials, read while the capture is read (Decryptor.readClientInitial):
 * the state that the end-of-capture Initial pass would have built from them, which it
 * takes over. Reading them at once means they need not be copied and kept: once the
 * ClientHello is whole, the client's other Initials are never read (unless kept for a
 * CONNECTION_CLOSE).
 */
export interface EarlyInitials {
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

/** A set of CIDs that is always empty (for the sets created on first use). */
export const NO_CIDS: ReadonlySet<string> = new Set();
/** An empty string list, shared (replaced, never written). */
const NO_STRINGS: readonly string[] = [];

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
  /** Stateless reset tokens issued by the server, with where we learned them. */
  serverTokens: Map<string, string> | null = null;
  serverParams: TransportParams | null = null;
  handshakeDoneFrame = 0;
  closeFrames: number[] = [];
  /** CONNECTION_CLOSE frames read in Initial packets (the ones Zeek reads too: its history's C), with the side. */
  initialCloses: { frame: number; fromClient: boolean }[] | null = null;
  /** Frames of the client's Initials of a version we cannot read (reserved, RFC 8999): Zeek's history U. */
  opaqueFrames: number[] | null = null;
  // ---- session resumption and 0-RTT (RFC 8446 2.2, 4.2.10, 4.6.1; RFC 9001 4.6)
  /** The frame whose Initial completed the ClientHello (0: never read), and its time. */
  clientHelloFrame = 0;
  clientHelloTime = 0;
  /** The ClientHello's pre_shared_key identities (hex): a session ticket from an earlier connection. */
  pskIdentities: readonly string[] = NO_STRINGS;
  /** The ClientHello carries early_data: the client sends 0-RTT data. */
  earlyDataOffered = false;
  /** 0-RTT packets from the client (coalesced ones included), the (first 16) frames holding them, the first one's time. */
  zeroRttPackets = 0;
  zeroRttFrames: number[] | null = null;
  zeroRttTime = 0;
  /** The frame of the server Initial whose CRYPTO data begins with the ServerHello (0: not read). */
  serverHelloFrame = 0;
  /** The ServerHello's selected PSK identity, null without pre_shared_key (no resumption); undefined until read. */
  pskSelected: number | null | undefined = undefined;
  helloRetry = false;
  /** EncryptedExtensions (key log) carries early_data, and the frame of its Handshake packet; undefined until read. */
  earlyDataAccepted: boolean | undefined = undefined;
  encryptedExtensionsFrame = 0;
  /** NewSessionTicket messages the server sent (key log): the ticket (hex) and the frame of its 1-RTT packet. */
  tickets: { ticket: string; frame: number }[] | null = null;
  /** The earlier connection whose ticket this one offers (resumption.ts), and how that is known. */
  resumedFrom: QuicConn | null = null;
  resumedBy: 'psk-identity' | 'sni-client-host' | null = null;
  resumedTicketFrame = 0;
  decrypted = 0;
  /** STREAM frames of the decrypted packets, data copied (for Follow stream; bounded per capture by decrypt.ts). */
  streamFrames: QuicStreamFrame[] | null = null;
  readonly unmatched: Unmatched[] = [];
  /** DCID prefix candidates seen once on the connection's 4-tuples (promoted when they repeat). */
  candidates: Map<string, Unmatched> | null = null;
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

  /** The connection's lists live in the tracker's shared logs. */
  constructor(frames: IntLog, timeline: TimelineLog) {
    this.frames = new FrameList(frames);
    this.inferredFrames = new FrameList(frames);
    this.timeline = new Timeline(timeline);
  }
}

/** A UDP 4-tuple as the tracker sees it: the connection on it, if any, and the fast path for its short headers. */
export interface FlowQ {
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

/** A UDP 4-tuple with short-header-looking datagrams but no connection (a migrated path, or a connection begun before the capture). */
export interface Orphan {
  flow: Flow;
  items: Unmatched[];
}

/** An ICMP or ICMPv6 error quoting a datagram of a connection's 4-tuple. */
export interface IcmpNote {
  frame: number;
  time: number;
  icmpFlow: number;
  fq: FlowQ;
  /** The quoted datagram went client → server. */
  fromClient: boolean;
  /** A port unreachable. */
  port: boolean;
}

/**
 * An event raised during the analysis, emitted (Analysis.emit) at the end of finishAsync:
 * a migration's message is completed then with the path validation seen on its path.
 */
export interface PendingEvent {
  kind: string;
  escalate: boolean;
  frame: number;
  time: number;
  flow: number | null;
  message: string;
  related: number[];
  path?: QuicPath;
}
