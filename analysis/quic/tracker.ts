// The QUIC tracker (RFC 9000, 9001): follows QUIC connections by connection ID across
// the UDP datagrams of a capture, and raises the events of ./kinds.ts. This file is the
// coordinator that the pipeline drives (Tracker, ../analysis.ts); the work is in:
//
//   attribution.ts  which connection each packet belongs to (by CID, cids.ts), paths
//                   and migrations, and at the end the 4-tuples no CID explained;
//   decrypt.ts      what is copied for decryption while the capture is read, and the
//                   decryption at the end (SNI/ALPN, CIDs and reset tokens, closes);
//   breaks.ts       the end-of-capture events (handshake-unanswered, stateless-reset,
//                   server-gone, server-silent, unknown-cid) and quic.idle;
//   resumption.ts   session resumption and 0-RTT across connections (quic.resumption,
//                   quic.zero-rtt: the earlier connection that issued the ticket);
//   history.ts      a connection's history in Zeek's quic.log letters;
//   json.ts         a connection in the --json output;
//   query.ts        what the query layer and the UI ask of a finished analysis.
//
// onPacket is synchronous and runs for every UDP datagram; finishAsync decrypts with
// WebCrypto, re-attributes what the new CIDs explain, infers paths, and emits the events
// (all through Analysis.emit, after the migrations' path validation is known).

import { Decoder } from '../../parsers/decode/decoder';
import { IpProto, Packet } from '../../parsers/decode/packet';
import type { QuicContext } from '../../parsers/dissect/quic';
import { parseLongHeader, PacketType } from '../../parsers/quic/header';
import type { Analysis, Tracker } from '../analysis';
import type { Flow } from '../flows';
import type { QuicJson } from '../model';
import { Attribution } from './attribution';
import { breaks } from './breaks';
import { ByteArena, bytesEqHex } from './bytes';
import { ConnectionIds } from './cids';
import type { PendingEvent, QuicConn } from './conn';
import { Decryptor } from './decrypt';
import { quicJson } from './json';
import './kinds';
import { resumptions } from './resumption';

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

export class QuicTracker implements Tracker {
  /** QUIC rides on UDP; ICMP and ICMPv6 errors quote its datagrams. */
  readonly ipProtocols = [IpProto.UDP, IpProto.ICMP, IpProto.ICMPV6];
  /** The connections, numbered as in QuicJson. */
  readonly conns: readonly QuicConn[];
  /** Events raised before their message is complete (a migration's path validation is known only at the end); emitted in finishAsync. */
  private readonly pendingEvents: PendingEvent[] = [];
  private readonly decryptor: Decryptor;
  private readonly attribution: Attribution;

  constructor(opts: QuicTrackerOptions = {}) {
    const arena = new ByteArena();
    const cids = new ConnectionIds(arena);
    this.decryptor = new Decryptor(opts, arena, cids, this.pendingEvents);
    this.attribution = new Attribution(opts.idleSeconds ?? 30, arena, cids, this.decryptor, this.pendingEvents);
    this.conns = this.attribution.conns;
  }

  /**
   * The capture's file header, once the reader has read it (before the first packet):
   * a classic pcap cannot embed secrets, so without a key log packets are then kept only
   * for the Initial-level reading (SNI, ALPN, CONNECTION_CLOSE in Initial), which needs
   * no secret.
   */
  onCaptureHeader(info: { format: 'pcap' | 'pcapng'; secrets?: readonly unknown[] }): void {
    if (this.decryptor.onCaptureHeader(info, this.conns)) this.attribution.dropOrphanCopies();
  }

  onPacket(pkt: Packet, flow: Flow, dir: number, frame: number, time: number): void {
    this.attribution.onPacket(pkt, flow, dir, frame, time);
  }

  finish(_analysis: Analysis): void {
    // everything happens in finishAsync (decryption is async)
  }

  async finishAsync(a: Analysis): Promise<void> {
    const at = this.attribution;
    await this.decryptor.decryptAll(a, this.conns);
    at.settleProven();
    await at.resolveOrphansByCid();
    const unexplained = at.resolveOrphans();
    breaks(this.conns, at.icmp, unexplained, at.serverEps, this.pendingEvents);
    resumptions(this.conns, this.pendingEvents);
    for (const e of this.pendingEvents) {
      if (e.path && e.path.challenges.length) {
        const ch = [...e.path.challenges].sort((x, y) => x - y);
        e.message += `; path validation (PATH_CHALLENGE / PATH_RESPONSE) in frame${ch.length > 1 ? 's' : ''} ${ch.slice(0, 6).join(', ')}${ch.length > 6 ? ', …' : ''}`;
        e.related = [...e.related, ...ch.slice(0, 6)];
      }
      a.emit('quic', e.kind, e.frame, e.time, e.flow, e.message, e.related, e.escalate);
    }
    at.settleFrames();
  }

  /**
   * The QUIC packets of frame `frame` (its captured bytes) decrypted again, for the
   * packet detail: keyed by each packet's offset in the frame, with why for those no key
   * opens. Null when the frame
   * belongs to no connection.
   */
  async decryptFrame(a: Analysis, frame: number, bytes: Uint8Array, linkType: number): Promise<QuicContext | null> {
    const i = frame - 1;
    const flow = a.columns.flow[i];
    if (flow === 0) return null;
    const c = this.conns.find((x) => x.paths.some((p) => p.flow === flow && p.firstFrame <= frame && frame <= Math.max(p.lastFrame, x.lastFrame)));
    if (!c) return null;
    const pkt = new Packet();
    new Decoder({ reassemble: false }).decode(pkt, bytes, linkType, frame);
    if (pkt.ipProto !== IpProto.UDP || pkt.payloadLen <= 0) return null;
    const fromClient = a.columns.dir[i] === 0;
    const version = c.versions[c.versions.length - 1] ?? 1;
    const out: QuicContext = { decrypted: new Map(), undecrypted: new Map() };
    const end = pkt.payloadOff + pkt.payloadLen;
    let p = pkt.payloadOff;
    while (p < end) {
      if (bytes[p] & 0x80) {
        const h = parseLongHeader(bytes, p, end);
        if (!h || h.pnOff < 0) break;
        const r = await this.decryptor.decryptAgain(c, bytes.slice(p, h.end), h.type, h.pnOff - p, fromClient, h.version || version);
        if ('reason' in r) out.undecrypted.set(p, r.reason);
        else out.decrypted.set(p, r);
        p = h.end;
        continue;
      }
      const r = await this.decryptor.decryptAgain(c, bytes.slice(p, end), PacketType.ONE_RTT, -1, fromClient, version);
      if (!('reason' in r)) {
        out.decrypted.set(p, r);
        out.shortDcidLen = r.dcidLen;
      } else {
        out.undecrypted.set(p, r.reason);
        const peer = fromClient ? c.serverCids : c.clientCids;
        const cid = peer.find((x) => bytesEqHex(x, bytes, p + 1));
        if (cid !== undefined) out.shortDcidLen = cid.length / 2;
      }
      break;
    }
    return out;
  }

  *quicRows(): Generator<QuicJson> {
    for (const c of this.conns) yield quicJson(c);
  }
}
