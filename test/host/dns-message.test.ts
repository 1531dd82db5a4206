// The full DNS message a user opens (API dnsMessage): decoded with dns-packet on the Node
// hosts, with Stateline's own reader elsewhere — the two must tell the same story.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../analysis/analyze';
import { DnsTracker } from '../../analysis/dns/tracker';
import { dnsMessageView } from '../../analysis/dns/view';
import { StatelineSession } from '../../analysis/session';
import { dnsPacketView } from '../../host/dns-message';
import { nodeFileHost } from '../../host/file-source';

const ROOT = join(__dirname, '../..');
const SHARED = join(ROOT, '..', 'shared', 'captures', 'dns');
/** Types whose RDATA both decoders spell out in presentation form. */
const TEXT_TYPES = new Set(['A', 'AAAA', 'CNAME', 'NS', 'PTR', 'MX', 'TXT', 'SOA', 'SRV', 'OPT']);

async function responses(file: string): Promise<Uint8Array[]> {
  const a = await analyzeCapture(new Uint8Array(readFileSync(file)));
  const d = a.trackers.find((t): t is DnsTracker => t instanceof DnsTracker)!;
  const out: Uint8Array[] = [];
  for (let i = 0; i < d.count; i++) if (d.hasResponse(i)) out.push(d.responseBytes(i).slice());
  return out;
}

describe('the DNS message a user opens', () => {
  it('comes from dns-packet through the Node host, in full (fixtures/dns/dns-basic.pcap)', async () => {
    const s = new StatelineSession(nodeFileHost(null));
    await s.openPath({ path: join(ROOT, 'fixtures', 'dns', 'dns-basic.pcap') });
    await s.whenSettled();
    const m = (await s.dnsMessage({ index: 0 }))!;
    expect(m).toMatchObject({ transaction: 0, frame: 2, decoder: 'dns-packet', id: 0x2509, opcode: 'QUERY', rcode: 'NOERROR', flags: ['QR', 'AA', 'RD', 'RA'], error: null });
    expect(m.sections.map((x) => x.name)).toEqual(['question', 'answer', 'authority', 'additional']);
    expect(m.sections[0].records).toEqual([{ name: 'www.sld.test.', type: 'A', class: 'IN', ttl: null, data: '' }]);
    expect(m.sections[1].records).toEqual([{ name: 'www.sld.test.', type: 'A', class: 'IN', ttl: 300, data: '10.82.0.20' }]);
    expect(m.sections[3].records).toEqual([{ name: '.', type: 'OPT', class: 'udp 1232', ttl: 0, data: '' }]);
    const txt = (await s.dnsMessage({ index: 3 }))!;
    expect(txt.sections[1].records[0]).toMatchObject({ type: 'TXT', data: '"stateline dns fixture"' });
    // No such transaction: null, not an error.
    expect(await s.dnsMessage({ index: 999 })).toBeNull();
  });

  it('falls back to Stateline’s reader on a host without dns-packet, with the same content', async () => {
    const s = new StatelineSession({});
    const bytes = new Uint8Array(readFileSync(join(ROOT, 'fixtures', 'dns', 'dns-basic.pcap')));
    s.openSource({ source: (async function* () { yield bytes; })(), size: bytes.length }, { name: 'dns-basic.pcap', size: bytes.length });
    await s.whenSettled();
    const ours = (await s.dnsMessage({ index: 0 }))!;
    expect(ours.decoder).toBe('stateline');
    const s2 = new StatelineSession(nodeFileHost(null));
    await s2.openPath({ path: join(ROOT, 'fixtures', 'dns', 'dns-basic.pcap') });
    await s2.whenSettled();
    expect({ ...ours, decoder: '' }).toEqual({ ...(await s2.dnsMessage({ index: 0 }))!, decoder: '' });
  });

  const files = [
    ...readdirSync(join(ROOT, 'fixtures', 'dns')).filter((f) => f.endsWith('.pcap')).map((f) => join(ROOT, 'fixtures', 'dns', f)),
    join(ROOT, 'fixtures', 'dns-udp-tcp.pcap'),
    ...(existsSync(SHARED) ? readdirSync(SHARED).filter((f) => /\.pcapn?g?$/.test(f)).map((f) => join(SHARED, f)) : []),
  ];
  if (!existsSync(SHARED)) console.warn(`skipping the shared DNS captures in the decoder comparison: ${SHARED} is absent`);

  it(`agrees between dns-packet and Stateline's reader on every response (${files.length} captures)`, async () => {
    let messages = 0, records = 0;
    for (const f of files) {
      for (const msg of await responses(f)) {
        messages++;
        const a = dnsPacketView(msg, 0, 0), b = dnsMessageView(msg, 0, 0);
        expect([a.id, a.opcode, a.rcode, a.flags, a.error === null], f).toEqual([b.id, b.opcode, b.rcode, b.flags, b.error === null]);
        expect(a.sections.map((x) => x.records.length), f).toEqual(b.sections.map((x) => x.records.length));
        a.sections.forEach((sec, i) => sec.records.forEach((r, j) => {
          const o = b.sections[i].records[j];
          records++;
          expect([r.name.toLowerCase(), r.type, r.ttl], f).toEqual([o.name.toLowerCase(), o.type, o.ttl]);
          // mDNS: dns-packet reads the class's top bit as cache-flush; ours shows the raw class.
          if (!r.class.includes('cache flush')) expect(r.class, f).toBe(o.class);
          if (TEXT_TYPES.has(r.type)) expect(r.data, `${f} ${r.type}`).toBe(o.data);
        }));
      }
    }
    // the fixtures alone hold 20 responses; the shared captures add ~280
    expect(messages).toBeGreaterThanOrEqual(existsSync(SHARED) ? 250 : 20);
    expect(records).toBeGreaterThan(messages);
  });
});
