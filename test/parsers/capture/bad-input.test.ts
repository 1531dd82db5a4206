// Damaged input: the exact error (frame and offset), and every record before the damage
// delivered. Files from fixtures/bad/ (node fixtures/bad/make-bad.mjs), plus a few built
// here in memory. Each file is also read 1 and 7 bytes at a time: the same outcome.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CaptureCancelledError,
  CaptureReader,
  CaptureStop,
  MAX_LISTED_ERRORS,
  NotACaptureError,
  readCapture,
  type CaptureError,
} from '../../../parsers/capture/index';
import {
  Bytes,
  asIterable,
  bad,
  block,
  concat,
  epb,
  frame,
  hex,
  idb,
  lines,
  pcapHeader,
  pcapRecord,
  projectRoot,
  pushAll,
  read,
  rng,
  shb,
  split,
  text,
  thrown,
  type Result,
} from './helpers';

const SYN_TS = 1663807554;
/** A 22-packet capture. */
const plain = new Uint8Array(readFileSync(resolve(projectRoot, 'fixtures', 'tcp-clean-close.pcap')));

/** Reads the file whole (readCapture), 1 byte and 7 bytes at a time (CaptureReader): all must agree. */
async function readEveryWay(bytes: Uint8Array): Promise<Result> {
  const whole = await read(bytes);
  for (const size of [1, 7]) {
    const r = pushAll(split(bytes, size));
    expect(lines(r.records)).toEqual(lines(whole.records));
    expect(r.info.errors).toEqual(whole.info.errors);
  }
  return whole;
}

async function notACapture(bytes: Uint8Array): Promise<NotACaptureError> {
  const e = await thrown(() => read(bytes));
  expect(e).toBeInstanceOf(NotACaptureError);
  for (const size of [1, 3]) {
    const e2 = await thrown(() => pushAll(split(bytes, size)));
    expect(e2).toBeInstanceOf(NotACaptureError);
    expect(e2.message).toBe(e.message);
  }
  return e as NotACaptureError;
}

const err = (frame: number, offset: number, message: string, effect: CaptureError['effect']): CaptureError => ({ frame, offset, message, effect });

describe('not a capture at all: NotACaptureError', () => {
  it('empty file', async () => {
    expect((await notACapture(bad('empty.pcap'))).message).toBe('empty file');
  });

  it('an HTML page', async () => {
    expect((await notACapture(bad('not-a-capture.pcap'))).message).toBe('not a capture file: no pcap, pcapng or gzip signature at offset 0');
  });

  it('a pcap global header cut short (20 of 24 bytes)', async () => {
    expect((await notACapture(bad('truncated-header.pcap'))).message).toBe('truncated pcap global header: 20 of 24 bytes present at offset 0');
  });

  it('fewer than 4 bytes', async () => {
    expect((await notACapture(Uint8Array.of(0xd4, 0xc3))).message).toBe(
      'not a capture file: only 2 bytes at offset 0 (a capture file header is at least 24 bytes)',
    );
  });

  it('a pcapng section header cut short, or with a bad byte-order magic', async () => {
    expect((await notACapture(shb().subarray(0, 20))).message).toBe('truncated pcapng section header block: only 20 bytes present at offset 0');
    expect((await notACapture(shb().subarray(0, 8))).message).toBe('truncated pcapng section header block: 8 of at least 28 bytes present at offset 0');
    const badBom = shb();
    badBom.set([1, 2, 3, 4], 8);
    expect((await notACapture(badBom)).message).toBe(
      'not a pcapng file: the section header block at offset 0: its byte-order magic is neither 1a2b3c4d nor 4d3c2b1a',
    );
  });

  it('an unsupported pcap or pcapng version', async () => {
    const h = pcapHeader();
    h[4] = 3;
    expect((await notACapture(h)).message).toBe('unsupported pcap version at offset 4 (expected 2.x)');
    expect((await notACapture(shb(true, 2))).message).toBe(
      'not a pcapng file: the section header block at offset 0: unsupported pcapng version (expected 1.x)',
    );
  });

  it('quotes none of the bytes of a file that is not a capture', async () => {
    // Files that start like a capture (or not) and go on with a secret: whatever check
    // fails, the message is one of a few fixed texts (the file's length and the offsets
    // of the checks aside), so no content can be read back through it.
    const next = rng(14);
    const secret = text('root:$6$secret-hash:19000:0:99999:7:::\n');
    const heads = [Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a), Uint8Array.of(0xd4, 0xc3, 0xb2, 0xa1), Uint8Array.of(0xa1, 0xb2, 0x3c, 0x4d), new Uint8Array(0)];
    const messages = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const head = heads[i % heads.length];
      const body = Uint8Array.from({ length: Math.floor(next() * 64) }, (_, k) => (next() < 0.5 ? secret[k % secret.length] : Math.floor(next() * 256)));
      const bytes = concat(head, body);
      // Half of the pcapng ones get a valid byte-order magic, to reach the later checks.
      if (head[0] === 0x0a && bytes.length >= 12 && next() < 0.5) bytes.set([0x4d, 0x3c, 0x2b, 0x1a], 8);
      let e: Error;
      try {
        await read(bytes);
        continue; // a random body that happens to make a valid header is a capture
      } catch (x) {
        e = x as Error;
      }
      expect(e).toBeInstanceOf(NotACaptureError);
      expect(e.message).not.toMatch(/0x[0-9a-f]/i);
      messages.add(e.message.replace(new RegExp(`\\b${bytes.length}\\b`, 'g'), 'LEN'));
    }
    expect(messages.size).toBeGreaterThan(8);
    for (const m of messages) for (const n of m.replace('1a2b3c4d nor 4d3c2b1a', '').match(/\d+/g) ?? []) expect(['0', '1', '2', '4', '12', '24', '28', String(256 * 1024 * 1024)]).toContain(n);
  });

  it('gzip data that is not a capture, or is corrupt before the header', async () => {
    const e = await thrown(() => read(gzipSync(Buffer.from('<html>hello</html>'))));
    expect(e).toBeInstanceOf(NotACaptureError);
    expect(e.message).toBe('not a capture file: no pcap, pcapng or gzip signature at offset 0');
    const gz = gzipSync(bad('big-endian.pcap'));
    const e2 = await thrown(() => read(gz.subarray(0, 12)));
    expect(e2).toBeInstanceOf(NotACaptureError);
    expect(e2.message).toBe('the gzip data is cut short in a compressed block at compressed offset 12, before the capture file header was complete');
  });
});

