// A classic pcap cannot carry TLS secrets: told so (captureSecrets: false, or
// onCaptureHeader({ format: 'pcap' })), the tracker keeps no packet for a later
// decryption and skips what only secrets could use. The analysis must not change.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../../analysis/analyze';
import { toJson } from '../../../analysis/output';
import { quicTimeline } from '../../../analysis/quic/query';
import { QuicTracker } from '../../../analysis/quic/tracker';
import { PacketType } from '../../../parsers/quic/header';
import { FIXTURES_QUIC, SHARED_QUIC, haveShared } from './helpers';

const pcaps = [
  ...(haveShared ? readdirSync(SHARED_QUIC).filter((f) => f.endsWith('.pcap')).map((f) => `${SHARED_QUIC}/${f}`) : []),
  ...readdirSync(FIXTURES_QUIC).filter((f) => f.endsWith('.pcap')).map((f) => `${FIXTURES_QUIC}/${f}`),
];

async function analyze(file: string, tracker: QuicTracker) {
  const a = await analyzeCapture(new Uint8Array(readFileSync(file)), { trackerOptions: { protocols: ['tcp', 'dns'] }, trackers: [tracker] });
  const timelines = tracker.conns.map((c) => quicTimeline(a, c.number));
  return { json: toJson(a), timelines };
}

describe('QUIC tracker told the capture cannot carry secrets', () => {
  it.each(pcaps.map((p) => [p.split('/').pop()!, p]))('%s: the same analysis, no packet kept past the Initials', async (_name, file) => {
    const base = await analyze(file, new QuicTracker());
    const told = new QuicTracker({ captureSecrets: false });
    const lean = await analyze(file, told);
    expect(lean.json).toEqual(base.json);
    expect(lean.timelines).toEqual(base.timelines);
    for (const c of told.conns) expect(c.pending.every((p) => p.type === PacketType.INITIAL)).toBe(true);
    // the same through the header hook, called before the first packet
    const hooked = new QuicTracker();
    hooked.onCaptureHeader({ format: 'pcap' });
    expect((await analyze(file, hooked)).json).toEqual(base.json);
  });

  it('a key log, or a pcapng, keeps what secrets could decrypt', async () => {
    const withKeys = new QuicTracker({ keylog: '', captureSecrets: false });
    withKeys.onCaptureHeader({ format: 'pcap' });
    await analyze(`${FIXTURES_QUIC}/ngtcp2-h3.pcap`, withKeys);
    expect(withKeys.conns[0].pending.some((p) => p.type !== PacketType.INITIAL)).toBe(true);
    const ng = new QuicTracker();
    ng.onCaptureHeader({ format: 'pcapng' });
    await analyze(`${FIXTURES_QUIC}/ngtcp2-h3-dsb.pcapng`, ng);
    expect(ng.conns[0].pending.some((p) => p.type !== PacketType.INITIAL)).toBe(true);
  });
});
