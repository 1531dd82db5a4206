// The hand reader of parsers/dns/wire.ts: header and first question, guards against
// malformed names, and the answer text checked against dns-packet (the reference
// decoder) on every DNS response of the reference captures and the fixtures.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../../analysis/analyze';
import { DnsTracker } from '../../../analysis/dns/tracker';
import { answerTexts, decodeMessage, DnsHeader, DnsQuestion, readHeader, readQuestion, recordText } from '../../../parsers/dns/wire';
import { response } from '../../analysis/dns/build';

describe('header and first question', () => {
  it('reads ID, flags, counts and the question with the name as sent', () => {
    const m = new Uint8Array(dnsPacket.encode({ type: 'response', id: 0xbeef, flags: 0x8180 | 0x0200 | 3, questions: [{ type: 'AAAA', name: 'Www.Example.COM' }] }));
    const h = new DnsHeader(), q = new DnsQuestion();
    expect(readHeader(m, 0, m.length, h)).toBe(true);
    expect(h).toMatchObject({ id: 0xbeef, qr: 1, opcode: 0, tc: 1, rd: 1, ra: 1, rcode: 3, qdcount: 1, ancount: 0 });
    expect(readQuestion(m, 0, m.length, q, false)).toBe('');
    expect(q).toMatchObject({ name: 'Www.Example.COM.', type: 28, qclass: 1, end: m.length });
  });

  it('the root name, escapes, and the mDNS class bit', () => {
    const m = new Uint8Array([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x61, 0x2e, 0x20, 0, 0, 1, 0x80, 1]);
    const q = new DnsQuestion();
    expect(readQuestion(m, 0, m.length, q, true)).toBe('');
    expect(q).toMatchObject({ name: 'a\\.\\032.', qclass: 1, classTopBit: 1 });
    const root = new Uint8Array([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1]);
    expect(readQuestion(root, 0, root.length, q, false)).toBe('');
    expect(q.name).toBe('.');
  });

  it('malformed names give a reason, never an exception or an endless loop', () => {
    const q = new DnsQuestion();
    const hdr = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    const cases: [number[], RegExp][] = [
      [[...hdr, 0xc0, 12, 0, 1, 0, 1], /loop/],
      [[...hdr, 0xc0, 14, 0xc0, 12, 0, 1], /loop/],
      [[...hdr, 0xc0, 99, 0, 1, 0, 1], /points past/],
      [[...hdr, 5, 0x61], /runs past/],
      [[...hdr, 0x40, 1, 0], /label type/],
      [[...hdr, 1, 0x61, 0, 0], /cut short/],
      [[...hdr, ...Array(5).fill([63, ...Array(63).fill(0x61)]).flat(), 0, 0, 1, 0, 1], /longer than 255/],
    ];
    for (const [bytes, re] of cases) expect(readQuestion(new Uint8Array(bytes), 0, bytes.length, q, false)).toMatch(re);
  });

  it('answers as text: A, AAAA, CNAME, MX, TXT, SOA, SRV, PTR, unknown types in RFC 3597 form', () => {
    const q = { id: 1, name: 'x.example' };
    const m = response(q, [
      { type: 'CNAME', name: 'x.example', ttl: 60, data: 'y.example' },
      { type: 'A', name: 'y.example', ttl: 60, data: '192.0.2.1' },
      { type: 'AAAA', name: 'y.example', ttl: 60, data: '2001:db8::1' },
      { type: 'MX', name: 'x.example', ttl: 60, data: { preference: 10, exchange: 'mx.example' } },
      { type: 'TXT', name: 'x.example', ttl: 60, data: ['a "q"', 'b'] },
      { type: 'SOA', name: 'example', ttl: 60, data: { mname: 'ns.example', rname: 'h.example', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 } },
      { type: 'SRV', name: '_s._udp.example', ttl: 60, data: { priority: 1, weight: 2, port: 53, target: 't.example' } },
      { type: 'PTR', name: '1.2.0.192.in-addr.arpa', ttl: 60, data: 'y.example' },
      { type: 'NULL', name: 'x.example', ttl: 60, data: Buffer.from([0xab, 0xcd]) } as unknown as dnsPacket.Answer,
    ]);
    expect(answerTexts(m)).toEqual([
      'x.example. 60 CNAME y.example.', 'y.example. 60 A 192.0.2.1', 'y.example. 60 AAAA 2001:db8::1',
      'x.example. 60 MX 10 mx.example.', 'x.example. 60 TXT "a \\"q\\"" "b"', 'example. 60 SOA ns.example. h.example. 1 2 3 4 5',
      '_s._udp.example. 60 SRV 1 2 53 t.example.', '1.2.0.192.in-addr.arpa. 60 PTR y.example.', 'x.example. 60 NULL \\# 2 abcd',
    ]);
    expect(decodeMessage(m, 0, m.length).answers.map(recordText)).toEqual(answerTexts(m));
  });
});

