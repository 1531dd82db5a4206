// Follow stream (analysis/stream) against tshark's `-z follow,tcp,raw,N` on real captures:
// each direction's reassembled bytes, and the gaps. tshark writes a gap it can prove
// (the peer acknowledged past it) as the text "[N bytes missing in capture file]" and a NUL among
// the bytes; we give a gap piece of N bytes at the same place. Where tshark cannot prove
// a gap it stops that direction there; we go on after it (a gap with reason "end of
// capture"), so tshark's bytes are then a prefix of ours — pinned per capture below.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../../analysis/analyze';
import { dnsMessageView } from '../../../analysis/dns/view';
import { followFlow } from '../../../analysis/stream/query';
import type { QuicStreamView } from '../../../analysis/stream/follow';
import { HAVE_TSHARK, tsharkStreams } from './helpers';

const ROOT = resolve(__dirname, '../../..');
const SHARED = resolve(ROOT, '../shared/captures');

function bytesOf(file: string): Uint8Array {
  const b = new Uint8Array(readFileSync(file));
  return file.endsWith('.gz') ? new Uint8Array(gunzipSync(b)) : b;
}

const hexText = (h: string): string => String.fromCharCode(...(h.match(/../g) ?? []).map((x) => parseInt(x, 16)));

/** Per direction: our bytes with each gap written as tshark writes it. */
function asTshark(pieces: { type: string; dir: number; hex?: string; length?: number }[]): [string, string] {
  const out: [string, string] = ['', ''];
  for (const p of pieces) {
    if (p.type === 'data') out[p.dir] += p.hex;
    else out[p.dir] += [...`[${p.length} bytes missing in capture file]\0`].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  }
  return out;
}

/** Captures where tshark stops a direction at a gap it cannot prove (direction index of the flow: 0 client, 1 server). */
const TSHARK_STOPS: Record<string, number[]> = {
  // the client's 1,420 bytes of frame 3 came, then 1,420 never captured, then 8,528 more
  // bytes the server never acknowledged (a one-way capture)
  'pcapplusplus-unidirectional_tcp_stream_with_missing_packet.pcap': [0],
  // the server's bytes 51033–56185 were never captured and the client never acknowledged
  // past them (it reset): tshark drops the 2,576 bytes after them
  'suricata-verify-tcp-rst-unacked-stream-10.pcap': [1],
};

const CAPTURES = [
  'fixtures/fidelity/lossy-client-side.pcap',
  'fixtures/fidelity/lossy-server-side.pcap',
  'fixtures/incidents/server-restart.pcap',
  'fixtures/tcp/tcp-midstream-wscale.pcap',
  'fixtures/fidelity/one-sided-client-only.pcap',
].map((f) => resolve(ROOT, f));
const SHARED_TCP = existsSync(SHARED) ? ['tcp', 'dns'].flatMap((d) => (existsSync(resolve(SHARED, d)) ? readdirSync(resolve(SHARED, d)).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).map((f) => resolve(SHARED, d, f)) : [])) : [];

describe('follow TCP stream against tshark', () => {
  if (!HAVE_TSHARK) console.warn('follow.test: tshark is not installed; the comparisons are skipped');
  if (!SHARED_TCP.length) console.warn('follow.test: ../shared/captures is absent; only the fixtures are compared');
  for (const file of [...CAPTURES, ...SHARED_TCP]) {
    const name = file.split('/').pop()!;
    it.skipIf(!HAVE_TSHARK)(name, async () => {
      const bytes = bytesOf(file);
      const a = await analyzeCapture(bytes, {});
      const ts = [...tsharkStreams(file).values()];
      let compared = 0;
      for (const fl of a.flows.flows) {
        if (fl.transport !== 'tcp') continue;
        const r = (await followFlow(a, bytes, fl.id, dnsMessageView))!;
        const t = ts.find((s) => (s.nodes[0] === r.client && s.nodes[1] === r.server) || (s.nodes[1] === r.client && s.nodes[0] === r.server));
        if (!t) continue;
        const theirs = t.nodes[0] === r.client ? t.hex : [t.hex[1], t.hex[0]];
        const ours = asTshark(r.tcp!.pieces);
        for (const dir of [0, 1]) {
          if (TSHARK_STOPS[name]?.includes(dir)) {
            expect(ours[dir].startsWith(theirs[dir]), `${name} flow ${fl.id} dir ${dir}: tshark's bytes are a prefix of ours`).toBe(true);
            expect(ours[dir].length).toBeGreaterThan(theirs[dir].length);
            expect(r.tcp!.pieces.some((p) => p.type === 'gap' && p.dir === dir && p.reason === 'end of capture')).toBe(true);
          } else expect(ours[dir], `${name} flow ${fl.id} dir ${dir}`).toBe(theirs[dir]);
        }
        compared++;
      }
      if (a.flows.flows.some((f) => f.transport === 'tcp')) expect(compared).toBeGreaterThan(0);
    });
  }
});

