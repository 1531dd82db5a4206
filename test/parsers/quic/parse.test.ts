// Header, frame, TLS and key log parsing on real datagram bytes (taken with
// `tshark -T fields -e udp.payload` from the captures named per case).
import { describe, expect, it } from 'vitest';
import { fromHex, hex, isGreaseVersion, longType, parseLongHeader, PacketType, readVarint, vnVersions } from '../../../parsers/quic/header';
import { CryptoStream, errorName, parseFrames } from '../../../parsers/quic/frames';
import { parseKeylog } from '../../../parsers/quic/keylog';
import { acceptsEarlyData, parseClientHello, parseClientHelloNames, parseNewSessionTicket, parseServerHello, parseTransportParams } from '../../../parsers/quic/tls';

describe('long headers', () => {
  it('Version Negotiation (tcpdump quic_vn.pcap frame 2)', () => {
    const d = fromHex('f50000000000089d5728481287a3b4000000011a2a3a4a');
    const h = parseLongHeader(d, 0, d.length)!;
    expect(h.type).toBe(PacketType.VERSION_NEGOTIATION);
    expect(h.dcidLen).toBe(0);
    expect(hex(d, h.scidOff, h.scidLen)).toBe('9d5728481287a3b4');
    expect(vnVersions(d, h)).toEqual([1, 0x1a2a3a4a]);
  });

  it('Retry (zeek quic-go retry.pcap frame 6)', () => {
    const d = fromHex('f00000000100041b036a11f1720d679533b59c925699f6240dec770d7790167eda7b9a15f5c7f3e057faaeefdb13998435eb3a659d1a9b00eeb5cb8d09a1a6ef2e9de650dc0d9a7f577ecdd31446afeca1eafea5787723fba555639c77f544e233e995994d8066a2de7d14a1109b3ac827ccae092e3f8fdf84ec8ee526');
    const h = parseLongHeader(d, 0, d.length)!;
    expect(h.type).toBe(PacketType.RETRY);
    expect(hex(d, h.scidOff, h.scidLen)).toBe('1b036a11');
    expect(h.tokenLen).toBe(98);
  });

  it('hex of every length, CID-sized and longer, as Buffer writes it', () => {
    const d = Uint8Array.from({ length: 5000 }, (_, i) => (i * 97 + 13) & 0xff);
    for (const len of [0, 1, 4, 8, 19, 20, 21, 64, 4097]) {
      for (const off of [0, 3]) expect(hex(d, off, len)).toBe(Buffer.from(d.subarray(off, off + len)).toString('hex'));
    }
  });

  it('v2 permutes the type bits (RFC 9369 3.2)', () => {
    expect(longType(0x6b3343cf, 1)).toBe(PacketType.INITIAL);
    expect(longType(0x6b3343cf, 0)).toBe(PacketType.RETRY);
    expect(longType(0x6b3343cf, 3)).toBe(PacketType.HANDSHAKE);
    expect(longType(1, 0)).toBe(PacketType.INITIAL);
    expect(isGreaseVersion(0x1a2a3a4a)).toBe(true);
  });

  it('does not take DNS for QUIC (zeek dns53.pcap response, first byte ≥ 0x80 would be needed)', () => {
    const d = fromHex('646584800001000800070007027573037632370b6469737472696275746564036e65740000010001c00c0001000100000384');
    expect(parseLongHeader(d, 0, d.length)).toBeNull();
    // a DNS-looking header with the long-header bit set is still refused: unknown version
    const e = fromHex('e46584800001000800070007027573037632370b6469737472696275746564036e65740000010001c00c0001000100000384');
    expect(parseLongHeader(e, 0, e.length)).toBeNull();
  });

  it('varints (RFC 9000 A.1)', () => {
    expect(readVarint(fromHex('c2197c5eff14e88c'), 0, 8)).toBe(151288809941952652);
    expect(readVarint(fromHex('9d7f3e7d'), 0, 4)).toBe(494878333);
    expect(readVarint(fromHex('7bbd'), 0, 2)).toBe(15293);
    expect(readVarint(fromHex('25'), 0, 1)).toBe(37);
    expect(readVarint(fromHex('7b'), 0, 1)).toBe(-1);
  });
});

