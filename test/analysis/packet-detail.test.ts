// The packet list and detail through the session (analysis/packet-detail.ts): the whole
// capture's packets paged, Wireshark's columns from the bytes, a frame's bytes and tree
// (the bytes tshark shows, a field's range holding the field's bytes), QUIC packets
// decrypted with the key log as tshark decrypts them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCall, type FieldNode } from '../../analysis/api';
import { StatelineSession } from '../../analysis/session';
import { nodeFileHost } from '../../host/file-source';
import { HAVE_TSHARK, tsharkFields, tsharkFrameBytes, tsharkFrames, warnIfNoTshark } from '../parsers/dissect/tshark';

const ROOT = join(__dirname, '../..');

async function opened(rel: string, keylog?: string): Promise<StatelineSession> {
  const s = new StatelineSession(nodeFileHost(null));
  await s.openPath({ path: join(ROOT, rel), keylogPath: keylog ? join(ROOT, keylog) : null });
  await s.whenSettled();
  return s;
}

function find(ns: FieldNode[], name: string, out: FieldNode[] = []): FieldNode[] {
  for (const n of ns) {
    if (n.name === name) out.push(n);
    if (n.children) find(n.children, name, out);
  }
  return out;
}

warnIfNoTshark();

describe('the API map', () => {
  it('validates packetDetail and packets as the other methods', () => {
    expect(checkCall('packetDetail', { frame: 3 })).toEqual({ frame: 3 });
    expect(() => checkCall('packetDetail', { frame: 0 })).toThrow(/frame: expected a number >= 1/);
    expect(() => checkCall('packetDetail', { frame: 1.5 })).toThrow(/an integer/);
    expect(() => checkCall('packetDetail', {})).toThrow(/frame/);
    expect(checkCall('packets', {})).toEqual({});
    expect(() => checkCall('packets', { flow: -1 })).toThrow(/flow/);
  });
});

describe('packets of the whole capture', () => {
  it('pages every packet in frame order, with Source, Destination, Protocol and Info', async () => {
    const s = await opened('fixtures/dns-udp-tcp.pcap');
    const all = await s.packets({});
    expect(all.total).toBe(s.query!.analysis.packets);
    expect(all.rows.map((r) => r.frame)).toEqual(Array.from({ length: all.total }, (_, i) => i + 1));
    const page = await s.packets({ offset: 10, limit: 3 });
    expect(page.rows.map((r) => r.frame)).toEqual([11, 12, 13]);
    expect(page.rows[0]).toMatchObject({ source: '10.77.0.1', destination: '10.77.0.2', protocol: 'TCP' });
    expect(page.rows[0].info).toMatch(/^36441 → 53 \[SYN\] Seq=0 Win=64660 Len=0 MSS=1220/);
    const dns = (await s.packets({ offset: 3, limit: 1 })).rows[0];
    expect(dns).toMatchObject({ protocol: 'DNS', info: 'Standard query response 0x6acf A www.stateline.test A 10.77.0.20' });
    // `at` in the whole capture
    const t = all.rows[5].time;
    expect((await s.packets({ at: t, limit: 1 })).rows[0].frame).toBe(all.rows.find((r) => r.time >= t)!.frame);
    await s.dispose();
  });
});