describe('follow stream on the fixtures', () => {
  it('gives the lossy transfer whole at both ends: the drops were retransmitted, nothing is missing', async () => {
    for (const f of ['lossy-client-side.pcap', 'lossy-server-side.pcap']) {
      const bytes = bytesOf(resolve(ROOT, 'fixtures/fidelity', f));
      const a = await analyzeCapture(bytes, {});
      const fl = a.flows.flows.find((x) => x.transport === 'tcp')!;
      const r = (await followFlow(a, bytes, fl.id, dnsMessageView))!;
      expect(r.tcp!.missing).toEqual([0, 0]);
      // the client's request, then the server's answer: both directions, as text
      const first = r.tcp!.pieces.find((p) => p.type === 'data' && p.dir === 0)!;
      expect(first.type === 'data' && hexText(first.hex)).toMatch(/^\S+/);
      // "UP n DOWN m": the server sends the m bytes the request asked for
      const m = /DOWN (\d+)/.exec(first.type === 'data' ? hexText(first.hex) : '');
      expect(m).not.toBeNull();
      expect(r.tcp!.bytes[1]).toBe(Number(m![1]));
    }
  });

  it('names the frames around a gap and the bytes missing (a capture that began after the first bytes)', async () => {
    const file = resolve(SHARED, 'tcp/zeek-1000-requests-one-dropped-response.pcap.gz');
    if (!existsSync(file)) return console.warn('follow.test: ../shared/captures is absent; skipped');
    const bytes = bytesOf(file);
    const a = await analyzeCapture(bytes, {});
    const r = (await followFlow(a, bytes, 1, dnsMessageView))!;
    const gaps = r.tcp!.pieces.filter((p) => p.type === 'gap');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ dir: 1, offset: 0, length: 238, afterFrame: null, reason: 'acknowledged' });
    expect(r.tcp!.missing).toEqual([0, 238]);
  });

  it('bounds what it returns', async () => {
    const bytes = bytesOf(resolve(ROOT, 'fixtures/fidelity/lossy-server-side.pcap'));
    const a = await analyzeCapture(bytes, {});
    const fl = a.flows.flows.find((x) => x.transport === 'tcp')!;
    const r = (await followFlow(a, bytes, fl.id, dnsMessageView, { maxBytes: 1000 }))!;
    expect(r.truncated).toBe(true);
    expect(r.tcp!.bytes[0] + r.tcp!.bytes[1]).toBe(1000);
  });

  it('decodes each DNS message of a UDP flow', async () => {
    const bytes = bytesOf(resolve(ROOT, 'fixtures/dns/dns-orphan-gone.pcap'));
    const a = await analyzeCapture(bytes, {});
    const fl = a.flows.flows.find((x) => x.app === 'dns')!;
    const r = (await followFlow(a, bytes, fl.id, dnsMessageView))!;
    expect(r.tcp).toBeNull();
    expect(r.messages.length).toBe(fl.clientPackets + fl.serverPackets);
    for (const m of r.messages) {
      expect(m.dns).not.toBeNull();
      expect(m.dns!.error).toBeNull();
      expect(m.dns!.sections[0].records[0].name).toMatch(/\./);
    }
    expect(r.messages.some((m) => m.dir === 1 && m.dns!.flags.includes('QR'))).toBe(true);
  });
});

const tsharkFollowed = new Map<string, [string[], string[]]>();

