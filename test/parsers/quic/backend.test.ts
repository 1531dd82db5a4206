// The injected QUIC crypto backend (parsers/quic/backend.ts) against the pure-JS default:
// node:crypto (host/quic-crypto.ts) must give the same Initial keys on RFC 9001 Appendix A,
// the same AES-CTR (GCM's 32-bit counter, also across its wrap), the same peeks of the
// recorded QUIC fixtures, and the same analysis JSON of every QUIC fixture.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { aesCtrXor, aesExpandKey } from '../../../parsers/quic/aes';
import { quicCrypto, setQuicCrypto, type QuicCrypto } from '../../../parsers/quic/backend';
import { fromHex, hex } from '../../../parsers/quic/header';
import { initialKeys, initialKeysSync, packetKeys, peek, protect, suiteOf, updatedKeys, unprotect, TLS_AES_256_GCM_SHA384 } from '../../../parsers/quic/protection';
import { nodeQuicCrypto } from '../../../host/quic-crypto';
import { FIXTURES_QUIC, run } from '../../analysis/quic/helpers';

const h = (b: Uint8Array): string => hex(b, 0, b.length);

/** nodeQuicCrypto with its calls counted, and each call checked against the default (HMAC by OpenSSL's own, CTR by aes.ts). */
function checked(): { backend: QuicCrypto; calls: { hmac: number; aesCtr: number; ctrBytes: number } } {
  const calls = { hmac: 0, aesCtr: 0, ctrBytes: 0 };
  return {
    calls,
    backend: {
      hmac(hash, key, msg) {
        calls.hmac++;
        return nodeQuicCrypto.hmac!(hash, key, msg);
      },
      aesCtr(key, iv, ctr0, src, s, n, out, o) {
        calls.aesCtr++;
        calls.ctrBytes += n;
        nodeQuicCrypto.aesCtr!(key, iv, ctr0, src, s, n, out, o);
        const want = new Uint8Array(n);
        aesCtrXor(aesExpandKey(key), iv, ctr0, src, s, n, want, 0);
        expect(h(out.subarray(o, o + n))).toBe(h(want));
      },
    },
  };
}

afterEach(() => setQuicCrypto(null));

const BACKENDS: [string, () => QuicCrypto | null][] = [['pure JS', () => null], ['node:crypto', () => nodeQuicCrypto]];

describe('RFC 9001 Appendix A.1 Initial keys (DCID 8394c8f03e515708), with either backend', () => {
  const dcid = fromHex('8394c8f03e515708');
  const want = {
    client: { secret: 'c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea', key: '1f369613dd76d5467730efcbe3b1a22d', iv: 'fa044b2f42a3fd3b46fb255c', hpKey: '9f50449e04a0e810283a1e9933adedd2' },
    server: { secret: '3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b', key: 'cf3a5331653c364c88f0f379b6067e37', iv: '0ac1493ca1905853b0bba03e', hpKey: 'c206b8d9b9f0f37644430b490eeaa314' },
  };
  for (const [name, b] of BACKENDS) {
    it(`${name}: client and server secret, key, iv, hp (async and sync derivations)`, async () => {
      const c = checked();
      setQuicCrypto(b() === null ? null : c.backend);
      const k = (await initialKeys(dcid, 1))!;
      for (const side of ['client', 'server'] as const) {
        const sync = initialKeysSync(dcid, 1, side === 'client')!;
        for (const keys of [k[side], sync]) for (const f of ['secret', 'key', 'iv', 'hpKey'] as const) expect(h(keys[f]), `${side} ${f}`).toBe(want[side][f]);
        // the expanded keys follow the raw ones
        expect([...sync.keyExp]).toEqual([...aesExpandKey(fromHex(want[side].key))]);
        expect([...sync.hp]).toEqual([...aesExpandKey(fromHex(want[side].hpKey))]);
      }
      // extract + "client in"/"server in" + key, iv, hp: 9 HMACs for the async pair, 5 per sync side
      if (b() !== null) expect(c.calls.hmac).toBe(9 + 10);
      else expect(c.calls.hmac).toBe(0);
    });
  }

  it('the backend returns the digest whole; the keys are copies, not views of it', async () => {
    let last: Uint8Array | null = null;
    setQuicCrypto({ hmac: (hash, key, msg) => (last = nodeQuicCrypto.hmac!(hash, key, msg)) });
    const k = initialKeysSync(dcid, 1, true)!;
    expect(last).not.toBeNull();
    expect(k.hpKey.buffer).not.toBe(last!.buffer);
    last!.fill(0); // the backend may reuse its buffer
    expect(h(k.hpKey)).toBe(want.client.hpKey);
  });

  it('v2, a draft, SHA-384 packet keys and a key update are the same with either backend', async () => {
    const derive = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const v of [1, 0x6b3343cf, 0xff00001d]) {
        const k = (await initialKeys(dcid, v))!;
        out.push(h(k.client.key), h(k.client.iv), h(k.client.hpKey), h(k.server.key), h(k.server.iv), h(k.server.hpKey));
      }
      const secret = fromHex('ab'.repeat(48));
      const k384 = await packetKeys(secret, suiteOf(TLS_AES_256_GCM_SHA384)!, 1);
      const next = await updatedKeys(k384);
      out.push(h(k384.key), h(k384.iv), h(k384.hpKey), h(next.secret), h(next.key), h(next.iv), h(next.hpKey));
      return out;
    };
    const js = await derive();
    const c = checked();
    setQuicCrypto(c.backend);
    expect(await derive()).toEqual(js);
    expect(c.calls.hmac).toBeGreaterThan(20);
    // the key update: HMAC-SHA384 through node:crypto, as OpenSSL computes it
    expect(js[js.length - 4]).toBe(createHmac('sha384', secret384()).update(Buffer.concat([Buffer.from([0, 48, 13]), Buffer.from('tls13 quic ku'), Buffer.from([0, 1])])).digest('hex'));
  });
});

