// End to end: the Compare view in Chromium through `stateline serve`. The client side of
// the lossy pair (fixtures/fidelity) is opened, then the server side beside it; the lost
// frames the view shows are those `stateline diff A B --json` lists (the bridge's drops,
// test/cli/diff.test.ts). Screenshot to /tmp/shots-diff/.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiffJson } from '../../analysis/diff/diff';
import { HAVE_CHROMIUM, ROOT, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const SHOTS = '/tmp/shots-diff';
const A = join(ROOT, 'fixtures', 'fidelity', 'lossy-client-side.pcap');
const B = join(ROOT, 'fixtures', 'fidelity', 'lossy-server-side.pcap');

warnIfNoChromium();

function cliDiff(): Promise<DiffJson> {
  return new Promise((res, rej) =>
    execFile(process.execPath, [join(ROOT, 'bin', 'stateline.mjs'), 'diff', A, B, '--json'], (err, out) => (err ? rej(err) : res(JSON.parse(out) as DiffJson))),
  );
}

describe.skipIf(!HAVE_CHROMIUM)('the Compare view: the lossy pair, client side beside server side', () => {
  const { page, serve } = useApp([], { width: 1400, height: 1000 }, { shots: SHOTS });

  it('shows the frames lost between the two points, as stateline diff lists them', async () => {
    await page.goto(serve.url);
    await page.getByTestId('open-path').fill(A);
    await page.getByTestId('open-path').press('Enter');
    await page.getByTestId('capture-summary').waitFor({ timeout: 60_000 });
    await page.locator('[data-tab=compare]').click();
    await page.getByTestId('compare-path').fill(B);
    await page.getByTestId('compare-open').click();
    await page.getByTestId('compare-flow').first().waitFor({ timeout: 60_000 });
    await page.getByTestId('compare-delay-chart').locator('svg.recharts-surface').waitFor();

    const d = await cliDiff();
    const shown = async (capture: 'a' | 'b'): Promise<number[]> =>
      (await page.locator(`[data-testid=lost-frame][data-capture=${capture}]`).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-frame'))))).sort((x, y) => x - y);
    expect(await shown('a')).toEqual(d.missing.inB.map((m) => m.frameA));
    expect(await shown('b')).toEqual(d.missing.inA.map((m) => m.frameB));
    expect((await shown('a')).length + (await shown('b')).length).toBeGreaterThan(0);
    const dirs = await page.getByTestId('compare-dir').allTextContents();
    expect(dirs[0]).toMatch(/client → server:.*lost between the two points/);
    expect(dirs[1]).toMatch(/server → client:.*lost between the two points/);
    expect(await page.getByTestId('compare-offset').textContent()).toContain(`${(d.timing.offset! * 1000).toFixed(d.timing.offset! !== 0 && Math.abs(d.timing.offset!) < 0.001 ? 3 : 1)} ms`);
    await page.screenshot({ path: join(SHOTS, 'compare.png'), fullPage: true });
  });

  it('opens A\'s flow at a lost frame, and closes the comparison', async () => {
    await page.locator('[data-testid=lost-frame][data-capture=a]').first().click();
    await page.getByTestId('state-lanes').waitFor({ timeout: 30_000 });
    await page.locator('[data-tab=compare]').click();
    await page.getByTestId('compare-flow').first().waitFor();
    await page.getByTestId('compare-close').click();
    await page.getByTestId('compare-path').waitFor();
    expect(await page.getByTestId('compare-flow').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'compare-closed.png') });
  });
});
