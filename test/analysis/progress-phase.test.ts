// Progress names its phase (issue 15: at a million packets it sat at "99%" for 6 s after
// the last byte): analyzeCapture reports 'reading', then 'finishing' (the trackers' end
// of capture) and 'indexing' (incidents) with the event loop given a turn before each,
// and the session's status carries the phase — a poll made while the analysis finishes
// or the query tables are built says which.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture, type AnalyzeProgress } from '../../analysis/analyze';
import { StatelineSession } from '../../analysis/session';

const FILE = join(__dirname, '..', '..', 'fixtures', 'incidents', 'server-restart.pcap');

async function* chunks(b: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

describe('progress phases', () => {
  it('analyzeCapture reports reading, then finishing, then indexing, each once after the reading', async () => {
    const bytes = readFileSync(FILE);
    const seen: AnalyzeProgress[] = [];
    const a = await analyzeCapture(chunks(bytes, 512), { totalBytes: bytes.length, onProgress: (p) => seen.push({ ...p }) });
    const phases = seen.map((p) => p.phase);
    expect(phases[0]).toBe('reading');
    expect(phases.slice(phases.indexOf('finishing'))).toEqual(['finishing', 'indexing']);
    // finishing comes after every byte was read, with the packets counted
    const fin = seen.find((p) => p.phase === 'finishing')!;
    expect(fin.bytesRead).toBe(bytes.length);
    expect(fin.packets).toBe(a.packets);
  });

  it("the session's status says the phase while a poll runs between them", async () => {
    const bytes = readFileSync(FILE);
    const s = new StatelineSession();
    const polled = new Set<string>();
    let done = false;
    // a poll on every turn of the event loop, as a host's status requests are answered
    const poll = (): void => {
      if (done) return;
      void s.status().then((st) => {
        if (st.state === 'loading') polled.add(st.progress.phase);
      });
      setTimeout(poll, 0);
    };
    s.openSource({ source: chunks(bytes, 4096), size: bytes.length }, { name: 'server-restart.pcap', size: bytes.length });
    poll();
    await s.whenSettled();
    done = true;
    expect((await s.status()).state).toBe('ready');
    expect(polled.has('finishing')).toBe(true);
    expect(polled.has('indexing')).toBe(true);
  });
});
