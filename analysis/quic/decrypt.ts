// QUIC decryption: which packets are copied while the capture is read, and what their
// frames teach once it has been (RFC 9001).
//
// During the capture (called by attribution.ts for the packets it attributed): the
// client's first Initials are read at once for SNI and ALPN (keys from the DCID, an
// unauthenticated peek in TypeScript: once per connection, until the ClientHello is
// whole); a side's last Initial is copied while it has not got past Initial (a
// CONNECTION_CLOSE may be there); Handshake, 0-RTT and 1-RTT packets are copied only when
// secrets can come: a key log, or a capture format that can embed them (onCaptureHeader).
//
// At the end (decryptAll): WebCrypto decrypts what was kept, with the Initial keys and
// the key log's or the capture's secrets (0-RTT: the client's early secret, RFC 9001 5;
// its packets numbered in the application data space with 1-RTT, RFC 9000 12.3, their
// STREAM frames kept with the 1-RTT ones for Follow stream), and the frames teach the
// cipher suite, CIDs and reset tokens (NEW_CONNECTION_ID, transport parameters),
// HANDSHAKE_DONE, path validation and CONNECTION_CLOSE (an event). For resumption (resumption.ts): the
// ServerHello's selected PSK — its Initial needs no secret, and is kept and read for the
// connections whose ClientHello offers one — EncryptedExtensions' early_data and the
// NewSessionTicket tickets (key log).

import { hex, PACKET_TYPE_NAMES, PacketType, type LongHeader, type PacketTypeCode } from '../../parsers/quic/header';
import { initialKeysLazy, initialKeysSync, packetKeys, peek, peekAt, suiteOf, unprotect, updatedKeys, type PacketKeys } from '../../parsers/quic/protection';
import { CryptoStream, errorName, parseFrames, type QuicFrame } from '../../parsers/quic/frames';
import { acceptsEarlyData, handshakeMessages, parseClientHelloNames, parseEncryptedExtensions, parseNewSessionTicket, parseServerHello } from '../../parsers/quic/tls';
import { parseKeylog, SECRETS_TYPE_TLS_KEYLOG, type TlsSecrets } from '../../parsers/quic/keylog';
import type { Analysis } from '../analysis';
import { bytesEqHex, sameBytes, type ByteArena } from './bytes';
import type { ConnectionIds } from './cids';
import type { CloseFrame, Pending, PendingEvent, QuicConn } from './conn';

const NO_BYTES = new Uint8Array(0);

/** A packet decrypted again for the packet detail: its number, header length, frames, and a short header's DCID length. */
export interface Decrypted {
  pn: number;
  headerLen: number;
  frames: QuicFrame[];
  dcidLen: number;
}
const MAX_PENDING_PER_CONN = 50_000;
/** STREAM data kept per capture for Follow stream (decrypted packets only: with a key log). */
const STREAM_DATA_BUDGET = 16 << 20;

/** A connection's decryption state at the end: largest packet numbers and CRYPTO streams per side and level, keys. */
interface DecryptCtx {
  largest: number[][];
  /** Per side: the Initial [0], 1-RTT [1] and Handshake [2] CRYPTO streams (RFC 9001 4.1.3: one per encryption level). */
  crypto: CryptoStream[][];
  /** The server's 1-RTT CRYPTO frames (NewSessionTicket): offset, end and frame of each. */
  serverAppCrypto: { offset: number; end: number; frame: number }[];
  hsKeys: (PacketKeys | null)[];
  /** The client's 0-RTT keys (CLIENT_EARLY_TRAFFIC_SECRET; RFC 9001 5: the server sends no 0-RTT). */
  earlyKeys: PacketKeys | null;
  appKeys: (PacketKeys | null)[][];
  phase: number[];
}

export interface DecryptOptions {
  keylog?: string;
  /** Can the capture carry its own TLS secrets? (QuicTrackerOptions.captureSecrets) */
  captureSecrets?: boolean;
}

