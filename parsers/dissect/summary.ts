// The packet list's Wireshark columns of a frame, from its layer tree (./dissect):
// Source, Destination, Protocol, Info. TCP's Seq/Ack are the relative numbers the
// analysis computed when the caller has them (as Wireshark shows them).

import type { FieldNode } from './tree';

export interface PacketSummary {
  source: string;
  destination: string;
  protocol: string;
  info: string;
}

const PROTOCOLS: Record<string, string> = { arp: 'ARP', eth: 'Ethernet', sll: 'SLL', vlan: '802.1Q', ieee8021ad: '802.1ad', ip: 'IPv4', ipv6: 'IPv6', tcp: 'TCP', udp: 'UDP', icmp: 'ICMP', icmpv6: 'ICMPv6', dns: 'DNS', quic: 'QUIC' };

/** Every field of the tree by name (the first occurrence outside a quoted datagram wins). */
function index(tree: FieldNode[]): Map<string, FieldNode> {
  const m = new Map<string, FieldNode>();
  const walk = (ns: FieldNode[], depth: number): void => {
    for (const n of ns) {
      if (!m.has(n.name)) m.set(n.name, n);
      // a quoted datagram (ICMP error) is nested under the ICMP layer: not this packet's addresses
      if (n.children && !(depth > 0 && (n.name === 'ip' || n.name === 'ipv6'))) walk(n.children, depth + (n.name === 'icmp' || n.name === 'icmpv6' ? 1 : 0));
    }
  };
  walk(tree, 0);
  return m;
}

const after = (label: string): string => label.slice(label.indexOf(': ') + 2);

export function summarize(tree: FieldNode[], tcp?: { seq: number | null; ack: number | null; win: number | null } | null): PacketSummary {
  const f = index(tree);
  const v = (name: string): string => f.get(name)?.value ?? '';
  const source = v('ip.src') || v('ipv6.src') || v('eth.src') || v('sll.src.eth');
  const destination = v('ip.dst') || v('ipv6.dst') || v('eth.dst');
  let protocol = '';
  for (const n of tree) if (PROTOCOLS[n.name]) protocol = PROTOCOLS[n.name];
  let info = '';
  const top = new Set(tree.map((n) => n.name));
  if (top.has('icmp') || top.has('icmpv6')) {
    const pre = top.has('icmp') ? 'icmp' : 'icmpv6';
    const type = f.get(`${pre}.type`);
    const code = f.get(`${pre}.code`);
    info = type ? after(type.label).replace(/^\d+ \((.*)\)$/, '$1') : '';
    const cl = code ? after(code.label) : '';
    if (/\(/.test(cl)) info += ` (${cl.replace(/^\d+ \((.*)\)$/, '$1')})`;
    const id = f.get(`${pre}.ident`) ?? f.get(`${pre}.echo.identifier`);
    if (id) info += ` id=${id.value.startsWith('0x') ? id.value : '0x' + Number(id.value).toString(16).padStart(4, '0')}, seq=${v(`${pre}.seq`) || v(`${pre}.echo.sequence_number`)}`;
  } else if (top.has('dns')) {
    const resp = v('dns.flags.response') === '1';
    const qs: string[] = [];
    const answers: string[] = [];
    const RDATA = new Set(['dns.a', 'dns.aaaa', 'dns.cname', 'dns.ns', 'dns.ptr.domain_name', 'dns.soa.mname', 'dns.txt']);
    const typeOf = (n: FieldNode): string => after(n.children?.find((c) => c.name === 'dns.qry.type' || c.name === 'dns.resp.type')?.label ?? '').replace(/ \(\d+\)$/, '');
    const walk = (ns: FieldNode[]): void => {
      for (const n of ns) {
        if (n.name === 'dns.qry') qs.push(`${typeOf(n)} ${n.children![0].value}`);
        else if (n.name === 'dns.resp') {
          const rd = n.children?.find((c) => RDATA.has(c.name));
          answers.push(`${typeOf(n)}${rd ? ' ' + rd.value : ''}`);
        } else if (n.name === 'dns.answers' || n.name === 'dns.queries') walk(n.children ?? []);
      }
    };
    const dnsLayer = tree.find((n) => n.name === 'dns');
    walk(dnsLayer?.children ?? []);
    const rc = v('dns.flags.rcode');
    info = `Standard query${resp ? ' response' : ''} ${v('dns.id')}${resp && rc !== '' && rc !== '0' ? ` ${after(f.get('dns.flags.rcode')!.label).replace(/ \(\d+\)$/, '')}` : ''} ${qs.join(' ')}${answers.length ? ' ' + answers.join(' ') : ''}`;
  } else if (top.has('arp')) {
    info = v('arp.opcode') === '1' ? `Who has ${v('arp.dst.proto_ipv4')}? Tell ${v('arp.src.proto_ipv4')}` : v('arp.opcode') === '2' ? `${v('arp.src.proto_ipv4')} is at ${v('arp.src.hw_mac')}` : 'ARP';
  } else if (top.has('quic')) {
    info = tree.filter((n) => n.name === 'quic').map((n) => n.label.replace(/^QUIC IETF, /, '')).join(', ');
  } else if (f.has('tcp')) {
    const fl = f.get('tcp.flags');
    const names = fl ? /\((.*)\)/.exec(fl.label)?.[1] ?? '' : '';
    const len = f.get('tcp.payload') ? Number(/\((\d+) byte/.exec(f.get('tcp.payload')!.label)?.[1] ?? 0) : 0;
    const parts = [`${v('tcp.srcport')} → ${v('tcp.dstport')}`, names && names !== '<None>' ? `[${names}]` : ''];
    parts.push(`Seq=${tcp?.seq ?? v('tcp.seq_raw')}`);
    if (fl && (Number(fl.value) & 0x10)) parts.push(`Ack=${tcp?.ack ?? v('tcp.ack_raw')}`);
    parts.push(`Win=${tcp?.win ?? v('tcp.window_size_value')}`, `Len=${len}`);
    if (f.has('tcp.options.mss_val')) parts.push(`MSS=${v('tcp.options.mss_val')}`);
    if (f.has('tcp.options.sack_perm')) parts.push('SACK_PERM');
    if (f.has('tcp.options.timestamp.tsval')) parts.push(`TSval=${v('tcp.options.timestamp.tsval')}`, `TSecr=${v('tcp.options.timestamp.tsecr')}`);
    if (f.has('tcp.options.wscale.shift')) parts.push(`WS=${v('tcp.options.wscale.multiplier')}`);
    info = parts.filter(Boolean).join(' ');
  } else if (f.has('udp')) {
    info = `${v('udp.srcport')} → ${v('udp.dstport')} Len=${Math.max(0, Number(v('udp.length')) - 8)}`;
  } else {
    const last = tree[tree.length - 1];
    info = last ? last.label : '';
  }
  return { source, destination, protocol, info: info.replace(/\s+/g, ' ').trim() };
}
