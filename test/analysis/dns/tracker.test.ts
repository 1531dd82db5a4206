// DNS pairing on hand-built captures: one behaviour per test, frames counted from 1.
import { describe, expect, it } from 'vitest';
import { EVENT_KINDS } from '../../../analysis/events';
import { ACK, analyze, dnsEvents, FIN, framed, icmpPortUnreachable, pairs, PSH, query, response, SYN, T0, tcp, udp } from './build';

const C = '10.0.0.1:40000', S = '10.0.0.53:53';
const a1 = { id: 0x1111, name: 'one.example' };
const a2 = { id: 0x2222, name: 'two.example' };
const A = (name: string, data: string) => ({ type: 'A' as const, name, ttl: 300, data });

describe('DNS over UDP', () => {
  it('pairs a query with its response and prints answers, rtt, rcode', async () => {
    const j = await analyze([udp(T0, C, S, query(a1)), udp(T0 + 0.012, S, C, response(a1, [A('one.example', '1.2.3.4')]))]);
    expect(j.dns).toHaveLength(1);
    const d = j.dns[0];
    expect(d).toMatchObject({ flow: 1, transport: 'udp', id: 0x1111, question: 'one.example. A IN', queryFrames: [1], responseFrame: 2, rcode: 'NOERROR', status: 'answered', answers: ['one.example. 300 A 1.2.3.4'] });
    expect(d.rtt).toBeCloseTo(0.012, 6);
    expect(j.flows[0].app).toBe('dns');
    expect(dnsEvents(j)).toEqual([]);
  });

  it('a re-sent query (same ID and question) is a retransmission: one transaction, both frames', async () => {
    const j = await analyze([udp(T0, C, S, query(a1)), udp(T0 + 1, C, S, query(a1)), udp(T0 + 1.01, S, C, response(a1))]);
    expect(pairs(j)).toEqual([[[1, 2], 3, 'answered']]);
    expect(dnsEvents(j)).toEqual([['dns.retransmission', 2, [1]]]);
    // RTT from the first send: how long the client waited.
    expect(j.dns[0].rtt).toBeCloseTo(1.01, 6);
  });

  it('Wireshark decision: a retry 5.0 s+ after the first send is still the same transaction (tshark starts a new one after 5 s)', async () => {
    const j = await analyze([udp(T0, C, S, query(a1)), udp(T0 + 5.2, C, S, query(a1)), udp(T0 + 5.3, S, C, response(a1))]);
    expect(pairs(j)).toEqual([[[1, 2], 3, 'answered']]);
  });

  it('a query without response is unanswered at its first frame; the capture end is said', async () => {
    const j = await analyze([udp(T0, C, S, query(a1)), udp(T0 + 9, '10.0.0.1:40001', S, query(a2))]);
    expect(pairs(j)).toEqual([[[1], null, 'unanswered'], [[2], null, 'unanswered']]);
    expect(dnsEvents(j)).toEqual([['dns.unanswered', 1, []], ['dns.unanswered', 2, []]]);
    expect(j.events[0].message).toContain('no response in the 9.00 s until the capture ended');
    expect(j.events[1].message).toContain('the capture ended 0 µs after the last send, within the 5 s timeout');
  });

  it('an answer later than dnsTimeoutSeconds pairs but flags dns.unanswered (the client had given up)', async () => {
    const frames = [udp(T0, C, S, query(a1)), udp(T0 + 3, S, C, response(a1))];
    expect(dnsEvents(await analyze(frames))).toEqual([]);
    const j = await analyze(frames, 2);
    expect(pairs(j)).toEqual([[[1], 2, 'answered']]);
    expect(dnsEvents(j)).toEqual([['dns.unanswered', 1, [2]]]);
  });

  it('the same ID and question from a new source port is a retransmission (Wireshark misses it); two transactions', async () => {
    const C2 = '10.0.0.1:40002';
    const j = await analyze([udp(T0, C, S, query(a1)), udp(T0 + 2, C2, S, query(a1)), udp(T0 + 2.01, S, C2, response(a1))]);
    expect(pairs(j)).toEqual([[[1], null, 'unanswered'], [[2], 3, 'answered']]);
    expect(j.dns[1].retryOf).toBe(1);
    expect(dnsEvents(j)).toEqual([['dns.unanswered', 1, []], ['dns.retransmission', 2, [1]]]);
    expect(j.events[1].message).toContain('from a new source port');
  });

  describe('failover to another resolver (glibc: same ID and question, new socket, next nameserver)', () => {
    // The real glibc failovers are fixtures/incidents/resolver-down-*.pcap (test/fixtures/incidents.test.ts).
    const S2 = '10.0.0.54:53', S3 = '10.0.0.55:53';
    const C2 = '10.0.0.1:40002', C3 = '10.0.0.1:40003';

    it('the same socket asking two servers at once (musl) is no failover: nothing had failed', async () => {
      const j = await analyze([udp(T0, C, S, query(a1)), udp(T0 + 0.0001, C, S2, query(a1)), udp(T0 + 0.01, S2, C, response(a1)), udp(T0 + 0.02, S, C, response(a1))]);
      expect(pairs(j)).toEqual([[[1], 4, 'answered'], [[2], 3, 'answered']]);
      expect(j.dns.map((d) => [d.failoverOf, d.failedOverTo])).toEqual([[undefined, undefined], [undefined, undefined]]);
      expect(dnsEvents(j)).toEqual([]);
    });

    it('a failover whose next resolver does not answer either: linked in dns[], no dns.failover (the lookup did not survive)', async () => {
      const j = await analyze([udp(T0, C, S, query(a1)), udp(T0 + 1, C2, S2, query(a1))]);
      expect(j.dns.map((d) => [d.queryFrames, d.failoverOf, d.failedOverTo])).toEqual([[[1], undefined, 2], [[2], 1, undefined]]);
      expect(dnsEvents(j)).toEqual([['dns.unanswered', 1, []], ['dns.unanswered', 2, []]]);
      expect(j.events[0].message).toMatch(/; failed over to 10\.0\.0\.54 \(from 10\.0\.0\.1:40002\) at frame 2$/);
    });

    it('a chain A → B → C: the event on C names B as the failed resolver, the delay runs from the lookup\'s first query', async () => {
      const j = await analyze([udp(T0, C, S, query(a1)), udp(T0 + 1, C2, S2, query(a1)), udp(T0 + 3, C3, S3, query(a1)), udp(T0 + 3.01, S3, C3, response(a1))]);
      expect(j.dns.map((d) => [d.failoverOf ?? null, d.failedOverTo ?? null])).toEqual([[null, 2], [1, 3], [2, null]]);
      const f = j.events.filter((e) => e.kind === 'dns.failover');
      expect(f.map((e) => [e.frame, e.related])).toEqual([[3, [2]]]);
      expect(f[0].message).toContain('failed over from 10.0.0.54 to 10.0.0.55 after 3.000 s (the lookup\'s first query: frame 1, to 10.0.0.53): no answer from 10.0.0.54 to the query (frame 2)');
    });

    it('another question, another ID, or the same query after the first resolver answered, is no failover', async () => {
      const j = await analyze([
        udp(T0, C, S, query(a1)), udp(T0 + 1, C2, S2, query(a2)), // another question and ID
        udp(T0 + 2, C3, S2, query({ ...a1, name: 'three.example' })), // the ID of 1, another question
      ]);
      expect(j.dns.filter((d) => d.failoverOf !== undefined || d.failedOverTo !== undefined)).toEqual([]);
      const k = await analyze([udp(T0, C, S, query(a1)), udp(T0 + 0.01, S, C, response(a1)), udp(T0 + 1, C2, S2, query(a1)), udp(T0 + 1.01, S2, C2, response(a1))]);
      expect(pairs(k)).toEqual([[[1], 2, 'answered'], [[3], 4, 'answered']]);
      expect(k.dns.filter((d) => d.failoverOf !== undefined || d.failedOverTo !== undefined)).toEqual([]);
      expect(dnsEvents(k)).toEqual([]);
    });
  });

  it('a response with no query is an orphan; a second response is an orphan duplicate', async () => {
    const j = await analyze([udp(T0, S, C, response(a2)), udp(T0 + 1, C, S, query(a1)), udp(T0 + 1.1, S, C, response(a1)), udp(T0 + 1.2, S, C, response(a1))]);
    expect(pairs(j)).toEqual([[[], 1, 'orphan'], [[2], 3, 'answered'], [[], 4, 'orphan']]);
    expect(j.dns[2].duplicateOf).toBe(3);
    expect(dnsEvents(j)).toEqual([['dns.orphan-response', 1, []], ['dns.orphan-response', 4, [2, 3]]]);
  });

  it('two outstanding queries with one ID and different questions are two transactions (id-reuse)', async () => {
    const b = { id: a1.id, name: 'other.example' };
    const j = await analyze([udp(T0, C, S, query(a1)), udp(T0 + 0.001, C, S, query(b)), udp(T0 + 0.01, S, C, response(b)), udp(T0 + 0.02, S, C, response(a1))]);
    expect(pairs(j)).toEqual([[[1], 4, 'answered'], [[2], 3, 'answered']]);
    expect(dnsEvents(j)).toEqual([['dns.id-reuse', 2, [1]]]);
  });

  it('a response with the right ID and another question does not answer the query (question-mismatch)', async () => {
    const evil = { id: a1.id, name: 'evil.example' };
    const j = await analyze([udp(T0, C, S, query(a1)), udp(T0 + 0.01, S, C, response(evil, [A('evil.example', '6.6.6.6')]))]);
    expect(pairs(j)).toEqual([[[1], 2, 'mismatch']]);
    expect(j.dns[0].answers).toEqual([]);
    expect(dnsEvents(j)).toEqual([['dns.question-mismatch', 2, [1]]]);
  });

  it('names compare case-insensitively (DNS 0x20)', async () => {
    const j = await analyze([udp(T0, C, S, query({ id: 7, name: 'WwW.ExAmple.com' })), udp(T0 + 0.01, S, C, response({ id: 7, name: 'www.example.com' }))]);
    expect(pairs(j)).toEqual([[[1], 2, 'answered']]);
  });

  it('an RCODE other than NOERROR is dns.error', async () => {
    const j = await analyze([udp(T0, C, S, query(a1)), udp(T0 + 0.01, S, C, response(a1, [], 3))]);
    expect(j.dns[0].rcode).toBe('NXDOMAIN');
    expect(dnsEvents(j)).toEqual([['dns.error', 2, [1]]]);
  });

  it('a message that cannot be decoded is dns.malformed with the frame and reason, never a crash', async () => {
    const loop = [...query(a1).subarray(0, 12), 0xc0, 0x0c, 0, 1, 0, 1]; // name pointing at itself
    const past = [...query(a1).subarray(0, 12), 0xc0, 0xff, 0, 1, 0, 1];
    const j = await analyze([udp(T0, C, S, [1, 2, 3]), udp(T0 + 1, C, S, loop), udp(T0 + 2, C, S, past), udp(T0 + 3, C, S, query(a1))]);
    const m = j.events.filter((e) => e.kind === 'dns.malformed');
    expect(m.map((e) => e.frame)).toEqual([1, 2, 3]);
    expect(m[0].message).toContain('shorter than the 12-byte DNS header');
    expect(m[1].message).toContain('compression pointers loop');
    expect(m[2].message).toContain('points past the message');
    expect(pairs(j)).toEqual([[[4], null, 'unanswered']]);
  });

  it('a DNS response refused with ICMP port unreachable is client-gone (related = the ICMP frame)', async () => {
    const resp = udp(T0 + 2, S, C, response(a1, [A('one.example', '1.2.3.4')]));
    const j = await analyze([udp(T0, C, S, query(a1)), resp, icmpPortUnreachable(T0 + 2.0001, '10.0.0.1', '10.0.0.53', resp)]);
    expect(pairs(j)).toEqual([[[1], 2, 'client-gone']]);
    expect(j.dns[0].icmpFrame).toBe(3);
    expect(dnsEvents(j)).toEqual([['dns.client-gone', 2, [3]]]);
  });

  it('the same over IPv6 (ICMPv6 type 1 code 4)', async () => {
    const c6 = '[fd00::1]:40000', s6 = '[fd00::53]:53';
    const resp = udp(T0 + 1, s6, c6, response(a1));
    const j = await analyze([udp(T0, c6, s6, query(a1)), resp, icmpPortUnreachable(T0 + 1.0001, 'fd00::1', 'fd00::53', resp)]);
    expect(pairs(j)).toEqual([[[1], 2, 'client-gone']]);
    expect(dnsEvents(j)).toEqual([['dns.client-gone', 2, [3]]]);
  });

  it('any other UDP datagram refused so is udp.port-unreachable on its flow', async () => {
    const dg = udp(T0, '10.0.0.1:5000', '10.0.0.2:9999', [1, 2, 3, 4]);
    const j = await analyze([dg, icmpPortUnreachable(T0 + 0.001, '10.0.0.2', '10.0.0.1', dg)]);
    const e = j.events.find((x) => x.kind === 'udp.port-unreachable')!;
    expect(e).toMatchObject({ frame: 2, flow: 1, severity: 'break', related: [1] });
    expect(e.message).toContain('10.0.0.1:5000 → 10.0.0.2:9999');
  });

  it('a refused query: udp.port-unreachable, and the unanswered message names it', async () => {
    const q = udp(T0, C, S, query(a1));
    const j = await analyze([q, icmpPortUnreachable(T0 + 0.001, '10.0.0.53', '10.0.0.1', q)]);
    expect(dnsEvents(j)).toEqual([['dns.unanswered', 1, [2]], ['udp.port-unreachable', 2, [1]]]);
    expect(j.dns[0].serverIcmpFrame).toBe(2);
  });

  it('truncated answer is linked to the TCP retry', async () => {
    const tc = response(a1, [], 0, 0x0200);
    const CT = '10.0.0.1:40010';
    const q2 = query({ ...a1, id: 0x3333 });
    const r2 = response({ ...a1, id: 0x3333 }, [A('one.example', '1.2.3.4')]);
    const j = await analyze([
      udp(T0, C, S, query(a1)), udp(T0 + 0.01, S, C, tc),
      tcp(T0 + 0.02, CT, S, 100, 0, SYN), tcp(T0 + 0.021, S, CT, 500, 101, SYN | ACK), tcp(T0 + 0.022, CT, S, 101, 501, ACK),
      tcp(T0 + 0.023, CT, S, 101, 501, PSH | ACK, framed(q2)), tcp(T0 + 0.03, S, CT, 501, 101 + 2 + q2.length, PSH | ACK, framed(r2)),
    ]);
    expect(pairs(j)).toEqual([[[1], 2, 'answered'], [[6], 7, 'answered']]);
    expect(j.dns[0]).toMatchObject({ truncated: true, tcpRetryFrame: 6 });
    expect(dnsEvents(j)).toEqual([['dns.truncated', 2, [6]]]);
    expect(j.dns[1].transport).toBe('tcp');
  });

  it('every DNS event kind has a registered plain-language explanation', () => {
    for (const k of ['dns.unanswered', 'dns.retransmission', 'dns.orphan-response', 'dns.client-gone', 'dns.id-reuse', 'dns.question-mismatch', 'dns.truncated', 'dns.error', 'dns.failover', 'dns.malformed', 'udp.port-unreachable', 'udp.unreachable']) {
      expect(EVENT_KINDS[k]?.explanation.length, k).toBeGreaterThan(80);
    }
  });
});