export class Decryptor {
  /** Keep every packet for decryption: a key log was given, or the capture has embedded secrets so far. */
  wantAll: boolean;
  /**
   * Keep Handshake and 1-RTT packets for a key log or secrets the capture may embed (see
   * onCaptureHeader). Also whether to note the server's short-header tails for stateless
   * resets: without secrets a connection learns server reset tokens only from a server
   * Initial decrypted at the end, which happens only when the server never got past
   * Initial, so never on a connection with server short-header packets.
   */
  keepForSecrets: boolean;
  private readonly keylogText: string | undefined;
  /** The capture's secrets as the reader finds them (pcapng decryption-secrets blocks, usually before the packets). */
  private captureSecrets: readonly unknown[] | null = null;
  /** A server Initial of the datagram being read whose copy waits for the datagram's end (endDatagram). */
  private deferredConn: QuicConn | null = null;
  private deferredPath = -1;
  private deferredHeader: LongHeader | null = null;
  private deferredFrame = 0;
  private deferredTime = 0;
  /** Scratch for the payload of a client Initial read during the capture. */
  private peekBuf = new Uint8Array(1500);
  private readonly ctx = new Map<QuicConn, DecryptCtx>();
  /** The key log's and the capture's secrets by client random (decryptAll), for decryptAgain's reasons. */
  private readonly secrets = new Map<string, TlsSecrets>();
  /** Bytes of STREAM data still to be kept for Follow stream (all connections of the capture). */
  private streamBudget = STREAM_DATA_BUDGET;

  constructor(
    opts: DecryptOptions,
    private readonly arena: ByteArena,
    private readonly cids: ConnectionIds,
    private readonly events: PendingEvent[],
  ) {
    this.keylogText = opts.keylog;
    this.wantAll = !!opts.keylog;
    this.keepForSecrets = opts.keylog !== undefined || opts.captureSecrets !== false;
  }

  /**
   * The capture's file header (QuicTracker.onCaptureHeader). True when, from now on,
   * nothing can be kept for secrets (a classic pcap without a key log): what the
   * connections kept for them is dropped here; the caller drops the rest.
   */
  onCaptureHeader(info: { format: 'pcap' | 'pcapng'; secrets?: readonly unknown[] }, conns: readonly QuicConn[]): boolean {
    // The reader appends each decryption-secrets block to info.secrets as it reads it:
    // from the first one on, every packet is kept, as with a key log (editcap
    // --inject-secrets puts the block before the packets).
    if (info.format === 'pcapng' && info.secrets) this.captureSecrets = info.secrets;
    if (info.format !== 'pcap' || this.keylogText !== undefined) return false;
    this.keepForSecrets = false;
    // called late: what was kept for secrets can go (it could never be decrypted)
    for (const c of conns) {
      let n = 0;
      for (const p of c.pending) if (p.type === PacketType.INITIAL) c.pending[n++] = p;
      c.pending.length = n;
    }
    return true;
  }

  /** Per datagram: from the capture's first embedded secret on, every packet is kept. */
  checkCaptureSecrets(): void {
    if (!this.wantAll && this.captureSecrets !== null && this.captureSecrets.length !== 0) this.wantAll = true;
  }

  // ------------------------------------------------------------------ during the capture

  /**
   * Keep a 1-RTT packet for decryption? All of them with a key log; otherwise the first 8
   * per side (NEW_CONNECTION_ID comes early), in case the capture embeds its secrets
   * (pcapng decryption-secrets block, known only when the file has been read).
   */
  keepShort(c: QuicConn, fromClient: boolean): boolean {
    if (this.wantAll) return true;
    if (!this.keepForSecrets) return false;
    return fromClient ? c.keptShortClient++ < 8 : c.keptShortServer++ < 8;
  }

  keepHandshake(c: QuicConn): boolean {
    return this.wantAll || (this.keepForSecrets && c.keptHandshake++ < 16);
  }