describe('classic pcap damage', () => {
  it('truncated last record: 4 records, then record 5 cut short', async () => {
    const { info, records } = await readEveryWay(bad('truncated-last-record.pcap'));
    expect(records).toHaveLength(4);
    expect(records[3]).toMatchObject({ frame: 4, offset: 280, capLen: 154, tsSec: 1413054930, tsNsec: 215703000 });
    expect(info.errors).toEqual([err(5, 450, 'record 5 at offset 450 is cut short: header says 60 bytes, 22 present', 'stopped')]);
    expect(info.records).toBe(4);
  });

  it('a record header itself cut short', async () => {
    const bytes = bad('truncated-last-record.pcap').subarray(0, 450 + 7);
    const { info, records } = await readEveryWay(bytes);
    expect(records).toHaveLength(4);
    expect(info.errors).toEqual([err(5, 450, 'record 5 at offset 450 is cut short: 7 of its 16 header bytes present', 'stopped')]);
  });

  it('absurd record length (0xffffffff) in record 3: stop there', async () => {
    const { info, records } = await readEveryWay(bad('absurd-length.pcap'));
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({ frame: 2, offset: 114, capLen: 60, tsNsec: 585435000 });
    expect(info.errors).toEqual([err(3, 190, 'record 3 at offset 190: record length 4294967295 exceeds the maximum 262144', 'stopped')]);
  });

  it('captured length over the snapshot length: a warning, the record delivered', async () => {
    const { info, records } = await readEveryWay(bad('caplen-over-snaplen.pcap'));
    expect(records.map((r) => r.capLen)).toEqual([60, 74, 60]);
    expect(records[2]).toMatchObject({ frame: 3, offset: 190 });
    expect(info.errors).toEqual([err(2, 100, 'record 2 at offset 100: captured length 74 exceeds the snapshot length 64', 'delivered')]);
  });

  it('captured length over the original length: a warning, the record delivered', async () => {
    const { info, records } = await readEveryWay(bad('caplen-over-origlen.pcap'));
    expect(records).toHaveLength(3);
    expect(records[1]).toMatchObject({ frame: 2, capLen: 80, origLen: 60 });
    expect(records[1].data).toHaveLength(80);
    expect(info.errors).toEqual([err(2, 114, 'record 2 at offset 114: captured length 80 exceeds original length 60', 'delivered')]);
  });

  it('zero-length records are delivered, without an error', async () => {
    const { info, records } = await readEveryWay(bad('zero-length.pcap'));
    expect(records.map((r) => [r.capLen, r.origLen])).toEqual([[74, 74], [0, 0], [0, 60], [60, 60]]);
    expect(records[1].data).toHaveLength(0);
    expect(records[3]).toMatchObject({ frame: 4, offset: 146 });
    expect(info.errors).toEqual([]);
  });

  it('snaplen 0 means unlimited: no warning up to the maximum, a stop above it', async () => {
    const big = frame(262144, 1);
    const file = concat(
      pcapHeader({ snaplen: 0 }),
      pcapRecord({ sec: 1, frac: 0, data: frame(1514) }),
      pcapRecord({ sec: 2, frac: 0, data: big }),
      pcapRecord({ sec: 3, frac: 0, data: frame(10), capLen: 262145 }),
    );
    const { info, records } = await readEveryWay(file);
    expect(records.map((r) => r.capLen)).toEqual([1514, 262144]);
    expect(hex(records[1].data)).toBe(hex(big));
    expect(info.errors).toEqual([err(3, 24 + 16 + 1514 + 16 + 262144, `record 3 at offset ${24 + 16 + 1514 + 16 + 262144}: record length 262145 exceeds the maximum 262144`, 'stopped')]);
  });

  it('a header snaplen above 262144 raises the maximum to it', async () => {
    const file = concat(pcapHeader({ snaplen: 524288 }), pcapRecord({ sec: 1, frac: 0, data: frame(300000) }));
    const { info, records } = await read(file);
    expect(records).toHaveLength(1);
    expect(info.errors).toEqual([]);
  });

  it('lists the first 1000 errors and counts the rest', async () => {
    const parts = [pcapHeader()];
    for (let i = 0; i < 1500; i++) parts.push(pcapRecord({ sec: i, frac: 0, data: frame(20, i), origLen: 10 }));
    const { info, records } = await read(concat(...parts));
    expect(records).toHaveLength(1500);
    expect(info.errors).toHaveLength(MAX_LISTED_ERRORS);
    expect(info.errorsNotListed).toBe(500);
  });
});

