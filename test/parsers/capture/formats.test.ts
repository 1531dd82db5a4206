// File-format variants: classic pcap µs/ns in both byte orders, pcapng sections of either
// byte order, if_tsresol/if_tsoffset, SPB and obsolete PB, NRB/ISB/DSB, comments, gzip;
// and the chunk-boundary fuzz: any split of the same file gives the same records.
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CaptureReader, LinkType, readCapture, type CaptureRecord } from '../../../parsers/capture/index';
import {
  asIterable,
  bad,
  badDir,
  block,
  concat,
  epb,
  frame,
  haveShared,
  hex,
  idb,
  lines,
  pcapHeader,
  pcapRecord,
  pushAll,
  read,
  rng,
  sharedCaptures,
  shb,
  spb,
  split,
  text,
  tsoffset,
  tsresol,
} from './helpers';

// The four real frames of fixtures/bad/make-bad.mjs, by their first bytes and timestamps.
const SYN = { sec: 1663807554, usec: 585086, len: 74, head: '26cae9a64df3' };
const RST = { sec: 1663807554, usec: 585435, len: 60, head: '00e04c685148' };
const DNSQ = { sec: 1413054930, usec: 198203, len: 74, head: '30469a23fbfa' };
const DNSR = { sec: 1413054930, usec: 215703, len: 154, head: '6cf049b2de6e' };

describe('classic pcap', () => {
  it('microseconds, big-endian', async () => {
    const { info, records } = await read(bad('big-endian.pcap'));
    expect(info).toMatchObject({ format: 'pcap', compressed: false, resolution: 'us', byteOrder: 'big', version: '2.4', sections: 1, records: 4, bytes: 450, errors: [] });
    expect(info.interfaces).toEqual([{ id: 0, section: 0, linkType: LinkType.ETHERNET, snaplen: 65535, tsUnitsPerSec: 1e6, tsOffset: 0, name: null, description: null }]);
    expect(records.map((r) => [r.frame, r.offset, r.tsSec, r.tsNsec, r.capLen, r.origLen, hex(r.data.subarray(0, 6))])).toEqual([
      [1, 24, SYN.sec, SYN.usec * 1000, 74, 74, SYN.head],
      [2, 114, RST.sec, RST.usec * 1000, 60, 60, RST.head],
      [3, 190, DNSQ.sec, DNSQ.usec * 1000, 74, 74, DNSQ.head],
      [4, 280, DNSR.sec, DNSR.usec * 1000, 154, 154, DNSR.head],
    ]);
    expect(records.every((r) => r.interfaceId === 0 && r.linkType === 1 && r.comments === null)).toBe(true);
  });

  it('nanoseconds, little-endian: exact', async () => {
    const { info, records } = await read(bad('nanosecond.pcap'));
    expect(info).toMatchObject({ resolution: 'ns', byteOrder: 'little' });
    expect(info.interfaces[0].tsUnitsPerSec).toBe(1e9);
    expect(records.map((r) => [r.tsSec, r.tsNsec])).toEqual([
      [SYN.sec, 585086123],
      [RST.sec, 585435456],
      [DNSQ.sec, 198203789],
    ]);
  });

  it('nanoseconds, big-endian: exact', async () => {
    const { info, records } = await read(bad('big-endian-nanosecond.pcap'));
    expect(info).toMatchObject({ resolution: 'ns', byteOrder: 'big' });
    expect(records.map((r) => [r.tsSec, r.tsNsec])).toEqual([[SYN.sec, 585086001], [RST.sec, 585435999]]);
  });

  it('link type: the low 16 bits of the network field (FCS bits above ignored)', async () => {
    const file = concat(pcapHeader({ network: 0x14000000 | LinkType.LINUX_SLL2 }), pcapRecord({ sec: 1, frac: 2, data: frame(40) }));
    const { info, records } = await read(file);
    expect(info.interfaces[0].linkType).toBe(276);
    expect(records[0].linkType).toBe(276);
  });
});

