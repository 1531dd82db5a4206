// Differential test against the npm package pcap-parser 0.2.1 (a devDependency, kept only
// for this): on every classic microsecond pcap among our fixtures and the shared captures,
// both readers must yield the same records — count, timestamps, lengths and bytes.
//
// pcap-parser is only an oracle, never a reader we could ship:
//  - it knows no pcapng and no nanosecond pcap (magic a1b23c4d is an "unknown magic
//    number"), and takes Node streams/paths only (no browser, no worker);
//  - it never checks a record's length: a garbage incl_len (0xffffffff) makes it wait for
//    4 GB that never come, and a caplen above snaplen or origlen passes silently;
//  - it drops a truncated last record silently (the 'end' event comes, no error), and a
//    global header cut short too (no packets, no error: truncated-header.pcap is left out);
//  - it concatenates its whole pending buffer on every chunk (quadratic on big records).
// So we compare only where it is right: the records it does deliver. Where it says
// nothing (the damage), our reader's error entries are checked by bad-input.test.ts.
import { createReadStream, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { createGunzip, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../../parsers/capture/index';
import { badDir, haveShared, hex, sharedCaptures } from './helpers';

interface PcapParserPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}
interface PcapParserEmitter {
  on(ev: 'packet', fn: (p: PcapParserPacket) => void): this;
  on(ev: 'end', fn: () => void): this;
  on(ev: 'error', fn: (e: Error) => void): this;
}
const pcapParser = createRequire(import.meta.url)('pcap-parser') as { parse(input: string | NodeJS.ReadableStream): PcapParserEmitter };

const MICROSECOND_MAGICS = new Set(['d4c3b2a1', 'a1b2c3d4']);

/** The uncompressed first bytes of a file (through gunzip for .gz). */
function head(path: string): string {
  let b: Buffer = readFileSync(path);
  if (b[0] === 0x1f && b[1] === 0x8b) b = gunzipSync(b);
  return b.subarray(0, 4).toString('hex');
}

function stream(path: string): NodeJS.ReadableStream {
  const s = createReadStream(path, { highWaterMark: 1 << 16 });
  return path.endsWith('.gz') ? s.pipe(createGunzip()) : s;
}

type Line = string;
const line = (sec: number, nsec: number, cap: number, orig: number, data: Uint8Array): Line => `${sec}.${nsec} ${cap}/${orig} ${hex(data)}`;

function viaOracle(path: string): Promise<Line[]> {
  return new Promise((res, rej) => {
    const out: Line[] = [];
    const p = pcapParser.parse(stream(path));
    p.on('packet', (pk) => {
      const h = pk.header;
      out.push(line(h.timestampSeconds, h.timestampMicroseconds * 1000, h.capturedLength, h.originalLength, pk.data));
    });
    p.on('error', rej);
    p.on('end', () => res(out));
  });
}

async function viaOurs(path: string): Promise<Line[]> {
  const out: Line[] = [];
  await readCapture(createReadStream(path, { highWaterMark: 1 << 16 }), {
    onRecord: (r) => out.push(line(r.tsSec, r.tsNsec, r.capLen, r.origLen, r.data)),
  });
  return out;
}

function files(dir: string, depth: number): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) {
      if (depth > 0) out.push(...files(p, depth - 1));
    } else if (/\.(pcap|pcapng|gz)$/.test(f) && statSync(p).size >= 24 && MICROSECOND_MAGICS.has(head(p))) out.push(p);
  }
  return out.sort();
}

const cases = [
  ...files(badDir, 0).map((p) => [`fixtures/bad/${p.slice(badDir.length + 1)}`, p]),
  ...(haveShared ? files(sharedCaptures, 1).map((p) => [`shared/${p.slice(sharedCaptures.length + 1)}`, p]) : []),
];

describe('pcap-parser 0.2.1 as an oracle for classic microsecond pcap', () => {
  it('has enough to compare', () => {
    // fixtures: big-endian, gzip-of-pcap, truncated-last-record, absurd-length, caplen-over-*, zero-length
    expect(cases.length).toBeGreaterThanOrEqual(haveShared ? 40 : 7);
    expect(cases.map((c) => c[0])).toContain('fixtures/bad/absurd-length.pcap');
  });

  it.each(cases)('%s', async (_name, path) => {
    const [theirs, ours] = await Promise.all([viaOracle(path), viaOurs(path)]);
    expect(ours.length).toBe(theirs.length);
    expect(ours).toEqual(theirs);
  });

  it('it indeed rejects what it cannot read (ns pcap, pcapng)', async () => {
    for (const f of ['nanosecond.pcap', 'pcapng-spb-pb.pcapng']) {
      await expect(viaOracle(resolve(badDir, f))).rejects.toThrow(/unknown magic number/);
    }
  });
});