describe('pcapng damage', () => {
  it('trailing block length differs from the leading one: stop', async () => {
    const { info, records } = await readEveryWay(bad('pcapng-block-length-mismatch.pcapng'));
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({ frame: 2, offset: 200, capLen: 60, tsNsec: 585435000 });
    expect(info.errors).toEqual([err(3, 292, 'record 3 at offset 292: trailing block length 116 does not match the leading block length 108', 'stopped')]);
  });

  it('block length not a multiple of 4: stop', async () => {
    const { info, records } = await readEveryWay(bad('pcapng-block-length-unaligned.pcapng'));
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({ frame: 2, offset: 200 });
    expect(info.errors).toEqual([err(3, 292, 'record 3 at offset 292: block length 109 is not a multiple of 4', 'stopped')]);
  });

  it('block length below 12: stop', async () => {
    const { info, records } = await readEveryWay(bad('pcapng-block-length-too-small.pcapng'));
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({ frame: 2, offset: 200 });
    expect(info.errors).toEqual([err(3, 292, 'record 3 at offset 292: block length 8 is less than the minimum 12', 'stopped')]);
  });

  it('a block length beyond 256 MiB: stop', async () => {
    const b = epb(true, { ts: 0n, data: frame(60) });
    new DataView(b.buffer).setUint32(4, 0x7ffffff0, true);
    const { info, records } = await readEveryWay(concat(shb(), idb(), epb(true, { ts: 1n, data: frame(60) }), b));
    expect(records).toHaveLength(1);
    expect(info.errors).toEqual([err(2, 140, 'record 2 at offset 140: block length 2147483632 exceeds the maximum 268435456', 'stopped')]);
  });

  it('unknown and custom blocks: skipped by length and counted, not errors', async () => {
    const { info, records } = await readEveryWay(bad('pcapng-unknown-blocks.pcapng'));
    expect(records.map((r) => r.capLen)).toEqual([74, 60, 74]);
    expect(records[2]).toMatchObject({ frame: 3, offset: 448 });
    expect(info.skippedBlocks).toBe(4);
    expect(info.errors).toEqual([]);
  });

  it('an EPB naming an interface that does not exist: skipped, reading goes on', async () => {
    const { info, records } = await readEveryWay(bad('pcapng-bad-interface.pcapng'));
    expect(records.map((r) => [r.frame, r.capLen])).toEqual([[1, 74], [2, 74]]);
    expect(records[1]).toMatchObject({ offset: 292, tsSec: 1413054930 });
    expect(info.errors).toEqual([err(2, 200, 'record 2 at offset 200: interface 3 does not exist (section 0 has 1 interface)', 'skipped')]);
  });

  it('a packet before any interface description', async () => {
    const { info, records } = await readEveryWay(concat(shb(), epb(true, { ts: 0n, data: frame(60) }), idb(), epb(true, { ts: 0n, data: frame(60) })));
    expect(records).toHaveLength(1);
    expect(info.errors).toEqual([err(1, 28, 'record 1 at offset 28: interface 0 does not exist (section 0 has 0 interfaces)', 'skipped')]);
  });

  it('an EPB whose captured length overruns its block: skipped', async () => {
    const b = epb(true, { ts: 0n, data: frame(60) });
    new DataView(b.buffer).setUint32(20, 61, true);
    const { info, records } = await readEveryWay(concat(shb(), idb(), b, epb(true, { ts: 5n, data: frame(60) })));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ frame: 1, offset: 48 + 92, tsNsec: 5000 });
    expect(info.errors).toEqual([err(1, 48, 'record 1 at offset 48: captured length 61 exceeds the 60 bytes of room in the block', 'skipped')]);
  });

  it('last block cut short', async () => {
    const { info, records } = await readEveryWay(bad('pcapng-cut-short.pcapng'));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ frame: 1, offset: 92, capLen: 74, tsSec: SYN_TS });
    expect(info.errors).toEqual([err(2, 200, 'record 2 at offset 200 is cut short: block length says 92 bytes, 40 present', 'stopped')]);
  });

  it('a block header cut short, and a non-packet block cut short', async () => {
    const file = bad('pcapng-cut-short.pcapng');
    const r1 = await readEveryWay(file.subarray(0, 200 + 6));
    expect(r1.info.errors).toEqual([err(2, 200, 'record 2 at offset 200 is cut short: 6 of the 12 block header bytes present', 'stopped')]);
    const r2 = await readEveryWay(concat(shb(), idb().subarray(0, 16)));
    expect(r2.info.errors).toEqual([err(1, 28, 'interface description block at offset 28 (before record 1) is cut short: block length says 20 bytes, 16 present', 'stopped')]);
  });

  it('a later section with a bad byte-order magic: stop', async () => {
    const second = shb(false);
    second.set([9, 9, 9, 9], 8);
    const { info, records } = await readEveryWay(concat(shb(), idb(), epb(true, { ts: 0n, data: frame(60) }), second, idb(false)));
    expect(records).toHaveLength(1);
    expect(info.sections).toBe(1);
    expect(info.errors).toEqual([err(2, 140, 'section header block at offset 140 (before record 2): byte-order magic 0x09090909 is neither 1a2b3c4d nor 4d3c2b1a', 'stopped')]);
  });

  it('block too short for its type: skipped', async () => {
    const shortEpb = block(6, (b: Bytes) => b.u32(0).u32(0).u32(0).u32(0));
    const { info, records } = await readEveryWay(concat(shb(), idb(), shortEpb, epb(true, { ts: 0n, data: frame(8) })));
    expect(records).toHaveLength(1);
    expect(info.errors).toEqual([err(1, 48, 'record 1 at offset 48: block length 28 is too short for an enhanced packet block (minimum 32)', 'skipped')]);
  });
});