describe('pcapng', () => {
  it('two sections, little- then big-endian, running interface ids', async () => {
    const { info, records } = await read(bad('pcapng-two-sections-mixed-endian.pcapng'));
    expect(info).toMatchObject({ format: 'pcapng', resolution: null, byteOrder: 'little', version: '1.0', sections: 2, errors: [] });
    expect(info.interfaces.map((i) => [i.id, i.section, i.linkType, i.tsUnitsPerSec, i.name])).toEqual([
      [0, 0, 1, 1e6, 'eth0'],
      [1, 1, 1, 1e9, 'eth1'],
      [2, 1, 101, 1e6, 'raw0'],
    ]);
    expect(records.map((r) => [r.frame, r.interfaceId, r.linkType, r.tsSec, r.tsNsec, r.capLen])).toEqual([
      [1, 0, 1, SYN.sec, SYN.usec * 1000, 74],
      [2, 0, 1, RST.sec, RST.usec * 1000, 60],
      [3, 2, LinkType.RAW, DNSQ.sec, DNSQ.usec * 1000, 60],
      [4, 1, 1, DNSR.sec, DNSR.usec * 1000 + 42, 154],
    ]);
    // Raw IP: the DNS query without its 14-byte Ethernet header starts with 0x45.
    expect(records[2].data[0]).toBe(0x45);
  });

  it('if_tsresol and if_tsoffset: ns, 2^-20 s, ps, µs with a negative offset', async () => {
    const { info, records } = await read(bad('pcapng-tsresol-tsoffset.pcapng'));
    expect(info.interfaces.map((i) => [i.tsUnitsPerSec, i.tsOffset])).toEqual([
      [1e9, 1663807000],
      [2 ** 20, 0],
      [1e12, 1413054000],
      [1e6, -1000],
    ]);
    expect(records.map((r) => [r.interfaceId, r.tsSec, r.tsNsec])).toEqual([
      [0, 1663807554, 585086123],
      // 612345 / 2^20 s = 0.583977699279785… s
      [1, 1663807554, 583977699],
      // 930.198203456789 s after the offset: nanoseconds truncated
      [2, 1413054930, 198203456],
      [3, 1413053930, 215703000],
    ]);
  });

  it('timestamps are exact for every power-of-10 resolution up to 10^9 and powers of 2', async () => {
    const r = rng(7);
    const resols = [0, 1, 3, 6, 9, 0x80, 0x80 | 10, 0x80 | 20, 0x80 | 30, 0x80 | 32, 10, 12, 15];
    const units = resols.map((v) => (v & 0x80 ? 1n << BigInt(v & 0x7f) : 10n ** BigInt(v)));
    const parts = [shb(), ...resols.map((v) => idb(true, { opts: [tsresol(v)] }))];
    const expected: [number, number][] = [];
    for (let i = 0; i < 400; i++) {
      const k = i % resols.length;
      const u = units[k];
      // Random 64-bit counts whose seconds stay below 2^53 (and so are exact as numbers).
      const max = u * (1n << 53n) < 1n << 64n ? u * (1n << 53n) : 1n << 64n;
      const t = (BigInt(Math.floor(r() * 2 ** 32)) * (1n << 32n) + BigInt(Math.floor(r() * 2 ** 32))) % max;
      parts.push(epb(true, { ifid: k, ts: t, data: frame(1) }));
      expected.push([Number(t / u), Number(((t % u) * 1000000000n) / u)]);
    }
    const { info, records } = await read(concat(...parts));
    expect(info.errors).toEqual([]);
    expect(records.map((x) => [x.tsSec, x.tsNsec])).toEqual(expected);
  });

  it('Simple Packet Blocks and an obsolete Packet Block', async () => {
    const { info, records } = await read(bad('pcapng-spb-pb.pcapng'));
    expect(info.errors).toEqual([]);
    expect(records.map((r) => [r.frame, r.tsSec, r.tsNsec, r.capLen, r.origLen, r.comments])).toEqual([
      [1, 0, 0, 64, 74, null], // snaplen 64
      [2, RST.sec, RST.usec * 1000, 60, 60, ['obsolete packet block']],
      [3, 0, 0, 60, 60, null],
    ]);
    expect(hex(records[0].data.subarray(0, 6))).toBe(SYN.head);
  });

  it('an SPB holds min(original length, snaplen, room in the block)', async () => {
    const data = frame(60);
    const file = concat(shb(), idb(true, { snaplen: 0 }), spb(true, data, 1514), spb(true, frame(62)));
    const { records } = await read(file);
    expect(records.map((r) => [r.capLen, r.origLen])).toEqual([[60, 1514], [62, 62]]);
    expect(records[0].data).toEqual(data);
  });

  it('name resolution, interface statistics, decryption secrets, comments', async () => {
    const { info, records } = await read(bad('pcapng-nrb-isb-dsb-comments.pcapng'));
    expect(info.errors).toEqual([]);
    expect(info.interfaces[0]).toMatchObject({ name: 'eth0', description: 'the wire' });
    expect(info.names).toEqual([
      { address: '10.1.1.13', names: ['client.example'] },
      { address: '10.1.1.6', names: ['server.example', 'srv.example'] },
      { address: '2001:db8::1', names: ['v6.example'] },
    ]);
    expect(info.statistics).toEqual([{ interfaceId: 0, received: 2, dropped: 0 }]);
    expect(info.secrets).toHaveLength(1);
    const s = info.secrets[0];
    expect(s.type).toBe(0x544c534b); // 'TLSK'
    expect(s.offset).toBe(116);
    const keylog = new TextDecoder().decode(s.data);
    expect(keylog).toMatch(/^# fake TLS key log/);
    expect(keylog).toContain(`CLIENT_RANDOM ${'01'.repeat(32)} ${'ab'.repeat(48)}\n`);
    expect(records.map((r) => r.comments)).toEqual([['SYN to a closed port', 'second comment: ünïcödé'], null]);
  });

  it('secrets are copies that outlive the chunk they were in', () => {
    const file = bad('pcapng-nrb-isb-dsb-comments.pcapng');
    const chunk = file.slice();
    const cr = new CaptureReader(() => undefined);
    cr.push(chunk);
    chunk.fill(0);
    const info = cr.end();
    expect(new TextDecoder().decode(info.secrets[0].data)).toMatch(/^# fake TLS key log/);
  });

  it('unknown and custom blocks are counted', async () => {
    const { info } = await read(bad('pcapng-unknown-blocks.pcapng'));
    expect(info.skippedBlocks).toBe(4);
  });

  it('several ISBs for one interface: the last totals win', async () => {
    const isb = (recv: number): Uint8Array =>
      block(5, (b) => b.u32(0).u32(0).u32(0).u16(4).u16(8).u64(BigInt(recv)).u16(0).u16(0));
    const { info } = await read(concat(shb(), idb(), isb(5), isb(9)));
    expect(info.statistics).toEqual([{ interfaceId: 0, received: 9, dropped: null }]);
  });

  it('a big-endian pcapng with if_tsoffset in its own byte order', async () => {
    const file = concat(shb(false), idb(false, { opts: [tsresol(9), tsoffset(100n, false)] }), epb(false, { ts: 1_500_000_001n, data: frame(20) }));
    const { info, records } = await read(file);
    expect(info.byteOrder).toBe('big');
    expect(records.map((r) => [r.tsSec, r.tsNsec])).toEqual([[101, 500000001]]);
  });

  it('IDB options: name and description in UTF-8', async () => {
    const { info } = await read(concat(shb(), idb(true, { opts: [[2, text('wlan0 ✓')], [3, text('Wi-Fi')]] })));
    expect(info.interfaces[0]).toMatchObject({ name: 'wlan0 ✓', description: 'Wi-Fi' });
  });
});

describe('gzip', () => {
  it('a gzip of a pcap reads like the pcap; progress counts compressed bytes', async () => {
    const gz = bad('gzip-of-pcap.pcap.gz');
    const progress: [number, number | undefined][] = [];
    const { info, records } = await read(asIterable(split(gz, 100)), { totalBytes: gz.length, onProgress: (b, t) => progress.push([b, t]) });
    expect(info).toMatchObject({ format: 'pcap', compressed: true, records: 4, bytes: 450, errors: [] });
    const plain = await read(bad('big-endian.pcap'));
    expect(records.map((r) => [r.tsSec, r.tsNsec, hex(r.data)])).toEqual(plain.records.map((r) => [r.tsSec, r.tsNsec, hex(r.data)]));
    expect(progress.length).toBe(Math.ceil(gz.length / 100));
    expect(progress[progress.length - 1]).toEqual([gz.length, gz.length]);
  });

  it('gzip magic split over two chunks, 1-byte chunks, and gzip of pcapng', async () => {
    const gz = gzipSync(bad('pcapng-two-sections-mixed-endian.pcapng'));
    const plain = await read(bad('pcapng-two-sections-mixed-endian.pcapng'));
    for (const chunks of [split(gz, 1), [gz.subarray(0, 1), gz.subarray(1)]]) {
      const r = await read(asIterable(chunks));
      expect(r.info.compressed).toBe(true);
      expect(r.records).toEqual(plain.records);
    }
  });
});

describe('progress and sources', () => {
  it('progress once per source chunk, in source bytes', async () => {
    const file = bad('big-endian.pcap');
    const seen: number[] = [];
    await read(asIterable(split(file, 64)), { onProgress: (b) => seen.push(b) });
    expect(seen).toEqual(split(file, 64).map((_, i) => Math.min(file.length, (i + 1) * 64)));
  });

  it('a Uint8Array source is read in place: records are views of it, not copies', async () => {
    const file = bad('big-endian.pcap');
    const views: boolean[] = [];
    await readCapture(file, { onRecord: (r: CaptureRecord) => views.push(r.data.buffer === file.buffer) });
    expect(views).toEqual([true, true, true, true]);
  });

  it('a record larger than many chunks, pushed 1 byte at a time', () => {
    const data = frame(200_000, 3);
    const file = concat(pcapHeader({ snaplen: 262144 }), pcapRecord({ sec: 5, frac: 6, data }), pcapRecord({ sec: 7, frac: 8, data: frame(10) }));
    const r = pushAll(split(file, 1));
    expect(r.records.map((x) => x.capLen)).toEqual([200_000, 10]);
    expect(hex(r.records[0].data)).toBe(hex(data));
  });
});

// ------------------------------------------------------------------ chunk-boundary fuzz

const fixtureFiles = readdirSync(badDir).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();
const sharedFiles = haveShared
  ? ['tcp/zeek-missing-syn.pcap', 'misc/gopacket-be-test008.pcapng', 'misc/pcapplusplus-many_interfaces-1.pcapng', 'quic/zeek-nat-rebinding-min.pcapng', 'dns/zeek-pcapng-multi-interface.pcapng', 'tcp/tcpdump-pptp.pcap']
  : [];

describe('chunk-boundary fuzz: every split gives the same records and errors', () => {
  const cases: [string, () => Uint8Array][] = [
    ...fixtureFiles.map((f): [string, () => Uint8Array] => [`fixtures/bad/${f}`, () => bad(f)]),
    ...sharedFiles.map((f): [string, () => Uint8Array] => [`shared/${f}`, () => new Uint8Array(readFileSync(resolve(sharedCaptures, f)))]),
  ];
  it.each(cases)('%s', (_name, load) => {
    const file = load();
    let whole;
    try {
      whole = pushAll([file]);
    } catch (e) {
      // Not a capture: every split throws the same.
      for (const size of [1, 3, 7]) expect(() => pushAll(split(file, size))).toThrow((e as Error).message);
      return;
    }
    const wholeLines = lines(whole.records);
    const splits: (number | { seed: number; max: number })[] = [1, 3, 7, 64, 4096, { seed: 1, max: 10 }, { seed: 2, max: 200 }, { seed: 3, max: 5000 }];
    for (const s of splits) {
      const r = pushAll(split(file, s));
      expect(lines(r.records), `split ${JSON.stringify(s)}`).toEqual(wholeLines);
      expect(r.info, `split ${JSON.stringify(s)}`).toEqual(whole.info);
    }
  });
});