// ---- against dns-packet on real messages

function reference(m: Uint8Array): string[] | null {
  let d: dnsPacket.Packet;
  try {
    d = dnsPacket.decode(Buffer.from(m));
  } catch {
    return null;
  }
  const dot = (n: string) => (n === '' || n === '.' ? '.' : `${n}.`);
  return (d.answers ?? []).map((a) => {
    const x = a as { type: string; name: string; ttl: number; data: unknown };
    let data: string;
    switch (x.type) {
      case 'A': case 'AAAA': data = String(x.data); break;
      case 'CNAME': case 'NS': case 'PTR': case 'DNAME': data = dot(x.data as string); break;
      case 'MX': { const v = x.data as { preference: number; exchange: string }; data = `${v.preference} ${dot(v.exchange)}`; break; }
      case 'SRV': { const v = x.data as { priority: number; weight: number; port: number; target: string }; data = `${v.priority} ${v.weight} ${v.port} ${dot(v.target)}`; break; }
      case 'SOA': { const v = x.data as Record<string, string | number>; data = `${dot(v.mname as string)} ${dot(v.rname as string)} ${v.serial} ${v.refresh} ${v.retry} ${v.expire} ${v.minimum}`; break; }
      case 'TXT': data = (x.data as Buffer[]).map((b) => `"${b.toString('latin1').replace(/["\\]/g, (c) => '\\' + c)}"`).join(' '); break;
      default: data = '*';
    }
    return `${dot(x.name)} ${x.ttl} ${x.type} ${data}`;
  });
}

const ROOTS = [new URL('../../../../shared/captures', import.meta.url).pathname, new URL('../../../fixtures/dns', import.meta.url).pathname];
function captures(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? captures(join(dir, e.name)) : /\.(pcap|pcapng)(\.gz)?$/.test(e.name) ? [join(dir, e.name)] : []));
}

describe('answer text agrees with dns-packet on every DNS response of the reference captures and fixtures', () => {
  it('same records, same text (types dns-packet spells out)', async () => {
    let compared = 0;
    for (const file of ROOTS.flatMap(captures)) {
      const a = await analyzeCapture(new Uint8Array(readFileSync(file)));
      const dns = a.trackers.find((t) => t instanceof DnsTracker) as DnsTracker;
      for (const t of dns.transactions) {
        if (!t.response) continue;
        const m = dns.responseBytes(t);
        const ref = reference(m);
        if (ref === null) continue;
        const ours = answerTexts(m);
        expect(ours.length, `${file} frame ${t.responseFrame}`).toBe(ref.length);
        ours.forEach((o, i) => {
          if (ref[i].endsWith(' *') || /\\/.test(o) || ref[i].includes(' AAAA ')) return;
          expect(o, `${file} frame ${t.responseFrame}`).toBe(ref[i]);
          compared++;
        });
        // AAAA: dns-packet's text is not RFC 5952; compare the parsed addresses' groups.
        ours.forEach((o, i) => {
          if (!ref[i].includes(' AAAA ')) return;
          const norm = (s: string) => s.split(' ').pop()!;
          expect(expand(norm(o))).toBe(expand(norm(ref[i])));
          compared++;
        });
      }
    }
    if (!existsSync(ROOTS[0])) console.log(`wire.test: ${ROOTS[0]} is absent; compared the fixtures only`);
    expect(compared).toBeGreaterThan(20);
  });
});

function expand(a: string): string {
  const [h, t] = a.split('::');
  const head = h ? h.split(':') : [];
  const tail = t !== undefined && t ? t.split(':') : [];
  return [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail].map((g) => parseInt(g, 16)).join(':');
}