describe.skipIf(!HAVE_TSHARK)('packetDetail', () => {
  it('a TCP frame: the bytes tshark shows; each option field spans its own bytes', async () => {
    const s = await opened('fixtures/tcp/tcp-clean-close.pcap');
    const want = tsharkFrames(join(ROOT, 'fixtures/tcp/tcp-clean-close.pcap'));
    for (const f of [1, 2, 4]) {
      const d = (await s.packetDetail({ frame: f }))!;
      expect(d.bytes).toBe(Buffer.from(tsharkFrameBytes(want[f - 1])).toString('hex'));
      for (const n of ['tcp.options.mss_val', 'tcp.srcport', 'ip.src', 'tcp.seq', 'tcp.ack']) {
        for (const node of find(d.tree, n)) {
          const theirs = tsharkFields(want[f - 1]).find((x) => x.name === n && x.start === node.start);
          expect(theirs, `${n} of frame ${f}`).toBeDefined();
          expect(node.end).toBe(theirs!.end);
          expect(node.value, `${n} of frame ${f}`).toBe(theirs!.value);
        }
      }
    }
    expect(find((await s.packetDetail({ frame: 2 }))!.tree, 'tcp.ack')).toHaveLength(1);
    expect(await s.packetDetail({ frame: 10_000 })).toBeNull();
    await s.dispose();
  });

  it('QUIC with a key log: packet numbers and frames decrypted, as tshark decrypts them', async () => {
    const s = await opened('fixtures/quic/ngtcp2-h3.pcap', 'fixtures/quic/ngtcp2-h3.keylog.txt');
    const want = tsharkFrames(join(ROOT, 'fixtures/quic/ngtcp2-h3.pcap'), { keylog: join(ROOT, 'fixtures/quic/ngtcp2-h3.keylog.txt') });
    let decrypted = 0, cut = 0;
    for (let f = 1; f <= want.length; f++) {
      const d = (await s.packetDetail({ frame: f }))!;
      const ours = find(d.tree, 'quic.packet_number').map((n) => n.value);
      const theirs = tsharkFields(want[f - 1]).filter((x) => x.name === 'quic.packet_number').map((x) => x.value);
      decrypted += ours.length;
      // a frame cut by the snap length cannot be authenticated (tshark still shows its packet number)
      if (d.bytes.length / 2 === d.wireLen) expect(ours).toEqual(theirs);
      else cut++;
    }
    expect(cut).toBe(1);
    expect(decrypted).toBeGreaterThan(10);
    const first = (await s.packetDetail({ frame: 1 }))!;
    expect(find(first.tree, 'quic.frame').map((n) => n.label)[0]).toMatch(/^CRYPTO Offset: 0, Length: \d+/);
    await s.dispose();
  });

  it('QUIC 0-RTT with the key log: the early packets decrypted as tshark decrypts them; without the early secret, why not', async () => {
    const cap = 'fixtures/quic/ngtcp2-resumption-0rtt.pcap', keylog = 'fixtures/quic/ngtcp2-resumption-0rtt.keylog.txt';
    const s = await opened(cap, keylog);
    const want = tsharkFrames(join(ROOT, cap), { keylog: join(ROOT, keylog) });
    // the frames holding a 0-RTT packet (long header type 1), as tshark reads them
    const early = want.map((l, i) => ({ l, frame: i + 1 })).filter((x) => tsharkFields(x.l).some((f) => f.name === 'quic.long.packet_type' && f.value === '1'));
    expect(early.length).toBeGreaterThan(1);
    for (const { l, frame } of early) {
      const d = (await s.packetDetail({ frame }))!;
      const theirs = tsharkFields(l);
      expect(find(d.tree, 'quic.packet_number').map((n) => n.value), `frame ${frame}`).toEqual(theirs.filter((x) => x.name === 'quic.packet_number').map((x) => x.value));
      const layer = find(d.tree, 'quic').find((n) => n.label.startsWith('QUIC IETF, 0-RTT, PKN: '))!;
      expect(layer, `frame ${frame}`).toBeDefined();
      // its STREAM frames: tshark's stream IDs (the frame's other packets carry none)
      const ids = find(layer.children!, 'quic.frame').map((n) => /^STREAM id=(\d+)/.exec(n.label)?.[1]).filter((x) => x !== undefined);
      expect(ids, `frame ${frame}`).toEqual(theirs.filter((x) => x.name === 'quic.stream.stream_id').map((x) => x.value));
      expect(ids.length).toBeGreaterThan(0);
    }
    await s.dispose();

    // the same key log without its CLIENT_EARLY_TRAFFIC_SECRET: the 0-RTT packets stay protected, and say why
    const dir = mkdtempSync(join(tmpdir(), 'stateline-0rtt-'));
    try {
      const lines = readFileSync(join(ROOT, keylog), 'utf8').split('\n');
      writeFileSync(join(dir, 'keylog.txt'), lines.filter((x) => !x.startsWith('CLIENT_EARLY_TRAFFIC_SECRET ')).join('\n'));
      const t = new StatelineSession(nodeFileHost(null));
      await t.openPath({ path: join(ROOT, cap), keylogPath: join(dir, 'keylog.txt') });
      await t.whenSettled();
      for (const { frame } of early) {
        const d = (await t.packetDetail({ frame }))!;
        const layer = find(d.tree, 'quic').find((n) => n.label.startsWith('QUIC IETF, 0-RTT'))!;
        expect(layer.label).not.toMatch(/PKN/);
        expect(find(layer.children!, 'quic.frame')).toEqual([]);
        expect(find(layer.children!, 'quic.remaining_payload')[0].label).toMatch(/not decrypted: the key log has no CLIENT_EARLY_TRAFFIC_SECRET for its connection\)$/);
      }
      // the client's next short-header packet (1-RTT, the same packet number space) still decrypts
      const last = early.at(-1)!.frame;
      const next = want.findIndex((l, i) => i + 1 > last && tsharkFields(l).some((f) => f.name === 'quic.header_form' && f.value === '0') && tsharkFields(l).some((f) => f.name === 'udp.srcport' && f.value === tsharkFields(want[last - 1]).find((x) => x.name === 'udp.srcport')!.value)) + 1;
      expect(next).toBeGreaterThan(last);
      const pns = find((await t.packetDetail({ frame: next }))!.tree, 'quic.packet_number').map((n) => n.value);
      expect(pns).toEqual(tsharkFields(want[next - 1]).filter((x) => x.name === 'quic.packet_number').map((x) => x.value));
      await t.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
