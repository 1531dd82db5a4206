// The UDP tracker: ICMP errors that refused a UDP datagram (udp.port-unreachable,
// udp.unreachable). It runs whatever `--protocols` says: UDP has no state of its own
// to rebuild, but an ICMP error is the only sign that a UDP peer was gone, for every
// application on UDP.
//
// Design: each ICMP error is resolved to its UDP flow once, here (./icmp's
// UdpFlowIndex, built from the flow table, so no tracker is called per UDP packet for
// it). A protocol tracker that can explain an error by its own state (the DNS tracker:
// a refused DNS response means the client's socket was gone, dns.client-gone) is an
// UdpIcmpExplainer: it gets every resolved error as the ICMP packet arrives — while
// its state is that of the moment, and while the quoted bytes are still in the packet
// — and says whether it explains it. An explained error is reported by the explainer's
// own event only; every other one becomes a udp event at the end (its refused
// datagram is then searched in the packet columns).

import { IpProto, type Packet } from '../../parsers/decode/index';
import type { Analysis, Tracker } from '../analysis';
import type { Flow } from '../flows';
import { findQuotedDatagram, UdpFlowIndex, type UdpIcmpError } from './icmp';
import './kinds';

/** A protocol tracker that may explain an ICMP error on a UDP flow by its own state. */
export interface UdpIcmpExplainer {
  /**
   * Called once per ICMP error that quotes a UDP datagram, when the ICMP packet
   * arrives. `data` is that packet's bytes (err.payloadOff / payloadLen locate the
   * quoted UDP payload in them), valid during the call only. Returns true when the
   * error is explained and reported by the explainer's own event: then it is not a
   * udp event.
   */
  explainIcmpError(err: UdpIcmpError, data: Uint8Array): boolean;
}

export class UdpTracker implements Tracker {
  /** ICMP packets only; the UDP flows are read from the flow table when needed. */
  readonly ipProtocols: readonly number[] = [IpProto.ICMP, IpProto.ICMPV6];
  /** The explainers asked, in order, about each error (the first that explains it wins). */
  private readonly explainers: UdpIcmpExplainer[] = [];
  private index: UdpFlowIndex | null = null;
  /** The errors no explainer explained, in frame order: each becomes a udp event. */
  private readonly unexplained: UdpIcmpError[] = [];

  /** Lets `x` explain the ICMP errors on UDP flows before they are udp events. */
  explainWith(x: UdpIcmpExplainer): void {
    this.explainers.push(x);
  }

  onStart(analysis: Analysis): void {
    this.index = new UdpFlowIndex(analysis.flows);
  }

  onPacket(pkt: Packet, _flow: Flow, _dir: number, frame: number, time: number): void {
    if (pkt.hasQuote) this.onIcmp(pkt, frame, time);
  }

  onOther(pkt: Packet, frame: number, time: number): void {
    if (pkt.hasQuote) this.onIcmp(pkt, frame, time);
  }

  private onIcmp(pkt: Packet, frame: number, time: number): void {
    const err = this.index!.resolve(pkt, frame, time);
    if (!err) return;
    for (const x of this.explainers) if (x.explainIcmpError(err, pkt.data)) return;
    this.unexplained.push(err);
  }

  finish(a: Analysis): void {
    for (const e of this.unexplained) {
      const dg = findQuotedDatagram(a.columns, e);
      const port = e.kind === 'port';
      a.emit('udp', port ? 'udp.port-unreachable' : 'udp.unreachable', e.frame, e.time, e.flow ? e.flow.id : null,
        `${e.text} for the UDP datagram ${e.src} → ${e.dst}${dg ? ` (frame ${dg})` : e.flow ? '' : ' (not in the capture)'}: ${port ? `nothing listened on ${e.dst}` : 'it did not reach its destination'}`,
        dg ? [dg] : []);
    }
  }
}
