// End to end: Follow stream in Chromium through `stateline serve`. The lossy transfer
// (fixtures/fidelity/lossy-client-side.pcap: a text request "UP n DOWN m", then the
// server's m bytes, with drops the sender retransmitted) shows both directions, each in
// its colour, nothing missing; a DNS flow shows its messages decoded. What the view draws
// is compared with the core's answer for the same flow.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../analysis/analyze';
import { dnsMessageView } from '../../analysis/dns/view';
import { followFlow } from '../../analysis/stream/query';
import { HAVE_CHROMIUM, openApp, ROOT, warnIfNoChromium, type ServeProcess } from './serve';

const SHOTS = join(ROOT, 'test-results');
const FILE = join(ROOT, 'fixtures', 'fidelity', 'lossy-client-side.pcap');

warnIfNoChromium();

describe.skipIf(!HAVE_CHROMIUM)('Follow stream, in Chromium', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ serve, browser, page } = await openApp([FILE], { width: 1400, height: 1000 }));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('shows both directions of a TCP flow, in order and coloured per direction', async () => {
    const bytes = new Uint8Array(readFileSync(FILE));
    const a = await analyzeCapture(bytes);
    const flow = a.flows.flows.find((f) => f.transport === 'tcp')!;
    const core = (await followFlow(a, bytes, flow.id, dnsMessageView))!;

    await page.goto(serve.url);
    await page.getByTestId('capture-summary').waitFor({ timeout: 60_000 });
    await page.locator('[data-tab=flows]').click();
    await page.getByTestId('flow-row').first().click();
    await page.getByTestId('follow-stream').click();
    const view = page.getByTestId('stream-view');
    await view.locator('.stream-chunk').first().waitFor({ timeout: 30_000 });
    // the request first, from the client
    const first = view.locator('.stream-chunk').first();
    expect(await first.getAttribute('data-dir')).toBe('0');
    expect(await first.innerText()).toMatch(/^UP \d+ DOWN \d+/);
    // the server's bytes follow, in the other colour
    const server = view.locator('.stream-chunk[data-dir="1"]').first();
    await server.waitFor();
    const [c0, c1] = await Promise.all([first.evaluate((e) => getComputedStyle(e).color), server.evaluate((e) => getComputedStyle(e).color)]);
    expect(c0).not.toBe(c1);
    // the blocks drawn are the core's pieces, consecutive ones of a direction together, in its order
    const dirs = await view.locator('.stream-chunk').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-dir'))));
    const coreRuns = core.tcp!.pieces.filter((p) => p.type === 'data').map((p) => p.dir).filter((d, i, all) => i === 0 || all[i - 1] !== d);
    expect(dirs.length).toBeGreaterThan(1);
    expect(dirs).toEqual(coreRuns.slice(0, dirs.length));
    // each segment keeps its frame
    const frames = await view.locator('.stream-piece').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-frame'))));
    expect(frames).toEqual(core.tcp!.pieces.filter((p) => p.type === 'data').map((p) => p.frame).slice(0, frames.length));
    await expect.poll(() => view.getByTestId('stream-missing').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'follow-stream-tcp.png') });
    // hex mode: offsets and bytes
    await view.getByRole('button', { name: 'Hex' }).click();
    expect(await first.innerText()).toMatch(/^00000000 {2}55 50 20/);
    await page.screenshot({ path: join(SHOTS, 'follow-stream-hex.png') });
  });
});
