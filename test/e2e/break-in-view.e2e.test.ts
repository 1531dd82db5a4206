// End to end (issue 15, "the break in view"): a flow opened from an event — the Breaks
// view's "flow →", an overview marker, go to frame — is centred on the event, with
// context on both sides; every chart of the flow draws its events as lines; the lanes
// show what followed (CLOSED after the RST). On real captures:
//  - fixtures/incidents/server-restart.pcap: a server restarted under established
//    connections; each one's next segment is answered by a bare RST (tcp.peer-lost-state);
//  - fixtures/dns/dns-orphan-gone.pcap: a late DNS answer the client's host refused with
//    ICMP port unreachable (dns.client-gone), at the very end of its flow.
// Screenshots go to /tmp/shots-polish/ (looked at by hand) and test-results/.

import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, ROOT, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const SHOTS = process.env.STATELINE_SHOTS ?? '/tmp/shots-polish';
const RESTART = join(ROOT, 'fixtures', 'incidents', 'server-restart.pcap');
const ORPHAN = join(ROOT, 'fixtures', 'dns', 'dns-orphan-gone.pcap');

warnIfNoChromium();

/** The plot area of a chart: its recharts plot (the grid's rect), or the lanes' svg minus the label gutter. */
async function plotBox(chart: Locator): Promise<{ left: number; right: number }> {
  return chart.evaluate((el) => {
    const grid = el.querySelector('.recharts-cartesian-grid');
    const axis = el.querySelector('[data-testid=time-axis] line');
    const r = (grid ?? axis)!.getBoundingClientRect();
    return { left: r.left, right: r.right };
  });
}

/** The x (page px) of the event line of `kind` in a chart. */
async function eventX(chart: Locator, kind: string): Promise<number> {
  const line = chart.locator(`[data-testid=event-line][data-kind="${kind}"] line`).last();
  const b = (await line.boundingBox())!;
  return b.x + b.width / 2;
}

/** The event lies inside the plot with at least a fifth of it on each side. */
async function expectCentred(chart: Locator, kind: string): Promise<void> {
  const { left, right } = await plotBox(chart);
  const x = await eventX(chart, kind);
  const w = right - left;
  expect(x - left, `${kind} at ${x} in [${left}, ${right}]`).toBeGreaterThan(w * 0.2);
  expect(right - x, `${kind} at ${x} in [${left}, ${right}]`).toBeGreaterThan(w * 0.2);
}

