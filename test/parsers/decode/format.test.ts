// formatIp / formatEndpoint: dotted quad and RFC 5952 canonical IPv6 text.

import { describe, expect, it } from 'vitest';
import { formatEndpoint, formatIp } from '../../../parsers/decode/index';
import { unhex } from './util';

const v6 = (h: string) => formatIp(unhex(h), 0, 6);

describe('formatIp', () => {
  it('IPv4', () => {
    expect(formatIp(new Uint8Array([10, 0, 0, 1]), 0, 4)).toBe('10.0.0.1');
    expect(formatIp(new Uint8Array([9, 255, 0, 0, 7, 0]), 2, 4)).toBe('0.0.7.0');
  });

  it('IPv6, RFC 5952: lowercase, no leading zeros, the longest zero run as ::', () => {
    expect(v6('00000000000000000000000000000000')).toBe('::');
    expect(v6('00000000000000000000000000000001')).toBe('::1');
    expect(v6('20010db8000000000000000000000001')).toBe('2001:db8::1');
    expect(v6('20010DB8000000000000000000000001')).toBe('2001:db8::1');
    expect(v6('fe800000000000008c3606fffe44acaf')).toBe('fe80::8c36:6ff:fe44:acaf');
    expect(v6('20010db8000000000000000000000000')).toBe('2001:db8::');
    // 4.2.2: a single zero group is not shortened.
    expect(v6('20010db8000000010001000100010001')).toBe('2001:db8:0:1:1:1:1:1');
    // 4.2.3: the longest run; the first of equal runs.
    expect(v6('20010000000000010000000000000001')).toBe('2001:0:0:1::1');
    expect(v6('20010db8000000000001000000000001')).toBe('2001:db8::1:0:0:1');
    expect(v6('0001000000000000000000000000ffff')).toBe('1::ffff');
  });

  it('IPv4-mapped addresses as ::ffff:a.b.c.d', () => {
    expect(v6('00000000000000000000ffffc0000201')).toBe('::ffff:192.0.2.1');
  });

  it('agrees with the WHATWG URL serializer (also RFC 5952 compression) on random addresses', () => {
    let seed = 7;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 16;
    };
    for (let i = 0; i < 2000; i++) {
      const b = new Uint8Array(16);
      // Mostly zero groups so that runs of every length and position appear.
      for (let g = 0; g < 8; g++) {
        if (rnd() % 3 === 0) {
          b[2 * g] = rnd() % 3 === 0 ? rnd() & 0xff : 0;
          b[2 * g + 1] = rnd() & 0xff;
        }
      }
      if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) continue;
      const ours = formatIp(b, 0, 6);
      const url = new URL(`http://[${ours}]/`).hostname;
      expect(`[${ours}]`).toBe(url);
    }
  });

  it('bytes outside the buffer give "?" instead of a read past the end', () => {
    expect(formatIp(new Uint8Array(3), 0, 4)).toBe('?');
    expect(formatIp(new Uint8Array(20), 8, 6)).toBe('?');
    expect(formatIp(new Uint8Array(20), -1, 4)).toBe('?');
  });
});

describe('formatEndpoint', () => {
  it('brackets IPv6', () => {
    expect(formatEndpoint(new Uint8Array([10, 0, 0, 1]), 0, 4, 80)).toBe('10.0.0.1:80');
    expect(formatEndpoint(unhex('20010db8000000000000000000000001'), 0, 6, 53)).toBe('[2001:db8::1]:53');
  });
});