/** tshark's Follow QUIC Stream of (connection, stream): each node's chunks (hex lines). */
function tsharkQuic(file: string, keylog: string, conn: number, stream: number): [string[], string[]] {
  const key = `${file} ${conn} ${stream}`;
  const known = tsharkFollowed.get(key);
  if (known) return known;
  const out = execFileSync('tshark', ['-r', file, '-o', `tls.keylog_file:${keylog}`, '-q', '-z', `follow,quic,raw,${conn},${stream}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = out.split('\n').filter((l) => /^\t?[0-9a-f]+$/.test(l));
  const r: [string[], string[]] = [lines.filter((l) => !l.startsWith('\t')), lines.filter((l) => l.startsWith('\t')).map((l) => l.slice(1))];
  tsharkFollowed.set(key, r);
  return r;
}

/** tshark: the client's streams that 0-RTT packets carried, as connection/stream/0. */
function tsharkZeroRttStreams(file: string, keylog: string): string[] {
  const out = execFileSync('tshark', ['-r', file, '-o', `tls.keylog_file:${keylog}`, '-Y', 'quic.long.packet_type == 1 && quic.stream.stream_id', '-T', 'fields', '-e', 'quic.connection.number', '-e', 'quic.stream.stream_id'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const keys = new Set<string>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [conn, ids] = line.split('\t');
    for (const id of ids.split(',')) keys.add(`${conn.split(',')[0]}/${id}/0`);
  }
  return [...keys];
}

/** tshark: connection conn's EncryptedExtensions carries early_data (extension 42): the server accepted the 0-RTT data. */
function tsharkEarlyAccepted(file: string, keylog: string, conn: number): boolean {
  const out = execFileSync('tshark', ['-r', file, '-o', `tls.keylog_file:${keylog}`, '-Y', `tls.handshake.type == 8 && quic.connection.number == ${conn}`, '-T', 'fields', '-e', 'tls.handshake.extension.type'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split(/[,\s]+/).includes('42');
}

/** Stream data we could not decrypt, per capture and connection/stream/direction: offset+length. */
const QUIC_GAPS: Record<string, string[]> = {
  // the server's packets between frames 21 and 29 carried stream 0's bytes 1320–4838:
  // neither tshark nor we see them (tshark's 2,715 bytes are ours, without the gap)
  'ngtcp2-migration 0/0/1': ['1320+3518'],
};

describe('follow QUIC streams against tshark (with the key logs)', () => {
  // the 0-RTT captures: early data the server accepted (part of its stream) or rejected (a view apart)
  const QUIC = ['ngtcp2-h3', 'ngtcp2-chacha', 'ngtcp2-migration', 'ngtcp2-resumption-0rtt', 'quicgo-0rtt', 'ngtcp2-resumption-rejected', 'quicgo-0rtt-rejected'];
  for (const name of QUIC) {
    it.skipIf(!HAVE_TSHARK)(name, async () => {
      const file = resolve(ROOT, 'fixtures/quic', `${name}.pcap`);
      const keylog = resolve(ROOT, 'fixtures/quic', `${name}.keylog.txt`);
      const bytes = bytesOf(file);
      const a = await analyzeCapture(bytes, { trackerOptions: { keylog: readFileSync(keylog, 'utf8') } });
      // per connection/stream/direction: its views (rejected 0-RTT data first), from the first flow that shows it
      const views = new Map<string, QuicStreamView[]>();
      for (const fl of a.flows.flows.filter((f) => f.app === 'quic')) {
        const r = (await followFlow(a, bytes, fl.id, dnsMessageView))!;
        expect(r.note).toBeNull();
        const here = new Map<string, QuicStreamView[]>();
        for (const s of r.quic!) {
          const key = `${s.connection}/${s.id}/${s.dir}`;
          if (!views.has(key)) here.set(key, [...(here.get(key) ?? []), s]);
        }
        for (const [k, v] of here) views.set(k, v);
      }
      let equal = 0;
      for (const [key, vs] of views) {
        const gaps = vs.flatMap((s) => s.pieces.filter((p) => p.type === 'gap').map((p) => `${p.offset}+${p.length}`));
        expect(gaps, key).toEqual(QUIC_GAPS[`${name} ${key}`] ?? []);
        expect(vs.filter((s) => s.rejectedEarlyData).length, key).toBeLessThanOrEqual(1);
        // tshark writes every STREAM frame in capture order: the rejected early data came first
        const ours = vs.map((s) => s.pieces.map((p) => (p.type === 'data' ? p.hex : '')).join('')).join('');
        // node 0 is the connection's client: its Initial is the first packet
        const [conn, id, dir] = key.split('/').map(Number);
        const theirs = tsharkQuic(file, keylog, conn, id)[dir];
        if (theirs.join('') === ours) equal++;
        else if (gaps.length) {
          // the stream's data decrypted on both sides, ours placed by offset
          for (const s of vs) for (const p of s.pieces) if (p.type === 'data') expect(theirs.join('').includes(p.hex), key).toBe(true);
        }
        else {
          // tshark's Follow QUIC Stream writes every STREAM frame's data, a retransmitted
          // one again (it does not place data by offset): more bytes, each chunk ours
          expect(theirs.join('').length, key).toBeGreaterThan(ours.length);
          for (const chunk of theirs) expect(ours.includes(chunk), `${key}: ${chunk.slice(0, 16)}…`).toBe(true);
        }
      }
      expect(views.size).toBeGreaterThan(2);
      expect(equal).toBeGreaterThan(0);
      // the streams that began in 0-RTT packets (tshark: quic.long.packet_type == 1) are all among the equal ones
      const zeroRtt = tsharkZeroRttStreams(file, keylog);
      if (name.includes('0rtt') || name.includes('rejected')) expect(zeroRtt.length).toBeGreaterThan(0);
      for (const key of zeroRtt) {
        const vs = views.get(key)!;
        expect(vs, key).toBeDefined();
        const [conn, id, dir] = key.split('/').map(Number);
        expect(vs.map((s) => s.pieces.map((p) => (p.type === 'data' ? p.hex : '')).join('')).join(''), key).toBe(tsharkQuic(file, keylog, conn, id)[dir].join(''));
        expect(vs.some((s) => s.rejectedEarlyData), key).toBe(!tsharkEarlyAccepted(file, keylog, conn));
      }
    });
  }

  it('says how to see the streams when no key log is loaded', async () => {
    const bytes = bytesOf(resolve(ROOT, 'fixtures/quic/ngtcp2-h3.pcap'));
    const a = await analyzeCapture(bytes);
    const fl = a.flows.flows.find((f) => f.app === 'quic')!;
    const r = (await followFlow(a, bytes, fl.id, dnsMessageView))!;
    expect(r.quic).toEqual([]);
    expect(r.note).toMatch(/key log/);
    expect(r.messages.length).toBe(fl.clientPackets + fl.serverPackets);
  });
});
