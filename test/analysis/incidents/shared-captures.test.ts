// The incidents on ../shared/captures (real files written by Zeek, tcpdump, Suricata,
// PcapPlusPlus, nDPI, arkime…): a single broken flow stays an event — no incident on a
// capture where at most one flow has a break — and where several flows break, what the
// grouping makes of them. The folder may be absent (a fresh clone): then the suite is
// skipped, visibly.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../../analysis/analyze';
import { toJson } from '../../../analysis/output';
import { haveShared, sharedCaptures } from '../../parsers/capture/helpers';

function captures(): string[] {
  const out: string[] = [];
  for (const d of readdirSync(sharedCaptures)) {
    const dir = join(sharedCaptures, d);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) if (/\.(pcap|pcapng|pcap\.gz|pcapng\.gz|cap)$/.test(f)) out.push(`${d}/${f}`);
  }
  return out.sort();
}

if (!haveShared) console.warn(`incidents/shared-captures.test.ts: ${sharedCaptures} is absent (skipped)`);

describe.skipIf(!haveShared)('incidents on the shared captures', () => {
  const files = haveShared ? captures() : [];

  it('no incident where at most one flow breaks, and every incident spans two flows or more', async () => {
    const single: string[] = [];
    for (const p of files) {
      const json = toJson(await analyzeCapture(new Uint8Array(readFileSync(join(sharedCaptures, p)))));
      const broken = new Set(json.events.filter((e) => e.severity === 'break').map((e) => e.flow));
      for (const inc of json.incidents ?? []) expect(inc.flows.length, p).toBeGreaterThanOrEqual(2);
      if (broken.size > 1) continue;
      single.push(p);
      expect(json.incidents, p).toBeUndefined();
      expect(json.events.filter((e) => e.incident !== undefined), p).toEqual([]);
    }
    // most of them: the test would prove nothing if it found none
    expect(single.length).toBeGreaterThan(30);
  });

  it('zeek-ticks-dns: 10 clients each ask 8.8.8.8 once, 1 s apart, and nothing answers — one resolver-down, the last 5 still within the timeout', async () => {
    const json = toJson(await analyzeCapture(new Uint8Array(readFileSync(join(sharedCaptures, 'dns/zeek-ticks-dns.pcap')))));
    expect(json.incidents!.map((i) => [i.kind, i.subject, i.frames])).toEqual([['incident.resolver-down', '8.8.8.8:53', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]]);
    const [inc] = json.incidents!;
    expect(inc.flows).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // the capture ends 9 s after the first query: queries 6–10 are not yet failures (timeout 5 s)
    expect(inc.downtime).toMatchObject({ lastUp: null, firstDown: 1, lastDown: 5, backUp: null, atLeast: 4, atMost: null });
    expect(inc.explanation).toMatch(/5 queries were still within the 5 s timeout when the capture ended/);
  });

  it('arkime-v6: four flows break (a traceroute\'s 3 probes to closed ports, one late DNS answer to a closed socket) and no cause joins them', async () => {
    const json = toJson(await analyzeCapture(new Uint8Array(readFileSync(join(sharedCaptures, 'dns/arkime-v6.pcap')))));
    expect(new Set(json.events.filter((e) => e.severity === 'break').map((e) => e.flow)).size).toBe(4);
    expect(json.incidents).toBeUndefined();
  });
});
