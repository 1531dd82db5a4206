// Frames read back after the analysis (analysis/frame-bytes.ts, host/frame-source.ts):
// every frame's bytes, read by offset from the capture file, equal what tshark shows for
// that frame — for classic pcap, pcapng (enhanced and simple packet blocks, two
// sections), gzip (decompressed once to a temporary file, removed on close), and a
// stream spooled to a temporary file (stateline serve's uploads; removed with it).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFrame, readFrames } from '../../analysis/frame-bytes';
import { StatelineSession } from '../../analysis/session';
import { nodeFileHost } from '../../host/file-source';
import { spoolSource } from '../../host/frame-source';
import { HAVE_TSHARK, tsharkFrameBytes, tsharkFrames, warnIfNoTshark } from '../parsers/dissect/tshark';

const ROOT = join(__dirname, '../..');
const FIXTURES = [
  'fixtures/tcp-clean-close.pcap',
  'fixtures/tcp-clean-close.pcapng',
  'fixtures/any-sll2.pcap',
  'fixtures/vlan-8021q.pcap',
  'fixtures/bad/pcapng-spb-pb.pcapng',
  'fixtures/bad/pcapng-two-sections-mixed-endian.pcapng',
  'fixtures/bad/big-endian-nanosecond.pcap',
  'fixtures/bad/gzip-of-pcap.pcap.gz',
  'fixtures/quic/ngtcp2-h3-dsb.pcapng',
];

async function opened(path: string): Promise<StatelineSession> {
  const s = new StatelineSession(nodeFileHost(null));
  await s.openPath({ path });
  await s.whenSettled();
  expect((await s.status()).state).toBe('ready');
  return s;
}

warnIfNoTshark();

describe.skipIf(!HAVE_TSHARK)('frame bytes read back by offset equal tshark -x', () => {
  for (const rel of FIXTURES) {
    it(rel, async () => {
      const file = join(ROOT, rel);
      const want = tsharkFrames(file).map(tsharkFrameBytes);
      const s = await opened(file);
      const a = s.query!.analysis;
      expect(a.packets).toBe(want.length);
      const src = (await s.frameSource())!;
      for (let f = 1; f <= want.length; f++) expect((await readFrame(a, src, f))!.bytes).toEqual(want[f - 1]);
      // …and in one batch (adjacent frames in one read)
      const all = await readFrames(a, src, want.map((_, i) => i + 1));
      expect(all.map((x) => x.bytes)).toEqual(want);
      expect(await readFrame(a, src, want.length + 1)).toBeNull();
      await s.dispose();
      await expect(readFrame(a, src, 1)).rejects.toThrow(/closed/);
    });
  }
});

describe('re-readable sources', () => {
  it('a gzip capture is decompressed once to a temporary file, removed on close', async () => {
    const file = join(ROOT, 'fixtures/bad/gzip-of-pcap.pcap.gz');
    const s = await opened(file);
    const a = s.query!.analysis;
    expect(a.info.compressed).toBe(true);
    const src = (await s.frameSource())!;
    const f1 = (await readFrame(a, src, 1))!;
    // the uncompressed file's bytes at the column's offset
    const plain = new Uint8Array(await new Response(new Blob([readFileSync(file)]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
    const off = a.columns.dataOffset[0];
    expect(f1.bytes).toEqual(plain.subarray(off, off + a.columns.capLen(0)));
    await s.dispose();
  });

  it('a streamed capture spooled to a temporary file reads back, streams again, and is removed when replaced', async () => {
    const file = join(ROOT, 'fixtures/dns-udp-tcp.pcap');
    const bytes = readFileSync(file);
    const s = new StatelineSession(nodeFileHost(null));
    async function* body(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 100) yield new Uint8Array(bytes.subarray(i, i + 100));
    }
    const spool = spoolSource(body());
    s.openSource({ source: spool.source, size: bytes.length }, { name: 'up.pcap', size: bytes.length, spool });
    await s.whenSettled();
    const a = s.query!.analysis;
    const src = (await s.frameSource())!;
    expect(existsSync(spool.path)).toBe(true);
    expect(new Uint8Array(readFileSync(spool.path))).toEqual(new Uint8Array(bytes));
    const last = (await readFrame(a, src, a.packets))!;
    const off = a.columns.dataOffset[a.packets - 1];
    expect(last.bytes).toEqual(new Uint8Array(bytes.subarray(off, off + last.bytes.length)));
    // a second pass streams the same bytes again
    const again = await s.reopen();
    const parts: Uint8Array[] = [];
    for await (const c of again.source) parts.push(c.slice());
    expect(new Uint8Array(Buffer.concat(parts))).toEqual(new Uint8Array(bytes));
    // replacing the capture removes the spool
    await s.openPath({ path: join(ROOT, 'fixtures/tcp-clean-close.pcap') });
    await s.whenSettled();
    await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(spool.path)).toBe(false);
    await expect(readFrame(a, src, 1)).rejects.toThrow(/closed/);
    await s.dispose();
  });

  it('a capture from a stream without a spool cannot be read again', async () => {
    const bytes = readFileSync(join(ROOT, 'fixtures/dns-udp-tcp.pcap'));
    const s = new StatelineSession(nodeFileHost(null));
    s.openSource({ source: (async function* () { yield new Uint8Array(bytes); })(), size: bytes.length }, { name: 'x', size: bytes.length });
    await s.whenSettled();
    expect(await s.frameSource()).toBeNull();
    await expect(s.reopen()).rejects.toThrow(/cannot be read again/);
  });
});
