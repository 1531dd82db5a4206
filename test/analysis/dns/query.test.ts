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
  it('dns-basic and dns-unanswered: a time window keeps the transactions whose span meets it, open ones to the end', async () => {
    const q = await dnsQuery('dns-basic.pcap');
    const rows = q.transactions();
    expect(rows.length).toBeGreaterThan(1);
    const answered = rows.find((r) => r.responseTime !== null && r.responseTime > r.queryTime)!;
    // a window inside its span, one ending at its query, one starting at its response: all meet it
    const mid = (answered.queryTime + answered.responseTime!) / 2;
    expect(q.transactions({ from: mid, to: mid })).toContain(answered);
    expect(q.transactions({ from: answered.queryTime - 10, to: answered.queryTime })).toContain(answered);
    expect(q.transactions({ from: answered.responseTime!, to: answered.responseTime! + 10 })).toContain(answered);
    // just before its query and just after its response: not
    expect(q.transactions({ from: answered.queryTime - 10, to: answered.queryTime - 1e-6 })).not.toContain(answered);
    expect(q.transactions({ from: answered.responseTime! + 1e-6 })).not.toContain(answered);
    // every row a window keeps meets it, and the others do not
    const [lo, hi] = [rows[0].queryTime, rows[0].queryTime + (rows.at(-1)!.queryTime - rows[0].queryTime) / 2];
    const kept = new Set(q.transactions({ from: lo, to: hi }));
    for (const r of rows) expect(kept.has(r)).toBe(r.queryTime <= hi && (r.responseTime ?? Infinity) >= lo);
    // those that begin in the window first, then those begun before it, each in dns[] order
    const mid2 = rows[Math.floor(rows.length / 2)].queryTime;
    const w = q.transactions({ from: mid2, to: mid2 + 3600 });
    const begunIn = w.findIndex((r) => r.queryTime < mid2);
    const inside = begunIn < 0 ? w : w.slice(0, begunIn), earlier = begunIn < 0 ? [] : w.slice(begunIn);
    expect(inside.length).toBeGreaterThan(0);
    expect(inside.every((r) => r.queryTime >= mid2)).toBe(true);
    expect(earlier.every((r) => r.queryTime < mid2)).toBe(true);
    for (const part of [inside, earlier]) expect(part.map((r) => r.index)).toEqual([...part.map((r) => r.index)].sort((a, b) => a - b));
    // with a status, both apply
    expect(q.transactions({ status: 'answered', from: lo, to: hi }).every((r) => r.status === 'answered' && kept.has(r))).toBe(true);

    // an unanswered query stays open to the end: any later window meets it
    const u = await dnsQuery('dns-unanswered.pcap');
    const last = u.rows.at(-1)!;
    expect(last.responseTime).toBeNull();
    expect(u.transactions({ from: last.queryTime + 3600, to: last.queryTime + 7200 })).toHaveLength(u.rows.length);
    expect(u.transactions({ to: u.rows[0].queryTime - 1 })).toEqual([]);
    // from the third query on: the third to the last (begun in it) first, then the two before, still open
    const third = u.rows[2].queryTime;
    expect(u.transactions({ from: third, to: last.queryTime + 1 }).map((r) => r.index)).toEqual([2, 3, 4, 0, 1]);
  });

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
