// The recorded fixtures of fixtures/dns/ (record-dns.sh: dnsmasq, dig, the kernel's
// UDP/TCP/ICMP in sld-* namespaces): exact pairs, statuses and events. Frame numbers
// were checked by hand with
//   tshark -r F -T fields -e frame.number -e dns.id -e dns.response_to -e dns.flags.response
// Where tshark pairs differently, the test says why we differ.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dnsFlowTimeline, dnsStats } from '../../analysis/dns/stats';
import { analyze, dnsEvents, pairs } from './build';

const load = (name: string) => analyze(new Uint8Array(readFileSync(new URL(`../../fixtures/dns/${name}`, import.meta.url))));

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
  });

  it('dns-client-gone: the answer held 2 s by the bridge reaches a closed socket; ICMP port unreachable quotes it', async () => {
    const j = await load('dns-client-gone.pcap');
    expect(pairs(j)).toEqual([[[1], 2, 'client-gone']]);
    expect(j.dns[0].icmpFrame).toBe(3);
    expect(dnsEvents(j)).toEqual([['dns.client-gone', 2, [3]]]);
    const tl = dnsFlowTimeline(j, 1);
    expect(tl.spans).toMatchObject([{ startFrame: 1, endFrame: 2, status: 'client-gone', icmpFrame: 3 }]);
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

  it('statistics per server and per name', async () => {
    const j = await load('dns-basic.pcap');
    const s = dnsStats(j);
    expect(s.total).toMatchObject({ queries: 7, answered: 7, answeredShare: 1, failures: 1, errors: { NXDOMAIN: 1 } });
    expect(s.servers.map((g) => [g.key, g.queries])).toEqual([['10.82.0.1:53', 6], ['[fd82::1]:53', 1]]);
    expect(s.names[0]).toMatchObject({ key: 'www.sld.test.', queries: 4, answered: 4 });
    expect(s.total.rtt.p50).toBeGreaterThan(0);
    expect(s.total.rtt.max).toBeGreaterThanOrEqual(s.total.rtt.p90!);
    const u = dnsStats(await load('dns-unanswered.pcap'));
    expect(u.total).toMatchObject({ queries: 5, answered: 0, answeredShare: 0, unanswered: 5, failures: 5 });
    const tl = dnsFlowTimeline(await load('dns-unanswered.pcap'), 5);
    expect(tl.spans).toMatchObject([{ startFrame: 5, endFrame: null, end: null, status: 'unanswered' }]);
    expect(tl.markers).toMatchObject([{ frame: 6, kind: 'udp.port-unreachable', datagramFrame: 5 }]);
  });
});
