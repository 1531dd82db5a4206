// Session resumption and 0-RTT across the connections of a capture (RFC 8446 2.2, 4.2.10,
// 4.2.11, 4.6.1; RFC 9001 4.6): quic.resumption for a ClientHello that offers a pre-shared
// key, quic.zero-rtt for a client that sends 0-RTT packets, each naming the earlier
// connection whose session ticket the client kept, and what the server made of it.
//
// The link: a TLS 1.3 resumption's PSK identity is the ticket of the NewSessionTicket
// that issued it. Tickets travel in 1-RTT packets, so with the key log the identity names
// the connection exactly; without it, the resumed connection is linked to the latest
// earlier connection from the same client host to the same server with the same SNI,
// and marked so (a ticket is kept per server name; the client host reuses it).
//
// What the server did: its ServerHello (an Initial, readable without secrets) selects the
// PSK or not; early data can be accepted only when it selects the first identity (RFC 8446
// 4.2.10). Whether it accepted the early data is said in EncryptedExtensions (early_data),
// a Handshake packet: known with the key log only.

import type { PendingEvent, QuicConn } from './conn';

/** The host of an "ip:port" / "[ip]:port" endpoint. */
function hostOf(endpoint: string): string {
  return endpoint.slice(0, endpoint.lastIndexOf(':'));
}

/** 0-RTT data: accepted, rejected, or not knowable here; null when the ClientHello offers no early data. */
export type EarlyDataOutcome = 'accepted' | 'rejected' | 'unknown' | null;

/** What the server made of the early data, and why (a clause of the events' messages). */
export function earlyDataOutcome(c: QuicConn): { outcome: EarlyDataOutcome; why: string; frame: number } {
  if (!c.earlyDataOffered && c.zeroRttPackets === 0) return { outcome: null, why: '', frame: 0 };
  if (c.earlyDataAccepted !== undefined) {
    const ee = c.encryptedExtensionsFrame ? ` in frame ${c.encryptedExtensionsFrame}` : '';
    return c.earlyDataAccepted
      ? { outcome: 'accepted', why: `the server accepts it: its EncryptedExtensions${ee} carries early_data`, frame: c.encryptedExtensionsFrame }
      : { outcome: 'rejected', why: `the server rejects it: its EncryptedExtensions${ee} has no early_data${c.pskSelected === null ? ' (it resumes no session: a full handshake)' : ''}, so the client must send that data again in 1-RTT`, frame: c.encryptedExtensionsFrame };
  }
  const sh = c.serverHelloFrame ? ` in frame ${c.serverHelloFrame}` : '';
  if (c.pskSelected === undefined) return { outcome: 'unknown', why: "whether the server accepts it is unknown: its ServerHello was not read", frame: 0 };
  if (c.helloRetry) return { outcome: 'rejected', why: `the server rejects it: it answers with a HelloRetryRequest${sh}`, frame: c.serverHelloFrame };
  if (c.pskSelected === null) return { outcome: 'rejected', why: `the server rejects it: its ServerHello${sh} resumes no session (a full handshake), and early data needs the resumed ticket`, frame: c.serverHelloFrame };
  if (c.pskSelected !== 0) return { outcome: 'rejected', why: `the server rejects it: its ServerHello${sh} selects PSK identity ${c.pskSelected}, and early data goes only with the first`, frame: c.serverHelloFrame };
  return { outcome: 'unknown', why: `the server resumes the session (its ServerHello${sh} selects the ticket), but whether it accepts the early data is said only in its encrypted EncryptedExtensions: unknown without the key log`, frame: c.serverHelloFrame };
}

/**
 * Link every connection whose ClientHello offers a PSK to the earlier connection that
 * issued the ticket (QuicConn.resumedFrom / resumedBy), and raise quic.resumption and
 * quic.zero-rtt into `events`.
 */
export function resumptions(conns: readonly QuicConn[], events: PendingEvent[]): void {
  // the tickets read (key log): ticket → the connection and frame that issued it
  let issued: Map<string, { conn: QuicConn; frame: number }> | null = null;
  for (const c of conns) {
    if (c.pskIdentities.length || c.zeroRttPackets) {
      if (issued === null) {
        issued = new Map();
        for (const x of conns) for (const t of x.tickets ?? []) if (!issued.has(t.ticket)) issued.set(t.ticket, { conn: x, frame: t.frame });
      }
      if (c.pskIdentities.length) link(c, conns, issued);
      resumptionEvent(c, events, issued);
      zeroRttEvent(c, events);
    }
  }
}

