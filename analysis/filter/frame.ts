// One frame's display-filter fields (./fields), read from what the project already
// computes — never a second computation of a fact:
//  - the headers, from the project's decoder (parsers/decode: the Packet of the
//    record's bytes), including the datagram an ICMP error quotes (Wireshark dissects
//    it too: its ip.src, udp.port and DNS header count as occurrences of the frame);
//  - the TCP analysis — relative seq/ack, scaled window, bytes in flight, ACK RTT and
//    the tcp.analysis.* flags — from the TCP tracker's per-packet columns through
//    analysis/tcp/query's packetFacts;
//  - DNS headers and questions from the DNS wire reader (parsers/dns/wire), DNS over
//    TCP delimited by the DNS tracker's own stream reader (parsers/dns/tcp-stream);
//  - `quic`: the frames the QUIC analysis attributed to a connection, and as Wireshark's
//    conversations do, every later UDP datagram of a flow (5-tuple) where it attributed
//    one — short-header packets whose connection ID it could not place included.
// Values are computed when the filter first asks for a field in a frame, and only for
// the fields the filter names (`load` prepares only the DNS-over-TCP streams it needs).

import type { CaptureRecord } from '../../parsers/capture/index';
import { IpProto, LinkType, TcpFlag, type Packet } from '../../parsers/decode/index';
import { readHeader, readName, nameEnd, DnsHeader } from '../../parsers/dns/wire';
import { DnsTcpStream } from '../../parsers/dns/tcp-stream';
import type { Analysis } from '../analysis';
import { quicTracker } from '../quic/query';
import type { TcpColumns } from '../tcp/columns';
import { TcpBit } from '../tcp/kinds';
import { packetFacts, tcpTrackerOf, type TcpPacketFacts } from '../tcp/query';
import type { FieldAccess, FieldValue } from './evaluate';
import { FILTER_FIELDS } from './fields';

const TCP = IpProto.TCP, UDP = IpProto.UDP, ICMP = IpProto.ICMP, ICMPV6 = IpProto.ICMPV6;
const NONE: readonly FieldValue[] = [];
const ONE: readonly FieldValue[] = [1];
const PORT_DNS = 53, PORT_MDNS = 5353, PORT_LLMNR = 5355;
/** Questions read per DNS message (a real one has one; a hostile count stays bounded). */
const MAX_QUESTIONS = 16;

/** The TCP analysis bits behind each tcp.analysis.* field (Wireshark marks a fast or spurious retransmission a retransmission too). */
const ANALYSIS_BITS: Record<string, number> = {
  'tcp.analysis.retransmission': TcpBit.RETRANSMISSION | TcpBit.FAST_RETRANSMISSION | TcpBit.SPURIOUS_RETRANSMISSION,
  'tcp.analysis.fast_retransmission': TcpBit.FAST_RETRANSMISSION,
  'tcp.analysis.spurious_retransmission': TcpBit.SPURIOUS_RETRANSMISSION,
  'tcp.analysis.out_of_order': TcpBit.OUT_OF_ORDER,
  'tcp.analysis.lost_segment': TcpBit.LOST_SEGMENT,
  'tcp.analysis.ack_lost_segment': TcpBit.ACK_LOST_SEGMENT,
  'tcp.analysis.duplicate_ack': TcpBit.DUPLICATE_ACK,
  'tcp.analysis.zero_window': TcpBit.ZERO_WINDOW,
  'tcp.analysis.zero_window_probe': TcpBit.ZERO_WINDOW_PROBE,
  'tcp.analysis.window_full': TcpBit.WINDOW_FULL,
  'tcp.analysis.window_update': TcpBit.WINDOW_UPDATE,
  'tcp.analysis.keep_alive': TcpBit.KEEP_ALIVE,
  'tcp.analysis.keep_alive_ack': TcpBit.KEEP_ALIVE_ACK,
  'tcp.analysis.reused_ports': TcpBit.PORT_REUSE,
};
ANALYSIS_BITS['tcp.analysis.flags'] = Object.values(ANALYSIS_BITS).reduce((a, b) => a | b, 0);

