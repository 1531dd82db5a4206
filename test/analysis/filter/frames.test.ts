// The frame reader on every fixture, the damaged ones of fixtures/bad included: every
// field of the table is read on every frame without an error, `frame` selects every
// frame the analysis counted, and a filter's frames are the same whether the capture
// arrives in one piece or in small chunks. And the parser never fails otherwise than
// with a FilterError inside the text, whatever it is given.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../../analysis/analyze';
import { FILTER_FIELDS } from '../../../analysis/filter/fields';
import { compileDisplayFilter, FilterError, filterFrames } from '../../../analysis/filter/index';

const root = resolve(__dirname, '../../..');

function captures(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...captures(p));
    else if (/\.(pcap|pcapng)(\.gz)?$/.test(e)) out.push(p);
  }
  return out.sort();
}

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < bytes.length; o += size) yield bytes.slice(o, o + size);
}

describe('display filters on every fixture', () => {
  it('read every field of every frame, damaged captures included', async () => {
    // every field's presence, and a comparison on each valued field, in one filter
    const valued = FILTER_FIELDS.filter((f) => !['label', 'protocol'].includes(f.type)).map((f) =>
      f.type === 'string' || f.type === 'bytes' ? `${f.name} contains "a"` : f.type === 'ipv4' ? `${f.name} == 10.0.0.0/8` : f.type === 'ipv6' ? `${f.name} == fe80::/10` : `${f.name} > 0`,
    );
    const all = compileDisplayFilter([...FILTER_FIELDS.map((f) => f.name), ...valued, 'frame contains 00:01', 'frame matches "^.{0,3}\\x00"'].join(' || '));
    const every = compileDisplayFilter('frame');
    let files = 0;
    for (const file of captures(join(root, 'fixtures'))) {
      const bytes = new Uint8Array(readFileSync(file));
      let a;
      try {
        a = await analyzeCapture(bytes);
      } catch {
        continue; // not a capture at all (fixtures/bad/not-a-capture.pcap and the like)
      }
      files++;
      const frames = await filterFrames(a, bytes, every);
      expect(frames.length, file).toBe(a.packets);
      expect(Array.from(frames), file).toEqual(Array.from({ length: a.packets }, (_, i) => i + 1));
      expect((await filterFrames(a, bytes, all)).length, file).toBe(a.packets);
    }
    expect(files).toBeGreaterThan(40);
  });

  it('select the same frames from a capture in small chunks (records and DNS-over-TCP messages across chunk boundaries)', async () => {
    for (const name of ['dns-udp-tcp.pcap', 'tcp/tcp-loss-delay.pcap', 'fidelity/vlan-key.pcap']) {
      const bytes = new Uint8Array(readFileSync(join(root, 'fixtures', name)));
      const a = await analyzeCapture(bytes);
      for (const f of ['dns.qry.name contains "stateline" || tcp.analysis.flags', 'tcp.len > 0 && !dns', 'vlan.id == 10 || frame.time_relative > 0.01']) {
        const flt = compileDisplayFilter(f);
        expect(Array.from(await filterFrames(a, chunks(bytes, 97), flt)), `${name}: ${f}`).toEqual(Array.from(await filterFrames(a, bytes, flt)));
      }
    }
  });
});

describe('the parser on arbitrary text', () => {
  it('parses or throws a FilterError that lies inside the text', () => {
    const pieces = ['tcp', 'tcp.port', 'ip.addr', 'dns.qry.name', '==', '!=', '<', '>=', '&&', '||', '!', 'and', 'or', 'not', '(', ')', '{', '}', ',', '..', 'in', 'contains', 'matches', '~', '&', '80', '0x1f', '10.0.0.0/8', '::1', '"a', '"x"', 'True', '=', '|', '$', ' ', ' ', '-1', '1..3', 'fe80::/10'];
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let parsed = 0;
    for (let k = 0; k < 20_000; k++) {
      const text = Array.from({ length: 1 + rnd(7) }, () => pieces[rnd(pieces.length)]).join(rnd(2) ? ' ' : '');
      try {
        compileDisplayFilter(text);
        parsed++;
      } catch (e) {
        expect(e, text).toBeInstanceOf(FilterError);
        const f = e as FilterError;
        expect(f.start >= 0 && f.start <= f.end && f.end <= text.length, `${text}: ${f.start}–${f.end}`).toBe(true);
        expect(f.message).toMatch(/ \(column \d+\)$/);
      }
    }
    expect(parsed).toBeGreaterThan(100);
  });
});