  keepInitial(c: QuicConn, pathIndex: number, fromClient: boolean, d: Uint8Array, h: LongHeader, frame: number, time: number): void {
    // the client's first 3 Initials carry the ClientHello; of the later ones only the last is kept (for a CONNECTION_CLOSE)
    let late = false;
    if (fromClient) {
      if (c.firstClientInitials < 3) {
        c.firstClientInitials++;
        c.lastClientInitial = null;
        // without a key log they are read now, and kept only when that fails
        if (!this.wantAll && this.readClientInitial(c, pathIndex, d, h, frame, time)) return;
      } else late = true;
    }
    // A late client Initial, or a server Initial after the server got past Initial, is
    // never read: the end pass reads them only for a side that never got past Initial
    // (and the server's first two for their ServerHello, which needs secrets).
    // A connection whose ClientHello offers a PSK keeps the server's first Initials even
    // without secrets: the ServerHello says whether the server resumed (and so whether
    // the 0-RTT data can have been accepted).
    const forPsk = c.pskIdentities.length > 0;
    if (fromClient ? late && c.clientBeyondInitial : c.serverBeyondInitial && (c.firstServerInitials >= 2 || (!this.keepForSecrets && !forPsk))) return;
    if (!fromClient && !this.keepForSecrets && !this.wantAll && !forPsk) {
      // Without secrets, a server Initial matters only if the server never gets past
      // Initial, and its Handshake packet usually follows in the same datagram: the copy
      // waits for the end of the datagram (endDatagram), when that is known.
      if (this.deferredConn !== null) this.keepDeferred(d);
      this.deferredConn = c;
      this.deferredPath = pathIndex;
      this.deferredHeader = h;
      this.deferredFrame = frame;
      this.deferredTime = time;
      return;
    }
    this.storeInitial(c, pathIndex, fromClient, late, d, h, frame, time);
  }

  /** After the packets of a datagram with long headers: the server Initial deferred in it, if any, is kept now. */
  endDatagram(d: Uint8Array): void {
    if (this.deferredConn !== null) this.keepDeferred(d);
  }

  private storeInitial(c: QuicConn, pathIndex: number, fromClient: boolean, late: boolean, d: Uint8Array, h: LongHeader, frame: number, time: number): void {
    const p: Pending = { frame, time, fromClient, type: PacketType.INITIAL, bytes: this.arena.copy(d, h.start, h.end), pnOff: h.pnOff - h.start, keyCid: c.keyCid, pathIndex };
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
    if (!c.serverBeyondInitial) this.storeInitial(c, this.deferredPath, false, false, d, this.deferredHeader!, this.deferredFrame, this.deferredTime);
    this.deferredHeader = null;
  }

