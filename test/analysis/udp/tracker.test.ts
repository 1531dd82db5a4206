// The UDP tracker (analysis/udp/tracker.ts): ICMP errors on UDP flows are udp events
// whichever protocol trackers run, and the ones the DNS tracker explains (a refused
// DNS response, dns.client-gone) are not also udp events. The ICMP frames and the
// datagrams they quote were read with
//   tshark -r F -Y 'icmp.type==3 || icmpv6.type==1' -T fields -e frame.number -e udp.srcport -e udp.dstport
// and the refused datagram is the frame before each one (its ports and length match).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Protocol } from '../../../analysis/trackers';
import { analyze, icmpUnreachable, T0, udp } from '../dns/build';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../fixtures/${name}`, import.meta.url)));
/** The udp and dns events as [kind, frame, related]. */
const icmpEvents = async (file: string, protocols?: Protocol[]) =>
  (await analyze(fixture(file), undefined, protocols)).events
    .filter((e) => e.kind.startsWith('udp.') || e.kind === 'dns.client-gone')
    .map((e) => [e.kind, e.frame, e.related]);

describe('udp.port-unreachable without the trackers of the application', () => {
  it('udp-port-unreachable.pcap: the three refused datagrams to port 5555 (ICMP frames 4, 6, 8), with any --protocols', async () => {
    const want = [['udp.port-unreachable', 4, [3]], ['udp.port-unreachable', 6, [5]], ['udp.port-unreachable', 8, [7]]];
    for (const protocols of [['tcp', 'quic'], [], ['tcp', 'dns', 'quic']] as Protocol[][])
      expect(await icmpEvents('udp-port-unreachable.pcap', protocols), protocols.join(',') || 'none').toEqual(want);
    const j = await analyze(fixture('udp-port-unreachable.pcap'), undefined, []);
    const e = j.events[0];
    expect(e).toMatchObject({ severity: 'break', flow: j.flows.find((f) => f.transport === 'udp')!.id });
    expect(e.message).toBe('ICMP port unreachable (type 3 code 3) for the UDP datagram 10.77.0.1:40005 → 10.77.0.2:5555 (frame 3): nothing listened on 10.77.0.2:5555');
  });

  it('ipv6-tcp-udp.pcap: ICMPv6 port unreachable (frame 17) for the datagram of frame 16', async () => {
    expect(await icmpEvents('ipv6-tcp-udp.pcap', ['tcp', 'quic'])).toEqual([['udp.port-unreachable', 17, [16]]]);
  });

  it('dns/dns-client-gone.pcap: without DNS the refused answer (frame 2) is a plain udp.port-unreachable (ICMP frame 3)', async () => {
    expect(await icmpEvents('dns/dns-client-gone.pcap', ['tcp', 'quic'])).toEqual([['udp.port-unreachable', 3, [2]]]);
    expect(await icmpEvents('dns/dns-client-gone.pcap', [])).toEqual([['udp.port-unreachable', 3, [2]]]);
  });

  it('a router\'s host unreachable is udp.unreachable (a warning) on the datagram\'s flow', async () => {
    const dg = udp(T0, '10.0.0.1:5000', '10.9.9.9:7000', [1, 2, 3]);
    const j = await analyze([dg, icmpUnreachable(T0 + 0.01, '10.0.0.254', '10.0.0.1', dg, 1)], undefined, []);
    expect(j.events).toMatchObject([{ kind: 'udp.unreachable', severity: 'warning', frame: 2, flow: 1, related: [1] }]);
    expect(j.events[0].message).toContain('ICMP host unreachable (type 3 code 1) for the UDP datagram 10.0.0.1:5000 → 10.9.9.9:7000 (frame 1)');
  });

  it('an ICMP error quoting a datagram the capture does not hold says so', async () => {
    const unseen = udp(T0, '10.0.0.1:5000', '10.0.0.2:9999', [1, 2, 3]);
    const j = await analyze([icmpUnreachable(T0, '10.0.0.2', '10.0.0.1', unseen, 3)], undefined, []);
    expect(j.events).toMatchObject([{ kind: 'udp.port-unreachable', frame: 1, flow: null, related: [] }]);
    expect(j.events[0].message).toContain('10.0.0.1:5000 → 10.0.0.2:9999 (not in the capture)');
  });
});

describe('with the DNS tracker on', () => {
  it('dns/dns-orphan-gone.pcap: the ICMP errors refusing two orphan answers are udp.port-unreachable without DNS, dns.client-gone only with it', async () => {
    expect(await icmpEvents('dns/dns-orphan-gone.pcap', ['tcp', 'quic'])).toEqual([['udp.port-unreachable', 2, [1]], ['udp.port-unreachable', 6, [5]]]);
    expect(await icmpEvents('dns/dns-orphan-gone.pcap')).toEqual([['dns.client-gone', 1, [2]], ['dns.client-gone', 5, [3, 4, 6]]]);
  });

  it('dns/dns-client-gone.pcap: the ICMP error is dns.client-gone only, not also udp.port-unreachable', async () => {
    expect(await icmpEvents('dns/dns-client-gone.pcap')).toEqual([['dns.client-gone', 2, [3]]]);
    expect(await icmpEvents('dns/dns-client-gone.pcap', ['dns'])).toEqual([['dns.client-gone', 2, [3]]]);
  });

  it('dns/dns-unanswered.pcap: a refused query (frame 5) stays udp.port-unreachable (ICMP frame 6); DNS only names it', async () => {
    const j = await analyze(fixture('dns/dns-unanswered.pcap'));
    expect(j.events.filter((e) => e.kind.startsWith('udp.')).map((e) => [e.kind, e.frame, e.related])).toEqual([['udp.port-unreachable', 6, [5]]]);
    expect(j.dns.find((d) => d.queryFrames[0] === 5)).toMatchObject({ status: 'unanswered', serverIcmpFrame: 6 });
    expect(await icmpEvents('dns/dns-unanswered.pcap', [])).toEqual([['udp.port-unreachable', 6, [5]]]);
  });
});
