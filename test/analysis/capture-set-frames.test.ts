// A capture set's frames read back (analysis/frame-bytes setFrameSource, the session's
// frameSource() for a set): captures split with editcap (-c, -i; some files gzip'd)
// and opened as a set, as a directory or as files in another order, give every frame
// the bytes, packet detail and packet-list columns (Info) of the single file; files
// that overlap in time (interleaved frames) too; a set keeps 1 byte per packet for its
// frames' files and a single file none; a file changed or gone since names itself and
// its frame.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { PacketDetail, PacketRow } from '../../analysis/api';
import { FrameFileColumn } from '../../analysis/columns';
import { readFrames } from '../../analysis/frame-bytes';
import { StatelineSession } from '../../analysis/session';
import { nodeFileHost } from '../../host/file-source';
import { sharedCaptures } from '../parsers/capture/helpers';

const ROOT = join(__dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'stateline-setframes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hasEditcap = spawnSync('editcap', ['-h']).status === 0;
if (!hasEditcap) console.warn('skipping the editcap splits: editcap is not installed');
const BENCH = join(ROOT, 'bench-data/bench-20000-seed1.pcap');
if (!existsSync(BENCH)) console.warn(`skipping the bench capture's set: ${BENCH} is absent`);
const GZ = join(sharedCaptures, 'tcp/zeek-1000-requests-one-dropped-response.pcap.gz');
if (!existsSync(GZ)) console.warn(`skipping the gzip capture's set: ${GZ} is absent`);

// TCP with an incident, DNS refused by ICMP, QUIC (with its key log: decrypted in the
// detail), VLAN tags, Linux SLL2, pcapng; a shared gzip capture and the 20,000-packet
// bench capture when present.
const CAPTURES: { file: string; keylog?: string }[] = [
  { file: 'fixtures/incidents/server-restart.pcap' },
  { file: 'fixtures/incidents/resolver-down-icmp.pcap' },
  { file: 'fixtures/quic/ngtcp2-h3.pcap', keylog: 'fixtures/quic/ngtcp2-h3.keylog.txt' },
  { file: 'fixtures/vlan-8021q.pcap' },
  { file: 'fixtures/any-sll2.pcap' },
  { file: 'fixtures/sample.pcapng' },
  ...(existsSync(GZ) ? [{ file: GZ }] : []),
  ...(existsSync(BENCH) ? [{ file: BENCH }] : []),
];

let dirs = 0;
/** editcap's split of `file` by `args` in a fresh directory, every other file gzip'd. */
function split(file: string, args: string[]): string[] {
  const dir = join(tmp, `split-${++dirs}`);
  mkdirSync(dir);
  const format = file.includes('.pcapng') ? 'pcapng' : 'pcap';
  // (editcap reads a gzip capture, and writes its parts uncompressed)
  execFileSync('editcap', ['-F', format, ...args, file, join(dir, `part.${format}`)]);
  const names = readdirSync(dir).sort();
  return names.map((n, i) => {
    if (i % 2 === 0) return join(dir, n);
    writeFileSync(join(dir, `${n}.gz`), gzipSync(readFileSync(join(dir, n))));
    rmSync(join(dir, n));
    return join(dir, `${n}.gz`);
  });
}

async function opened(path: string, more: string[] = [], keylog?: string): Promise<StatelineSession> {
  const s = new StatelineSession(nodeFileHost(null));
  await s.openPath({ path, ...(more.length ? { paths: more } : {}), keylogPath: keylog ? join(ROOT, keylog) : null });
  await s.whenSettled();
  expect((await s.status()).state).toBe('ready');
  return s;
}

/** What the app shows of every frame: its bytes, its detail (layer tree, hex, columns) and its packet-list row (Info). */
async function everyFrame(s: StatelineSession, detailEvery = 1): Promise<{ bytes: string[]; details: PacketDetail[]; rows: PacketRow[] }> {
  const a = s.query!.analysis;
  const src = (await s.frameSource())!;
  expect(src).not.toBeNull();
  const all = Array.from({ length: a.packets }, (_, i) => i + 1);
  const bytes = (await readFrames(a, src, all)).map((f) => Buffer.from(f.bytes).toString('hex'));
  const details: PacketDetail[] = [];
  for (let f = 1; f <= a.packets; f += detailEvery) details.push((await s.packetDetail({ frame: f }))!);
  const rows: PacketRow[] = [];
  for (let offset = 0; offset < a.packets; offset += 2000) rows.push(...(await s.packets({ offset, limit: 2000 })).rows);
  return { bytes, details, rows };
}

function shuffled<T>(xs: T[]): T[] {
  const r = [...xs].reverse();
  return [...r.slice(1), r[0]];
}

describe('a capture set\'s frames read back equal the single file\'s', () => {
  for (const { file, keylog } of CAPTURES) {
    it.skipIf(!hasEditcap)(`${file.slice(file.lastIndexOf('/') + 1)}: editcap -c and -i, some files gzip'd, in any order`, async () => {
      const path = file.startsWith('/') ? file : join(ROOT, file);
      const one = await opened(path, [], keylog);
      const a1 = one.query!.analysis;
      expect(a1.frameFiles).toBeNull(); // a single file keeps no file per packet
      const big = a1.packets > 5000;
      const want = await everyFrame(one, big ? 7 : 1);
      await one.dispose();
      expect(want.rows.every((r) => r.info !== undefined && r.info !== '')).toBe(true);
      const span = (a1.end! - a1.start!) / 4;
      const splits = [split(path, ['-c', String(Math.max(3, Math.ceil(a1.packets / 5)))]), split(path, ['-i', String(Math.max(span, 0.001))])];
      for (const [n, parts] of splits.entries()) {
        expect(parts.length).toBeGreaterThan(1);
        // the first split as its directory, the second as files named in another order
        const s = n === 0 ? await opened(join(parts[0], '..'), [], keylog) : await opened(shuffled(parts)[0], shuffled(parts).slice(1), keylog);
        const a = s.query!.analysis;
        expect(a.files!.length).toBe(parts.length);
        expect(a.files!.some((f) => f.compressed)).toBe(true);
        expect(a.frameFiles!.length).toBe(a.packets);
        // the frames of the second file onwards read from their own files
        const second = a.files![1];
        expect(a.frameFiles!.get(second.firstFrame! - 1)).toBe(1);
        const got = await everyFrame(s, big ? 7 : 1);
        expect(got.bytes).toEqual(want.bytes);
        expect(got.details).toEqual(want.details);
        expect(got.rows).toEqual(want.rows);
        await s.dispose();
      }
    }, 240_000);
  }
});

/** Classic pcap as its 24-byte header and its records. */
function pcapRecords(bytes: Uint8Array): { header: Uint8Array; records: Uint8Array[] } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const records: Uint8Array[] = [];
  for (let p = 24; p + 16 <= bytes.length; ) {
    const n = 16 + dv.getUint32(p + 8, true);
    records.push(bytes.subarray(p, p + n));
    p += n;
  }
  return { header: bytes.subarray(0, 24), records };
}