const FLAG_BITS: Record<string, number> = {
  'tcp.flags.syn': TcpFlag.SYN, 'tcp.flags.ack': TcpFlag.ACK, 'tcp.flags.fin': TcpFlag.FIN, 'tcp.flags.reset': TcpFlag.RST,
  'tcp.flags.push': TcpFlag.PSH, 'tcp.flags.urg': TcpFlag.URG, 'tcp.flags.ece': TcpFlag.ECE, 'tcp.flags.cwr': TcpFlag.CWR, 'tcp.flags.ns': TcpFlag.NS,
};

/** One DNS message of the frame, and which protocol Wireshark names it. */
interface DnsMsg {
  proto: 'dns' | 'mdns' | 'llmnr';
  data: Uint8Array;
  off: number;
  len: number;
}

function u32(d: Uint8Array, o: number): number {
  return ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;
}

function dnsProto(sp: number, dp: number): DnsMsg['proto'] | null {
  if (sp === PORT_DNS || dp === PORT_DNS) return 'dns';
  if (sp === PORT_MDNS || dp === PORT_MDNS) return 'mdns';
  if (sp === PORT_LLMNR || dp === PORT_LLMNR) return 'llmnr';
  return null;
}

/** Wireshark shows a name without its trailing dot, the root as "<Root>". */
function wiresharkName(name: string): string {
  return name === '.' ? '<Root>' : name.endsWith('.') ? name.slice(0, -1) : name;
}

export class FrameFields implements FieldAccess {
  private pkt!: Packet;
  private rec!: CaptureRecord;
  /** Packet index (frame − 1). */
  private i = 0;
  private readonly cache: (readonly FieldValue[] | undefined)[] = new Array(FILTER_FIELDS.length);
  private facts: TcpPacketFacts | null | undefined;
  private dns: DnsMsg[] | null = null;
  private tcpDns: DnsMsg[] = [];
  private readonly tcpCols: TcpColumns | null;
  private quicFrames: Set<number> | null = null;
  /** The first frame the QUIC analysis attributed, per flow. */
  private quicFlowStart: Map<number, number> | null = null;
  private readonly streams = new Map<number, [DnsTcpStream, DnsTcpStream]>();
  /** First frame's time (frame.time_relative), seconds and nanoseconds. */
  private t0: [number, number] | null = null;

  constructor(
    private readonly analysis: Analysis,
    /** The fields the filter reads: DNS over TCP is delimited only when it reads DNS. */
    private readonly wanted: ReadonlySet<number>,
  ) {
    this.tcpCols = tcpTrackerOf(analysis)?.columns ?? null;
    this.needDns = [...wanted].some((id) => /^(dns|mdns|llmnr)(\.|$)/.test(FILTER_FIELDS[id].name));
  }

  private readonly needDns: boolean;

  /** Point at the next frame (records in file order; pkt decoded from rec.data). */
  load(pkt: Packet, rec: CaptureRecord): void {
    this.pkt = pkt;
    this.rec = rec;
    this.i = rec.frame - 1;
    this.cache.fill(undefined);
    this.facts = undefined;
    this.dns = null;
    this.tcpDns = [];
    if (this.t0 === null) this.t0 = [rec.tsSec, rec.tsNsec];
    if (this.needDns && this.hasTcp() && (pkt.srcPort === PORT_DNS || pkt.dstPort === PORT_DNS)) this.feedTcpDns();
  }

  values(id: number): readonly FieldValue[] {
    let v = this.cache[id];
    if (v === undefined) this.cache[id] = v = this.compute(FILTER_FIELDS[id].name);
    return v;
  }

  // ------------------------------------------------------------ layers

  /** The transport header was decoded (not a fragment that left it to a later one). */
  private transport(proto: number): boolean {
    const p = this.pkt;
    return p.ipProto === proto && p.l4Off >= 0 && !(p.isFragment && !p.reassembled);
  }

  private hasTcp(): boolean {
    return this.transport(TCP);
  }

  private quoted(proto: number): boolean {
    const q = this.pkt.quote;
    return this.pkt.hasQuote && q.ipProto === proto && q.srcPort >= 0;
  }

  /** The TCP analysis's numbers of this packet (null outside a TCP flow or without the TCP tracker). */
  private tcpFacts(): TcpPacketFacts | null {
    if (this.facts !== undefined) return this.facts;
    const a = this.analysis, i = this.i;
    const flow = i < a.columns.length ? a.columns.flow[i] : 0;
    const ok = this.tcpCols !== null && flow !== 0 && a.flows.flows[flow - 1]?.transport === 'tcp' && this.hasTcp();
    return (this.facts = ok ? packetFacts(this.tcpCols!, i, this.pkt.tcpFlags) : null);
  }

