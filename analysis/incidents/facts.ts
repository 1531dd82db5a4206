// What the incident detectors read, once the trackers have finished: the analysis's
// events (indexed by kind; each can be claimed by one incident), its flows with their
// endpoints and hosts as keys, and the few facts of the trackers they need per flow
// (a TCP server's SYN-ACK, the DNS transactions, a QUIC connection's paths). Never the
// packets: one pass over the events, one over the flows when an endpoint has symptoms,
// and a look at single frames (a packet's direction and time) — so the grouping costs
// little next to the analysis itself.

import { IpProto } from '../../parsers/decode/index';
import type { Analysis } from '../analysis';
import { DnsTracker } from '../dns/tracker';
import { eventInfo } from '../events.js'; // '.js': the lint's ban of Node's 'events' module also matches '../events'
import type { Flow } from '../flows';
import type { Confidence, DowntimeJson, EventJson } from '../model';
import { quicTracker } from '../quic/query';
import type { QuicConn } from '../quic/conn';
import type { QuicTracker } from '../quic/tracker';
import { TcpTracker } from '../tcp/tracker';
import type { IncidentOptions } from './options';

const TCP = IpProto.TCP, UDP = IpProto.UDP;

/** An endpoint or host as a map key: a number for IPv4 (no string per flow), a string for IPv6. */
export type Key = number | string;

/** An incident as a detector proposes it; the pipeline (./index) numbers it and fills flows, frames and times. */
export interface Draft {
  kind: string;
  subject: string;
  /** Indices into the analysis's events. */
  members: number[];
  message: string;
  explanation: string;
  evidence: string[];
  alternatives: string[];
  confidence: Confidence;
  downtime?: DowntimeJson;
}

/** A moment that proves an endpoint up: a TCP SYN-ACK it sent, a QUIC connection it answered. */
export interface Up {
  t: number;
  frame: number;
  flow: number;
  ep: Key;
  /** Its endpoint as text. */
  endpoint: string;
}

export class Facts {
  readonly events: EventJson[];
  /** Per event: 0 free, else 1 + the index of the draft that claimed it. */
  private readonly claimedBy: Int32Array;
  private readonly byKind = new Map<string, number[]>();
  readonly tcp: TcpTracker | null;
  readonly dns: DnsTracker | null;
  readonly quic: QuicTracker | null;
  readonly drafts: Draft[] = [];
  private readonly upsByEp = new Map<Key, Up[]>();
  private readonly upsByHost = new Map<Key, Up[]>();
  private readonly upHosts = new Set<Key>();

  constructor(
    readonly a: Analysis,
    readonly opts: Required<IncidentOptions>,
  ) {
    this.events = a.events;
    this.claimedBy = new Int32Array(a.events.length);
    const ev = a.events;
    for (let i = 0; i < ev.length; i++) {
      const k = ev[i].kind;
      let l = this.byKind.get(k);
      if (!l) this.byKind.set(k, (l = []));
      l.push(i);
    }
    this.tcp = (a.trackers.find((t) => t instanceof TcpTracker) as TcpTracker | undefined) ?? null;
    this.dns = (a.trackers.find((t) => t instanceof DnsTracker) as DnsTracker | undefined) ?? null;
    this.quic = quicTracker(a);
  }

  /** The indices of the events of `kind` that no incident has claimed, in frame order. */
  free(kind: string): number[] {
    const l = this.byKind.get(kind);
    return l ? l.filter((i) => this.claimedBy[i] === 0) : [];
  }

  isFree(i: number): boolean {
    return this.claimedBy[i] === 0;
  }

  /** Whether this build raises events of `kind` at all (dns.failover, tcp.injected-reset are newer than some trees). */
  knows(kind: string): boolean {
    return eventInfo(kind) !== undefined;
  }

  /** Propose an incident: its members are claimed (an event belongs to at most one incident). */
  add(d: Draft): void {
    this.drafts.push(d);
    for (const i of d.members) this.claimedBy[i] = this.drafts.length;
  }

  flow(id: number | null): Flow | null {
    if (id === null || id < 1) return null;
    const f = this.a.flows.flows[id - 1];
    return f && f.id === id ? f : null;
  }

  /** The QUIC connection a quic.* event names ("… of connection 3 …"), if the QUIC tracker ran. */
  quicConn(e: EventJson): QuicConn | null {
    const m = /connection (\d+)/.exec(e.message);
    return (m && this.quic?.conns[Number(m[1])]) || null;
  }

  /** The flow carrying a QUIC event: its own when UDP, else (quic.server-gone names the ICMP flow) the connection's first path. */
  quicFlow(e: EventJson): Flow | null {
    const f = this.flow(e.flow);
    if (f && f.proto === UDP) return f;
    const p = this.quicConn(e)?.paths[0];
    return p ? this.flow(p.flow) : null;
  }

