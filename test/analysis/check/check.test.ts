// The matcher of `stateline check` (analysis/check) on real captures: expectations
// recorded from one capture hold on another recording of the same scenario (another
// ephemeral port, ISN and clock), and fail, naming what was expected and what was
// found, when the capture differs from them; the file format's validation; --fail-on.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../../analysis/analyze';
import {
  ExpectationError, checkExpectations, countHolds, failOnMatches, parseFailOn, parseFlowRef, recordExpectations, validateExpectations,
  type EntryResult, type Expectations,
} from '../../../analysis/check/index';
import type { AnalysisJson } from '../../../analysis/model';
import { toJson } from '../../../analysis/output';

const fx = (name: string) => new URL(`../../../fixtures/${name}`, import.meta.url);

async function analysis(name: string, keylog?: string): Promise<AnalysisJson> {
  return toJson(await analyzeCapture(new Uint8Array(readFileSync(fx(name))), { trackerOptions: { keylog: keylog ? readFileSync(fx(keylog), 'utf8') : undefined } }));
}

const failures = (rs: EntryResult[]) => rs.filter((r) => r.problems.length > 0);
/** A deep copy to edit. */
const copy = (e: Expectations): Expectations => JSON.parse(JSON.stringify(e));

describe('stateline check: matching', () => {
  it('expectations recorded from one recording hold on another of the same scenario (other port, ISN, clock)', async () => {
    const a = await analysis('tcp-clean-close.pcap');
    const b = await analysis('tcp-clean-close-nsec.pcap');
    // what a re-recording changes: the client's port, the ISNs, the absolute times, the frame count
    expect(a.flows[0].client).toBe('10.77.0.1:40001');
    expect(b.flows[0].client).toBe('10.77.0.1:40002');
    expect(a.flows[0].tcp!.client!.isn).not.toBe(b.flows[0].tcp!.client!.isn);
    expect(Math.abs(a.capture.start! - b.capture.start!)).toBeGreaterThan(0.5);
    expect(a.capture.packets).not.toBe(b.capture.packets);
    const exp = recordExpectations(a);
    expect(exp.flows).toEqual([expect.objectContaining({ flow: 'tcp 10.77.0.1 -> 10.77.0.2:8080', connState: 'SF', history: 'ShADadFf' })]);
    const rs = checkExpectations({ json: b }, exp);
    expect(rs.length).toBeGreaterThan(2);
    expect(failures(rs)).toEqual([]);
  });

  it('QUIC connections by number, their paths and migrations, hold on the same connection with its secrets embedded', async () => {
    const a = await analysis('quic/ngtcp2-migration.pcap', 'quic/ngtcp2-migration.keylog.txt');
    const exp = recordExpectations(a);
    expect(exp.quic).toEqual([expect.objectContaining({ connection: 0, sni: 'localhost', alpn: ['h3'], server: '10.83.0.2:4433', paths: 2, migrations: 1 })]);
    // the same packets re-wrapped as pcapng: only the format differs
    expect(failures(checkExpectations({ json: await analysis('quic/ngtcp2-migration-dsb.pcapng') }, exp)).map((r) => r.problems)).toEqual([[{ what: 'format', expected: 'pcap', found: 'pcapng' }]]);
    // without the key log the migration still shows (the CIDs are in clear), the 1-RTT close does not
    const sealed = failures(checkExpectations({ json: await analysis('quic/ngtcp2-migration.pcap') }, exp));
    expect(sealed.map((r) => [r.section, r.problems])).toEqual([['counts', [{ what: 'quic.connection-close events', expected: '1', found: '0' }]]]);
  });

  it('an edited expectation fails with what was expected and what was found', async () => {
    const json = await analysis('incidents/server-restart.pcap');
    const exp = recordExpectations(json);
    expect(failures(checkExpectations({ json }, exp))).toEqual([]);

    const edited = copy(exp);
    edited.flows![2].connState = 'S1';
    edited.incidents![0].events!['tcp.refused'] = 4;
    edited.events = [{ kind: 'tcp.abort', flow: 'tcp 10.90.1.1 -> 10.90.1.2:8080 [9]' }, { kind: 'tcp.refused', flow: 'tcp 10.90.1.1 -> 10.90.1.2:8081' }];
    const bad = failures(checkExpectations({ json }, edited));
    expect(bad.map((r) => [r.section, r.index, r.problems.map((p) => `${p.what}: expected ${p.expected}, found ${p.found}`)])).toEqual([
      ['flows', 2, ['connState: expected S1, found SF']],
      ['events', 0, ['present: expected tcp.abort, found none; that flow has no events']],
      ['events', 1, ['flow: expected tcp 10.90.1.1 -> 10.90.1.2:8081, found no such flow (flows of that client or server: tcp 10.90.1.1 -> 10.90.1.2:8080 (9))']],
      ['incidents', 0, ['tcp.refused events: expected 4, found 3']],
    ]);
  });

  it('noOtherBreaks names each break no entry accounts for; incidents account for their members', async () => {
    const json = await analysis('sample.pcapng');
    const exp = recordExpectations(json);
    expect(exp.noOtherBreaks).toBe(true);
    const edited = copy(exp);
    edited.events = edited.events!.filter((e) => e.kind !== 'tcp.refused');
    const bad = failures(checkExpectations({ json }, edited));
    expect(bad).toHaveLength(1);
    expect(bad[0].section).toBe('noOtherBreaks');
    expect(bad[0].problems).toEqual([{ what: 'break', expected: 'none not listed', found: expect.stringMatching(/^tcp\.refused at frame 30 \(tcp 10\.77\.0\.1 -> 10\.77\.0\.2:8081\): connection refused/) }]);

    // server-restart's 8 breaks are the members of its one incident: the incident entry covers them
    const restart = await analysis('incidents/server-restart.pcap');
    const rexp = recordExpectations(restart);
    expect(rexp.events).toBeUndefined();
    expect(failures(checkExpectations({ json: restart }, rexp))).toEqual([]);
    delete rexp.incidents;
    const uncovered = failures(checkExpectations({ json: restart }, rexp));
    expect(uncovered.map((r) => r.section)).toEqual(['noOtherBreaks']);
    expect(uncovered[0].problems).toHaveLength(9); // 8 events and the incident
  });

  it('events by frame or by position in their flow; times relative to the start, within the tolerance', async () => {
    const json = await analysis('fidelity/lossy-client-side.pcap');
    const flow = 'tcp 10.91.0.1 -> 10.91.0.2:8080';
    const fr = json.events.filter((e) => e.kind === 'tcp.fast-retransmission');
    const at = fr[1].time - json.capture.start!;
    const exp: Expectations = {
      events: [
        { kind: 'tcp.fast-retransmission', flow, nth: 2, at: at + 0.04 },
        { kind: 'tcp.fast-retransmission', frame: fr[1].frame },
        { kind: 'tcp.fast-retransmission', flow, nth: 2, at: at + 0.06 },
        { kind: 'tcp.fast-retransmission', flow, nth: 2, at: at + 0.06, tolerance: 0.1 },
        { kind: 'tcp.fast-retransmission', frame: fr[1].frame + 1 },
        { kind: 'tcp.fast-retransmission', flow, nth: fr.length + 1 },
      ],
    };
    const rs = checkExpectations({ json }, exp);
    expect(rs.map((r) => r.problems.length > 0)).toEqual([false, false, true, false, true, true]);
    expect(rs[2].problems[0]).toMatchObject({ what: 'at', expected: expect.stringMatching(/ ± 0\.05 s$/) });
    expect(rs[4].problems[0].found).toContain(`tcp.fast-retransmission at frame ${fr[1].frame} (${flow})`);
    expect(rs[5].problems[0]).toMatchObject({ expected: `a ${fr.length + 1}th tcp.fast-retransmission`, found: expect.stringMatching(new RegExp(`^${fr.length} of them: `)) });
  });

  it('DNS status per question and resolver; counts exact or as bounds', async () => {
    const json = await analysis('dns-udp-tcp.pcap');
    const exp: Expectations = {
      counts: { flows: { udp: 4, tcp: '>= 1' }, events: { 'dns.error': '1..2', 'tcp.refused': 0 }, dns: '< 5' },
      dns: [
        { question: 'nope.stateline.test. A IN', server: '10.77.0.2:53', status: 'answered', rcode: 'NXDOMAIN' },
        { question: 'api.stateline.test. A IN', transport: 'udp' },
      ],
    };
    const rs = checkExpectations({ json }, exp);
    expect(rs[0].problems).toEqual([{ what: 'DNS transactions', expected: '< 5', found: '5' }]);
    expect(rs[1].problems).toEqual([]);
    expect(rs[2].problems).toEqual([{ what: 'present', expected: 'transaction', found: '0 matching; of that question: tcp to 10.77.0.2:53 (answered)' }]);
    expect([countHolds('2..4', 4), countHolds('2..4', 5), countHolds('>= 1', 0), countHolds(3, 3)]).toEqual([true, false, false, true]);
  });

  it('an unreadable capture holds only when expected so, with the same message', () => {
    expect(failures(checkExpectations({ error: 'not a capture' }, { capture: { unreadable: 'not a capture' } }))).toEqual([]);
    expect(failures(checkExpectations({ error: 'not a capture' }, {}))[0].problems[0]).toEqual({ what: 'capture', expected: 'a readable capture', found: 'unreadable: not a capture' });
  });
});

