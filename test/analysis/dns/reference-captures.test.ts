// DNS on the reference captures of ../shared/captures (MANIFEST.md there). tshark 4.0.17
// pairs every response these files hold exactly as we do (conformance: dns pairs 1.000);
// the tests pin the cases where our reading differs from Wireshark's or Zeek's and why.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, dnsEvents, pairs } from './build';

const DIR = resolve(__dirname, '../../../../shared/captures');
const have = existsSync(DIR);
if (!have) console.log(`DNS reference-capture tests skipped: ${DIR} is absent`);
const load = (p: string) => analyze(new Uint8Array(readFileSync(`${DIR}/${p}`)));

(have ? describe : describe.skip)('reference captures', () => {
  it('arkime-v6: the answer that comes 5.26 s late is refused by ICMPv6 port unreachable: dns.client-gone', async () => {
    const j = await load('dns/arkime-v6.pcap');
    expect(j.dns).toHaveLength(18);
    expect(j.dns.filter((d) => d.status !== 'answered').map((d) => [d.queryFrames, d.responseFrame, d.status, d.icmpFrame])).toEqual([[[133], 136, 'client-gone', 137]]);
    const gone = j.events.filter((e) => e.kind === 'dns.client-gone');
    expect(gone).toMatchObject([{ frame: 136, related: [137], severity: 'break' }]);
    // Past the 5 s timeout: the client had given up, which is why its socket was gone.
    expect(j.events.filter((e) => e.kind === 'dns.unanswered').map((e) => [e.frame, e.related])).toEqual([[133, [136]]]);
    // The traceroute's last hops: UDP probes refused by ICMPv6 port unreachable.
    expect(j.events.filter((e) => e.kind === 'udp.port-unreachable').map((e) => [e.frame, e.related])).toEqual([[107, [106]], [111, [110]], [113, [112]]]);
    // The ICMPv6 quote of frame 137 is not a DNS message of its own (tshark shows it without response_to too).
    expect(j.dns.some((d) => d.responseFrame === 137 || d.queryFrames.includes(137))).toBe(false);
  });

  it('zeek-dns-two-responses: the second answer is an orphan duplicate (Zeek: unmatched reply; tshark: retransmitted response without response_to)', async () => {
    const j = await load('dns/zeek-dns-two-responses.pcap');
    expect(pairs(j)).toEqual([[[1], 2, 'answered'], [[], 3, 'orphan']]);
    expect(j.dns[1].duplicateOf).toBe(2);
    expect(dnsEvents(j)).toEqual([['dns.orphan-response', 3, [1, 2]]]);
  });

  it('suricata dns-response-2x: an unsolicited response with another ID is an orphan, the real one pairs', async () => {
    const j = await load('dns/suricata-verify-dns-response-2x.pcap');
    // Listed in the order each transaction began: the query (frame 1), then the orphan.
    expect(pairs(j)).toEqual([[[1], 3, 'answered'], [[], 2, 'orphan']]);
  });

  it('zeek-dns53: a lone response is an orphan', async () => {
    const j = await load('dns/zeek-dns53.pcap');
    expect(pairs(j)).toEqual([[[], 1, 'orphan']]);
  });

  it('zeek-ticks-dns: ten queries, none answered', async () => {
    const j = await load('dns/zeek-ticks-dns.pcap');
    expect(j.dns.map((d) => d.status)).toEqual(Array(10).fill('unanswered'));
    expect(j.events.filter((e) => e.kind === 'dns.unanswered')).toHaveLength(10);
  });

  it('zeek-ipv6-fragmented-dns: the retry 5.0008 s after frame 3 is one transaction with it (tshark: a new one after its 5 s timer; its pair 5>8 is among our query frames)', async () => {
    const j = await load('dns/zeek-ipv6-fragmented-dns.pcap');
    expect(pairs(j)).toEqual([[[1], 2, 'answered'], [[3, 5], 8, 'answered']]);
    expect(j.dns[1].answers?.length).toBeGreaterThan(0); // the answer came in IPv6 fragments, reassembled
  });

  it('DNS over TCP (tcpdump dns_tcp, zeek tkey): one pair each, on the frame that completes the message', async () => {
    expect(pairs(await load('dns/tcpdump-dns_tcp.pcap')).map((p) => p[2])).toEqual(['answered']);
    const t = await load('dns/zeek-dns-tkey.pcap');
    expect(t.dns).toMatchObject([{ transport: 'tcp', status: 'answered', question: expect.stringContaining(' TKEY ') }]);
  });

  it('pcapplusplus-DnsPackets: mDNS probes pair with the host\'s own announcement as tshark pairs them (418>421, 423>429, 424>430); LLMNR and mDNS never flagged', async () => {
    const j = await load('dns/pcapplusplus-DnsPackets.pcap');
    const mdns = j.dns.filter((d) => d.protocol === 'mdns' && d.responseFrame !== null).map((d) => [d.queryFrames[0], d.responseFrame]);
    expect(mdns).toEqual([[418, 421], [423, 429], [424, 430]]);
    const flagged = new Set(j.events.filter((e) => e.kind.startsWith('dns.')).map((e) => e.frame));
    for (const d of j.dns.filter((x) => x.protocol === 'mdns' || x.protocol === 'llmnr')) for (const f of d.queryFrames) expect(flagged.has(f)).toBe(false);
    expect(j.dns.filter((d) => d.responseFrame !== null && d.queryFrames.length).length).toBe(215);
  });

  it('zeek-wikipedia: 14 unicast pairs, mDNS/LLMNR queries listed but not unanswered breaks', async () => {
    const j = await load('misc/zeek-wikipedia.pcap');
    expect(j.dns.filter((d) => d.status === 'answered' && !d.protocol)).toHaveLength(14);
    expect(j.events.filter((e) => e.kind === 'dns.unanswered')).toHaveLength(0);
  });
});
