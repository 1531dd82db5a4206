// Decoder.decodeAt reads a record where it lies in a larger buffer (the reader's chunk)
// and must leave the Packet exactly as decode() of a view of that record does: every
// offset from the record's start, the same problem messages and offsets, pkt.data the
// record's bytes. Checked on every record of the fixtures and shared captures, on every
// prefix of them (truncation at each header), and with bytes overwritten (malformed
// headers), each record placed at an odd offset of a bigger buffer.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Decoder, Packet } from '../../../parsers/decode/index';
import { readRecords, type TestRecord } from './util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function captures(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'bad') out.push(...captures(p));
    } else if (/\.pcap(ng)?(\.gz)?$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** Everything a tracker can read of a decoded packet (data as bytes). */
function snapshot(pkt: Packet): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(pkt)) {
    if (k === 'bytes' || k === 'bytesOff' || k === 'view' || k.startsWith('rec')) continue;
    const v = (pkt as unknown as Record<string, unknown>)[k];
    o[k] = ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : typeof v === 'object' && v !== null ? { ...v } : v;
  }
  o.data = Array.from(pkt.data);
  o.recordData = Array.from(pkt.recordData);
  return o;
}

const PAD = 37;

/** decode() of the record alone and decodeAt() of it inside a bigger buffer, with decoders in the same state. */
function same(a: Decoder, b: Decoder, data: Uint8Array, linkType: number, frame: number, time: number): void {
  const p1 = new Packet(), p2 = new Packet();
  a.decode(p1, data, linkType, frame, time);
  const big = new Uint8Array(PAD + data.length + 11).fill(0xee);
  big.set(data, PAD);
  b.decodeAt(p2, big, PAD, data.length, linkType, frame, time);
  const s1 = snapshot(p1), s2 = snapshot(p2);
  if (JSON.stringify(s1) !== JSON.stringify(s2)) expect(s2).toEqual(s1); // (toEqual only for the message: it is slow)
}

const files = [...captures(resolve(root, 'fixtures')), ...captures(resolve(root, '../shared/captures'))];
const records = (f: string): TestRecord[] => {
  try {
    return readRecords(new Uint8Array(readFileSync(f)));
  } catch {
    return []; // not a capture this helper reads (the capture tests cover those)
  }
};

describe('Decoder.decodeAt', () => {
  it('has captures to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  for (const f of files) {
    it(`decodes every record of ${f.slice(root.length - 4)} as decode() does, cut and damaged too`, () => {
      const recs = records(f);
      const a = new Decoder(), b = new Decoder();
      for (const r of recs) same(a, b, r.data, r.linkType, r.frame, r.time);
      expect(b.stats.toJSON()).toEqual(a.stats.toJSON());
      // every prefix and some overwritten bytes of the first records: each header cut and broken
      const c = new Decoder({ reassemble: false }), d = new Decoder({ reassemble: false });
      for (const r of recs.slice(0, 3)) {
        const n = Math.min(r.data.length, 120);
        for (let len = 0; len <= n; len++) same(c, d, r.data.subarray(0, len), r.linkType, r.frame, r.time);
        for (let i = 0; i < n; i++) {
          for (const v of [0x00, 0xff, 0x45]) {
            const x = r.data.slice();
            x[i] = v;
            same(c, d, x, r.linkType, r.frame, r.time);
          }
        }
      }
      expect(d.stats.toJSON()).toEqual(c.stats.toJSON());
    });
  }
});