  /**
   * Read one of the client's first Initials now, as the end-of-capture Initial pass would
   * (same keys, same unauthenticated peek, same order), into c.early. True when the end
   * pass needs nothing more of the packet; false when it must be kept: the peek found no
   * ClientHello-like payload, so the end pass authenticates it (and every client Initial
   * after it, from the state reached here).
   */
  private readClientInitial(c: QuicConn, pathIndex: number, d: Uint8Array, h: LongHeader, frame: number, time: number): boolean {
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
        p ??= { frame, time, fromClient: true, type: PacketType.INITIAL, bytes: NO_BYTES, pnOff: h.pnOff - h.start, keyCid, pathIndex };
        e.closes.push({ p, f });
      }
    }
    e.helloDone = handshakeMessages(e.crypto.contiguous()).some((m) => m.type === 1);
    if (e.helloDone) {
      e.keys = e.keysCid = null; // not used again
      // read now: whether it offers a PSK decides what is kept of the server's Initials
      c.clientHelloFrame = frame;
      c.clientHelloTime = time;
      learnClientHello(c, e.crypto);
    }
    return true;
  }

  /** Copy a Handshake, 0-RTT or 1-RTT packet d[start, end) for decryption; pnRel: the packet number's offset in it. */
  keep(c: QuicConn, pathIndex: number, fromClient: boolean, type: PacketTypeCode, d: Uint8Array, start: number, end: number, pnRel: number, frame: number, time: number): void {
    if (c.pending.length >= MAX_PENDING_PER_CONN) return;
    let pnOff = pnRel;
    if (type === PacketType.ONE_RTT) {
      // the DCID length is the length of the receiving side's CIDs
      const peer = fromClient ? c.serverCids : c.clientCids;
      let L = -1;
      for (const cid of peer) if (bytesEqHex(cid, d, start + 1, 0, end)) { L = cid.length / 2; break; }
      // a CID only inferred so far: kept raw, its length is checked after decryption taught the CIDs
      pnOff = L < 0 ? -1 : 1 + L;
    }
    c.pending.push({ frame, time, fromClient, type, bytes: this.arena.copy(d, start, end), pnOff, keyCid: null, pathIndex });
  }

  /** Copy a short-header packet whose DCID matched no known CID of the connection. */
  keepUnmatched(c: QuicConn, pathIndex: number, fromClient: boolean, d: Uint8Array, off: number, end: number, frame: number, time: number): void {
    if (c.pending.length >= MAX_PENDING_PER_CONN) return;
    // DCID length unknown yet: kept raw, tried after NEW_CONNECTION_ID teaches the CIDs
    c.pending.push({ frame, time, fromClient, type: PacketType.ONE_RTT, bytes: this.arena.copy(d, off, end), pnOff: -1, keyCid: null, pathIndex });
  }

  // ------------------------------------------------------------------ end of capture

  /** Decrypt what the connections kept, with the key log's and the capture's secrets. */
  async decryptAll(a: Analysis, conns: readonly QuicConn[]): Promise<void> {
    const secrets = this.secrets;
    if (this.keylogText) parseKeylog(this.keylogText, secrets);
    for (const s of a.info?.secrets ?? []) if (s.type === SECRETS_TYPE_TLS_KEYLOG) parseKeylog(new TextDecoder().decode(s.data), secrets);
    for (const c of conns) {
      if (c.lastClientInitial && !c.clientBeyondInitial) c.pending.push({ ...c.lastClientInitial, closeCheck: true });
      if (c.lastServerInitial && !c.serverBeyondInitial) c.pending.push({ ...c.lastServerInitial, closeCheck: true });
    }
    // Without any secret, a connection with nothing kept (its client Initials were read
    // during the capture) has nothing asynchronous left: its ClientHello is parsed here.
    const queue: QuicConn[] = [];
    for (const c of conns) {
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
  }

  /** A 1-RTT packet put on connection c after decryptAll (an orphan 4-tuple's): decrypted with the connection's keys, if it has any. */
  async decryptLate(c: QuicConn, p: Pending): Promise<void> {
    const ctx = this.ctx.get(c);
    if (ctx) await this.decryptOne(c, ctx, p);
  }

  /**
   * Decrypts one packet again after the analysis, for the packet detail (a user looking
   * at a frame): Initial with the keys of the connection's DCID, Handshake, 0-RTT and
   * 1-RTT with the keys decryptAll derived (every key generation it reached). `pkt` holds
   * exactly the packet; `pnOff` counts from its start (-1: a short header, whose DCID
   * length comes from the peer's CIDs). When no key opens it: why (`reason`).
   */
  async decryptAgain(c: QuicConn, pkt: Uint8Array, type: PacketTypeCode, pnOff: number, fromClient: boolean, version: number): Promise<Decrypted | { reason: string }> {
    const side = fromClient ? 0 : 1;
    const ctx = this.ctx.get(c);
    let keys: (PacketKeys | null)[] = [];
    let dcidLen = -1;
    if (type === PacketType.INITIAL) {
      if (!c.keyCid) return { reason: "the connection's first DCID (the Initial keys' input) was not seen" };
      const ik = await initialKeysLazy(c.keyCid, version);
      if (!ik) return { reason: 'no Initial keys for this version' };
      keys = [await ik.side(fromClient)];
    } else if (type === PacketType.ZERO_RTT) {
      if (!fromClient) return { reason: 'a 0-RTT packet from the server: only a client sends 0-RTT' };
      keys = ctx ? [ctx.earlyKeys] : [];
    } else if (type === PacketType.HANDSHAKE) keys = ctx ? [ctx.hsKeys[side]] : [];
    else if (type === PacketType.ONE_RTT) {
      keys = ctx ? ctx.appKeys[side] : [];
      const peer = fromClient ? c.serverCids : c.clientCids;
      const cid = peer.find((x) => bytesEqHex(x, pkt, 1));
      if (cid === undefined) return { reason: "its DCID is none of the connection's known CIDs" };
      dcidLen = cid.length / 2;
      pnOff = 1 + dcidLen;
    } else return { reason: 'this packet type carries no payload to decrypt' };
    if (!keys.some((k) => k)) return { reason: this.noKeys(c, type, fromClient) };
    // the largest packet number seen decides how a truncated one expands: try from small up
    // (0-RTT and 1-RTT share the application data space)
    const largest = ctx ? ctx.largest[side][type === PacketType.HANDSHAKE ? 2 : type === PacketType.INITIAL ? 0 : 5] : -1;
    for (const k of keys) {
      if (!k) continue;
      for (const l of largest > 0 ? [-1, largest] : [-1]) {
        const r = await unprotect(pkt, pnOff, type !== PacketType.ONE_RTT, k, l);
        if (r) return { pn: r.pn, headerLen: r.headerLen, frames: parseFrames(r.payload), dcidLen };
      }
    }
    return { reason: pkt.length < pnOff + 20 ? 'the packet is too short to remove its header protection' : `the ${PACKET_TYPE_NAMES[type]} keys do not open it (authentication failed: other keys, or bytes cut or damaged)` };
  }

  /** Why a connection has no keys for a packet of this type and side (decryptAgain). */
  private noKeys(c: QuicConn, type: PacketTypeCode, fromClient: boolean): string {
    const label = type === PacketType.ZERO_RTT ? 'CLIENT_EARLY_TRAFFIC_SECRET'
      : type === PacketType.HANDSHAKE ? `${fromClient ? 'CLIENT' : 'SERVER'}_HANDSHAKE_TRAFFIC_SECRET`
      : `${fromClient ? 'CLIENT' : 'SERVER'}_TRAFFIC_SECRET_0`;
    if (this.secrets.size === 0) return `no key log: it needs the ${label} of its connection`;
    if (!c.clientRandom) return `its connection's ClientHello was not read: no client random to find the key log's ${label} by`;
    if (!this.secrets.has(c.clientRandom)) return `the key log has no secrets for its connection (ClientHello random ${c.clientRandom.slice(0, 16)}…)`;
    if (!suiteOf(c.cipherSuite || 0x1301)) return `its connection's cipher suite 0x${c.cipherSuite.toString(16).padStart(4, '0')} is not one QUIC uses`;
    return `the key log has no ${label} for its connection`;
  }

  /** decrypt() of a connection with nothing kept when there are no secrets: what its early Initials gave. */
  private finishEarly(c: QuicConn): void {
    const e = c.early!;
    c.early = null; // read once
    try {
      for (const x of e.closes) this.onClose(c, x.p, x.f);
      if (!e.helloDone) learnClientHello(c, e.crypto);
    } catch {
      // as in decrypt: a problem never loses the analysis
    }
  }

  private async decrypt(c: QuicConn, secrets: Map<string, TlsSecrets>): Promise<DecryptCtx | null> {
    if (!c.pending.length && c.early === null) return null;
    const version = c.versions[c.versions.length - 1] ?? 1;
    const ctx: DecryptCtx = {
      largest: [[-1, -1, -1, -1, -1, -1], [-1, -1, -1, -1, -1, -1]],
      crypto: [[new CryptoStream(), new CryptoStream(), new CryptoStream()], [new CryptoStream(), new CryptoStream(), new CryptoStream()]],
      hsKeys: [null, null], earlyKeys: null, appKeys: [[null], [null]], phase: [0, 0], serverAppCrypto: [],
    };
    const initKeys = new Map<string, { side(client: boolean): Promise<PacketKeys> } | null>();
    // Initial level first (to learn the ClientHello random and the cipher suite)
    const ordered = c.pending.slice().sort((x, y) => x.frame - y.frame);
    let helloDone = false;
    const e = c.early;
    c.early = null; // read once
    // the ClientHello read during the capture (readClientInitial) is not read again
    const helloRead = e !== null && e.helloDone;
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
      this.handleFrames(c, ctx, p, frames ?? parseFrames(r.payload), 0, r.pn);
      if (p.fromClient && !helloDone) {
        helloDone = handshakeMessages(ctx.crypto[0][0].contiguous()).some((m) => m.type === 1);
        if (helloDone) { c.clientHelloFrame = p.frame; c.clientHelloTime = p.time; }
      }
    }
    if (!helloRead) learnClientHello(c, ctx.crypto[0][0]);
    const secNow = c.clientRandom ? secrets.get(c.clientRandom) : undefined;
    if ((secNow || c.pskIdentities.length) && c.serverBeyondInitial) {
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
        this.handleFrames(c, ctx, p, parseFrames(r.payload), 0, r.pn);
      }
    }
    for (const m of handshakeMessages(ctx.crypto[1][0].contiguous())) {
      if (m.type === 2) {
        const sh = parseServerHello(m.body);
        if (sh) {
          c.cipherSuite = sh.cipherSuite;
          // the first ServerHello (a HelloRetryRequest, if any, comes first)
          if (c.pskSelected === undefined) { c.pskSelected = sh.pskSelected; c.helloRetry = sh.helloRetry; }
        }
      }
    }
    const sec = c.clientRandom ? secrets.get(c.clientRandom) : undefined;
    if (!sec) return null;
    const suite = suiteOf(c.cipherSuite || 0x1301);
    if (!suite) return null;
    ctx.hsKeys = [sec.clientHandshake ? await packetKeys(sec.clientHandshake, suite, version) : null, sec.serverHandshake ? await packetKeys(sec.serverHandshake, suite, version) : null];
    // 0-RTT is protected with the cipher suite of the resumed session (RFC 8446 4.2.10),
    // which is the ServerHello's whenever the server can accept early data
    ctx.earlyKeys = sec.clientEarly ? await packetKeys(sec.clientEarly, suite, version) : null;
    ctx.appKeys = [[sec.client0 ? await packetKeys(sec.client0, suite, version) : null], [sec.server0 ? await packetKeys(sec.server0, suite, version) : null]];
    const retry: Pending[] = [];
    for (const p of ordered) if (p.type !== PacketType.INITIAL && (await this.decryptOne(c, ctx, p)) === 'no-cid') retry.push(p);
    // packets sent to a CID whose NEW_CONNECTION_ID was decrypted later in file order
    for (const p of retry) await this.decryptOne(c, ctx, p);
    for (const m of handshakeMessages(ctx.crypto[1][2].contiguous())) {
      if (m.type === 8) {
        c.earlyDataAccepted = acceptsEarlyData(m.body);
        const tp = parseEncryptedExtensions(m.body);
        if (tp) {
          c.serverParams = tp;
          const first = c.serverCids.find((x) => x !== '') ?? '';
          if (tp.statelessResetToken) (c.serverTokens ??= new Map()).set(tp.statelessResetToken, `transport parameter stateless_reset_token (CID ${tp.initialSourceCid ?? first})`);
          if (tp.preferredAddressCid) this.cids.add(c, tp.preferredAddressCid, true);
          if (tp.preferredAddressResetToken) (c.serverTokens ??= new Map()).set(tp.preferredAddressResetToken, `preferred_address (CID ${tp.preferredAddressCid})`);
          if (tp.retrySourceCid) this.cids.add(c, tp.retrySourceCid, true);
        }
      }
    }
    // the tickets the server issued, for the later connections that resume with them
    const app = ctx.crypto[1][1].contiguous();
    for (let off = 0, i = 0, ms = handshakeMessages(app); i < ms.length; off += 4 + ms[i].body.length, i++) {
      if (ms[i].type !== 4) continue;
      const t = parseNewSessionTicket(ms[i].body);
      const at = ctx.serverAppCrypto.find((x) => x.offset <= off && off < x.end);
      if (t && at) (c.tickets ??= []).push({ ticket: t.ticket, frame: at.frame });
    }
    return ctx;
  }

  /** The frames of a decrypted packet numbered pn; level: the CRYPTO stream (0 Initial, 1 1-RTT, 2 Handshake). */
  private handleFrames(c: QuicConn, ctx: DecryptCtx, p: Pending, frames: QuicFrame[], level: number, pn: number): void {
    const side = p.fromClient ? 0 : 1;
    for (const f of frames) {
      if (f.type === 'crypto') {
        ctx.crypto[side][level].add(f.offset, f.data);
        if (side === 1 && f.offset === 0) {
          // the server's first message of the level: ServerHello (Initial), EncryptedExtensions (Handshake)
          if (level === 0 && !c.serverHelloFrame) c.serverHelloFrame = p.frame;
          else if (level === 2 && !c.encryptedExtensionsFrame) c.encryptedExtensionsFrame = p.frame;
        }
        if (side === 1 && level === 1) ctx.serverAppCrypto.push({ offset: f.offset, end: f.offset + f.data.length, frame: p.frame });
      } else if (f.type === 'connection_close') this.onClose(c, p, f);
      else if (f.type === 'new_connection_id') {
        this.cids.add(c, f.cid, !p.fromClient);
        // the server's tokens, for the stateless resets it sends (breaks.ts)
        if (!p.fromClient) (c.serverTokens ??= new Map()).set(f.resetToken, `NEW_CONNECTION_ID seq ${f.seq} (CID ${f.cid}) in frame ${p.frame}`);
      } else if (f.type === 'handshake_done') { if (!c.handshakeDoneFrame) c.handshakeDoneFrame = p.frame; }
      else if (f.type === 'stream') this.keepStream(c, p, pn, f);
      else if (f.type === 'path_challenge' || f.type === 'path_response') {
        const path = c.paths[p.pathIndex];
        if (path && !path.challenges.includes(p.frame)) path.challenges.push(p.frame);
      }
    }
  }

  /** Copy a STREAM frame's data for Follow stream, while the capture's budget lasts. */
  private keepStream(c: QuicConn, p: Pending, pn: number, f: Extract<QuicFrame, { type: 'stream' }>): void {
    if (this.streamBudget < f.data.length) {
      this.streamBudget = 0;
      return;
    }
    this.streamBudget -= f.data.length;
    (c.streamFrames ??= []).push({ fromClient: p.fromClient, id: f.id, offset: f.offset, data: f.data.slice(), fin: f.fin, frame: p.frame, time: p.time, pn, zeroRtt: p.type === PacketType.ZERO_RTT });
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
      this.handleFrames(c, ctx, p, parseFrames(r.payload), 2, r.pn);
      return 'ok';
    } else if (p.type === PacketType.ZERO_RTT) {
      // RFC 9001 5.6: the client's early keys; 0-RTT and 1-RTT share the application
      // data packet number space (RFC 9000 12.3), so the same largest expands both
      const k = p.fromClient ? ctx.earlyKeys : null;
      if (!k) return 'fail';
      const r = await unprotect(p.bytes, p.pnOff, true, k, ctx.largest[0][5]);
      if (!r) return 'fail';
      c.decrypted++;
      if (r.pn > ctx.largest[0][5]) ctx.largest[0][5] = r.pn;
      // level 1: a 0-RTT packet carries no CRYPTO frame (RFC 9000 12.4), its STREAM frames are application data
      this.handleFrames(c, ctx, p, parseFrames(r.payload), 1, r.pn);
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
        // a short-header packet kept raw whose DCID a decrypted NEW_CONNECTION_ID explained
        (c.proven ??= new Set()).add(p.frame);
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
      this.handleFrames(c, ctx, p, parseFrames(r.payload), 1, r.pn);
      return 'ok';
    }
    return 'fail';
  }

  private onClose(c: QuicConn, p: Pending, f: CloseFrame): void {
    if (c.closeFrames.includes(p.frame)) return;
    c.closeFrames.push(p.frame);
    if (p.type === PacketType.INITIAL) (c.initialCloses ??= []).push({ frame: p.frame, fromClient: p.fromClient });
    const ok = f.errorCode === 0 || (f.application && f.errorCode === 0x100);
    const name = errorName(f.errorCode, f.application);
    const level = p.type === PacketType.INITIAL ? 'Initial' : p.type === PacketType.HANDSHAKE ? 'Handshake' : p.type === PacketType.ZERO_RTT ? '0-RTT' : '1-RTT';
    this.events.push({
      kind: 'quic.connection-close', escalate: !ok, frame: p.frame, time: p.time, flow: c.paths[p.pathIndex]?.flow ?? null,
      message: `the ${p.fromClient ? 'client' : 'server'} closes connection ${c.number} with ${f.application ? 'application' : 'transport'} error 0x${f.errorCode.toString(16)} ${name}${f.reason ? ` ("${f.reason}")` : ''} in a${level === 'Initial' ? 'n' : ''} ${level} packet`,
      related: [],
    });
  }
}

/** SNI, ALPN, random, offered PSKs and early_data of the (last) ClientHello in the client's Initial CRYPTO stream. */
function learnClientHello(c: QuicConn, stream: CryptoStream): void {
  for (const m of handshakeMessages(stream.contiguous())) {
    if (m.type === 1) {
      const ch = parseClientHelloNames(m.body);
      if (ch) { c.sni = ch.sni; c.alpn = ch.alpn; c.clientRandom = ch.random; c.pskIdentities = ch.pskIdentities; c.earlyDataOffered = ch.earlyData; }
    }
  }
}

/** A peeked client Initial payload: frames that parse, only those an Initial may carry, CRYPTO among them. */
function peekLooksRight(f: QuicFrame[]): boolean {
  if (!f.length || !f.some((x) => x.type === 'crypto')) return false;
  return f.every((x) => x.type === 'crypto' || x.type === 'padding' || x.type === 'ping' || x.type === 'ack' || x.type === 'connection_close');
}