describe('gzip damage', () => {
  it('gzip cut short after the header: the records before it, then errors', async () => {
    const raw = bad('big-endian.pcap');
    const gz = gzipSync(raw, { level: 0 }); // stored: the cut lands at a known uncompressed place
    const cut = gz.subarray(0, gz.length - 8 - 100); // drop the trailer and 100 bytes of data
    const { info, records } = await read(cut);
    expect(info.compressed).toBe(true);
    expect(records.length).toBeGreaterThanOrEqual(2);
    expect(records.length).toBeLessThan(4);
    const last = info.errors[info.errors.length - 1];
    expect(last.effect).toBe('stopped');
    expect(last.message).toMatch(new RegExp(`^the gzip data is cut short in a stored block at compressed offset ${cut.length} \\(uncompressed offset \\d+\\)$`));
    expect(last.frame).toBe(records.length + 1);
    // The record the cut landed in is reported too, before the gzip error.
    expect(info.errors[0].message).toMatch(new RegExp(`^record ${records.length + 1} at offset \\d+ is cut short`));
  });

  it('a flipped CRC byte keeps every packet (22 of 22) and names the check that failed', async () => {
    const gz = Uint8Array.from(gzipSync(plain));
    gz[gz.length - 7] ^= 0x01;
    const { info, records } = await read(gz);
    expect(records).toHaveLength(22);
    expect(info.errors).toEqual([err(23, plain.length, `the gzip member fails its CRC-32 check: its data is damaged somewhere at compressed offset ${gz.length - 8} (uncompressed offset ${plain.length})`, 'stopped')]);
  });

  it('garbage after a complete member is reported, not fatal; members and zero padding are read', async () => {
    const gz = gzipSync(plain);
    const { info, records } = await read(concat(gz, text('<html>trailing</html>')));
    expect(records).toHaveLength(22);
    expect(info.errors).toEqual([err(23, plain.length, `data that is not gzip follows the gzip data: ignored at compressed offset ${gz.length} (uncompressed offset ${plain.length})`, 'stopped')]);
    // A capture cut in two gzip members (as `cat a.gz b.gz` makes), padded with zeros.
    const two = concat(gzipSync(plain.subarray(0, 1000)), gzipSync(plain.subarray(1000)), new Uint8Array(512));
    const r2 = await read(asIterable(split(two, { seed: 3, max: 300 })));
    expect(r2.records).toHaveLength(22);
    expect(r2.info.errors).toEqual([]);
  });

  it('damage at the end of a 20 MiB capture: every record kept, no spurious "cut short"', async () => {
    const recs = Array.from({ length: 20_000 }, (_, i) => pcapRecord({ sec: i, frac: 0, data: frame(1000 + (i % 200), i) }));
    const raw = concat(pcapHeader(), ...recs);
    expect(raw.length).toBeGreaterThan(20 << 20);
    const gz = Uint8Array.from(gzipSync(raw, { level: 1 }));
    gz[gz.length - 1] ^= 0x80; // the top byte of ISIZE
    const { info, records } = await read(asIterable(split(gz, 1 << 20)));
    expect(records).toHaveLength(20_000);
    expect(info.errors).toHaveLength(1);
    expect(info.errors[0].message).toMatch(/^the gzip member fails its length check/);
  });

  it('a source that overwrites its buffer once the next chunk is asked for', async () => {
    // As host/file-source.ts does: the gzip path must copy what it keeps.
    const gz = gzipSync(plain);
    async function* reusing(): AsyncGenerator<Uint8Array> {
      const buf = new Uint8Array(97);
      for (let i = 0; i < gz.length; i += buf.length) {
        const n = Math.min(buf.length, gz.length - i);
        buf.set(gz.subarray(i, i + n));
        yield buf.subarray(0, n);
        buf.fill(0);
      }
    }
    const { info, records } = await read(reusing());
    expect(info.errors).toEqual([]);
    expect(lines(records)).toEqual(lines((await read(plain)).records));
  });
});