  private analysisBits(): number {
    return this.tcpCols !== null && this.hasTcp() ? this.tcpCols.bits(this.i) : 0;
  }

  private feedTcpDns(): void {
    const p = this.pkt, flow = this.i < this.analysis.columns.length ? this.analysis.columns.flow[this.i] : 0;
    if (flow === 0) return;
    const dir = this.analysis.columns.dir[this.i];
    let ss = this.streams.get(flow);
    if (!ss) this.streams.set(flow, (ss = [new DnsTcpStream(), new DnsTcpStream()]));
    ss[dir].segment(p.tcpSeq, (p.tcpFlags & TcpFlag.SYN) !== 0, p.data, p.payloadOff, p.payloadLen, p.payloadWireLen, (data, off, len) => {
      this.tcpDns.push({ proto: 'dns', data: data.slice(off, off + len), off: 0, len });
    });
  }

  /** The DNS messages of the frame: UDP payload, the UDP datagram an ICMP error quotes, messages completed on a TCP stream. */
  private dnsMessages(): DnsMsg[] {
    if (this.dns) return this.dns;
    const out: DnsMsg[] = [];
    const p = this.pkt;
    if (this.transport(UDP) && p.payloadLen > 0) {
      const proto = dnsProto(p.srcPort, p.dstPort);
      if (proto) out.push({ proto, data: p.data, off: p.payloadOff, len: p.payloadLen });
    }
    if (this.quoted(UDP) && p.quote.l4Len > 8) {
      const q = p.quote, proto = dnsProto(q.srcPort, q.dstPort);
      if (proto) out.push({ proto, data: p.data, off: q.l4Off + 8, len: q.l4Len - 8 });
    }
    out.push(...this.tcpDns);
    return (this.dns = out);
  }

  private dnsHeaders(): DnsHeader[] {
    const out: DnsHeader[] = [];
    for (const m of this.dnsMessages()) {
      const h = new DnsHeader();
      if (readHeader(m.data, m.off, m.len, h)) out.push(h);
    }
    return out;
  }

  private dnsQuestions(): { name: string; type: number }[] {
    const out: { name: string; type: number }[] = [];
    for (const m of this.dnsMessages()) {
      const h = new DnsHeader();
      if (!readHeader(m.data, m.off, m.len, h)) continue;
      let pos = m.off + 12;
      for (let k = 0; k < Math.min(h.qdcount, MAX_QUESTIONS); k++) {
        const name = readName(m.data, m.off, m.len, pos);
        if (name === null) break;
        pos = nameEnd;
        if (pos + 4 > m.off + m.len) break;
        out.push({ name: wiresharkName(name), type: (m.data[pos] << 8) | m.data[pos + 1] });
        pos += 4;
      }
    }
    return out;
  }

  private addrs(version: 4 | 6, which: 'src' | 'dst' | 'addr'): FieldValue[] {
    const p = this.pkt, out: FieldValue[] = [];
    const take = (ver: number, srcOff: number, dstOff: number): void => {
      if (ver !== version) return;
      for (const off of which === 'src' ? [srcOff] : which === 'dst' ? [dstOff] : [srcOff, dstOff]) {
        if (version === 4) out.push(off + 4 <= p.data.length ? u32(p.data, off) : 0);
        else out.push(p.data.slice(off, off + 16));
      }
    };
    take(p.ipVersion, p.ipSrcOff, p.ipDstOff);
    if (p.hasQuote) take(p.quote.ipVersion, p.quote.ipSrcOff, p.quote.ipDstOff);
    return out;
  }

  private ports(proto: number, which: 'src' | 'dst' | 'port'): FieldValue[] {
    const p = this.pkt, out: FieldValue[] = [];
    const take = (sp: number, dp: number): void => {
      if (which !== 'dst') out.push(sp);
      if (which !== 'src') out.push(dp);
    };
    if (this.transport(proto)) take(p.srcPort, p.dstPort);
    if (this.quoted(proto)) take(p.quote.srcPort, p.quote.dstPort);
    return out;
  }

  // ------------------------------------------------------------ fields

