// Every capture of ../shared/captures (real files written by Zeek, tcpdump, Suricata,
// PcapPlusPlus, gopacket, nDPI, dumpcap…): the record count must equal tshark's, and the
// capture's duration must equal capinfos's. Both figures are read from MANIFEST.md's
// "format (capinfos)" column ("…; N pkts; M ifaces; D s"), never by running tshark here:
// CI may not have it. The folder sits beside the project and may be absent (a fresh
// clone): then the suite is skipped, visibly.
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../../parsers/capture/index';
import { haveShared, sharedCaptures } from './helpers';

interface Expected {
  path: string;
  packets: number;
  interfaces: number;
  /** capinfos's duration text, e.g. "1.551523" (6 or 9 decimals as the file's precision). */
  duration: string;
  format: string;
}

/** The capture rows of MANIFEST.md (text baselines have no packet count). */
function manifest(): Expected[] {
  const md = readFileSync(join(sharedCaptures, 'MANIFEST.md'), 'utf8');
  const out: Expected[] = [];
  for (const line of md.split('\n')) {
    const path = /^\| `([^`]+)` \|/.exec(line)?.[1];
    const m = /\| ([^|]*?); (\d+) pkts; (\d+) ifaces; ([\d.]+)s \|/.exec(line);
    if (!path || !m) continue;
    out.push({ path, format: m[1], packets: Number(m[2]), interfaces: Number(m[3]), duration: m[4] });
  }
  return out;
}

/** Capture files on disk (not the .log/.out/.txt baselines beside them). */
function capturesOnDisk(): string[] {
  const out: string[] = [];
  for (const d of readdirSync(sharedCaptures)) {
    const dir = join(sharedCaptures, d);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) if (/\.(pcap|pcapng|pcap\.gz|pcapng\.gz|cap)$/.test(f)) out.push(`${d}/${f}`);
  }
  return out.sort();
}

if (!haveShared) {
  console.warn(`shared-captures.test.ts: ${sharedCaptures} is absent, so the shared reference captures are not checked (skipped)`);
}

describe.skipIf(!haveShared)('shared captures: counts agree with tshark/capinfos (MANIFEST.md)', () => {
  const rows = haveShared ? manifest() : [];

  it('MANIFEST.md lists every capture on disk', () => {
    expect(rows.length).toBeGreaterThan(30);
    expect(rows.map((r) => r.path).sort()).toEqual(capturesOnDisk());
  });

  it.each(rows.map((r) => [r.path, r] as const))('%s', async (_p, row) => {
    const file = resolve(sharedCaptures, row.path);
    expect(existsSync(file)).toBe(true);
    let count = 0;
    const span: { min: bigint | null; max: bigint | null } = { min: null, max: null };
    const info = await readCapture(createReadStream(file, { highWaterMark: 1 << 20 }), {
      onRecord(r) {
        count++;
        const t = BigInt(r.tsSec) * 1000000000n + BigInt(r.tsNsec);
        if (span.min === null || t < span.min) span.min = t;
        if (span.max === null || t > span.max) span.max = t;
      },
    });
    expect(info.errors).toEqual([]);
    expect(count).toBe(row.packets);
    expect(info.records).toBe(row.packets);
    expect(info.interfaces).toHaveLength(row.interfaces);
    expect(info.compressed).toBe(row.path.endsWith('.gz'));
    expect(info.format).toBe(row.format.startsWith('pcapng') ? 'pcapng' : 'pcap');
    // capinfos: duration = latest − earliest, printed with the file's precision.
    const decimals = row.duration.split('.')[1].length;
    const ns = span.max! - span.min!;
    const scale = 10n ** BigInt(9 - decimals);
    expect(ns % scale).toBe(0n);
    const units = ns / scale;
    const text = `${units / 10n ** BigInt(decimals)}.${(units % 10n ** BigInt(decimals)).toString().padStart(decimals, '0')}`;
    expect(text).toBe(row.duration);
  });
});
