// The recorded fixtures of fixtures/dns/ (record-dns.sh: dnsmasq, dig, the kernel's
// UDP/TCP/ICMP in sld-* namespaces): exact pairs, statuses and events. Frame numbers
// were checked by hand with
//   tshark -r F -T fields -e frame.number -e dns.id -e dns.response_to -e dns.flags.response
// Where tshark pairs differently, the test says why we differ.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../../analysis/analyze';
import { DnsQuery } from '../../../analysis/dns/query';
import { toJson } from '../../../analysis/output';
import { analyze, dnsEvents, pairs } from './build';

const bytes = (name: string) => new Uint8Array(readFileSync(new URL(`../../../fixtures/dns/${name}`, import.meta.url)));
const load = (name: string) => analyze(bytes(name));
/** The DNS rows the UI's tables and timelines read (analysis/dns/query.ts). */
async function rows(name: string): Promise<DnsQuery> {
  const a = await analyzeCapture(bytes(name));
  return new DnsQuery(a, toJson(a), (frame) => a.columns.time[frame - 1]);
}

describe('fixtures/dns', () => {
  it('dns-basic: A, AAAA, MX, TXT, NXDOMAIN over UDP, A over TCP (dig +tcp), AAAA over IPv6', async () => {
    const j = await load('dns-basic.pcap');
    expect(pairs(j)).toEqual([
      [[1], 2, 'answered'], [[3], 4, 'answered'], [[5], 6, 'answered'], [[7], 8, 'answered'],
      [[9], 10, 'answered'], [[14], 16, 'answered'], [[21], 22, 'answered'],
    ]);
    expect(j.dns.map((d) => d.question)).toEqual([
      'www.sld.test. A IN', 'www.sld.test. AAAA IN', 'sld.test. MX IN', 'info.sld.test. TXT IN',
      'nope.sld.test. A IN', 'www.sld.test. A IN', 'www.sld.test. AAAA IN',
    ]);
    expect(j.dns.map((d) => d.answers)).toEqual([
      ['www.sld.test. 300 A 10.82.0.20'], ['www.sld.test. 300 AAAA fd82::20'], ['sld.test. 300 MX 10 mail.sld.test.'],
      ['info.sld.test. 300 TXT "stateline dns fixture"'], [], ['www.sld.test. 300 A 10.82.0.20'], ['www.sld.test. 300 AAAA fd82::20'],
    ]);
    expect(j.dns.map((d) => d.transport)).toEqual(['udp', 'udp', 'udp', 'udp', 'udp', 'tcp', 'udp']);
    expect(j.dns[4].rcode).toBe('NXDOMAIN');
    expect(dnsEvents(j)).toEqual([['dns.error', 10, [9]]]);
    expect(j.flows.filter((f) => f.app === 'dns').length).toBe(7);
  });

  it('dns-truncated: TC answers; the second is retried over TCP (frame 8, new ID) and linked', async () => {
    const j = await load('dns-truncated.pcap');
    expect(pairs(j)).toEqual([[[1], 2, 'answered'], [[3], 4, 'answered'], [[8], 10, 'answered']]);
    expect(j.dns.map((d) => [d.truncated ?? false, d.tcpRetryFrame ?? null])).toEqual([[true, null], [true, 8], [false, null]]);
    expect(dnsEvents(j)).toEqual([['dns.truncated', 2, []], ['dns.truncated', 4, [8]]]);
    expect(j.dns[2].answers).toHaveLength(3);
  });

  it('dns-unanswered: dig retries the same ID from a new port (frame 2); a resolver-like retry 0x7777 from port 40002; a refused query', async () => {
    const j = await load('dns-unanswered.pcap');
    expect(pairs(j)).toEqual([[[1], null, 'unanswered'], [[2], null, 'unanswered'], [[3], null, 'unanswered'], [[4], null, 'unanswered'], [[5], null, 'unanswered']]);
    expect(j.dns.map((d) => d.retryOf ?? null)).toEqual([null, 1, null, 3, null]);
    expect(dnsEvents(j)).toEqual([
      ['dns.unanswered', 1, []], ['dns.retransmission', 2, [1]], ['dns.unanswered', 2, []],
      ['dns.unanswered', 3, []], ['dns.retransmission', 4, [3]], ['dns.unanswered', 4, []],
      ['dns.unanswered', 5, [6]], ['udp.port-unreachable', 6, [5]],
    ]);
    // tshark: no dns.retransmission on frames 2 and 4 (it pairs per port pair).
    // The same resolver from a new port is a retry, never a failover (that is another resolver).
    expect(j.dns.filter((d) => d.failoverOf !== undefined || d.failedOverTo !== undefined)).toEqual([]);
  });

  it('dns-client-gone: the answer held 2 s by the bridge reaches a closed socket; ICMP port unreachable quotes it', async () => {
    const j = await load('dns-client-gone.pcap');
    expect(pairs(j)).toEqual([[[1], 2, 'client-gone']]);
    expect(j.dns[0].icmpFrame).toBe(3);
    expect(dnsEvents(j)).toEqual([['dns.client-gone', 2, [3]]]);
    const q = await rows('dns-client-gone.pcap');
    expect(q.flowRows(1)).toMatchObject([{ queryFrames: [1], responseFrame: 2, status: 'client-gone', icmpFrame: 3 }]);
    expect(q.rows[0].responseTime! - q.rows[0].queryTime).toBeCloseTo(2.000609, 6); // the 2 s the bridge held it
  });

  it('dns-orphan-gone: answers nobody waited for, refused by ICMP port unreachable, are one dns.client-gone each — not also dns.orphan-response', async () => {
    // Frame 1: the answer to a query sent before the capture started, by a client that had
    // closed its socket (ICMP 2). Frames 3–5: dup.test answered twice, 0.6 s apart; the
    // client closed its socket after the first answer, so the duplicate draws ICMP 6.
    // tshark: 1 and 5 without response_to (5 "DNS response retransmission", of 4).
    const j = await load('dns-orphan-gone.pcap');
    expect(pairs(j)).toEqual([[[], 1, 'orphan'], [[3], 4, 'answered'], [[], 5, 'orphan']]);
    expect(j.dns.map((d) => [d.icmpFrame ?? null, d.duplicateOf ?? null])).toEqual([[2, null], [null, null], [6, 4]]);
    // Decision (issue 12, one break per frame and cause): the response is unmatched because
    // nobody waited for it, and the ICMP says why — the socket was closed. One break, of the
    // kind with the direct evidence (dns.client-gone), naming the query when one was seen.
    expect(dnsEvents(j)).toEqual([['dns.client-gone', 1, [2]], ['dns.client-gone', 5, [3, 4, 6]]]);
    const client = (flow: number | null) => j.flows.find((f) => f.id === flow)!.client;
    const [lone, dup] = j.events;
    expect(lone.message).toBe(`response 0x0a0a for late.slow.test. A IN (no query seen on this flow) was refused with ICMP port unreachable (frame 2): the client's socket ${client(lone.flow)} was already closed`);
    expect(dup.message).toMatch(/^duplicate response 0x0d0d for dup\.test\. A IN \(its query, frame 3, was already answered at frame 4, 60\d\.\d ms earlier\) was refused with ICMP port unreachable \(frame 6\): /);
    expect(dup.message).toContain(`the client's socket ${client(dup.flow)} was already closed`);
    expect(client(lone.flow).startsWith('10.82.0.2:')).toBe(true);
    // The DNS table's rows show the refusing ICMP on both orphans.
    const q = await rows('dns-orphan-gone.pcap');
    expect(q.rows.map((r) => [r.status, r.icmpFrame])).toEqual([['orphan', 2], ['answered', null], ['orphan', 6]]);
  });

  it('dns-id-reuse: two queries with ID 0x4242 on one socket are two transactions (tshark: one, frame 2 a retransmission, frame 4 unpaired)', async () => {
    const j = await load('dns-id-reuse.pcap');
    expect(pairs(j)).toEqual([[[1], 3, 'answered'], [[2], 4, 'answered']]);
    expect(j.dns.map((d) => d.question)).toEqual(['www.sld.test. A IN', 'mail.sld.test. A IN']);
    expect(dnsEvents(j)).toEqual([['dns.id-reuse', 2, [1]]]);
  });

  it('dns-mismatch: a wrong-question answer does not pair (tshark pairs 1>2; we pair 1>3, the right answer); only-wrong ends as mismatch', async () => {
    const j = await load('dns-mismatch.pcap');
    expect(pairs(j)).toEqual([[[1], 3, 'answered'], [[4], 5, 'mismatch']]);
    expect(j.dns[0].mismatchFrames).toEqual([2]);
    expect(j.dns[0].answers).toEqual(['right.test. 60 A 10.82.7.7']);
    expect(dnsEvents(j)).toEqual([['dns.question-mismatch', 2, [1]], ['dns.question-mismatch', 5, [4]]]);
  });

  it('per server and per name (dns[] with flows[].server)', async () => {
    const j = await load('dns-basic.pcap');
    expect(j.dns.map((d) => d.status)).toEqual(Array(7).fill('answered'));
    expect(j.dns.filter((d) => d.rcode !== 'NOERROR').map((d) => d.rcode)).toEqual(['NXDOMAIN']);
    expect(j.dns.every((d) => d.rtt! > 0)).toBe(true);
    const server = new Map(j.flows.map((f) => [f.id, f.server]));
    const perServer = new Map<string, number>();
    for (const d of j.dns) perServer.set(server.get(d.flow)!, (perServer.get(server.get(d.flow)!) ?? 0) + 1);
    expect([...perServer]).toEqual([['10.82.0.1:53', 6], ['[fd82::1]:53', 1]]);
    const www = j.dns.filter((d) => d.question.toLowerCase().startsWith('www.sld.test. '));
    expect(www.map((d) => d.status)).toEqual(Array(4).fill('answered'));
    const u = await load('dns-unanswered.pcap');
    expect(u.dns.map((d) => d.status)).toEqual(Array(5).fill('unanswered'));
    // The refused query's flow: an open-ended row and the ICMP error that refused it.
    expect((await rows('dns-unanswered.pcap')).flowRows(5)).toMatchObject([{ queryFrames: [5], responseFrame: null, responseTime: null, status: 'unanswered' }]);
    expect(u.events.filter((e) => e.flow === 5 && e.kind.startsWith('udp.')).map((e) => [e.kind, e.frame, e.related])).toEqual([['udp.port-unreachable', 6, [5]]]);
  });
});