describe('frames', () => {
  it('NEW_CONNECTION_ID, RETIRE, PATH_CHALLENGE/RESPONSE, CONNECTION_CLOSE, HANDSHAKE_DONE', () => {
    const d = fromHex(
      '18' + '01' + '00' + '04' + 'b3287343' + 'ff1e1599021da1bf89b55588f08ed9b5' +
      '19' + '02' +
      '1a' + '0102030405060708' +
      '1b' + '0102030405060708' +
      '1e' +
      '1c' + '0a' + '08' + '03' + '626164' +
      '1d' + '4100' + '00',
    );
    const f = parseFrames(d);
    expect(f.map((x) => x.type)).toEqual(['new_connection_id', 'retire_connection_id', 'path_challenge', 'path_response', 'handshake_done', 'connection_close', 'connection_close']);
    expect(f[0]).toMatchObject({ seq: 1, cid: 'b3287343', resetToken: 'ff1e1599021da1bf89b55588f08ed9b5' });
    expect(f[5]).toMatchObject({ application: false, errorCode: 0x0a, frameType: 8, reason: 'bad' });
    expect(f[6]).toMatchObject({ application: true, errorCode: 0x100 });
    expect(errorName(0x0a, false)).toBe('PROTOCOL_VIOLATION');
    expect(errorName(0x100, true)).toBe('H3_NO_ERROR');
    expect(errorName(0x128, false)).toBe('CRYPTO_ERROR (TLS alert 40)');
  });

  it('reassembles CRYPTO by offset across packets, in any order', () => {
    const s = new CryptoStream();
    s.add(5, fromHex('0607'));
    s.add(0, fromHex('0102030405'));
    s.add(9, fromHex('ff'));
    expect(hex(s.contiguous(), 0, 7)).toBe('01020304050607');
    expect(s.contiguous().length).toBe(7);
  });

  it('a stream of one chunk from offset 0 is that chunk, copied from the payload it came in', () => {
    const payload = fromHex('0102030405');
    const s = new CryptoStream();
    s.add(0, payload.subarray(1, 4));
    payload.fill(0); // the peek's scratch buffer is reused for the next packet
    expect(hex(s.contiguous(), 0, 3)).toBe('020304');
    s.add(3, fromHex('05'));
    expect(hex(s.contiguous(), 0, 4)).toBe('02030405');
  });
});