describe.skipIf(!HAVE_CHROMIUM)('the break in view, in Chromium', () => {
  const { page, serve, errors } = useApp([RESTART], { width: 1400, height: 900 }, { shots: SHOTS });

  it("centres the RST a kind's \"flow →\" opens at, in every chart, with CLOSED after it on the lanes", async () => {
    await page.goto(serve.url);
    await page.getByTestId('capture-summary').waitFor({ timeout: 60_000 });
    await page.locator('[data-tab=breaks]').click();
    const item = page.locator('[data-testid=break-item][data-kind="tcp.peer-lost-state"]').first();
    await item.getByRole('button', { name: /flow \d+ →/ }).click();
    await page.getByTestId('flow-facts').waitFor();
    const seq = page.getByTestId('seq-chart');
    await seq.locator('[data-testid=event-line]').first().waitFor();
    await page.getByTestId('inflight-chart').locator('[data-testid=event-line]').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'break-flow-from-breaks.png'), fullPage: true });

    for (const id of ['state-lanes', 'seq-chart', 'inflight-chart']) {
      const chart = page.getByTestId(id);
      const line = chart.locator('[data-testid=event-line][data-kind="tcp.peer-lost-state"]');
      expect(await line.count(), id).toBe(1);
      // its kind as the tooltip, and as a label while few lines are in view
      expect(await line.locator('title').textContent()).toMatch(/^tcp\.peer-lost-state — frame \d+: /);
      expect(await line.locator('text').textContent()).toBe('peer-lost-state');
      await expectCentred(chart, 'tcp.peer-lost-state');
    }
    // what follows the RST: both lanes CLOSED from it to the right edge, over a good part of the view
    const lanes = page.getByTestId('state-lanes');
    const x = await eventX(lanes, 'tcp.peer-lost-state');
    const { right } = await plotBox(lanes);
    for (const side of ['client', 'server']) {
      const closed = lanes.locator(`[data-lane=${side}] [data-state=CLOSED][data-final=true] rect`);
      const b = (await closed.boundingBox())!;
      expect(Math.abs(b.x - x)).toBeLessThan(3);
      expect(b.x + b.width).toBeGreaterThan(right - 2);
      expect(b.width).toBeGreaterThan((right - x) * 0.9);
    }
    // the lost-state band runs up to the RST
    const band = (await lanes.getByTestId('lost-band').locator('rect').first().boundingBox())!;
    expect(Math.abs(band.x + band.width - x)).toBeLessThan(3);
  }, 120_000);

  it('centres the event an overview marker opens its flow at', async () => {
    await page.keyboard.press('Escape');
    await page.locator('[data-tab=overview]').click();
    const marker = page.getByTestId('overview-timeline').locator('[data-testid=timeline-marker]').filter({ has: page.locator('title', { hasText: 'tcp.peer-lost-state' }) }).last();
    await marker.click();
    await page.getByTestId('flow-facts').waitFor();
    const seq = page.getByTestId('seq-chart');
    await seq.locator('[data-testid=event-line]').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'break-flow-from-marker.png'), fullPage: true });
    await expectCentred(seq, 'tcp.peer-lost-state');
    await expectCentred(page.getByTestId('state-lanes'), 'tcp.peer-lost-state');
  }, 60_000);

  it('go to frame (Ctrl+G) opens the frame\'s flow centred on it', async () => {
    await page.keyboard.press('Escape');
    await page.locator('[data-tab=overview]').click();
    // the frame of a RST, from the API (what the Breaks view lists)
    const ev = await page.evaluate(() => fetch('/api/events', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ kind: 'tcp.peer-lost-state' }) }).then((r) => r.json()));
    const e = ev.rows[1];
    await page.keyboard.press('Control+g');
    const box = page.getByTestId('goto-frame');
    await box.getByLabel('Frame number').fill(String(e.frame));
    await page.keyboard.press('Enter');
    await page.getByTestId('flow-facts').waitFor();
    expect(await page.locator('.flow-detail h2').textContent()).toContain(`Flow ${e.flow} `);
    const seq = page.getByTestId('seq-chart');
    await seq.locator(`[data-testid=event-line][data-frame="${e.frame}"]`).waitFor();
    expect(await seq.locator(`[data-testid=event-line][data-frame="${e.frame}"]`).getAttribute('data-focus')).toBe('true');
    await expectCentred(seq, 'tcp.peer-lost-state');
    // a frame past the end is said so
    await page.keyboard.press('Control+g');
    await box.getByLabel('Frame number').fill('999999');
    expect(await box.getByRole('button', { name: 'Go' }).isDisabled()).toBe(true);
    await page.keyboard.press('Escape');
    expect(await box.count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);
});

describe.skipIf(!HAVE_CHROMIUM)('a DNS answer refused with ICMP, in view, in Chromium', () => {
  const { page, serve } = useApp([ORPHAN], { width: 1400, height: 900 });

  it('centres the answer at the end of its flow in the spans chart, its ICMP drawn', async () => {
    await page.goto(serve.url);
    await page.getByTestId('capture-summary').waitFor({ timeout: 60_000 });
    await page.locator('[data-tab=breaks]').click();
    // the duplicate answer: the last packet of a 0.6 s flow
    const item = page.locator('[data-testid=break-item][data-kind="dns.client-gone"]', { hasText: 'duplicate response' });
    await item.getByRole('button', { name: /flow \d+ →/ }).click();
    await page.getByTestId('flow-facts').waitFor();
    const spans = page.locator('.flow-detail svg[aria-label="DNS query to response spans"]');
    await spans.locator('[data-testid=event-line]').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'dns-client-gone-flow.png'), fullPage: true });
    const card = spans.locator('xpath=..');
    await expectCentred(card, 'dns.client-gone');
    expect(await spans.locator('text', { hasText: /^ICMP #6$/ }).count()).toBe(1);
    expect(await spans.getByTestId('time-axis').locator('.axis-title').textContent()).toBe('time since capture start (s)');
  }, 60_000);
});

