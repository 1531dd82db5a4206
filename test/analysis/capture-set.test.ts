// Capture sets (parsers/capture/set, host/file-source, `stateline analyze DIR|FILE…`): a
// capture split with editcap (by count, by time) reads as the single file did — the
// same flows, events, incidents, dns and quic, frames numbered across the set — in
// whatever order the files are given; files that overlap in time are merged by
// timestamp; each record keeps its link type; a damaged file names itself.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../analysis/analyze';
import { toJson } from '../../analysis/output';
import type { AnalysisJson } from '../../analysis/model';
import { captureSetMembers, listCaptureSet } from '../../host/file-source';
import { sharedCaptures } from '../parsers/capture/helpers';

const ROOT = join(__dirname, '../..');
const FIXTURES = join(ROOT, 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'stateline-set-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hasEditcap = spawnSync('editcap', ['-h']).status === 0;
if (!hasEditcap) console.warn('skipping the editcap splits: editcap is not installed');

// TCP with an incident, DNS refused by ICMP, QUIC, VLAN tags, a pcapng; and shared
// captures (gzip-compressed IPv6 TCP, DNS over IPv6, HTTP) when present.
const CAPTURES = [
  join(FIXTURES, 'incidents/server-restart.pcap'),
  join(FIXTURES, 'incidents/resolver-down-icmp.pcap'),
  join(FIXTURES, 'quic/ngtcp2-h3.pcap'),
  join(FIXTURES, 'vlan-8021q.pcap'),
  join(FIXTURES, 'sample.pcapng'),
];
const SHARED = ['tcp/zeek-1000-requests-one-dropped-response.pcap.gz', 'dns/arkime-v6.pcap', 'misc/zeek-wikipedia.pcap'].map((p) => join(sharedCaptures, p));
const present = SHARED.filter((p) => existsSync(p));
if (present.length < SHARED.length) console.warn(`skipping shared captures that are absent: ${SHARED.filter((p) => !present.includes(p)).join(', ')}`);

let dirs = 0;
/** A fresh directory holding the files editcap writes for `args`. */
function split(file: string, args: string[]): string {
  const dir = join(tmp, `split-${++dirs}`);
  execFileSync('mkdir', ['-p', dir]);
  // -F keeps the original's format, so the set's capture.format is the file's.
  const format = file.includes('.pcapng') ? 'pcapng' : 'pcap';
  execFileSync('editcap', ['-F', format, ...args, file, join(dir, `part.${format}`)]);
  // A compressed capture's set is compressed too: each part gzipped.
  if (file.endsWith('.gz'))
    for (const n of readdirSync(dir)) {
      writeFileSync(join(dir, `${n}.gz`), gzipSync(readFileSync(join(dir, n))));
      rmSync(join(dir, n));
    }
  return dir;
}

async function single(file: string): Promise<AnalysisJson> {
  return toJson(await analyzeCapture(new Uint8Array(readFileSync(file))));
}

async function ofSet(paths: string[]): Promise<AnalysisJson> {
  const listed = await listCaptureSet(paths);
  return toJson(await analyzeCapture(captureSetMembers(listed), { totalBytes: listed.reduce((n, f) => n + f.size, 0) }));
}

/** The JSON without the set's file list (the only field a set adds). */
function withoutFiles(j: AnalysisJson): AnalysisJson {
  const { files, ...capture } = j.capture;
  void files;
  return { ...j, capture };
}

function shuffled<T>(xs: T[]): T[] {
  // A fixed permutation that moves every element (reversed, then rotated by one).
  const r = [...xs].reverse();
  return [...r.slice(1), r[0]];
}

/** Classic pcap (either byte order) as its 24-byte header and its records' bytes. */
function pcapRecords(bytes: Uint8Array): { header: Uint8Array; records: Uint8Array[] } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const le = dv.getUint32(0, true) === 0xa1b2c3d4 || dv.getUint32(0, true) === 0xa1b23c4d;
  const records: Uint8Array[] = [];
  for (let p = 24; p + 16 <= bytes.length; ) {
    const n = 16 + dv.getUint32(p + 8, le);
    records.push(bytes.subarray(p, p + n));
    p += n;
  }
  return { header: bytes.subarray(0, 24), records };
}

function writePcap(path: string, header: Uint8Array, records: Uint8Array[]): void {
  writeFileSync(path, Buffer.concat([header, ...records]));
}

