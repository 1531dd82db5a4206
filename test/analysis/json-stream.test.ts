// The streamed JSON (analysis/output jsonText) is JSON.stringify(toJson(a)) byte for
// byte, in bounded pieces; and `stateline analyze --json` writes it through a pipe whose
// reader stalls (backpressure) without losing or reordering a byte.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../analysis/analyze';
import { jsonText, toJson } from '../../analysis/output';

const ROOT = join(__dirname, '../..');
const FIXTURES = join(ROOT, 'fixtures');
const SHARED = join(ROOT, '../shared/captures');

// TCP with incidents, DNS, QUIC with its embedded secrets, VLAN tags, pcapng.
const files = [
  join(FIXTURES, 'incidents/server-restart.pcap'),
  join(FIXTURES, 'dns/dns-client-gone.pcap'),
  join(FIXTURES, 'quic/ngtcp2-migration-dsb.pcapng'),
  join(FIXTURES, 'vlan-8021q.pcap'),
  join(FIXTURES, 'sample.pcapng'),
  join(FIXTURES, 'incidents/syn-flood-scan.pcap'),
];
const shared = join(SHARED, 'tcp/zeek-1000-requests-one-dropped-response.pcap.gz');

describe('jsonText: the JSON streamed element by element', () => {
  it('is the whole JSON byte for byte, in pieces of about the size asked for', async () => {
    const list = existsSync(shared) ? [...files, shared] : files;
    if (!existsSync(shared)) console.warn(`skipping ${shared}: the shared captures are absent`);
    for (const f of list) {
      const a = await analyzeCapture(new Uint8Array(readFileSync(f)));
      const json = toJson(a);
      const whole = JSON.stringify(json);
      const pieces = [...jsonText(a, 512)];
      expect(pieces.join(''), f).toBe(whole);
      // A piece is given out once it reaches the size: each but the last is at least
      // that long, and longer only by its last element (and an array's opening).
      const { capture, ...arrays } = json;
      const largest = Math.max(0, ...Object.values(arrays).flatMap((list: unknown[]) => list.map((x) => JSON.stringify(x).length)));
      if (whole.length > 4096) expect(pieces.length, f).toBeGreaterThan(2);
      pieces.slice(0, -1).forEach((p, i) => {
        expect(p.length).toBeGreaterThanOrEqual(512);
        expect(p.length).toBeLessThan(512 + largest + 32 + (i === 0 ? JSON.stringify(capture).length : 0));
      });
    }
  }, 60_000);

  it('stateline analyze --json through a stalled pipe gives the same bytes', async () => {
    const big = join(FIXTURES, 'incidents/syn-flood-scan.pcap'); // ~260 KB of JSON
    const a = await analyzeCapture(new Uint8Array(readFileSync(big)));
    const expected = JSON.stringify(toJson(a)) + '\n';
    expect(expected.length).toBeGreaterThan(1 << 17); // more than a pipe's buffer (64 KiB): the writer must wait
    const child = spawn(process.execPath, [join(ROOT, 'bin/stateline.mjs'), 'analyze', big, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pause();
    await new Promise((r) => setTimeout(r, 1500)); // the pipe fills; the writer waits for drain
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stdout.resume();
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected);
  }, 60_000);
});
