// The gzip decoder of the capture reader (parsers/capture/gunzip.ts): byte for byte what
// zlib makes of every kind of deflate stream, at any chunking; members, padding and the
// optional header fields; and what it does at damage — everything decoded before it is
// handed on, and the damage is named with its compressed offset.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, crc32 as zlibCrc32, deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, Gunzip } from '../../../parsers/capture/gunzip';
import { concat, projectRoot, rng } from './helpers';

function gunzip(gz: Uint8Array, chunk = 1 << 20): { out: Buffer; g: Gunzip } {
  const parts: Buffer[] = [];
  const g = new Gunzip((d) => parts.push(Buffer.from(d)));
  for (let i = 0; i < gz.length; i += chunk) g.push(gz.subarray(i, i + chunk));
  g.end();
  return { out: Buffer.concat(parts), g };
}

/** Bytes that compress in every way: text, runs, random stretches, long matches. */
function corpus(seed: number, n: number): Buffer {
  const next = rng(seed);
  const words = ['SYN', 'ACK', 'stateline', '\x00\x00\x00\x00', 'GET / HTTP/1.1\r\n', '\xff\xfe'];
  const out = Buffer.alloc(n);
  let i = 0;
  while (i < n) {
    const r = next();
    if (r < 0.3) for (let k = 0; k < 40 && i < n; k++) out[i++] = Math.floor(next() * 256);
    else if (r < 0.5) {
      const b = Math.floor(next() * 256);
      for (let k = Math.floor(next() * 300); k > 0 && i < n; k--) out[i++] = b;
    } else if (r < 0.8) for (const c of words[Math.floor(next() * words.length)]) if (i < n) out[i++] = c.charCodeAt(0);
    else if (i > 100) {
      const from = Math.floor(next() * Math.min(i, 32768));
      for (let k = Math.floor(next() * 258); k > 0 && i < n; k--, i++) out[i] = out[i - 1 - from];
    }
  }
  return out;
}

const SAMPLE = readFileSync(join(projectRoot, 'fixtures', 'sample.pcapng'));

describe('Gunzip against zlib', () => {
  const inputs: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.of(7)],
    ['sample.pcapng', SAMPLE],
    ['mixed 300 KiB', corpus(1, 300 << 10)],
    ['random 100 KiB', corpus(2, 100 << 10).map((_, i) => (i * 2654435761) >>> 24) as Buffer],
  ];
  const modes = [
    { level: 0 },
    { level: 1 },
    { level: 6 },
    { level: 9 },
    { level: 6, strategy: constants.Z_FIXED },
    { level: 6, strategy: constants.Z_HUFFMAN_ONLY },
    { level: 6, strategy: constants.Z_RLE },
    { level: 9, memLevel: 1, windowBits: 9 },
  ];
  for (const [name, raw] of inputs)
    it(`${name}: every level and strategy, whole and in chunks of 1, 3 and 1000 bytes`, () => {
      for (const m of modes) {
        const gz = gzipSync(raw, m);
        for (const size of [1 << 20, 1000, 3, 1]) {
          if (size < 1000 && raw.length > 20000) continue; // the 300 KiB ones: a few sizes suffice
          const { out, g } = gunzip(gz, size);
          expect(g.damage).toBeNull();
          expect(out.equals(raw)).toBe(true);
          expect(g.members).toBe(1);
        }
      }
    });

  it('CRC-32 matches zlib', () => {
    const b = corpus(3, 10000);
    expect(crc32(0, b, 0, b.length)).toBe(zlibCrc32(b));
    expect(crc32(crc32(0, b, 0, 1234), b, 1234, b.length)).toBe(zlibCrc32(b));
  });

  it('members one after another, zero padding after the last, and every optional header field', () => {
    const a = corpus(4, 5000), b = corpus(5, 7000);
    const two = concat(gzipSync(a), gzipSync(b), new Uint8Array(100));
    const r = gunzip(two, 777);
    expect(r.g.damage).toBeNull();
    expect(r.g.members).toBe(2);
    expect(r.out.equals(Buffer.concat([a, b]))).toBe(true);

    // FEXTRA, FNAME, FCOMMENT and FHCRC around a raw deflate stream.
    const head = [0x1f, 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3, 4, 0, 65, 66, 67, 68, ...Buffer.from('name.pcap\0comment\0')];
    const hcrc = zlibCrc32(Buffer.from(head)) & 0xffff;
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(zlibCrc32(a), 0);
    trailer.writeUInt32LE(a.length, 4);
    const full = concat(Uint8Array.from(head), Uint8Array.of(hcrc & 0xff, hcrc >> 8), deflateRawSync(a), trailer);
    expect(gunzipSync(full).equals(a)).toBe(true); // zlib agrees it is valid
    for (const size of [1, 5, 1 << 20]) {
      const r2 = gunzip(full, size);
      expect(r2.g.damage).toBeNull();
      expect(r2.out.equals(a)).toBe(true);
    }
    full[10] ^= 1; // the header CRC no longer matches
    expect(gunzip(full).g.damage?.message).toMatch(/header fails its CRC check/);
  });

  it('a mutated stream is either read exactly as zlib reads it, or reported as damage', () => {
    const raw = corpus(6, 20000);
    const gz = gzipSync(raw);
    const next = rng(7);
    let agreed = 0, damaged = 0;
    for (let i = 0; i < 300; i++) {
      const m = Uint8Array.from(gz);
      for (let k = 1 + Math.floor(next() * 3); k > 0; k--) m[10 + Math.floor(next() * (m.length - 10))] ^= 1 << Math.floor(next() * 8);
      let ref: Buffer | null = null;
      try {
        ref = gunzipSync(m);
      } catch {
        /* zlib rejects it */
      }
      const { out, g } = gunzip(m, 1 + Math.floor(next() * 5000));
      if (g.damage === null) {
        expect(ref).not.toBeNull();
        expect(out.equals(ref!)).toBe(true);
        agreed++;
      } else {
        expect(g.damage.offset).toBeGreaterThanOrEqual(10);
        expect(g.damage.offset).toBeLessThanOrEqual(m.length);
        damaged++;
      }
    }
    expect(damaged).toBeGreaterThan(250);
    expect(agreed + damaged).toBe(300);
  });
});