  time(frame: number): number {
    return this.a.columns.time[frame - 1];
  }

  /** 0: the packet went client → server on its flow, 1: server → client. */
  dir(frame: number): number {
    return this.a.columns.dir[frame - 1];
  }

  /** Seconds since the capture's first packet ("1.412 s"). */
  at(t: number): string {
    return `${(t - (this.a.start ?? t)).toFixed(3)} s`;
  }

  /** The moments endpoint `ep` proved itself up (in time order); its host's must have been asked for (watchUps). */
  epUps(ep: Key): readonly Up[] | undefined {
    return this.upsByEp.get(ep);
  }

  /** The same for every endpoint of a host. */
  hostUps(host: Key): readonly Up[] | undefined {
    return this.upsByHost.get(host);
  }

  /**
   * Find every moment the server endpoints of `hosts` proved themselves up: a SYN-ACK
   * they sent, the first packet of a QUIC connection they answered. One pass over the
   * flows for the hosts not asked for before (comparing numbers, no key per flow), so
   * it is paid only where some endpoint lost state or failed connections.
   */
  watchUps(hosts: Iterable<Key>): void {
    const todo = [...new Set(hosts)].filter((h) => !this.upHosts.has(h));
    if (!todo.length) return;
    for (const h of todo) this.upHosts.add(h);
    const v4 = todo.filter((h): h is number => typeof h === 'number');
    const v6 = new Set<Key>(todo.filter((h) => typeof h === 'string'));
    const v4set = v4.length > 8 ? new Set(v4) : null;
    const quicFirst = new Map<number, number>();
    if (this.quic) for (const c of this.quic.conns) if (c.serverPackets > 0 && c.paths[0]) quicFirst.set(c.paths[0].flow, c.firstClientFrame);
    const added: Up[][] = [];
    for (const f of this.a.flows.flows) {
      if (f.ipVersion === 4) {
        const w = (f.clientIsA ? f.b0 : f.a0) >>> 0;
        if (v4set ? !v4set.has(w) : !v4.includes(w)) continue;
      } else if (!v6.has(hostKey(f, true))) continue;
      let frame = 0;
      if (f.proto === TCP) frame = this.tcp?.conn(f)?.h[1].synAckFrame ?? 0;
      else if (f.proto === UDP) frame = quicFirst.get(f.id) ?? 0;
      if (frame <= 0) continue;
      const u: Up = { t: this.time(frame), frame, flow: f.id, ep: epKey(f, true), endpoint: f.endpoint(false) };
      for (const [m, k] of [[this.upsByEp, u.ep], [this.upsByHost, hostKey(f, true)]] as const) {
        let l = m.get(k);
        if (!l) m.set(k, (l = []));
        l.push(u);
        added.push(l);
      }
    }
    for (const l of new Set(added)) l.sort((p, q) => p.t - q.t);
  }
}

/** Is the flow's server (or client) endpoint A? */
function sideIsA(f: Flow, server: boolean): boolean {
  return server ? !f.clientIsA : f.clientIsA;
}

/** A flow's server (or client) endpoint as a key: transport, address and port. */
export function epKey(f: Flow, server: boolean): Key {
  const isA = sideIsA(f, server);
  const tag = f.proto === TCP ? 1 : f.proto === UDP ? 2 : 3;
  if (f.ipVersion === 4) return (((isA ? f.a0 : f.b0) >>> 0) * 65536 + (isA ? f.portA : f.portB)) * 4 + tag;
  return `${tag} ${f.endpoint(!server)}`;
}

/** A flow's server (or client) host as a key. */
export function hostKey(f: Flow, server: boolean): Key {
  const isA = sideIsA(f, server);
  if (f.ipVersion === 4) return (isA ? f.a0 : f.b0) >>> 0;
  return f.endpoint(!server).replace(/:\d+$/, '');
}

/** The first `Up` after time t (ups in time order), or null. */
export function firstUpAfter(ups: readonly Up[] | undefined, t: number): Up | null {
  if (ups) for (const u of ups) if (u.t > t) return u;
  return null;
}

/** The last `Up` before time t, or null. */
export function lastUpBefore(ups: readonly Up[] | undefined, t: number): Up | null {
  let best: Up | null = null;
  if (ups) for (const u of ups) {
    if (u.t >= t) break;
    best = u;
  }
  return best;
}

/** Whether some `Up` lies strictly between t0 and t1. */
export function upBetween(ups: readonly Up[] | undefined, t0: number, t1: number): boolean {
  if (ups) for (const u of ups) {
    if (u.t >= t1) return false;
    if (u.t > t0) return true;
  }
  return false;
}
