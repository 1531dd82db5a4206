// End to end: Follow stream in Chromium through `stateline serve`. The lossy transfer
// (fixtures/fidelity/lossy-client-side.pcap: a text request "UP n DOWN m", then the
// server's m bytes, with drops the sender retransmitted) shows both directions, each in
// its colour, nothing missing; a DNS flow shows its messages decoded. What the view draws
// is compared with the core's answer for the same flow.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../analysis/analyze';
import { dnsMessageView } from '../../analysis/dns/view';
import { followFlow } from '../../analysis/stream/query';
import { HAVE_CHROMIUM, ROOT, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const SHOTS = join(ROOT, 'test-results');
const FILE = join(ROOT, 'fixtures', 'fidelity', 'lossy-client-side.pcap');

warnIfNoChromium();

describe.skipIf(!HAVE_CHROMIUM)('Follow stream, in Chromium', () => {
  const { page, serve } = useApp([FILE], { width: 1400, height: 1000 });

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

describe.skipIf(!HAVE_CHROMIUM)('Follow stream of a QUIC flow with its key log, in Chromium', () => {
  const QFILE = join(ROOT, 'fixtures', 'quic', 'ngtcp2-h3.pcap');
  const KEYLOG = join(ROOT, 'fixtures', 'quic', 'ngtcp2-h3.keylog.txt');
  const { page, serve } = useApp([QFILE, '--keylog', KEYLOG], { width: 1400, height: 1000 });

  it('lists the decrypted streams and shows the one picked', async () => {
    const bytes = new Uint8Array(readFileSync(QFILE));
    const a = await analyzeCapture(bytes, { trackerOptions: { keylog: readFileSync(KEYLOG, 'utf8') } });
    const flow = a.flows.flows.find((f) => f.app === 'quic')!;
    const core = (await followFlow(a, bytes, flow.id, dnsMessageView))!;
    const ids = [...new Set(core.quic!.map((q) => `${q.connection}/${q.id}`))];

    await page.goto(serve.url);
    await page.getByTestId('capture-summary').waitFor({ timeout: 60_000 });
    await page.locator('[data-tab=flows]').click();
    await page.getByTestId('flow-row').first().click();
    await page.getByTestId('follow-stream').click();
    const view = page.getByTestId('stream-view');
    const select = view.getByTestId('quic-stream');
    await select.waitFor({ timeout: 30_000 });
    expect(await select.locator('option').count()).toBe(ids.length);
    // stream 0, the request and its response: both directions
    await select.selectOption('0/0');
    await expect.poll(() => view.locator('.stream-chunk[data-dir="1"]').count()).toBeGreaterThan(0);
    expect(await view.locator('.stream-chunk[data-dir="0"]').count()).toBeGreaterThan(0);
    const drawn = (await view.locator('.stream-piece').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-frame'))))).sort((x, y) => x - y);
    const want = core.quic!.filter((q) => q.connection === 0 && q.id === 0).flatMap((q) => q.pieces.flatMap((p) => (p.type === 'data' ? [p.frame] : []))).sort((x, y) => x - y);
    expect(drawn).toEqual(want);
    await page.screenshot({ path: join(SHOTS, 'follow-stream-quic.png') });
  });
});
