// The layer tree (parsers/dissect) against tshark on real fixtures: for every field we
// name that tshark also shows, the same value at the same bytes [start, end); and the
// fields each layer must have are there (TCP options, DNS records, ICMP's quoted
// datagram, VLAN tags, QUIC headers).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../../analysis/analyze';
import { dissect, type FieldNode } from '../../../parsers/dissect/dissect';
import { HAVE_TSHARK, tsharkFields, tsharkFrameBytes, tsharkFrames, warnIfNoTshark, type TsharkField } from './tshark';

const ROOT = join(__dirname, '../../..');

/** Fields whose value we print differently from tshark on purpose (or that tshark shows elsewhere). */
const NOT_COMPARED = new Set(['frame.time_epoch', 'tcp.payload', 'data', 'tcp.options', 'ip.options', 'quic.remaining_payload']);

function flatten(nodes: FieldNode[], out: FieldNode[] = []): FieldNode[] {
  for (const n of nodes) {
    out.push(n);
    if (n.children) flatten(n.children, out);
  }
  return out;
}

export interface Comparison {
  matched: number;
  mismatched: string[];
  /** Our fields tshark has under the same name but nowhere at our bytes. */
  unplaced: string[];
  names: Set<string>;
}

export async function compareWithTshark(rel: string, opts: { keylog?: string } = {}): Promise<Comparison> {
  const file = join(ROOT, rel);
  const frames = tsharkFrames(file, opts);
  const a = await analyzeCapture(new Uint8Array(readFileSync(file)));
  const out: Comparison = { matched: 0, mismatched: [], unplaced: [], names: new Set() };
  frames.forEach((layers, i) => {
    const bytes = tsharkFrameBytes(layers);
    const tree = dissect(bytes, { frame: i + 1, time: a.columns.time[i], wireLen: a.columns.wireLen[i], linkType: a.columns.linkType(i) });
    const theirs = new Map<string, TsharkField[]>();
    for (const f of tsharkFields(layers)) (theirs.get(f.name) ?? theirs.set(f.name, []).get(f.name)!).push(f);
    const ours = flatten(tree);
    // tshark's IPv6 layer spans a fragment header only in the frame that completes the reassembly
    const fragment = ours.some((n) => n.name === 'ipv6.fraghdr');
    for (const n of ours) {
      if (NOT_COMPARED.has(n.name) || n.end <= n.start || (fragment && n.name === 'ipv6')) continue;
      const cands = theirs.get(n.name);
      if (!cands) continue;
      const at = cands.filter((c) => c.start === n.start);
      if (at.length === 0) {
        out.unplaced.push(`frame ${i + 1} ${n.name} at ${n.start}: tshark at ${cands.map((c) => c.start).join(',')}`);
        continue;
      }
      const same = at.find((c) => c.value === n.value && c.end === n.end);
      if (same) {
        out.matched++;
        out.names.add(n.name);
      } else out.mismatched.push(`frame ${i + 1} ${n.name}: ours ${JSON.stringify(n.value)} [${n.start},${n.end}) tshark ${at.map((c) => `${JSON.stringify(c.value)} [${c.start},${c.end})`).join(' | ')}`);
    }
  });
  return out;
}

warnIfNoTshark();

const CASES: { file: string; keylog?: string; must: string[] }[] = [
  { file: 'fixtures/tcp/tcp-clean-close.pcap', must: ['eth.src', 'ip.src', 'ip.flags.df', 'tcp.srcport', 'tcp.flags.syn', 'tcp.options.mss_val', 'tcp.options.wscale.shift', 'tcp.options.timestamp.tsval', 'tcp.option_kind'] },
  { file: 'fixtures/tcp/tcp-midstream-wscale.pcap', must: ['tcp.seq_raw', 'tcp.ack_raw', 'tcp.window_size_value'] },
  { file: 'fixtures/dns-udp-tcp.pcap', must: ['dns.id', 'dns.flags.response', 'dns.qry.name', 'dns.qry.type', 'dns.resp.ttl', 'dns.a', 'dns.length'] },
  { file: 'fixtures/dns/dns-basic.pcap', must: ['dns.qry.name', 'dns.count.answers', 'dns.flags.rcode'] },
  { file: 'fixtures/udp-port-unreachable.pcap', must: ['icmp.type', 'icmp.code', 'icmp.checksum', 'udp.srcport'] },
  { file: 'fixtures/incidents/resolver-down-icmp.pcap', must: ['icmp.type', 'dns.qry.name'] },
  { file: 'fixtures/ipv6-tcp-udp.pcap', must: ['ipv6.src', 'ipv6.plen', 'ipv6.nxt', 'icmpv6.type'] },
  { file: 'fixtures/vlan-8021q.pcap', must: ['vlan.id', 'vlan.etype', 'vlan.priority'] },
  { file: 'fixtures/fidelity/vlan-key.pcap', must: ['vlan.id', 'tcp.srcport'] },
  { file: 'fixtures/any-sll.pcap', must: ['sll.pkttype', 'sll.etype'] },
  { file: 'fixtures/any-sll2.pcap', must: ['sll.etype', 'sll.ifindex'] },
  { file: 'fixtures/loopback-tcp.pcap', must: ['eth.type', 'ip.src', 'tcp.srcport'] },
  { file: 'fixtures/ip-fragments.pcap', must: ['ip.frag_offset', 'ip.flags.mf'] },
  { file: 'fixtures/quic/ngtcp2-h3.pcap', keylog: 'fixtures/quic/ngtcp2-h3.keylog.txt', must: ['quic.header_form', 'quic.long.packet_type', 'quic.version', 'quic.dcid', 'quic.scid', 'quic.length'] },
];

describe.skipIf(!HAVE_TSHARK)('layer tree vs tshark -T json -x', () => {
  for (const c of CASES) {
    it(c.file, async () => {
      const r = await compareWithTshark(c.file, c.keylog ? { keylog: join(ROOT, c.keylog) } : {});
      expect(r.mismatched).toEqual([]);
      expect(r.unplaced).toEqual([]);
      for (const n of c.must) expect([...r.names]).toContain(n);
      expect(r.matched).toBeGreaterThan(20);
    });
  }
});
