// ICMP / ICMPv6 errors tied to the UDP flow whose datagram they quote.
//
// UDP keeps no state: when the application behind a port is gone, the only trace is
// the receiving host's ICMP "port unreachable" (RFC 792 type 3 code 3; RFC 4443 type 1
// code 4), which quotes the start of the datagram it refused. The quote holds the
// ORIGINAL datagram's header: its source is the sender of the refused datagram, its
// destination the host that refused it (the ICMP's own source). This index finds the
// flow from the quoted addresses and ports (on the ICMP frame's VLANs, which are part of
// a flow's key), and the frame of the refused datagram from the quoted UDP length.

import { formatEndpoint, IpProto, type Packet } from '../../parsers/decode/index';
import type { PacketColumns } from '../columns';
import type { Flow, FlowTable } from '../flows';

/** The "destination unreachable" message types (RFC 792, RFC 4443). */
const ICMP_UNREACHABLE = 3, ICMPV6_UNREACHABLE = 1;

export type UnreachableKind = 'port' | 'host' | 'net' | 'protocol' | 'admin' | 'other';

/** What an ICMP error says about a UDP flow. */
export interface UdpIcmpError {
  /** The ICMP frame and its time. */
  frame: number;
  time: number;
  /** The UDP flow of the quoted datagram, or null when the capture has no such flow. */
  flow: Flow | null;
  /** Direction of the quoted datagram on that flow (0 = client → server). */
  dir: number;
  kind: UnreachableKind;
  /** "port unreachable", "host unreachable", … with the ICMP type/code. */
  text: string;
  /** Quoted UDP length field (-1 when not quoted). */
  udpLength: number;
  /** Offset and length of the quoted UDP payload in the ICMP packet's data (len 0 when none). */
  payloadOff: number;
  payloadLen: number;
  /** The quoted datagram's endpoints as text ("10.0.0.1:5353"). */
  src: string;
  dst: string;
}

function addrKey(d: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(d[off + i]);
  return s;
}

/** Classifies an ICMP error; null for messages that are not "destination unreachable". */
export function unreachableKind(pkt: Packet): { kind: UnreachableKind; text: string } | null {
  const t = pkt.icmpType, c = pkt.icmpCode;
  if (pkt.ipProto === IpProto.ICMP) {
    if (t !== ICMP_UNREACHABLE) return null;
    const kind: UnreachableKind = c === 3 ? 'port' : c === 1 ? 'host' : c === 0 ? 'net' : c === 2 ? 'protocol' : c === 9 || c === 10 || c === 13 ? 'admin' : 'other';
    return { kind, text: `ICMP ${kind === 'other' ? 'destination' : kind === 'admin' ? 'administratively prohibited' : kind} unreachable (type 3 code ${c})` };
  }
  if (pkt.ipProto === IpProto.ICMPV6) {
    if (t !== ICMPV6_UNREACHABLE) return null;
    const kind: UnreachableKind = c === 4 ? 'port' : c === 3 ? 'host' : c === 0 ? 'net' : c === 1 || c === 5 || c === 6 ? 'admin' : 'other';
    return { kind, text: `ICMPv6 ${kind === 'host' ? 'address' : kind === 'net' ? 'no route,' : kind === 'admin' ? 'administratively prohibited,' : kind === 'other' ? 'destination' : kind} unreachable (type 1 code ${c})` };
  }
  return null;
}

/**
 * Index of the flow table's UDP flows by their endpoints. The keys are built when the
 * first ICMP error needs them, and then only for the flows added since: a capture
 * without ICMP errors pays nothing, and no tracker is called per UDP packet for it.
 */
export class UdpFlowIndex {
  private readonly byTuple = new Map<string, Flow>();
  /** How many of the table's flows have been looked at. */
  private indexed = 0;

  constructor(private readonly table: FlowTable) {}

  private static key(vlan: number[] | null, v: number, a: string, pa: number, b: string, pb: number): string {
    // Symmetric: the smaller endpoint first.
    const x = a + '|' + pa, y = b + '|' + pb;
    const k = x < y ? `${v}|${x}|${y}` : `${v}|${y}|${x}`;
    return vlan === null ? k : `${vlan.join('/')}|${k}`;
  }

  private catchUp(): void {
    const flows = this.table.flows;
    for (; this.indexed < flows.length; this.indexed++) {
      const flow = flows[this.indexed];
      if (flow.proto !== IpProto.UDP) continue;
      const len = flow.ipVersion === 6 ? 16 : 4;
      this.byTuple.set(UdpFlowIndex.key(flow.vlan, flow.ipVersion, addrKey(flow.addrA, 0, len), flow.keyPortA, addrKey(flow.addrB, 0, len), flow.keyPortB), flow);
    }
  }

  /**
   * For an ICMP/ICMPv6 destination-unreachable quoting a UDP datagram, the flow it
   * belongs to and the refused datagram; null for other ICMP messages.
   */
  resolve(pkt: Packet, frame: number, time: number): UdpIcmpError | null {
    if (!pkt.hasQuote) return null;
    const q = pkt.quote;
    if (q.ipProto !== IpProto.UDP || q.srcPort < 0 || q.nonFirstFragment) return null;
    const k = unreachableKind(pkt);
    if (!k) return null;
    const v = q.ipVersion === 6 ? 6 : 4;
    const len = v === 6 ? 16 : 4;
    const d = pkt.data;
    if (q.ipSrcOff + len > d.length || q.ipDstOff + len > d.length) return null;
    const src = addrKey(d, q.ipSrcOff, len), dst = addrKey(d, q.ipDstOff, len);
    this.catchUp();
    const flow = this.byTuple.get(UdpFlowIndex.key(this.table.vlanOf(pkt), v, src, q.srcPort, dst, q.dstPort)) ?? null;
    let dir = 0;
    if (flow) {
      const fromA = flow.keyPortA === q.srcPort && addrKey(flow.addrA, 0, len) === src;
      dir = fromA === flow.clientIsA ? 0 : 1;
    }
    let payloadOff = 0, payloadLen = 0;
    if (q.l4Off >= 0 && q.l4Len > 8) {
      payloadOff = q.l4Off + 8;
      payloadLen = Math.min(q.l4Len - 8, d.length - payloadOff);
      if (q.udpLength >= 8) payloadLen = Math.min(payloadLen, q.udpLength - 8);
      if (payloadLen < 0) payloadLen = 0;
    }
    const err: UdpIcmpError = {
      frame, time, flow, dir, kind: k.kind, text: k.text, udpLength: q.udpLength, payloadOff, payloadLen,
      src: formatEndpoint(d, q.ipSrcOff, v, q.srcPort), dst: formatEndpoint(d, q.ipDstOff, v, q.dstPort),
    };
    return err;
  }
}

/**
 * The frame of the datagram an ICMP error refused: the latest packet of the flow, in
 * the quoted direction and before the ICMP, whose UDP payload length matches the
 * quoted UDP length (columns hold one entry per frame, frame n at index n - 1).
 */
export function findQuotedDatagram(columns: PacketColumns, err: UdpIcmpError, maxLookBack = 1 << 20): number | null {
  if (!err.flow) return null;
  const id = err.flow.id;
  const want = err.udpLength >= 8 ? err.udpLength - 8 : -1;
  const stop = Math.max(0, err.frame - 1 - maxLookBack);
  for (let i = err.frame - 2; i >= stop; i--) {
    if (columns.flow[i] !== id || columns.dir[i] !== err.dir) continue;
    if (want >= 0 && columns.payloadLen[i] !== want) continue;
    return i + 1;
  }
  return null;
}