function link(c: QuicConn, conns: readonly QuicConn[], issued: Map<string, { conn: QuicConn; frame: number }>): void {
  const hello = c.clientHelloFrame || c.firstClientFrame;
  for (const id of c.pskIdentities) {
    const t = issued.get(id);
    if (t && t.conn !== c && t.frame < hello) {
      c.resumedFrom = t.conn;
      c.resumedBy = 'psk-identity';
      c.resumedTicketFrame = t.frame;
      return;
    }
  }
  // no ticket read is the offered one: the latest earlier connection from the same client
  // host to the same server with the same SNI whose tickets were not read (one whose
  // tickets were read and differ did not issue it)
  const path = c.paths[0];
  if (!path || c.sni === null) return;
  const host = hostOf(path.client);
  for (let i = c.number - 1; i >= 0; i--) {
    const x = conns[i];
    const p = x.paths[0];
    if (!p || x.sni !== c.sni || p.server !== path.server || hostOf(p.client) !== host || x.firstClientFrame >= hello) continue;
    if (x.tickets) continue;
    c.resumedFrom = x;
    c.resumedBy = 'sni-client-host';
    return;
  }
}

function resumptionEvent(c: QuicConn, events: PendingEvent[], issued: Map<string, unknown>): void {
  if (!c.pskIdentities.length) return;
  const path = c.paths[0];
  const n = c.pskIdentities.length;
  let msg = `connection ${c.number}${path ? ` (${path.client} → ${path.server})` : ''} offers ${n === 1 ? 'a pre-shared key' : `${n} pre-shared keys`} in its ClientHello: TLS state (a session ticket) kept from an earlier connection`;
  const from = c.resumedFrom;
  const related: number[] = [];
  if (from && c.resumedBy === 'psk-identity') {
    msg += `; the ticket is connection ${from.number}'s (${from.paths[0]?.client ?? '?'}): the offered PSK identity is the ticket of its NewSessionTicket in frame ${c.resumedTicketFrame}`;
    related.push(c.resumedTicketFrame);
  } else if (from) {
    msg += `; probably connection ${from.number}'s (${from.paths[0]?.client ?? '?'}), the latest earlier connection from the same client host to ${path?.server ?? 'the server'} with SNI ${c.sni} (inferred: its tickets travel encrypted${issued.size ? ' and were not read' : ', a key log would name the connection by the ticket'})`;
    related.push(from.clientHelloFrame || from.firstClientFrame);
  } else {
    const sni = c.sni !== null ? ` with SNI ${c.sni}` : ' (and no SNI to match)';
    msg += issued.size
      ? `; none of the ${issued.size} ticket${issued.size === 1 ? '' : 's'} read in the capture is the offered identity, and no earlier connection from the same client host to ${path?.server ?? 'the server'}${sni} whose tickets were not read: the ticket comes from a connection the capture does not hold`
      : `; no earlier connection in the capture from the same client host to ${path?.server ?? 'the server'}${sni}: the ticket comes from a connection the capture does not hold`;
  }
  if (c.pskSelected === undefined) msg += "; the server's ServerHello was not read";
  else if (c.helloRetry) msg += `; the server answers with a HelloRetryRequest in frame ${c.serverHelloFrame}`;
  else if (c.pskSelected === null) msg += `; the server does not resume the session: its ServerHello in frame ${c.serverHelloFrame} selects no PSK (a full handshake)`;
  else msg += `; the server resumes the session: its ServerHello in frame ${c.serverHelloFrame} selects PSK identity ${c.pskSelected}`;
  if (c.serverHelloFrame) related.push(c.serverHelloFrame);
  events.push({ kind: 'quic.resumption', escalate: false, frame: c.clientHelloFrame || c.firstClientFrame, time: c.clientHelloFrame ? c.clientHelloTime : c.firstTime, flow: path?.flow ?? null, message: msg, related: sortedUnique(related) });
}

function zeroRttEvent(c: QuicConn, events: PendingEvent[]): void {
  const frames = c.zeroRttFrames;
  if (!c.zeroRttPackets || !frames) return;
  const path = c.paths[0];
  const n = c.zeroRttPackets;
  const shown = frames.slice(0, 6).join(', ') + (frames.length > 6 ? ', …' : '');
  let msg = `the client sends ${n} 0-RTT packet${n === 1 ? '' : 's'} on connection ${c.number} (frame${frames.length === 1 ? '' : 's'} ${shown}): early data that relies on a session ticket kept from an earlier connection`;
  const from = c.resumedFrom;
  if (from && c.resumedBy === 'psk-identity') msg += `, connection ${from.number} (its NewSessionTicket in frame ${c.resumedTicketFrame})`;
  else if (from) msg += `, probably connection ${from.number} (same SNI and client host)`;
  else if (c.pskIdentities.length) msg += ', one before the capture';
  const o = earlyDataOutcome(c);
  if (o.why) msg += `; ${o.why}`;
  const related = frames.slice(1, 6);
  if (c.resumedTicketFrame) related.push(c.resumedTicketFrame);
  if (o.frame) related.push(o.frame);
  events.push({ kind: 'quic.zero-rtt', escalate: false, frame: frames[0], time: c.zeroRttTime, flow: path?.flow ?? null, message: msg, related: sortedUnique(related) });
}

function sortedUnique(xs: number[]): number[] {
  return [...new Set(xs.filter((x) => x > 0))].sort((a, b) => a - b);
}
