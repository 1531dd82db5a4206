// End to end: the chart of a mid-stream TCP flow draws the receive window scaled as the
// TCP tracker inferred it (the handshake, and so the window scale option, was not
// captured). fixtures/tcp/tcp-midstream-wscale.pcap is a real 20,000-byte transfer whose
// capture began after the handshake; the JSON says windowScaleFrom "inferred", and the
// chart must draw the same numbers (one road), not the raw 16-bit window.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../analysis/analyze';
import { toJson } from '../../analysis/output';
import { HAVE_CHROMIUM, ROOT, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const SHOTS = join(ROOT, 'test-results');
const FILE = join(ROOT, 'fixtures', 'tcp', 'tcp-midstream-wscale.pcap');

warnIfNoChromium();

describe.skipIf(!HAVE_CHROMIUM)('a mid-stream flow with an inferred window scale, in Chromium', () => {
  const { page, serve } = useApp([FILE], { width: 1400, height: 1000 });

  it('draws the client\'s receive window scaled by the inferred shift', async () => {
    const json = toJson(await analyzeCapture(new Uint8Array(readFileSync(FILE))));
    const tcp = json.flows[0].tcp!;
    expect(tcp.client!.windowScaleFrom).toBe('inferred');
    const shift = tcp.client!.windowScale!;
    expect(shift).toBeGreaterThan(0);

    await page.goto(serve.url);
    await page.getByTestId('capture-summary').waitFor({ timeout: 60_000 });
    await page.locator('[data-tab=flows]').click();
    await page.getByTestId('flow-row').first().click();
    await page.getByTestId('seq-chart').locator('svg.recharts-surface').waitFor();
    // the server's data and the client's window for it
    await page.getByRole('button', { name: 'server → client' }).click();
    const plot = page.getByTestId('inflight-chart').getByTestId('inflight-plot');
    await plot.locator('svg.recharts-surface').waitFor();
    await page.getByTestId('inflight-chart').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'window-scale-inferred.png'), fullPage: true });

    // what the chart was given to draw is the capture query's numbers for the client's ACKs
    const { CaptureQuery } = await import('../../analysis/capture-query');
    const q = new CaptureQuery(await analyzeCapture(new Uint8Array(readFileSync(FILE))));
    const acks = q.seqPoints(1).filter((p) => p.dir === 0);
    const drawnMax = Number(await plot.getAttribute('data-window-max'));
    expect(drawnMax).toBe(Math.max(...acks.map((p) => p.win)));
    // scaled: the client's raw windows in this capture are 63 to 77 (tshark -e
    // tcp.window_size_value), which Wireshark draws as they are
    expect(drawnMax).toBeGreaterThan(77 * 2);
    expect(drawnMax % 2 ** shift).toBe(0);
    expect(drawnMax / 2 ** shift).toBeLessThanOrEqual(77);
  }, 120_000);
});
