// The analysis pipeline: which tracker sees which packet, and the column estimate.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture, type Tracker } from '../../analysis/analyze';

const FIXTURES = join(__dirname, '../../fixtures');

/** A tracker that counts the packets it is given by IP protocol. */
function counter(ipProtocols?: number[]): Tracker & { seen: Map<number, number>; other: number } {
  const seen = new Map<number, number>();
  return {
    ipProtocols,
    seen,
    other: 0,
    onPacket(pkt) {
      seen.set(pkt.ipProto, (seen.get(pkt.ipProto) ?? 0) + 1);
    },
    onOther() {
      this.other++;
    },
    finish() {},
  };
}

describe('tracker routing by IP protocol', () => {
  it('gives each tracker only the protocols it asks for, and every flow packet to one that asks for none', async () => {
    // udp-port-unreachable.pcap: UDP datagrams and the ICMP errors that refuse them; sample.pcapng adds TCP.
    for (const name of ['udp-port-unreachable.pcap', 'sample.pcapng']) {
      const all = counter();
      const udp = counter([17]);
      const tcp = counter([6]);
      const icmp = counter([1, 58]);
      const a = await analyzeCapture(new Uint8Array(readFileSync(join(FIXTURES, name))), {
        trackerOptions: { protocols: [] },
        trackers: [all, udp, tcp, icmp],
      });
      expect(a.packets).toBeGreaterThan(0);
      expect([...udp.seen.keys()].every((p) => p === 17)).toBe(true);
      expect([...tcp.seen.keys()].every((p) => p === 6)).toBe(true);
      expect([...icmp.seen.keys()].every((p) => p === 1 || p === 58)).toBe(true);
      for (const [proto, n] of all.seen) {
        const want = proto === 17 ? udp : proto === 6 ? tcp : proto === 1 || proto === 58 ? icmp : null;
        if (want) expect(want.seen.get(proto)).toBe(n);
      }
      // Packets outside any flow go to every tracker with onOther, whatever it asked for.
      expect(udp.other).toBe(all.other);
      expect(tcp.other).toBe(all.other);
    }
  });

  it('sees ICMP in the UDP fixture (so the routing above was exercised)', async () => {
    const all = counter();
    await analyzeCapture(new Uint8Array(readFileSync(join(FIXTURES, 'udp-port-unreachable.pcap'))), { trackerOptions: { protocols: [] }, trackers: [all] });
    expect(all.seen.get(17)).toBeGreaterThan(0);
    expect(all.seen.get(1)).toBeGreaterThan(0);
  });
});

/** A classic pcap of `n` Ethernet/IPv4/UDP frames (ports 40000 → 9999, 8 payload bytes). */
function udpPcap(n: number): Uint8Array {
  const frame = [
    ...[2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00], // Ethernet
    0x45, 0, 0, 36, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, // IPv4, 36 bytes
    0x9c, 0x40, 0x27, 0x0f, 0, 16, 0, 0, // UDP, 16 bytes
    1, 2, 3, 4, 5, 6, 7, 8,
  ];
  const out = new Uint8Array(24 + n * (16 + frame.length));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, 65535, true);
  dv.setUint32(20, 1, true);
  let o = 24;
  for (let i = 0; i < n; i++) {
    dv.setUint32(o, 1_700_000_000 + (i >> 10), true);
    dv.setUint32(o + 4, i & 1023, true);
    dv.setUint32(o + 8, frame.length, true);
    dv.setUint32(o + 12, frame.length, true);
    out.set(frame, o + 16);
    o += 16 + frame.length;
  }
  return out;
}

describe('packet columns', () => {
  it('hold every packet whatever the size estimate made of the file size', async () => {
    // More records than the 4096 after which the columns are reserved from the estimate.
    const n = 10_000;
    const bytes = udpPcap(n);
    for (const totalBytes of [undefined, 1, bytes.length >> 2, bytes.length, bytes.length * 100]) {
      const a = await analyzeCapture(bytes, { totalBytes, trackerOptions: { protocols: [] } });
      expect(a.packets).toBe(n);
      expect(a.columns.length).toBe(n);
      expect(a.columns.time.length).toBeGreaterThanOrEqual(n);
      expect(a.columns.flow[n - 1]).toBe(1);
      expect(a.columns.wireLen[n - 1]).toBe(50);
      expect(a.columns.time[n - 1]).toBeCloseTo(1_700_000_000 + ((n - 1) >> 10) + ((n - 1) & 1023) / 1e6, 6);
      if (totalBytes === bytes.length) expect(a.columns.time.length).toBeLessThan(n * 1.2); // reserved once, not doubled
    }
  });
});

describe('the capture-header hook', () => {
  it('tells each tracker the format once, before the first packet, also through gzip', async () => {
    const { gzipSync } = await import('node:zlib');
    for (const [name, format, gz] of [['sample.pcapng', 'pcapng', false], ['udp-port-unreachable.pcap', 'pcap', false], ['udp-port-unreachable.pcap', 'pcap', true]] as const) {
      const calls: string[] = [];
      const t: Tracker = {
        onCaptureHeader(info) { calls.push(`header ${info.format}${info.compressed ? ' gz' : ''}`); },
        onPacket() { if (calls.at(-1) !== 'packet') calls.push('packet'); },
        finish() {},
      };
      let bytes = new Uint8Array(readFileSync(join(FIXTURES, name)));
      if (gz) bytes = new Uint8Array(gzipSync(bytes));
      await analyzeCapture(bytes, { trackerOptions: { protocols: [] }, trackers: [t] });
      expect(calls).toEqual([`header ${format}${gz ? ' gz' : ''}`, 'packet']);
    }
  });
});
