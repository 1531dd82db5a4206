// The QUIC breaks: the end-of-capture events that say a connection's state was lost or
// never made (handshake-unanswered, stateless-reset, server-gone, server-silent,
// unknown-cid), and the idle gap raised as the packets come. Also what the
// stateless-reset check needs noted while the capture is read (the server's last
// short-header tails), since without the key log nothing else keeps them.

import { hex } from '../../parsers/quic/header';
import { tailOf, type IcmpNote, type Orphan, type PendingEvent, type QuicConn } from './conn';

/** The quic.idle event: no packet of connection c for longer than idleSeconds before this one. */
export function idleEvent(c: QuicConn, frame: number, time: number, flow: number | null, idleSeconds: number): PendingEvent {
  return { kind: 'quic.idle', escalate: false, frame, time, flow,
    message: `no packet of connection ${c.number} for ${(time - c.lastTime).toFixed(1)} s (frame ${c.lastFrame} → ${frame}; threshold ${idleSeconds} s)`, related: [c.lastFrame] };
}

/** A server short-header datagram d[…, end) of `len` bytes: its last 16 bytes go into the connection's ring (a possible reset token). */
export function noteServerShort(c: QuicConn, d: Uint8Array, end: number, frame: number, time: number, flow: number, len: number): void {
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

/**
 * The end-of-capture events, into `events`: first for the orphan 4-tuples that no
 * connection explained (`unexplained`, with how many connections could have moved there)
 * next to a known server endpoint, then per connection.
 */
export function breaks(conns: readonly QuicConn[], icmp: readonly IcmpNote[], unexplained: readonly { orphan: Orphan; candidates: number }[], serverEps: ReadonlySet<string>, events: PendingEvent[]): void {
  for (const { orphan: { flow, items }, candidates } of unexplained) {
    // next to a known QUIC server, short-header packets whose DCID nobody issued in our sight
    const a = flow.endpoint(true), b = flow.endpoint(false);
    const near = serverEps.has(a) ? a : serverEps.has(b) ? b : null;
    if (!near) continue;
    const first = items[0];
    events.push({ kind: 'quic.unknown-cid', escalate: false, frame: first.frame, time: first.time, flow: flow.id,
      message: `${items.length} short-header packet${items.length === 1 ? '' : 's'} on ${a} ↔ ${b} (server ${near}) to DCID ${hex(first.head, 1, Math.min(8, first.headLen - 1))}… that matches no connection seen in the capture${candidates > 1 ? ` (${candidates} connections of that server could have moved here)` : ''}`, related: [] });
  }
  // the client's ICMP port unreachables per connection (one pass, not one per connection)
  const icmpOf = new Map<QuicConn, IcmpNote[]>();
  for (const x of icmp) {
    const c = x.fq.conn;
    if (c === null || !x.fromClient || !x.port) continue;
    const list = icmpOf.get(c);
    if (list) list.push(x);
    else icmpOf.set(c, [x]);
  }
  for (const c of conns) {
    handshakeUnanswered(c, events);
    const resets = statelessResets(c, events);
    unknownCids(c, events);
    serverGone(c, icmpOf.get(c) ?? NO_ICMP, resets, events);
  }
}

const NO_ICMP: IcmpNote[] = [];

/** Client Initials and nothing from the server. */
function handshakeUnanswered(c: QuicConn, events: PendingEvent[]): void {
  if (c.serverPackets === 0 && c.clientInitials > 0) {
    events.push({ kind: 'quic.handshake-unanswered', escalate: false, frame: c.firstClientFrame, time: c.firstTime, flow: c.paths[0]?.flow ?? null,
      message: `${c.clientInitials} client Initial packet${c.clientInitials === 1 ? '' : 's'} over ${(c.lastClientTime - c.firstTime).toFixed(3)} s${c.sni ? ` (SNI ${c.sni})` : ''}, no answer from the server`, related: [] });
  }
}

/**
 * Stateless resets to the client (RFC 9000 10.3): a server datagram that ends in a reset
 * token the server issued (known with the key log), or, without the token, one of the
 * shape of a reset after which the connection ends. Returns how many.
 */
function statelessResets(c: QuicConn, events: PendingEvent[]): number {
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
      events.push({ kind: 'quic.stateless-reset', escalate: false, frame: m.frame, time: m.time, flow: m.flow,
        message: `stateless reset to the client of connection ${c.number}: the last 16 bytes ${tail} are the reset token the server issued in ${who}`, related: [] });
    }
  }
  const cand = c.unmatched.filter((u) => !u.resolved && u.fromClient === false && u.len >= 21);
  for (const u of cand) {
    const who = c.serverTokens?.get(tailOf(u));
    if (who) {
      resets++;
      u.resolved = true;
      events.push({ kind: 'quic.stateless-reset', escalate: false, frame: u.frame, time: u.time, flow: u.flow,
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
        events.push({ kind: 'quic.stateless-reset', escalate: false, frame: u.frame, time: u.time, flow: u.flow,
          message: `likely stateless reset to the client of connection ${c.number}: ${u.len}-byte short-header packet with an unknown DCID ${hex(u.head, 1, Math.min(8, u.headLen - 1))}…${smaller}${same}; the server sent nothing under the connection's CIDs after it and the client's last packet on the connection is frame ${c.lastClientFrame} (token unknown without the key log)`, related: [c.lastClientFrame] });
      }
    }
  }
  return resets;
}

/** Unknown CIDs that are neither resets nor repeated (inferred) CIDs: one event per 4-tuple. */
function unknownCids(c: QuicConn, events: PendingEvent[]): void {
  const seen = new Set<number>();
  for (const u of c.unmatched) {
    if (u.resolved || seen.has(u.flow)) continue;
    seen.add(u.flow);
    events.push({ kind: 'quic.unknown-cid', escalate: false, frame: u.frame, time: u.time, flow: u.flow,
      message: `short-header packet from the ${u.fromClient ? 'client' : 'server'} of connection ${c.number} to DCID ${hex(u.head, 1, Math.min(8, u.headLen - 1))}… that matches none of the connection's known CIDs`, related: [] });
  }
}

/** Client packets answered only by ICMP port unreachable (server-gone), or by silence (server-silent, when no reset explains it). */
function serverGone(c: QuicConn, icmps: readonly IcmpNote[], resets: number, events: PendingEvent[]): void {
  if (icmps.length && c.lastServerTime < icmps[0].time) {
    events.push({ kind: 'quic.server-gone', escalate: false, frame: icmps[0].frame, time: icmps[0].time, flow: icmps[0].icmpFlow,
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
      events.push({ kind: 'quic.server-silent', escalate: false, frame: tl.frame(firstIdx), time: tl.time(firstIdx), flow: c.paths[0]?.flow ?? null,
        message: `the client sent ${after} more packets of connection ${c.number} over ${silentFor.toFixed(1)} s after the server's last packet (frame ${c.lastServerFrame}) and got no answer, not even a stateless reset`, related: [c.lastServerFrame] });
    }
  }
}