describe('a capture split with editcap reads as the single file', () => {
  for (const file of [...CAPTURES, ...present]) {
    it.skipIf(!hasEditcap)(`${file.slice(file.lastIndexOf('/') + 1)}: editcap -c, editcap -i, files in any order`, async () => {
      const one = await single(file);
      expect(one.capture.packets).toBeGreaterThan(10);
      const byCount = split(file, ['-c', String(Math.max(3, Math.ceil(one.capture.packets / 5)))]);
      const parts = readdirSync(byCount).map((n) => join(byCount, n));
      expect(parts.length).toBeGreaterThan(2);
      const set = await ofSet([byCount]);
      expect(withoutFiles(set)).toEqual(one);
      // The files list: every file once, frames numbered across the set in file order.
      const files = set.capture.files!;
      expect(files.map((f) => f.packets).reduce((a, b) => a + b, 0)).toBe(one.capture.packets);
      expect(files[0].firstFrame).toBe(1);
      for (let i = 1; i < files.length; i++) expect(files[i].firstFrame).toBe(files[i - 1].lastFrame! + 1);
      // The same files named one by one, out of order.
      expect(withoutFiles(await ofSet(shuffled(parts)))).toEqual(one);
      // Split by time: a file per stretch of the capture's duration.
      const span = (one.capture.end! - one.capture.start!) / 4;
      const byTime = split(file, ['-i', String(Math.max(span, 0.001))]);
      expect(withoutFiles(await ofSet([byTime]))).toEqual(one);
    }, 60_000);
  }
});

describe('files that overlap in time', () => {
  it('are merged by timestamp, not appended: every other record of a capture in two files reads as the capture', async () => {
    const file = join(FIXTURES, 'incidents/server-restart.pcap');
    const one = await single(file);
    const { header, records } = pcapRecords(new Uint8Array(readFileSync(file)));
    expect(records.length).toBe(one.capture.packets);
    const dir = join(tmp, 'interleaved');
    execFileSync('mkdir', ['-p', dir]);
    writePcap(join(dir, 'a.pcap'), header, records.filter((_, i) => i % 2 === 0));
    writePcap(join(dir, 'b.pcap'), header, records.filter((_, i) => i % 2 === 1));
    const set = await ofSet([join(dir, 'b.pcap'), join(dir, 'a.pcap')]);
    expect(withoutFiles(set)).toEqual(one);
    // Each file's records spread over the whole set.
    expect(set.capture.files!.map((f) => [f.name, f.firstFrame, f.lastFrame])).toEqual([['a.pcap', 1, records.length - (records.length % 2 === 0 ? 1 : 0)], ['b.pcap', 2, records.length - (records.length % 2 === 0 ? 0 : 1)]]);
  });

  it('of different link types keep each record its own (Linux SLL beside Ethernet)', async () => {
    const sll = join(FIXTURES, 'any-sll.pcap'), eth = join(FIXTURES, 'vlan-8021q.pcap');
    const a = await single(sll), b = await single(eth);
    expect(a.capture.linkTypes).not.toEqual(b.capture.linkTypes);
    const set = await ofSet([sll, eth]);
    expect(set.capture.linkTypes).toEqual([...new Set([...a.capture.linkTypes, ...b.capture.linkTypes])].sort((x, y) => x - y));
    expect(set.capture.packets).toBe(a.capture.packets + b.capture.packets);
    expect(set.capture.decodeProblems).toBe(a.capture.decodeProblems + b.capture.decodeProblems);
    // What neither decodes (ARP in both) is counted over the set.
    const unsupported = new Map<string, number>();
    for (const u of [...a.capture.unsupported, ...b.capture.unsupported]) unsupported.set(u.what, (unsupported.get(u.what) ?? 0) + u.packets);
    expect(set.capture.unsupported).toEqual([...unsupported].map(([what, packets]) => ({ what, packets })));
    // Every flow of either file, with its packets (the two captures share no 5-tuple).
    const key = (f: AnalysisJson['flows'][number]): string => `${f.transport} ${f.client} ${f.server} ${f.packets} ${f.bytes}`;
    expect(set.flows.map(key).sort()).toEqual([...a.flows, ...b.flows].map(key).sort());
    // Frames in timestamp order across the set.
    expect(set.capture.start).toBe(Math.min(a.capture.start!, b.capture.start!));
    expect(set.capture.end).toBe(Math.max(a.capture.end!, b.capture.end!));
  });
});

describe('damage in a set', () => {
  it('a file cut short names itself, its frame and the offset; the rest of the set is kept', async () => {
    const file = join(FIXTURES, 'incidents/server-restart.pcap');
    const { header, records } = pcapRecords(new Uint8Array(readFileSync(file)));
    const dir = join(tmp, 'damaged');
    execFileSync('mkdir', ['-p', dir]);
    const half = Math.floor(records.length / 2);
    // first.pcap: the first half, its last record cut short by 5 bytes; second.pcap: the rest.
    const cut = Buffer.concat([header, ...records.slice(0, half)]);
    writeFileSync(join(dir, 'first.pcap'), cut.subarray(0, cut.length - 5));
    writePcap(join(dir, 'second.pcap'), header, records.slice(half));
    writeFileSync(join(dir, 'notes.txt'), 'not a capture\n');
    const set = await ofSet([dir]);
    expect(set.capture.packets).toBe(records.length - 1);
    const offset = 24 + records.slice(0, half - 1).reduce((n, r) => n + r.length, 0);
    const cutErr = set.capture.errors.find((e) => e.file === 'first.pcap')!;
    expect(cutErr).toMatchObject({ frame: half, offset });
    expect(cutErr.message).toContain(`first.pcap:${half} (offset ${offset}):`);
    const notes = set.capture.errors.find((e) => e.file === 'notes.txt')!;
    expect(notes.message).toMatch(/^notes\.txt: not a capture file.*left out/);
    expect(set.capture.files!.map((f) => [f.name, f.packets, f.format])).toEqual([['first.pcap', half - 1, 'pcap'], ['second.pcap', records.length - half, 'pcap'], ['notes.txt', 0, null]]);
  });
});