describe('DNS over TCP', () => {
  const CT = '10.0.0.1:41000';
  const hs = [tcp(T0, CT, S, 1000, 0, SYN), tcp(T0 + 0.001, S, CT, 5000, 1001, SYN | ACK), tcp(T0 + 0.002, CT, S, 1001, 5001, ACK)];

  it('several messages in one segment, one message across segments, retransmitted bytes', async () => {
    const q1 = query(a1), q2 = query(a2);
    const r1 = response(a1, [A('one.example', '1.1.1.1')]), r2 = response(a2, [A('two.example', '2.2.2.2')]);
    const both = framed(q1, q2);
    const resp = framed(r1, r2);
    const cut = 7; // the second response is split after 7 of its bytes... and the first response
    const split = 2 + r1.length + cut;
    let s = 5001;
    const frames = [
      ...hs,
      tcp(T0 + 0.01, CT, S, 1001, 5001, PSH | ACK, both), // 4: two queries in one segment
      tcp(T0 + 0.02, S, CT, s, 1001 + both.length, PSH | ACK, resp.slice(0, split)), // 5: r1 whole + start of r2
      tcp(T0 + 0.03, S, CT, s, 1001 + both.length, PSH | ACK, resp.slice(0, split)), // 6: retransmission of 5
      tcp(T0 + 0.04, S, CT, (s += split), 1001 + both.length, PSH | ACK, resp.slice(split)), // 7: rest of r2
      tcp(T0 + 0.05, CT, S, 1001 + both.length, s + resp.length - split, FIN | ACK),
    ];
    const j = await analyze(frames);
    expect(pairs(j)).toEqual([[[4], 5, 'answered'], [[4], 7, 'answered']]);
    expect(j.dns.map((d) => d.answers)).toEqual([['one.example. 300 A 1.1.1.1'], ['two.example. 300 A 2.2.2.2']]);
    expect(dnsEvents(j)).toEqual([]);
  });

  it('the length prefix itself split across segments, and an out-of-order segment held until the gap fills', async () => {
    const q1 = query(a1);
    const f = framed(q1);
    const j = await analyze([
      ...hs,
      tcp(T0 + 0.01, CT, S, 1001, 5001, PSH | ACK, f.slice(0, 1)), // 4: one byte of the prefix
      tcp(T0 + 0.03, CT, S, 1001 + 10, 5001, PSH | ACK, f.slice(10)), // 5: out of order
      tcp(T0 + 0.02, CT, S, 1002, 5001, PSH | ACK, f.slice(1, 10)), // 6: fills the gap → message complete
    ]);
    expect(pairs(j)).toEqual([[[6], null, 'unanswered']]);
  });

  it('a gap that never fills is reported once as dns.malformed (framing lost)', async () => {
    const f = framed(query(a1), query(a2));
    const j = await analyze([...hs, tcp(T0 + 0.01, CT, S, 1001 + 20, 5001, PSH | ACK, f.slice(20))]);
    expect(j.dns).toEqual([]);
    const m = j.events.filter((e) => e.kind === 'dns.malformed');
    expect(m).toHaveLength(1);
    expect(m[0].message).toContain('bytes were missing');
  });
});

describe('mDNS and LLMNR', () => {
  it('multicast queries are never unanswered, unasked announcements never orphans; a question-less answer pairs on the ID', async () => {
    const M = '224.0.0.251:5353', H = '10.0.0.7:5353';
    const probe = { id: 0, name: 'host.local', type: 'ANY' };
    const announce = new Uint8Array([0, 0, 0x84, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const llmnr = { id: 0x4444, name: 'wpad' };
    const j = await analyze([
      udp(T0, H, M, query(probe)), udp(T0 + 0.25, H, M, query(probe)), udp(T0 + 0.5, H, M, announce), udp(T0 + 1.5, H, M, announce),
      udp(T0 + 2, '10.0.0.7:55000', '224.0.0.252:5355', query(llmnr)),
    ]);
    expect(j.dns.map((d) => [d.queryFrames, d.responseFrame, d.status, d.protocol, d.multicast])).toEqual([
      [[1, 2], 3, 'answered', 'mdns', true], [[5], null, 'unanswered', 'llmnr', true],
    ]);
    expect(dnsEvents(j)).toEqual([]);
  });
});