describe('cancel and source errors', () => {
  it('cancel aborts a source that stalls, plain or gzip, and releases it', async () => {
    for (const bytes of [plain, gzipSync(plain)]) {
      const ac = new AbortController();
      let released = false;
      let sent = false;
      const stalled: AsyncIterable<Uint8Array> = {
        [Symbol.asyncIterator]: () => ({
          // The first 100 bytes, then a chunk that never comes (an upload that stopped).
          next: () => (sent ? new Promise<IteratorResult<Uint8Array>>(() => {}) : ((sent = true), Promise.resolve({ done: false, value: bytes.subarray(0, 100) }))),
          return: async () => {
            released = true;
            return { done: true, value: undefined };
          },
        }),
      };
      const reading = readCapture(stalled, { onRecord: () => {}, signal: ac.signal });
      setTimeout(() => ac.abort(), 20);
      await expect(reading).rejects.toBeInstanceOf(CaptureCancelledError);
      expect(released).toBe(true);
    }
  });

  it('an aborted signal rejects with CaptureCancelledError, before or while reading', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(read(bad('big-endian.pcap'), { signal: ac.signal })).rejects.toBeInstanceOf(CaptureCancelledError);
    const ac2 = new AbortController();
    let n = 0;
    const chunks = split(bad('big-endian.pcap'), 50);
    const e = await thrown(() =>
      read(asIterable(chunks), {
        signal: ac2.signal,
        onProgress: () => {
          if (++n === 3) ac2.abort();
        },
      }),
    );
    expect(e).toBeInstanceOf(CaptureCancelledError);
    expect(n).toBe(3);
  });

  it('cancel works inside gzip too', async () => {
    const ac = new AbortController();
    const gz = gzipSync(concat(pcapHeader(), ...Array.from({ length: 2000 }, (_, i) => pcapRecord({ sec: i, frac: 0, data: frame(200, i) }))));
    let n = 0;
    const e = await thrown(() => read(asIterable(split(gz, 1000)), { signal: ac.signal, onProgress: () => (++n === 2 ? ac.abort() : undefined) }));
    expect(e).toBeInstanceOf(CaptureCancelledError);
  });

  it('an error of the source itself is passed on as is', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield bad('big-endian.pcap').subarray(0, 100);
      throw new Error('disk on fire');
    }
    await expect(read(failing())).rejects.toThrow('disk on fire');
    async function* failingGz(): AsyncGenerator<Uint8Array> {
      yield gzipSync(bad('big-endian.pcap')).subarray(0, 100);
      throw new Error('disk on fire');
    }
    await expect(read(failingGz())).rejects.toThrow('disk on fire');
  });

  it("the sink's own exception is passed on as is, not taken for damage", async () => {
    const boom = (): void => {
      throw new Error('sink failed');
    };
    await expect(readCapture(bad('big-endian.pcap'), { onRecord: boom })).rejects.toThrow('sink failed');
    await expect(readCapture(bad('gzip-of-pcap.pcap.gz'), { onRecord: boom })).rejects.toThrow('sink failed');
  });

  it('a sink that throws CaptureStop stops reading at that record and keeps the ones before', async () => {
    const stopAt = (frame: number, into: number[]) => (r: { frame: number }): void => {
      if (r.frame === frame) throw new CaptureStop('enough');
      into.push(r.frame);
    };
    const pcapng = bad('pcapng-two-sections-mixed-endian.pcapng');
    for (const [name, file, bytes] of [['pcap', plain, plain], ['gzip', plain, gzipSync(plain)], ['pcapng', pcapng, pcapng]] as const) {
      const whole: number[] = [];
      const third = (await read(file)).records[2];
      const info = await readCapture(bytes, { onRecord: stopAt(3, whole) });
      expect(whole, name).toEqual([1, 2]);
      expect(info.records).toBe(2);
      expect(info.errors.at(-1)).toEqual(err(3, third.offset, 'enough', 'stopped'));
      // The same at any chunking (the stop may fall in a carried record).
      for (const size of [1, 7]) {
        const seen: number[] = [];
        const cr = new CaptureReader(stopAt(3, seen));
        for (const c of split(file, size)) cr.push(c);
        expect(seen).toEqual([1, 2]);
        expect(cr.end().errors.at(-1)).toEqual(err(3, third.offset, 'enough', 'stopped'));
      }
    }
  });

  it('stops pulling from the source once reading has stopped', async () => {
    let pulled = 0;
    let returned = false;
    const file = bad('absurd-length.pcap');
    const source: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]() {
        return {
          next: async () => {
            pulled++;
            if (pulled === 1) return { done: false, value: file };
            return { done: false, value: new Uint8Array(1 << 20) };
          },
          return: async () => {
            returned = true;
            return { done: true, value: undefined };
          },
        };
      },
    };
    const { info } = await read(source);
    expect(info.errors[0].effect).toBe('stopped');
    expect(pulled).toBe(1);
    expect(returned).toBe(true);
  });

  it('… and inside gzip too, without hanging', async () => {
    const gz = gzipSync(concat(bad('absurd-length.pcap'), frame(4 << 20)), { level: 0 });
    const chunks = split(gz, 64 << 10);
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      for (const c of chunks) {
        pulled++;
        yield c;
      }
    }
    const { info, records } = await read(source());
    expect(records).toHaveLength(2);
    expect(info.errors).toEqual([err(3, 190, 'record 3 at offset 190: record length 4294967295 exceeds the maximum 262144', 'stopped')]);
    expect(pulled).toBeLessThan(chunks.length / 2);
  });
});

describe('big-endian damage reads the same', () => {
  it('truncated big-endian record', async () => {
    const file = bad('big-endian.pcap').subarray(0, 300);
    const { info, records } = await readEveryWay(file);
    expect(records).toHaveLength(3);
    expect(info.errors).toEqual([err(4, 280, 'record 4 at offset 280 is cut short: header says 154 bytes, 4 present', 'stopped')]);
  });

  it('Bytes builder sanity (big-endian u32)', () => {
    expect(Array.from(new Bytes(false).u32(0x01020304).build())).toEqual([1, 2, 3, 4]);
  });
});