describe('stateline analyze DIR | FILE…', () => {
  it.skipIf(!hasEditcap)('prints the set (files with their frames in the summary; --json as the single file plus capture.files)', async () => {
    const file = join(FIXTURES, 'incidents/resolver-down-icmp.pcap');
    const dir = split(file, ['-c', '4']);
    const run = (args: string[]): string => execFileSync(process.execPath, [join(ROOT, 'bin/stateline.mjs'), 'analyze', ...args], { encoding: 'utf8' });
    const one = JSON.parse(run([file, '--json'])) as AnalysisJson;
    const set = JSON.parse(run([dir, '--json'])) as AnalysisJson;
    expect(withoutFiles(set)).toEqual(one);
    const parts = readdirSync(dir).map((n) => join(dir, n));
    expect(JSON.parse(run([...shuffled(parts), '--json']))).toEqual(set);
    const text = run([dir]);
    expect(text).toMatch(new RegExp(`${parts.length} files, frames numbered across the set`));
    expect(text).toContain(`${set.capture.files![0].name}: pcap, 4 packets, frames 1–4`);
  }, 60_000);
});

describe('the session (stateline serve, the desktop app)', () => {
  it.skipIf(!hasEditcap)('opens a directory, or a file with more files, as a set: the same analysis as the single file', async () => {
    const { StatelineSession } = await import('../../analysis/session');
    const { nodeFileHost } = await import('../../host/file-source');
    const file = join(FIXTURES, 'incidents/server-restart.pcap');
    const one = await single(file);
    const dir = split(file, ['-c', '13']);
    const parts = readdirSync(dir).map((n) => join(dir, n));
    const s = new StatelineSession(nodeFileHost(null));
    await s.openPath({ path: dir });
    await s.whenSettled();
    expect((await s.status()).state).toBe('ready');
    expect(withoutFiles((await s.exportJson())!)).toEqual(one);
    expect((await s.summary())!.capture.files!.map((f) => f.name)).toEqual(readdirSync(dir).sort());
    // Cancelled while reading the set: the session says so, and opens the next one as usual.
    const bench = join(ROOT, 'bench-data/bench-20000-seed1.pcap');
    if (!existsSync(bench)) console.warn(`skipping the cancel of a set: ${bench} is absent`);
    else {
      await s.openPath({ path: split(bench, ['-c', '2000']) });
      await s.cancel();
      await s.whenSettled();
      expect((await s.status()).state).toBe('cancelled');
    }
    const [first, ...more] = shuffled(parts);
    const st = await s.openPath({ path: first, paths: more });
    expect(st.name).toBe(`${first.slice(first.lastIndexOf('/') + 1)} and ${more.length} more files`);
    await s.whenSettled();
    expect(withoutFiles((await s.exportJson())!)).toEqual(one);
  });
});

describe('what a set shares across its files', () => {
  it('TLS secrets embedded in one file decrypt its QUIC after another file read first', async () => {
    const dsb = join(FIXTURES, 'quic/ngtcp2-migration-dsb.pcapng'), earlier = join(FIXTURES, 'vlan-8021q.pcap');
    const alone = await single(dsb), before = await single(earlier);
    expect(before.capture.end!).toBeLessThan(alone.capture.start!);
    const set = await ofSet([dsb, earlier]);
    expect(set.capture.format).toBe('pcapng');
    expect(set.capture.files!.map((f) => [f.name, f.firstFrame])).toEqual([['vlan-8021q.pcap', 1], ['ngtcp2-migration-dsb.pcapng', before.capture.packets + 1]]);
    // The same connections, decrypted as far, every frame number moved by the earlier file's packets.
    const moved = (v: unknown, by: number, key = ''): unknown =>
      Array.isArray(v) ? v.map((x) => moved(x, by, key))
        : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, moved(x, by, k)]))
          : typeof v === 'number' && /frames?$/i.test(key) ? v - by : v;
    expect((alone.quic[0] as unknown as { decryptedPackets: number }).decryptedPackets).toBeGreaterThan(0);
    expect(moved(set.quic, before.capture.packets)).toEqual(alone.quic);
  });

  it('the flow table bound stops the whole set at the packet that would exceed it, naming its file', async () => {
    const a = join(FIXTURES, 'vlan-8021q.pcap'), b = join(FIXTURES, 'incidents/server-restart.pcap');
    const listed = await listCaptureSet([a, b]);
    const first = toJson(await analyzeCapture(new Uint8Array(readFileSync(a))));
    const j = toJson(await analyzeCapture(captureSetMembers(listed), { maxFlows: first.flows.length + 1 }));
    expect(j.flows.length).toBe(first.flows.length + 1);
    const stop = j.capture.errors.at(-1)!;
    expect(stop).toMatchObject({ file: 'server-restart.pcap', frame: j.capture.packets + 1 });
    expect(stop.message).toMatch(/flow table full/);
  });
});