describe('stateline check: the expectation file', () => {
  it('validates fields, flow references and counts, naming the path of the first problem', () => {
    expect(validateExpectations({ flows: [{ flow: 'tcp 10.0.0.1 -> 10.0.0.2:80 [2-3]', count: 2 }] })).toBeTruthy();
    const why = (data: unknown) => {
      try {
        validateExpectations(data);
        return 'valid';
      } catch (e) {
        expect(e).toBeInstanceOf(ExpectationError);
        return (e as Error).message;
      }
    };
    expect(why({ flows: [{ flow: 'tcp 10.0.0.1 -> 10.0.0.2:80', conState: 'SF' }] })).toMatch(/^expectations\.flows\[0\]\.conState: unknown field/);
    expect(why({ flows: [{ flow: 'tcp 10.0.0.1:51514 10.0.0.2:80' }] })).toMatch(/^expectations\.flows\[0\]\.flow: not a flow reference/);
    expect(why({ events: [{ flow: 'udp a -> b:53' }] })).toBe('expectations.events[0]: needs kind');
    expect(why({ counts: { events: { 'tcp.refused': 'some' } } })).toMatch(/counts\.events\.tcp\.refused: expected a count/);
    expect(why({ tolerance: -1 })).toMatch(/^expectations\.tolerance: expected seconds/);
    expect(parseFlowRef('udp [fd77::1] -> [fd77::2]:53 [3]')).toEqual({ transport: 'udp', clientHost: '[fd77::1]', server: '[fd77::2]:53', from: 3, to: 3 });
  });

  it('recording is deterministic and what it records holds', async () => {
    for (const name of ['sample.pcapng', 'incidents/syn-flood-scan.pcap', 'dns/dns-unanswered.pcap', 'bad/zero-length.pcap']) {
      const json = await analysis(name);
      const exp = recordExpectations(json);
      expect(JSON.stringify(recordExpectations(await analysis(name)))).toBe(JSON.stringify(exp));
      expect(failures(checkExpectations({ json }, exp)), name).toEqual([]);
    }
    // 200 unanswered SYNs of one key and outcome are one entry, the scan's 50 ports one each
    const flood = recordExpectations(await analysis('incidents/syn-flood-scan.pcap'));
    expect(flood.flows![0]).toMatchObject({ flow: 'tcp 10.90.8.1 -> 10.90.8.2:8080', count: 200, connState: 'S0' });
    expect(flood.flows).toHaveLength(51);
  });
});

describe('stateline analyze --fail-on', () => {
  it('a severity matches it and worse, a kind itself; unknown words are refused', async () => {
    const json = await analysis('sample.pcapng');
    const on = (v: string) => {
      const f = parseFailOn(v);
      if (typeof f === 'string') throw new Error(f);
      return failOnMatches(json, f);
    };
    expect(on('break')).toEqual(['1 × tcp.refused', '1 × tcp.abort', '1 × dns.unanswered', '1 × udp.port-unreachable']);
    expect(on('info')).toContain('1 × dns.error');
    expect(on('dns.error')).toEqual(['1 × dns.error']);
    expect(on('tcp.retransmission,incident.server-lost-state')).toEqual([]);
    expect(failOnMatches(await analysis('incidents/server-restart.pcap'), parseFailOn('incident.server-lost-state') as never)).toEqual(['1 × incident.server-lost-state']);
    expect(parseFailOn('breaks')).toMatch(/^unknown --fail-on value "breaks"/);
    expect(parseFailOn(' , ')).toMatch(/needs/);
  });
});
