// The Compare view's road: StatelineSession.openCompare reads the second capture beside
// the open one and gives the same diff as `stateline diff A B --json` (one computation,
// two callers), plus the delay series its chart draws; opening another capture drops it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatelineSession } from '../../../analysis/session';
import { nodeFileHost } from '../../../host/file-source';

const root = resolve(__dirname, '../../..');
const A = join(root, 'fixtures', 'fidelity', 'lossy-client-side.pcap');
const B = join(root, 'fixtures', 'fidelity', 'lossy-server-side.pcap');

function cliDiff(): Promise<unknown> {
  return new Promise((res, rej) =>
    execFile(process.execPath, [join(root, 'bin', 'stateline.mjs'), 'diff', A, B, '--json'], (err, out) => (err ? rej(err) : res(JSON.parse(out)))),
  );
}

describe('StatelineSession.openCompare', () => {
  it('refuses before a capture is open, and for one that cannot be read again (a stream the host did not spool)', async () => {
    const s = new StatelineSession(nodeFileHost(null));
    await expect(s.openCompare({ path: B })).rejects.toThrow(/open a capture first/);
    s.openSource({ source: (async function* () { yield new Uint8Array(readFileSync(A)); })(), size: null }, { name: 'upload.pcap', size: null });
    await s.whenSettled();
    await expect(s.openCompare({ path: B })).rejects.toThrow(/cannot be read again/);
  });

  it('compares the open capture with a second one: the CLI\'s diff, and the series of the chart', async () => {
    const s = new StatelineSession(nodeFileHost(null));
    await s.openPath({ path: A });
    await s.whenSettled();
    const st = await s.openCompare({ path: B });
    expect(st.state).toBe('loading');
    await s.whenCompared();
    expect((await s.compareStatus()).state).toBe('ready');
    const v = (await s.compare())!;
    expect(v.diff).toEqual(await cliDiff());
    expect(v.nameA).toBe('lossy-client-side.pcap');
    expect(v.nameB).toBe('lossy-server-side.pcap');
    const [series] = v.series;
    expect(series.points.length).toBe(v.diff.flows.matched[0].packets);
    // The chart's missing packets are the diff's, in time order.
    expect(series.missing.map((m) => `${m.seenIn} ${m.frame}`).sort()).toEqual(
      [...v.diff.missing.inB.map((m) => `a ${m.frameA}`), ...v.diff.missing.inA.map((m) => `b ${m.frameB}`)].sort(),
    );
    for (let i = 1; i < series.missing.length; i++) expect(series.missing[i].t).toBeGreaterThanOrEqual(series.missing[i - 1].t);
    // A new first capture drops the comparison.
    await s.openPath({ path: B });
    expect((await s.compareStatus()).state).toBe('empty');
    expect(await s.compare()).toBeNull();
  });

  it('reports a second capture that cannot be read', async () => {
    const s = new StatelineSession(nodeFileHost(null));
    await s.openPath({ path: A });
    await s.whenSettled();
    await s.openCompare({ path: join(root, 'fixtures', 'fidelity', 'README.md') });
    await s.whenCompared();
    const st = await s.compareStatus();
    expect(st.state).toBe('error');
    expect(st.error).toBeTruthy();
  });
});