// Issue 12: one break per frame and cause. On every real capture with DNS, no frame
// carries two DNS breaks, and every dns.client-gone is worded alike: which ICMP refused
// the response (its last related frame), and the client socket that was closed.
describe('one DNS break per frame and cause, on every real capture with DNS', () => {
  const SHARED = new URL('../../../../shared/captures/dns', import.meta.url).pathname; // ../shared beside the project
  const files = [
    ...readdirSync(new URL('../../../fixtures/dns/', import.meta.url)).filter((f) => f.endsWith('.pcap')).map((f) => new URL(`../../../fixtures/dns/${f}`, import.meta.url).pathname),
    ...['incidents/client-gone.pcap', 'incidents/resolver-down-icmp.pcap', 'incidents/resolver-down-silent.pcap', 'sample.pcapng', 'dns-udp-tcp.pcap'].map((f) => new URL(`../../../fixtures/${f}`, import.meta.url).pathname),
    ...(existsSync(SHARED) ? readdirSync(SHARED).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => `${SHARED}/${f}`) : []),
  ];
  if (!existsSync(SHARED)) console.log(`${SHARED} is absent: only the fixtures are checked`);

  it.each(files.map((f) => [f.replace(/^.*\/(fixtures|captures)\//, ''), f]))('%s', async (_name, path) => {
    const j = await analyze(new Uint8Array(readFileSync(path)));
    const breaks = j.events.filter((e) => e.kind.startsWith('dns.') && e.severity === 'break');
    const perFrame = new Map<number, string[]>();
    for (const e of breaks) perFrame.set(e.frame, [...(perFrame.get(e.frame) ?? []), e.kind]);
    expect([...perFrame].filter(([, kinds]) => kinds.length > 1)).toEqual([]);
    for (const e of j.events.filter((x) => x.kind === 'dns.client-gone')) {
      const d = j.dns.find((x) => x.responseFrame === e.frame)!;
      const client = j.flows.find((f) => f.id === e.flow)!.client;
      expect(e.related[e.related.length - 1]).toBe(d.icmpFrame);
      expect(e.message.endsWith(`was refused with ICMP port unreachable (frame ${d.icmpFrame}): the client's socket ${client} was already closed`), e.message).toBe(true);
      // the query named when one was seen: its own, or the one a duplicate repeats the answer to
      if (d.queryFrames.length) expect(e.message).toContain(`after the query (frame ${d.queryFrames[0]})`);
      else if (d.duplicateOf) expect(e.message).toContain(`was already answered at frame ${d.duplicateOf}`);
      else expect(e.message).toContain('(no query seen on this flow)');
    }
  });
});