describe('TLS', () => {
  it('ClientHello: random, SNI, ALPN, transport parameters', () => {
    const ext = (t: number, body: string): string => t.toString(16).padStart(4, '0') + (body.length / 2).toString(16).padStart(4, '0') + body;
    const sniName = Buffer.from('example.com').toString('hex');
    const sni = ext(0, (3 + sniName.length / 2).toString(16).padStart(4, '0') + '00' + (sniName.length / 2).toString(16).padStart(4, '0') + sniName);
    const alpn = ext(16, '0006' + '026833' + '026832');
    const tp = ext(0x39, '0f04' + 'aabbccdd' + '0210' + '00112233445566778899aabbccddeeff');
    const exts = sni + alpn + tp;
    const body = '0303' + '11'.repeat(32) + '00' + '0002' + '1301' + '0100' + (exts.length / 2).toString(16).padStart(4, '0') + exts;
    const ch = parseClientHello(fromHex(body))!;
    expect(ch.random).toBe('11'.repeat(32));
    expect(ch.sni).toBe('example.com');
    expect(ch.alpn).toEqual(['h3', 'h2']);
    expect(ch.transportParams).toMatchObject({ initialSourceCid: 'aabbccdd', statelessResetToken: '00112233445566778899aabbccddeeff' });
    expect(ch.pskIdentities).toEqual([]);
    expect(ch.earlyData).toBe(false);
    expect(parseClientHelloNames(fromHex(body))).toEqual({ random: ch.random, sni: ch.sni, alpn: ch.alpn, pskIdentities: [], earlyData: false });
    // a repeated extension: the last one counts, in both parses; a cut-short list keeps what came before
    const twice = exts + ext(16, '0003' + '026871') + ext(0, '0010');
    const body2 = '0303' + '22'.repeat(32) + '00' + '0002' + '1301' + '0100' + (twice.length / 2 + 3).toString(16).padStart(4, '0') + twice + 'ff';
    const full = parseClientHello(fromHex(body2))!;
    expect(full.alpn).toEqual(['hq']);
    expect(full.sni).toBeNull();
    expect(parseClientHelloNames(fromHex(body2))).toEqual({ random: full.random, sni: full.sni, alpn: full.alpn, pskIdentities: [], earlyData: false });
    expect(parseClientHelloNames(fromHex(body.slice(0, 40)))).toBeNull();
  });

  it('resumption: the ClientHello\'s PSK identities and early_data, the ServerHello\'s selected PSK, EncryptedExtensions\' early_data, a NewSessionTicket', () => {
    const ext = (t: number, body: string): string => t.toString(16).padStart(4, '0') + (body.length / 2).toString(16).padStart(4, '0') + body;
    const u16 = (n: number): string => n.toString(16).padStart(4, '0');
    // OfferedPsks: two identities (identity<1..2^16-1>, obfuscated_ticket_age), then one 33-byte binder
    const ids = u16(3) + 'a1a2a3' + '00000001' + u16(2) + 'b1b2' + '00000002';
    const psk = ext(41, u16(ids.length / 2) + ids + u16(33) + '20' + '00'.repeat(32));
    const exts = ext(42, '') + psk;
    const body = '0303' + '33'.repeat(32) + '00' + '0002' + '1301' + '0100' + u16(exts.length / 2) + exts;
    expect(parseClientHello(fromHex(body))).toMatchObject({ pskIdentities: ['a1a2a3', 'b1b2'], earlyData: true });
    expect(parseClientHelloNames(fromHex(body))).toMatchObject({ pskIdentities: ['a1a2a3', 'b1b2'], earlyData: true });
    // ServerHello: version, random, session id, cipher suite, compression, extensions (pre_shared_key: selected identity 1)
    const sh = (random: string, e: string): Uint8Array => fromHex('0303' + random + '00' + '1301' + '00' + u16(e.length / 2) + e);
    expect(parseServerHello(sh('44'.repeat(32), ext(43, '0304') + ext(41, '0001')))).toEqual({ random: '44'.repeat(32), cipherSuite: 0x1301, pskSelected: 1, helloRetry: false });
    expect(parseServerHello(sh('44'.repeat(32), ext(43, '0304')))!.pskSelected).toBeNull();
    const hrr = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';
    expect(parseServerHello(sh(hrr, ext(43, '0304')))!.helloRetry).toBe(true);
    // EncryptedExtensions: extensions<0..2^16-1>
    const ee = (e: string): Uint8Array => fromHex(u16(e.length / 2) + e);
    expect(acceptsEarlyData(ee(ext(0x39, '0104' + '80007530') + ext(42, '')))).toBe(true);
    expect(acceptsEarlyData(ee(ext(0x39, '0104' + '80007530')))).toBe(false);
    // NewSessionTicket: lifetime, age_add, nonce<0..255>, ticket<1..2^16-1>, extensions (early_data: max_early_data_size)
    const nst = '00001c20' + '01020304' + '01' + '00' + u16(4) + 'deadbeef';
    expect(parseNewSessionTicket(fromHex(nst + u16(8) + ext(42, 'ffffffff')))).toEqual({ ticket: 'deadbeef', maxEarlyData: 0xffffffff });
    expect(parseNewSessionTicket(fromHex(nst + u16(0)))).toEqual({ ticket: 'deadbeef', maxEarlyData: null });
    expect(parseNewSessionTicket(fromHex(nst.slice(0, 20)))).toBeNull();
  });

  it('transport parameters: original/initial/retry source CIDs', () => {
    const tp = parseTransportParams(fromHex('0004' + '01020304' + '0f02' + 'aabb' + '1003' + 'ccddee' + '0104' + '80007530'));
    expect(tp).toMatchObject({ originalDestinationCid: '01020304', initialSourceCid: 'aabb', retrySourceCid: 'ccddee', maxIdleTimeoutMs: 30000 });
  });

  it('parses NSS key logs', () => {
    const m = parseKeylog('# comment\nCLIENT_HANDSHAKE_TRAFFIC_SECRET AABB 0102\nSERVER_TRAFFIC_SECRET_0 aabb 0304\nCLIENT_RANDOM aabb 05\n');
    expect([...m.keys()]).toEqual(['aabb']);
    expect(hex(m.get('aabb')!.clientHandshake!, 0, 2)).toBe('0102');
    expect(hex(m.get('aabb')!.server0!, 0, 2)).toBe('0304');
  });
});
