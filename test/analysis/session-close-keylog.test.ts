// The session's close and loadKeylog (issue 15: the browser build could not open a
// second file or load a key log): a key log sent as text re-reads a capture opened by
// path at once (reread), applies to the captures opened after it, and is named in the
// status; close goes back to the empty state and lets the analysis go.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatelineSession } from '../../analysis/session';

const Q = (f: string): string => join(__dirname, '..', '..', 'fixtures', 'quic', f);

function session(): StatelineSession {
  return new StatelineSession({ openPath: async (p) => ({ source: createReadStream(p), size: statSync(p).size }) });
}

describe('StatelineSession close and loadKeylog', () => {
  it('re-reads a capture opened by path with a key log sent as text, and keeps it for the next open', async () => {
    const s = session();
    await s.openPath({ path: Q('ngtcp2-h3.pcap') });
    await s.whenSettled();
    expect((await s.summary())!.eventsByKind.map((k) => k.kind)).not.toContain('quic.connection-close');
    const st = await s.loadKeylog({ text: readFileSync(Q('ngtcp2-h3.keylog.txt'), 'utf8'), name: '/home/me/keys/ngtcp2-h3.keylog.txt' });
    expect(st.reread).toBe(true);
    await s.whenSettled();
    const after = await s.status();
    expect(after.state).toBe('ready');
    expect(after.keylog).toBe('ngtcp2-h3.keylog.txt');
    expect(after.generation).toBe(st.generation);
    // decrypted: the 1-RTT CONNECTION_CLOSE is seen
    expect((await s.summary())!.eventsByKind.map((k) => k.kind)).toContain('quic.connection-close');
    // an upload after it (no path) is read with it too
    const bytes = readFileSync(Q('ngtcp2-h3.pcap'));
    s.openSource({ source: (async function* () { yield bytes; })(), size: bytes.length }, { name: 'upload.pcap', size: bytes.length });
    await s.whenSettled();
    expect((await s.status()).keylog).toBe('ngtcp2-h3.keylog.txt');
    expect((await s.summary())!.eventsByKind.map((k) => k.kind)).toContain('quic.connection-close');
  });

  it('does not re-read without a path (the client uploads again)', async () => {
    const s = session();
    const bytes = readFileSync(Q('ngtcp2-h3.pcap'));
    s.openSource({ source: (async function* () { yield bytes; })(), size: bytes.length }, { name: 'up.pcap', size: bytes.length });
    await s.whenSettled();
    const st = await s.loadKeylog({ text: 'CLIENT_RANDOM 00 00\n', name: 'k.txt' });
    expect(st.reread).toBe(false);
    expect(st.state).toBe('ready');
  });

  it('closes: the empty state, no summary, a new generation', async () => {
    const s = session();
    await s.openPath({ path: Q('ngtcp2-h3.pcap') });
    await s.whenSettled();
    const gen = (await s.status()).generation;
    const st = await s.close();
    expect(st.state).toBe('empty');
    expect(st.name).toBeNull();
    expect(st.generation).toBe(gen + 1);
    expect(await s.summary()).toBeNull();
    expect((await s.flows()).total).toBe(0);
  });
});