describe('files that overlap in time', () => {
  it('every other record in another file: each frame read from its own file, as the single file\'s', async () => {
    const file = join(ROOT, 'fixtures/incidents/server-restart.pcap');
    const one = await opened(file);
    const want = await everyFrame(one);
    const FILTER = 'tcp.flags.reset == 1 || tcp.len > 0';
    const filtered = await one.packets({ filter: FILTER });
    const followed = await one.followStream({ flow: 1 });
    await one.dispose();
    const { header, records } = pcapRecords(new Uint8Array(readFileSync(file)));
    const dir = join(tmp, 'interleaved');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.pcap'), Buffer.concat([header, ...records.filter((_, i) => i % 2 === 0)]));
    writeFileSync(join(dir, 'b.pcap.gz'), gzipSync(Buffer.concat([header, ...records.filter((_, i) => i % 2 === 1)])));
    const s = await opened(join(dir, 'b.pcap.gz'), [join(dir, 'a.pcap')]);
    const a = s.query!.analysis;
    expect(Array.from({ length: 6 }, (_, i) => a.frameFiles!.get(i))).toEqual([0, 1, 0, 1, 0, 1]);
    const got = await everyFrame(s);
    expect(got.bytes).toEqual(want.bytes);
    expect(got.details).toEqual(want.details);
    expect(got.rows).toEqual(want.rows);
    // the set opened as files is read again as those files (display filters, follow stream)
    expect(filtered.rows.length).toBeGreaterThan(2);
    expect(await s.packets({ filter: FILTER })).toEqual(filtered);
    expect(await s.followStream({ flow: 1 })).toEqual(followed);
    await s.dispose();
  });
});

