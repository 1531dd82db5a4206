// Small captures built in memory (raw-IP pcap): a handshake nobody answers, an Initial
// carrying CONNECTION_CLOSE, and UDP that only looks like QUIC.
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../../analysis/analyze';
import { toJson } from '../../../analysis/output';
import { fromHex } from '../../../parsers/quic/header';
import { initialKeys, protect } from '../../../parsers/quic/protection';
import { QuicTracker } from '../../../analysis/quic/tracker';

function pcap(records: { t: number; ip: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const gh = new DataView(new ArrayBuffer(24));
  gh.setUint32(0, 0xa1b2c3d4, true); gh.setUint16(4, 2, true); gh.setUint16(6, 4, true); gh.setUint32(16, 65535, true); gh.setUint32(20, 101, true);
  parts.push(new Uint8Array(gh.buffer));
  for (const r of records) {
    const h = new DataView(new ArrayBuffer(16));
    h.setUint32(0, Math.floor(r.t), true); h.setUint32(4, Math.round((r.t % 1) * 1e6), true); h.setUint32(8, r.ip.length, true); h.setUint32(12, r.ip.length, true);
    parts.push(new Uint8Array(h.buffer), r.ip);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function udp(src: number[], sport: number, dst: number[], dport: number, payload: Uint8Array): Uint8Array {
  const ip = new Uint8Array(28 + payload.length);
  const v = new DataView(ip.buffer);
  ip[0] = 0x45; v.setUint16(2, ip.length); ip[8] = 64; ip[9] = 17;
  ip.set(src, 12); ip.set(dst, 16);
  v.setUint16(20, sport); v.setUint16(22, dport); v.setUint16(24, 8 + payload.length);
  ip.set(payload, 28);
  return ip;
}

const C = [10, 83, 1, 1], S = [10, 83, 1, 2];

async function clientInitial(dcid: Uint8Array, pn: number, frames: Uint8Array): Promise<Uint8Array> {
  const keys = (await initialKeys(dcid, 1))!;
  const payload = new Uint8Array(1162);
  payload.set(frames);
  const hdr = new Uint8Array([0xc1, 0, 0, 0, 1, dcid.length, ...dcid, 0, 0, 0x40 | (payload.length + 16 + 2) >> 8, (payload.length + 16 + 2) & 0xff, pn >> 8, pn & 0xff]);
  return protect(hdr, hdr.length - 2, 2, pn, payload, keys.client, true);
}

const SCID = fromHex('5e5e5e5e5e5e5e5e');

/** A server Initial (to the client's empty SCID, from SCID) with the given frames, unpadded. */
async function serverInitial(dcid: Uint8Array, pn: number, frames: Uint8Array): Promise<Uint8Array> {
  const keys = (await initialKeys(dcid, 1))!;
  const payload = new Uint8Array(Math.max(frames.length, 24));
  payload.set(frames);
  const len = payload.length + 16 + 2;
  const hdr = new Uint8Array([0xc1, 0, 0, 0, 1, 0, SCID.length, ...SCID, 0, 0x40 | (len >> 8), len & 0xff, pn >> 8, pn & 0xff]);
  return protect(hdr, hdr.length - 2, 2, pn, payload, keys.server, true);
}

/** A server Handshake packet (its payload is noise: nobody here has the keys). */
function serverHandshake(): Uint8Array {
  const body = new Uint8Array(60).fill(0x37);
  return new Uint8Array([0xe1, 0, 0, 0, 1, 0, SCID.length, ...SCID, 0x40, body.length, ...body]);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function clientHelloFrame(sni: string): Uint8Array {
  const name = new TextEncoder().encode(sni);
  const sniExt = [0, 0, 0, name.length + 5, 0, name.length + 3, 0, 0, name.length, ...name];
  const alpnExt = [0, 16, 0, 5, 0, 3, 2, 0x68, 0x33];
  const exts = [...sniExt, ...alpnExt];
  const body = [3, 3, ...new Array(32).fill(7), 0, 0, 2, 0x13, 0x01, 1, 0, exts.length >> 8, exts.length & 0xff, ...exts];
  const hs = [1, 0, body.length >> 8, body.length & 0xff, ...body];
  return new Uint8Array([0x06, 0x00, 0x40 | (hs.length >> 8), hs.length & 0xff, ...hs]);
}

async function analyze(records: { t: number; ip: Uint8Array }[]) {
  const a = await analyzeCapture(pcap(records));
  return toJson(a);
}

describe('synthetic QUIC', () => {
  it('client Initials never answered: quic.handshake-unanswered at the first one, SNI read from it', async () => {
    const dcid = fromHex('0011223344556677');
    const ch = clientHelloFrame('unanswered.example');
    const j = await analyze([
      { t: 100, ip: udp(C, 50000, S, 443, await clientInitial(dcid, 0, ch)) },
      { t: 100.3, ip: udp(C, 50000, S, 443, await clientInitial(dcid, 1, ch)) },
      { t: 100.9, ip: udp(C, 50000, S, 443, await clientInitial(dcid, 2, ch)) },
    ]);
    expect(j.quic).toHaveLength(1);
    expect(j.quic[0]).toMatchObject({ number: 0, sni: 'unanswered.example', alpn: ['h3'], frames: [1, 2, 3], clientCids: [] });
    const ev = j.events.filter((e) => e.kind.startsWith('quic.'));
    expect(ev.map((e) => [e.frame, e.kind, e.severity])).toEqual([[1, 'quic.handshake-unanswered', 'break']]);
    expect(ev[0].message).toBe('3 client Initial packets over 0.900 s (SNI unanswered.example), no answer from the server');
  });

  it('CONNECTION_CLOSE in the client\'s last Initial is read (authenticated) without keys', async () => {
    const dcid = fromHex('8899aabbccddeeff');
    const close = new Uint8Array([0x1c, 0x0a, 0x00, 0x03, 0x62, 0x61, 0x64]); // PROTOCOL_VIOLATION "bad"
    const j = await analyze([
      { t: 1, ip: udp(C, 50001, S, 4433, await clientInitial(dcid, 0, clientHelloFrame('x.example'))) },
      { t: 1.1, ip: udp(C, 50001, S, 4433, await clientInitial(dcid, 1, new Uint8Array([0x01]))) },
      { t: 1.2, ip: udp(C, 50001, S, 4433, await clientInitial(dcid, 2, new Uint8Array([0x01]))) },
      { t: 1.3, ip: udp(C, 50001, S, 4433, await clientInitial(dcid, 3, close)) },
    ]);
    const ev = j.events.filter((e) => e.kind === 'quic.connection-close');
    expect(ev.map((e) => [e.frame, e.severity])).toEqual([[4, 'break']]);
    expect(ev[0].message).toBe('the client closes connection 0 with transport error 0xa PROTOCOL_VIOLATION ("bad") in an Initial packet');
  });

  it('a ClientHello split over two Initials, a CONNECTION_CLOSE beside the CRYPTO: both read, the third Initial not', async () => {
    const dcid = fromHex('1020304050607080');
    const whole = clientHelloFrame('split.example');
    const hs = whole.subarray(4); // the handshake message after the CRYPTO frame header (offset 0, 2-byte length)
    const half = 20;
    const first = new Uint8Array([0x06, 0x00, 0x40, half, ...hs.subarray(0, half)]);
    const rest = hs.subarray(half);
    const close = [0x1c, 0x00, 0x00, 0x00]; // NO_ERROR, no reason
    const second = new Uint8Array([0x06, 0x40, half, 0x40 | (rest.length >> 8), rest.length & 0xff, ...rest, ...close]);
    const j = await analyze([
      { t: 1, ip: udp(C, 50002, S, 443, await clientInitial(dcid, 0, first)) },
      { t: 1.1, ip: udp(C, 50002, S, 443, await clientInitial(dcid, 1, second)) },
      { t: 1.2, ip: udp(C, 50002, S, 443, await clientInitial(dcid, 2, whole)) },
    ]);
    expect(j.quic[0]).toMatchObject({ sni: 'split.example', alpn: ['h3'], decryptedPackets: 2 });
    const ev = j.events.filter((e) => e.kind === 'quic.connection-close');
    expect(ev.map((e) => [e.frame, e.severity])).toEqual([[2, 'info']]);
  });

  it('a client Initial without CRYPTO is authenticated at the end, and the client Initials after it with it', async () => {
    const dcid = fromHex('a0a1a2a3a4a5a6a7');
    const ch = clientHelloFrame('late.example');
    const j = await analyze([
      { t: 1, ip: udp(C, 50003, S, 443, await clientInitial(dcid, 0, new Uint8Array([0x01]))) },
      { t: 1.1, ip: udp(C, 50003, S, 443, await clientInitial(dcid, 1, ch)) },
      { t: 1.2, ip: udp(C, 50003, S, 443, await clientInitial(dcid, 2, ch)) },
    ]);
    expect(j.quic[0]).toMatchObject({ sni: 'late.example', decryptedPackets: 2 });
  });

  it('CONNECTION_CLOSE in a server Initial is read when the server never got past Initial, told a classic pcap or not', async () => {
    const dcid = fromHex('0102030405060708');
    const refuse = new Uint8Array([0x1c, 0x02, 0x00, 0x00]); // CONNECTION_REFUSED
    const records = async () => [
      { t: 1, ip: udp(C, 50004, S, 443, await clientInitial(dcid, 0, clientHelloFrame('refused.example'))) },
      { t: 1.01, ip: udp(S, 443, C, 50004, await serverInitial(dcid, 0, refuse)) },
      // a second connection whose server goes on to Handshake in the same datagram: its Initial is not read
      { t: 2, ip: udp(C, 50005, S, 443, await clientInitial(fromHex('1112131415161718'), 0, clientHelloFrame('ok.example'))) },
      { t: 2.01, ip: udp(S, 443, C, 50005, concat(await serverInitial(fromHex('1112131415161718'), 0, refuse), serverHandshake())) },
    ];
    for (const captureSecrets of [undefined, false]) {
      const a = await analyzeCapture(pcap(await records()), { trackerOptions: { protocols: [] }, trackers: [new QuicTracker({ captureSecrets })] });
      const j = toJson(a);
      expect(j.quic.map((c) => [c.sni, (c as { decryptedPackets?: number }).decryptedPackets])).toEqual([['refused.example', 2], ['ok.example', 1]]);
      const ev = j.events.filter((e) => e.kind === 'quic.connection-close');
      expect(ev.map((e) => [e.frame, e.message])).toEqual([[2, 'the server closes connection 0 with transport error 0x2 CONNECTION_REFUSED in an Initial packet']]);
    }
  });

  it('does not take other UDP for QUIC', async () => {
    const noise = new Uint8Array(1300).map((_, i) => (i * 131 + 7) & 0xff);
    noise[0] = 0xc3; // long-header bit, but version bytes that are no QUIC version
    const dnsLike = fromHex('c0a8010000010000000000000377777706676f6f676c6503636f6d0000010001');
    const short = new Uint8Array(60).fill(0x42); // short-header shape, no connection anywhere
    const j = await analyze([
      { t: 1, ip: udp(C, 40000, S, 9999, noise) },
      { t: 2, ip: udp(C, 40001, S, 53, dnsLike) },
      { t: 3, ip: udp(C, 40002, S, 443, short) },
    ]);
    expect(j.quic).toEqual([]);
    expect(j.flows.every((f) => f.app !== 'quic')).toBe(true);
    expect(j.events.filter((e) => e.kind.startsWith('quic.'))).toEqual([]);
  });
});
