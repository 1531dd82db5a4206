// The DNS query module (analysis/dns/query.ts) on the recorded fixtures of fixtures/dns:
// the rows of the DNS table, a flow's DNS state, and the message a user opens. Packet
// times are the pcap's own, as tshark prints them:
//   tshark -r F -T fields -e frame.number -e frame.time_epoch
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../../analysis/analyze';
import { DnsQuery } from '../../../analysis/dns/query';
import { toJson } from '../../../analysis/output';
import type { Protocol } from '../../../analysis/trackers';
import { dnsPacketView } from '../../../host/dns-message';

const ROOT = join(__dirname, '../../..');

async function dnsQuery(name: string, protocols?: Protocol[]): Promise<DnsQuery> {
  const a = await analyzeCapture(new Uint8Array(readFileSync(join(ROOT, 'fixtures', 'dns', name))), { trackerOptions: { protocols } });
  const cols = a.columns;
  return new DnsQuery(a, toJson(a), (frame) => (frame >= 1 && frame <= cols.length ? cols.time[frame - 1] : 0));
}

describe('DNS rows', () => {
  it('dns-client-gone: the query and response times, and the ICMP frame (3) that refused the response', async () => {
    const q = await dnsQuery('dns-client-gone.pcap');
    expect(q.rows).toHaveLength(1);
    const r = q.rows[0];
    expect(r).toMatchObject({ index: 0, flow: 1, queryFrames: [1], responseFrame: 2, status: 'client-gone', icmpFrame: 3 });
    expect(r.queryTime).toBeCloseTo(1795865939.355551, 6);
    expect(r.responseTime).toBeCloseTo(1795865941.35616, 6);
    expect(q.flowRows(1)).toEqual([r]);
    expect(q.flowState(1)).toBe('client-gone');
  });

  it('dns-unanswered: open rows without a response time; a refused query keeps its serverIcmpFrame, not an icmpFrame', async () => {
    const q = await dnsQuery('dns-unanswered.pcap');
    expect(q.transactions({ status: 'unanswered' }).map((r) => r.queryFrames[0])).toEqual([1, 2, 3, 4, 5]);
    expect(q.transactions({ status: 'answered' })).toEqual([]);
    expect(q.transactions({ flow: 5 })).toMatchObject([{ index: 4, queryFrames: [5], responseFrame: null, responseTime: null, icmpFrame: null, serverIcmpFrame: 6 }]);
    expect(q.rows[4].queryTime).toBeCloseTo(1795865937.628588, 6);
    expect(q.transactions({ flow: 2 })[0].retryOf).toBe(1);
    // flow 6 is the ICMP flow: no DNS
    expect(q.flowRows(6)).toEqual([]);
    expect(q.flowState(6)).toBe('');
  });

  it('a flow\'s DNS state counts its transactions by status', async () => {
    expect((await dnsQuery('dns-id-reuse.pcap')).flowState(1)).toBe('answered ×2');
    const m = await dnsQuery('dns-mismatch.pcap');
    expect([m.flowState(1), m.flowState(2)]).toEqual(['answered', 'mismatch']);
  });

  it('without the DNS tracker there are no rows and no messages', async () => {
    const q = await dnsQuery('dns-basic.pcap', ['tcp']);
    expect(q.rows).toEqual([]);
    expect(q.message(0)).toBeNull();
  });
});

describe('the message a user opens', () => {
  it('dns-basic: the kept response of a transaction, by Stateline\'s reader or the decoder a host lends', async () => {
    const q = await dnsQuery('dns-basic.pcap');
    const m = q.message(0)!;
    expect(m).toMatchObject({ transaction: 0, frame: 2, decoder: 'stateline', id: 0x2509, rcode: 'NOERROR', error: null });
    expect(m.sections[1].records).toEqual([{ name: 'www.sld.test.', type: 'A', class: 'IN', ttl: 300, data: '10.82.0.20' }]);
    expect(q.message(4)).toMatchObject({ frame: 10, rcode: 'NXDOMAIN' });
    expect(q.message(999)).toBeNull();
    q.decode = dnsPacketView;
    expect(q.message(0)).toMatchObject({ decoder: 'dns-packet', id: 0x2509, frame: 2 });
  });

  it('dns-unanswered: a transaction without a response has no message', async () => {
    expect((await dnsQuery('dns-unanswered.pcap')).message(0)).toBeNull();
  });
});