describe('memory', () => {
  it.skipIf(!hasEditcap || !existsSync(BENCH))('a set keeps one byte per packet for its frames\' files (the bench capture in 10 files)', async () => {
    const parts = split(BENCH, ['-c', '2000']);
    const s = await opened(join(parts[0], '..'));
    const a = s.query!.analysis;
    expect(a.files!.length).toBe(10);
    const ff = a.frameFiles!;
    expect(ff.length).toBe(a.packets);
    // one byte a packet, in a capacity grown by doubling
    expect(ff.byteLength).toBeGreaterThanOrEqual(a.packets);
    expect(ff.byteLength).toBeLessThan(2 * a.packets);
    console.log(`bench-20000 as 10 files: the per-packet file column holds ${ff.byteLength} bytes for ${a.packets} packets`);
    await s.dispose();
  }, 120_000);
});

describe('the per-packet file column', () => {
  it('widens past 256 and 65,536 files, keeping what it held; a packet\'s frame in its file', () => {
    const c = new FrameFileColumn();
    const files = [0, 1, 0, 2, 1, 300, 0, 70_000, 300, 1];
    for (let n = 0; n < 500; n++) for (const f of files) c.push(f);
    expect(c.length).toBe(5000);
    expect(Array.from({ length: 5000 }, (_, i) => c.get(i))).toEqual(Array.from({ length: 5000 }, (_, i) => files[i % files.length]));
    // packet 4999 (file 1): the 3rd of its round, after 499 rounds of 3
    expect(c.frameInFile(4999)).toBe(1500);
    expect(c.frameInFile(7)).toBe(1);
  });
});

describe('a file of the set changed or gone since it was read', () => {
  it.skipIf(!hasEditcap)('names the file and the frame in it', async () => {
    const parts = split(join(ROOT, 'fixtures/incidents/server-restart.pcap'), ['-c', '10']);
    const s = await opened(join(parts[0], '..'));
    const a = s.query!.analysis;
    const [first, second, third] = a.files!;
    // the second file (gzip'd) went away; the third (plain) was cut short
    rmSync(parts[1]);
    truncateSync(parts[2], 24);
    await expect(s.packetDetail({ frame: second.firstFrame! + 2 })).rejects.toThrow(new RegExp(`^frame ${second.firstFrame! + 2} \\(${second.name.replace(/\./g, '\\.')}:3\\): .*ENOENT`));
    await expect(s.packetDetail({ frame: third.firstFrame! + 1 })).rejects.toThrow(new RegExp(`^frame ${third.firstFrame! + 1} \\(${third.name.replace(/\./g, '\\.')}:2\\): the capture file holds 0 of its`));
    // the first file still reads, and the packet list keeps its rows (without Info) where frames cannot be read
    expect((await s.packetDetail({ frame: first.lastFrame! }))!.frame).toBe(first.lastFrame);
    const page = await s.packets({ offset: second.firstFrame! - 1, limit: 5 });
    expect(page.rows.map((r) => r.frame)).toEqual([0, 1, 2, 3, 4].map((i) => second.firstFrame! + i));
    await s.dispose();
  });
});