  private compute(name: string): readonly FieldValue[] {
    const p = this.pkt, r = this.rec;
    const tcpFlag = FLAG_BITS[name];
    if (tcpFlag !== undefined) return this.hasTcp() ? [p.tcpFlags & tcpFlag ? 1 : 0] : NONE;
    const bits = ANALYSIS_BITS[name];
    if (bits !== undefined) return this.analysisBits() & bits ? ONE : NONE;
    switch (name) {
      case 'frame':
        // the record's bytes (valid while the pass holds the record): `frame contains`
        return [r.data];
      case 'eth':
        return r.linkType === LinkType.ETHERNET ? ONE : NONE;
      case 'vlan':
        return p.vlanCount > 0 ? ONE : NONE;
      case 'arp':
        // Wireshark's ARP dissector reads RARP (0x8035) too
        return p.etherType === 0x0806 || p.etherType === 0x8035 ? ONE : NONE;
      case 'ip':
        return p.ipVersion === 4 || (p.hasQuote && p.quote.ipVersion === 4) ? ONE : NONE;
      case 'ipv6':
        return p.ipVersion === 6 || (p.hasQuote && p.quote.ipVersion === 6) ? ONE : NONE;
      case 'tcp':
        return this.hasTcp() || this.quoted(TCP) ? ONE : NONE;
      case 'udp':
        return this.transport(UDP) || this.quoted(UDP) ? ONE : NONE;
      case 'icmp':
        return p.ipVersion === 4 && p.ipProto === ICMP && p.icmpType >= 0 ? ONE : NONE;
      case 'icmpv6':
        return p.ipVersion === 6 && p.ipProto === ICMPV6 && p.icmpType >= 0 ? ONE : NONE;
      case 'dns':
      case 'mdns':
      case 'llmnr':
        return this.dnsMessages().some((m) => m.proto === name) ? ONE : NONE;
      case 'quic': {
        const cols = this.analysis.columns;
        if (!this.quicFrames || !this.quicFlowStart) {
          const frames = (this.quicFrames = new Set());
          const start = (this.quicFlowStart = new Map());
          const add = (fr: number): void => {
            frames.add(fr);
            const fl = fr - 1 < cols.length ? cols.flow[fr - 1] : 0;
            if (fl !== 0 && !(start.get(fl)! <= fr)) start.set(fl, fr);
          };
          for (const c of quicTracker(this.analysis)?.conns ?? []) {
            for (const fr of c.frames.view()) add(fr);
            for (const fr of c.inferredFrames.view()) add(fr);
          }
        }
        if (this.quicFrames.has(r.frame)) return ONE;
        const fl = this.i < cols.length ? cols.flow[this.i] : 0;
        const from = fl !== 0 ? this.quicFlowStart.get(fl) : undefined;
        return from !== undefined && from <= r.frame && this.transport(UDP) && p.payloadLen > 0 ? ONE : NONE;
      }

      case 'frame.number':
        return [r.frame];
      case 'frame.time_relative': {
        const [s, ns] = this.t0!;
        return [(r.tsSec - s) * 1e9 + (r.tsNsec - ns)];
      }
      case 'frame.len':
        return [r.origLen];
      case 'frame.cap_len':
        return [r.capLen];
      case 'vlan.id':
        return Array.from(p.vlanIds.subarray(0, p.vlanCount));

      case 'ip.src':
        return this.addrs(4, 'src');
      case 'ip.dst':
        return this.addrs(4, 'dst');
      case 'ip.addr':
        return this.addrs(4, 'addr');
      case 'ipv6.src':
        return this.addrs(6, 'src');
      case 'ipv6.dst':
        return this.addrs(6, 'dst');
      case 'ipv6.addr':
        return this.addrs(6, 'addr');
      case 'ip.proto':
      case 'ip.ttl':
      case 'ipv6.hlim': {
        // of the packet's header and the quoted one (header start: source offset − 12 for IPv4, − 8 for IPv6)
        const v6 = name === 'ipv6.hlim', ver = v6 ? 6 : 4, out: FieldValue[] = [];
        const at = (srcOff: number): number => (v6 ? p.data[srcOff - 1] : p.data[srcOff - 12 + (name === 'ip.ttl' ? 8 : 9)]);
        if (p.ipVersion === ver) out.push(at(p.ipSrcOff));
        if (p.hasQuote && p.quote.ipVersion === ver) out.push(at(p.quote.ipSrcOff));
        return out;
      }

      case 'tcp.port':
        return this.ports(TCP, 'port');
      case 'tcp.srcport':
        return this.ports(TCP, 'src');
      case 'tcp.dstport':
        return this.ports(TCP, 'dst');
      case 'udp.port':
        return this.ports(UDP, 'port');
      case 'udp.srcport':
        return this.ports(UDP, 'src');
      case 'udp.dstport':
        return this.ports(UDP, 'dst');
      case 'udp.length': {
        const out: FieldValue[] = [];
        if (this.transport(UDP)) out.push(p.udpLength);
        if (this.quoted(UDP) && p.quote.udpLength >= 0) out.push(p.quote.udpLength);
        return out;
      }

      case 'tcp.payload':
        return this.hasTcp() && p.payloadLen > 0 ? [p.data.subarray(p.payloadOff, p.payloadOff + p.payloadLen)] : NONE;
      case 'udp.payload': {
        const out: FieldValue[] = [];
        if (this.transport(UDP) && p.payloadLen > 0) out.push(p.data.subarray(p.payloadOff, p.payloadOff + p.payloadLen));
        if (this.quoted(UDP) && p.quote.l4Len > 8) out.push(p.data.subarray(p.quote.l4Off + 8, p.quote.l4Off + p.quote.l4Len));
        return out;
      }
      case 'tcp.len':
        return this.hasTcp() ? [p.payloadWireLen] : NONE;
      case 'tcp.hdr_len':
        return this.hasTcp() ? [p.tcpHdrLen] : NONE;
      case 'tcp.flags':
        return this.hasTcp() ? [p.tcpFlags] : NONE;
      case 'tcp.seq_raw':
        return this.hasTcp() ? [p.tcpSeq] : NONE;
      case 'tcp.ack_raw':
        return this.hasTcp() ? [p.tcpAck] : NONE;
      case 'tcp.window_size_value':
        return this.hasTcp() ? [p.tcpWindow] : NONE;
      case 'tcp.seq': {
        // the quoted header's as it was sent (Wireshark relates no quote to its stream)
        const f = this.tcpFacts(), q = p.quote;
        const quoted = this.quoted(TCP) && q.tcpSeq >= 0;
        return f ? (quoted ? [f.seq, q.tcpSeq] : [f.seq]) : quoted ? [q.tcpSeq] : NONE;
      }
      case 'tcp.ack': {
        const f = this.tcpFacts();
        return f ? [f.ack ?? p.tcpAck] : NONE;
      }
      case 'tcp.window_size': {
        const f = this.tcpFacts();
        return f ? [f.window] : NONE;
      }
      case 'tcp.analysis.bytes_in_flight': {
        const f = this.tcpFacts();
        return f && f.bytesInFlight !== null ? [f.bytesInFlight] : NONE;
      }
      case 'tcp.analysis.ack_rtt': {
        const f = this.tcpFacts();
        return f && f.ackRtt !== null ? [Math.round(f.ackRtt * 1e9)] : NONE;
      }

      case 'icmp.type':
      case 'icmp.code':
      case 'icmpv6.type':
      case 'icmpv6.code': {
        const want = name.startsWith('icmpv6') ? 6 : 4;
        const ok = p.ipVersion === want && p.ipProto === (want === 6 ? ICMPV6 : ICMP) && p.icmpType >= 0;
        return ok ? [name.endsWith('type') ? p.icmpType : p.icmpCode] : NONE;
      }

      case 'dns.id':
        return this.dnsHeaders().map((h) => h.id);
      case 'dns.flags.response':
        return this.dnsHeaders().map((h) => h.qr);
      case 'dns.flags.opcode':
        return this.dnsHeaders().map((h) => h.opcode);
      case 'dns.flags.rcode':
        // Wireshark shows the response code of responses only
        return this.dnsHeaders().filter((h) => h.qr === 1).map((h) => h.rcode);
      case 'dns.count.queries':
        return this.dnsHeaders().map((h) => h.qdcount);
      case 'dns.count.answers':
        return this.dnsHeaders().map((h) => h.ancount);
      case 'dns.qry.name':
        return this.dnsQuestions().map((q) => q.name);
      case 'dns.qry.type':
        return this.dnsQuestions().map((q) => q.type);
    }
    throw new Error(`display filter: no reader for the field ${name}`);
  }
}