describe('Gunzip at damage', () => {
  const raw = corpus(8, 50000);
  const gz = gzipSync(raw);

  it('a flipped CRC byte: all of the data handed on, then the check failure at the trailer', () => {
    const m = Uint8Array.from(gz);
    m[m.length - 6] ^= 0xff;
    for (const size of [1 << 20, 100]) {
      const { out, g } = gunzip(m, size);
      expect(out.equals(raw)).toBe(true);
      expect(g.damage).toEqual({ kind: 'check', offset: m.length - 8, message: 'the gzip member fails its CRC-32 check: its data is damaged somewhere' });
    }
  });

  it('garbage after the member: all of the data, then the garbage named', () => {
    const { out, g } = gunzip(concat(gz, Buffer.from('not gzip')));
    expect(out.equals(raw)).toBe(true);
    expect(g.damage).toMatchObject({ kind: 'trailing', offset: gz.length });
  });

  it('cut short: everything the cut leaves decodable is handed on', () => {
    const stored = gzipSync(raw, { level: 0 });
    const { out, g } = gunzip(stored.subarray(0, 30000));
    expect(g.damage).toMatchObject({ kind: 'cut-short', offset: 30000 });
    // A stored block is copied as it comes: all but the headers of the bytes present.
    expect(out.length).toBe(30000 - 10 - 5);
    expect(out.equals(raw.subarray(0, out.length))).toBe(true);
    const { out: out2, g: g2 } = gunzip(gz.subarray(0, gz.length - 3));
    expect(g2.damage?.kind).toBe('cut-short');
    expect(out2.equals(raw)).toBe(true); // only the trailer is missing
  });

  it('a corrupt block: the bytes before it, and its offset', () => {
    const stored = gzipSync(raw, { level: 0 });
    const m = Uint8Array.from(stored);
    // The second stored block: after the gzip header (10), the first block's header (1 +
    // LEN + NLEN) and its LEN bytes. Its LEN no longer matches its NLEN.
    const mb = Uint8Array.from(gzipSync(corpus(9, 200000), { level: 0 }));
    const first = mb[11] | (mb[12] << 8);
    const at = 10 + 5 + first;
    mb[at + 1] ^= 0xff;
    const { out, g } = gunzip(mb);
    expect(g.damage).toEqual({ kind: 'corrupt', offset: at, message: 'the gzip data is corrupt (a stored block length fails its check)' });
    expect(out.length).toBe(first);
    m[3] = 0xe0; // reserved flag bits
    expect(gunzip(m).g.damage).toMatchObject({ kind: 'corrupt', offset: 0 });
  });

  it('keeps no reference to a pushed chunk: a source that reuses one buffer reads right', () => {
    const parts: Buffer[] = [];
    const g = new Gunzip((d) => parts.push(Buffer.from(d)));
    const buf = new Uint8Array(4096);
    for (let i = 0; i < gz.length; i += buf.length) {
      const n = Math.min(buf.length, gz.length - i);
      buf.set(gz.subarray(i, i + n));
      g.push(buf.subarray(0, n));
      buf.fill(0xaa); // the source overwrites its buffer before the next chunk
    }
    g.end();
    expect(g.damage).toBeNull();
    expect(Buffer.concat(parts).equals(raw)).toBe(true);
  });
});