function secret384(): Buffer {
  return Buffer.from('ab'.repeat(48), 'hex');
}

describe('AES-CTR with GCM\'s 32-bit counter', () => {
  const key = fromHex('000102030405060708090a0b0c0d0e0f');
  const iv = fromHex('cafebabefacedbaddecaf888');
  for (const [name, k] of [['AES-128', key], ['AES-256', fromHex('00112233445566778899aabbccddeeff'.repeat(2))]] as const) {
    it(`${name}: node:crypto gives aes.ts' keystream, also where the counter wraps past 0xffffffff`, () => {
      for (const [ctr0, n] of [[2, 1200], [0xfffffffe, 16 * 4 + 5], [0xffffffff, 16], [0xffffffff, 33], [0x7fffffff, 40], [0, 0], [5, 7]] as const) {
        const src = randomBytes(n + 9);
        const js = new Uint8Array(n + 3), native = new Uint8Array(n + 3);
        aesCtrXor(aesExpandKey(k), iv, ctr0, src, 9, n, js, 3);
        nodeQuicCrypto.aesCtr!(k, iv, ctr0, src, 9, n, native, 3);
        expect(h(native), `ctr0 ${ctr0.toString(16)} n ${n}`).toBe(h(js));
      }
    });
  }

  it('the wrap matters: OpenSSL\'s CTR, carrying into the IV, differs after 0xffffffff (what the split avoids)', () => {
    const src = new Uint8Array(48);
    const js = new Uint8Array(48);
    aesCtrXor(aesExpandKey(key), iv, 0xffffffff, src, 0, 48, js, 0);
    const block = Buffer.concat([Buffer.from(iv), Buffer.from([0xff, 0xff, 0xff, 0xff])]);
    const carried = createCipheriv('aes-128-ctr', key, block).update(src);
    expect(h(carried.subarray(0, 16))).toBe(h(js.subarray(0, 16)));
    expect(h(carried.subarray(16))).not.toBe(h(js.subarray(16)));
  });
});

describe('the peek through the backend', () => {
  it('reads what unprotect (WebCrypto AES-GCM) reads, with the CTR through node:crypto', async () => {
    const k = (await initialKeys(fromHex('8394c8f03e515708'), 1))!;
    const header = fromHex('c3' + '00000001' + '08' + '8394c8f03e515708' + '00' + '00' + '44d0' + '00000002');
    const c = checked();
    setQuicCrypto(c.backend);
    for (const size of [20, 33, 1162]) {
      const payload = randomBytes(size);
      const pkt = await protect(header, header.length - 4, 4, 2, payload, k.client, true);
      expect(h((await unprotect(pkt, header.length - 4, true, k.client, -1))!.payload)).toBe(h(payload));
      expect(h(peek(pkt, header.length - 4, true, k.client, -1)!.payload)).toBe(h(payload));
    }
    expect(c.calls.aesCtr).toBe(3);
  });
});

describe('every QUIC fixture analyses to the same JSON with and without the node:crypto backend', () => {
  const files = readdirSync(FIXTURES_QUIC).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).sort();
  it('finds the fixtures', () => expect(files.length).toBeGreaterThanOrEqual(10));
  for (const f of files) {
    const keylog = join(FIXTURES_QUIC, f.replace(/(-dsb)?\.pcap(ng)?(\.gz)?$/, '.keylog.txt'));
    const withKeylog = existsSync(keylog) && !f.includes('-dsb') ? [undefined, keylog] : [undefined];
    for (const kl of withKeylog) {
      it(`${f}${kl ? ' with its key log' : ''}`, async () => {
        setQuicCrypto(null);
        const js = JSON.stringify((await run(join(FIXTURES_QUIC, f), kl)).json);
        const c = checked();
        setQuicCrypto(c.backend);
        const native = JSON.stringify((await run(join(FIXTURES_QUIC, f), kl)).json);
        expect(quicCrypto()).toBe(c.backend);
        expect(native).toBe(js);
        // the backend did the key schedule, and (without secrets: no key log, no decryption secrets block) the ClientHello peeks, each checked against aes.ts
        expect(c.calls.hmac).toBeGreaterThan(0);
        if (!kl && !f.includes('-dsb')) expect(c.calls.aesCtr).toBeGreaterThan(0);
      });
    }
  }
});
