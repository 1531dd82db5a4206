// A record's bytes/bytesOff (what analysis decodes from, no view made) are its data:
// for classic pcap and pcapng, whole or in chunks of every size (records then come
// from the chunk or from the carry buffer), and for a capture set's merged records.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureReader, readCaptureSet, type CaptureRecord } from '../../../parsers/capture/index';
import { projectRoot, split } from './helpers';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(resolve(projectRoot, 'fixtures', name)));

/** Each record's capLen, data as hex, and bytes[bytesOff, +capLen) as hex, read before data is asked for. */
function line(r: CaptureRecord): string {
  const own = Buffer.from(r.bytes.buffer, r.bytes.byteOffset + r.bytesOff, r.capLen).toString('hex');
  const data = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.length).toString('hex');
  return `${r.frame} ${r.capLen}/${r.data.length} ${own === data ? 'same' : `${own} != ${data}`}`;
}

function lines(bytes: Uint8Array, size: number): string[] {
  const out: string[] = [];
  const cr = new CaptureReader((r) => out.push(line(r)));
  for (const c of split(bytes, size)) cr.push(c);
  cr.end();
  return out;
}

describe('record bytes', () => {
  for (const name of ['tcp-clean-close.pcap', 'tcp-clean-close.pcapng', 'sample.pcapng', 'ip-fragments.pcap']) {
    it(`are the record's data in ${name}, in chunks of any size`, () => {
      const bytes = fixture(name);
      const whole = lines(bytes, bytes.length);
      expect(whole.length).toBeGreaterThan(3);
      for (const l of whole) expect(l).toMatch(/ (\d+)\/\1 same$/);
      for (const size of [1, 7, 64, 100, 333]) expect(lines(bytes, size)).toEqual(whole);
    });
  }

  it("are the record's data in a capture set's merge", async () => {
    const a = fixture('tcp-clean-close.pcap'), b = fixture('udp-port-unreachable.pcap');
    const out: string[] = [];
    // small chunks: records wait in a file's queue (copied) as well as going straight on
    const member = (name: string, bytes: Uint8Array) => ({ name, open: () => (async function* () { yield* split(bytes, 50); })() });
    await readCaptureSet([member('a', a), member('b', b)], { onRecord: (r) => out.push(line(r)) });
    expect(out.length).toBeGreaterThan(5);
    for (const l of out) expect(l).toMatch(/ (\d+)\/\1 same$/);
  });
});
