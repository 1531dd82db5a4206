// Stable output (issue 13): `stateline analyze --json` is the same bytes on every run,
// and however the file is cut into chunks on its way to analyzeCapture — records, pcapng
// blocks and gzip members straddling chunk boundaries, down to one byte per chunk.
// Expectation files and diffs of two captures rest on this.
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../analysis/analyze';
import { toJson } from '../../analysis/output';
import { fileChunks } from '../../host/file-source';

const root = resolve(__dirname, '../..');
const fx = (name: string) => join(root, 'fixtures', name);

function analyzeCli(args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    execFile(process.execPath, [join(root, 'bin', 'stateline.mjs'), 'analyze', ...args, '--json'], { maxBuffer: 1 << 26 }, (err, stdout) => (err ? rej(err) : res(stdout)));
  });
}

async function jsonOf(file: string, chunkSize: number, keylog?: string): Promise<string> {
  const a = await analyzeCapture(fileChunks(file, chunkSize), { totalBytes: statSync(file).size, trackerOptions: { keylog: keylog ? readFileSync(keylog, 'utf8') : undefined } });
  return JSON.stringify(toJson(a)) + '\n';
}

// Small files (every chunk size, 1 byte included) and larger ones (4 KiB and 1 MiB).
const SMALL: [string, string?][] = [
  ['tcp-clean-close.pcap'],
  ['sample.pcapng'],
  ['bad/gzip-of-pcap.pcap.gz'],
  ['bad/pcapng-cut-short.pcapng'],
  ['quic/ngtcp2-h3.pcap', 'quic/ngtcp2-h3.keylog.txt'],
  ['incidents/resolver-down-icmp.pcap'],
];
const LARGE: [string, string?][] = [
  ['incidents/syn-flood-scan.pcap'],
  ['fidelity/lossy-client-side.pcap'],
  ['quic/ngtcp2-migration-dsb.pcapng'],
  ['incidents/path-stall.pcap'],
];

describe('stable output', () => {
  it('analyze --json prints the same bytes on two runs', async () => {
    for (const [name, keylog] of [...SMALL.slice(0, 2), ...LARGE.slice(0, 2), ['quic/ngtcp2-h3.pcap', 'quic/ngtcp2-h3.keylog.txt']] as [string, string?][]) {
      const args = [fx(name), ...(keylog ? ['--keylog', fx(keylog)] : [])];
      const [a, b] = [await analyzeCli(args), await analyzeCli(args)];
      expect(a.length).toBeGreaterThan(100);
      expect(b === a, name).toBe(true);
    }
  });

  it('the JSON is the same whatever the read chunk size: 1, 7, 4096 bytes, 1 MiB', async () => {
    for (const [name, keylog] of SMALL) {
      const file = fx(name);
      expect(statSync(file).size).toBeLessThan(64 * 1024);
      const whole = await jsonOf(file, 1 << 20, keylog && fx(keylog));
      expect(JSON.parse(whole).capture.packets).toBeGreaterThan(0);
      for (const size of [1, 7, 4096]) expect((await jsonOf(file, size, keylog && fx(keylog))) === whole, `${name} in chunks of ${size}`).toBe(true);
    }
    for (const [name, keylog] of LARGE) {
      const file = fx(name);
      expect(statSync(file).size).toBeGreaterThan(4096 * 3);
      const whole = await jsonOf(file, 1 << 20, keylog && fx(keylog));
      expect((await jsonOf(file, 4096, keylog && fx(keylog))) === whole, `${name} in chunks of 4096`).toBe(true);
    }
  });

  it('the CLI prints what analyzeCapture gives the JSON builder', async () => {
    expect(await analyzeCli([fx('sample.pcapng')])).toBe(await jsonOf(fx('sample.pcapng'), 7));
  });
});
