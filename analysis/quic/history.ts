// A connection's history in the letters of Zeek's quic.log `history` field (Zeek's
// base/protocols/quic/main.zeek): the client's letters upper case, the server's lower.
//
//   I Initial packet    H Handshake packet    Z 0-RTT packet    R Retry packet
//   S TLS ClientHello / ServerHello           C CONNECTION_CLOSE (in an Initial)
//   U a version the analyzer cannot read (a reserved version, Version Negotiation)
//   X a packet with the fixed bit 0 (greased, RFC 9287), discarded
//   O short-header packets, at the 1st, 2nd, 4th, 8th, … of each side
//
// Written as Zeek writes it, from what Zeek reads too (long headers, the Initials):
// the same letters with and without the key log. Zeek ends a quic.log record at a
// Retry, an unreadable version or a CONNECTION_CLOSE, and starts the next at the next
// long-header packet (letters in between are dropped, at most 100 per record); the
// connection here is one CID set, so its history is those records' histories one after
// the other. Zeek keeps one record per UDP 4-tuple, this follows the connection across
// its paths (a migration's short-header packets count on); its short-header packets
// whose DCID matched none of its CIDs (stateless resets, CIDs never seen) count too, as
// they do for Zeek, which does not read CIDs. Which packet holds the
// ServerHello is known where the server's Initial was decrypted (a key log, a PSK
// offered); else it is the server's first Initial, the one that carries it.

import { PacketType } from '../../parsers/quic/header';
import type { QuicConn } from './conn';

/** Zeek's QUIC::max_history_length (letters per quic.log record). */
const MAX_PER_RECORD = 100;
/** Zeek's QUIC::max_discarded_packet_events. */
const MAX_DISCARDED = 100;

/** A packet as the history reads it. */
interface Pkt {
  frame: number;
  type: number;
  client: boolean;
  fixedBitZero: boolean;
}

/** The connection's packets in frame order, the packets of one datagram in their order. */
function packets(c: QuicConn): Pkt[] {
  const tl = c.timeline;
  const out: Pkt[] = [];
  const seen = new Set<number>();
  for (const e of tl.entries()) {
    out.push({ frame: tl.frame(e), type: tl.type(e), client: tl.dir(e) === 0, fixedBitZero: tl.fixedBitZero(e) });
    seen.add(tl.frame(e));
  }
  // short-header datagrams on its 4-tuples that no CID of the connection explained
  for (const u of c.unmatched) {
    if (seen.has(u.frame) || u.fromClient === null) continue;
    seen.add(u.frame);
    out.push({ frame: u.frame, type: PacketType.ONE_RTT, client: u.fromClient, fixedBitZero: (u.head[0] & 0x40) === 0 });
  }
  return out.sort((x, y) => x.frame - y.frame); // stable
}

export function zeekHistory(c: QuicConn): string {
  let out = '';
  let open = false;
  let letters = 0;
  const add = (letter: string, client: boolean): void => {
    if (!open || letters >= MAX_PER_RECORD) return;
    out += client ? letter : letter.toLowerCase();
    letters++;
  };
  const start = (): void => {
    if (!open) { open = true; letters = 0; }
  };
  const shortSeen = [0, 0];
  let discarded = 0;
  let clientHello = c.clientHelloFrame > 0;
  let serverHello = false;
  const closes = c.initialCloses ?? [];
  for (const { frame, type, client, fixedBitZero } of packets(c)) {
    if (fixedBitZero && type !== PacketType.VERSION_NEGOTIATION) {
      // discarded; counted as X once an Initial was read (Zeek decrypts the client's)
      if (!client && type === PacketType.INITIAL && !c.serverHelloFrame) serverHello = true; // the ServerHello went with it
      if (c.clientHelloFrame > 0 && frame >= c.clientHelloFrame && discarded < MAX_DISCARDED) { discarded++; add('X', client); }
      continue;
    }
    switch (type) {
      case PacketType.INITIAL:
        start();
        if (client && c.opaqueFrames?.includes(frame)) { add('U', true); open = false; break; }
        add('I', client);
        if (client && clientHello && frame >= c.clientHelloFrame) { add('S', true); clientHello = false; }
        if (!client && !serverHello && (!c.serverHelloFrame || frame === c.serverHelloFrame)) { add('S', false); serverHello = true; }
        if (closes.some((x) => x.frame === frame && x.fromClient === client)) { add('C', client); open = false; }
        break;
      case PacketType.ZERO_RTT: start(); add('Z', client); break;
      case PacketType.HANDSHAKE: start(); add('H', client); break;
      case PacketType.RETRY:
        start();
        add('R', client);
        open = false;
        // the client starts again: its next Initial repeats the ClientHello
        clientHello = c.clientHelloFrame > 0;
        break;
      case PacketType.VERSION_NEGOTIATION: start(); add('U', client); open = false; break;
      default: {
        const n = ++shortSeen[client ? 0 : 1];
        if ((n & (n - 1)) === 0) add('O', client);
      }
    }
  }
  return out;
}
