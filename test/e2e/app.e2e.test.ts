// End to end: the renderer in Debian's Chromium (playwright-core) against the real
// `stateline serve` on a free port. Screenshots go to test-results/ (git-ignored).

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, HAVE_CHROMIUM, ROOT } from './serve';
import { useApp } from './harness';

const SHOTS = join(ROOT, 'test-results');

if (!HAVE_CHROMIUM) {
  console.warn(`\n[e2e] SKIPPED: ${CHROMIUM} is absent (apt-get install -y chromium, or set STATELINE_CHROMIUM)\n`);
}

describe.skipIf(!HAVE_CHROMIUM)('the app in Chromium against stateline serve', () => {
  const { page, serve, browser, errors: consoleErrors } = useApp([], { width: 1400, height: 900 }, { shots: SHOTS });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it('shows the start screen and opens the sample capture', async () => {
    await page.goto(serve.url);
    await page.getByTestId('open-sample').waitFor();
    await shot('01-start');
    await page.getByTestId('open-sample').click();
    const summary = page.getByTestId('capture-summary');
    await summary.waitFor({ timeout: 30_000 });
    await expect.poll(() => summary.textContent()).toContain('sample.pcapng');
    expect(await page.getByTestId('packets').textContent()).toMatch(/^\d[\d,]*$/);
    await page.getByTestId('overview-timeline').locator('svg.recharts-surface').first().waitFor();
    await shot('02-overview');
  });

  it('opens a flow at a break by clicking its timeline marker', async () => {
    const marker = page.getByTestId('overview-timeline').locator('[data-testid=timeline-marker][data-flow]:not([data-flow=""])').first();
    if ((await marker.count()) === 0) return; // a capture with nothing flagged
    // a handful of events: one marker each (none aggregated per pixel column), each with its line
    const summary = await page.evaluate(() => fetch('/api/summary', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then((r) => r.json()));
    const all = page.getByTestId('overview-timeline').locator('[data-testid=timeline-marker]');
    expect(await all.evaluateAll((els) => els.map((e) => e.getAttribute('data-count')))).toEqual(Array(summary.events).fill('1'));
    expect(await page.getByTestId('overview-timeline').locator('.marker line').count()).toBe(summary.events);
    await marker.click();
    await page.getByTestId('flow-facts').waitFor();
    await shot('02b-marker-flow');
    await page.keyboard.press('Escape');
    await page.locator('[data-tab=overview]').click();
  });

  it('lists breaks grouped by kind', async () => {
    await page.locator('[data-tab=breaks]').click();
    await page.getByTestId('breaks-list').waitFor();
    const summary = await page.evaluate(() => fetch('/api/summary', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then((r) => r.json()));
    // (the list's items come in after the list itself: polled, not counted once at once)
    if (summary.breaks > 0) await expect.poll(() => page.getByTestId('break-item').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await shot('03-breaks');
  });

  it('opens a TCP flow: state lanes and the sequence chart', async () => {
    await page.locator('[data-tab=flows]').click();
    await page.getByTestId('flows-table').waitFor();
    await page.getByTestId('flow-filter').fill('tcp');
    await expect.poll(async () => (await page.getByTestId('flow-row').first().textContent()) ?? '').toContain('tcp');
    await shot('04-flows');
    await page.getByTestId('flow-row').first().click();
    await page.getByTestId('state-lanes').waitFor();
    await page.getByTestId('seq-chart').locator('svg.recharts-surface').waitFor();
    await shot('05-tcp-flow');
  });

  it('keyboard: Esc goes back, arrows and Enter open a row', async () => {
    await page.keyboard.press('Escape');
    await page.getByTestId('flows-table').waitFor();
    await page.locator('.vt-body').first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByTestId('flow-facts').waitFor();
    await page.keyboard.press('Escape');
  });

  it('shows the DNS and QUIC views', async () => {
    await page.locator('[data-tab=dns]').click();
    await page.getByTestId('dns-transactions').waitFor();
    // A transaction's response in full, decoded by dns-packet on the server side.
    await page.getByTestId('dns-row').first().click();
    const msg = page.getByTestId('dns-message');
    await expect.poll(() => msg.textContent(), { timeout: 10_000 }).toContain('decoded by dns-packet');
    expect(await msg.locator('caption').allTextContents()).toContain('question (1)');
    await shot('06-dns');
    await page.locator('[data-tab=quic]').click();
    await page.getByTestId('quic-paths').first().waitFor();
    await shot('07-quic');
  });

  it('opens a capture by upload and shows a QUIC connection with its paths', async () => {
    // A recorded fixture, so the test runs on a fresh clone without ../shared too.
    const file = join(ROOT, 'fixtures', 'quic', 'ngtcp2-nat-rebinding.pcap');
    await page.getByTestId('file-input').setInputFiles(file);
    await expect.poll(() => page.getByTestId('capture-summary').textContent(), { timeout: 30_000 }).toContain('ngtcp2-nat-rebinding.pcap');
    await shot('08-upload-overview');
    await page.locator('[data-tab=quic]').click();
    await page.getByTestId('quic-paths').first().waitFor();
    await shot('09-quic-migration');
  });

  it('without the token a browser gets nothing: the page and the API answer 401', async () => {
    const other = await browser.newContext(); // no cookie
    const p = await other.newPage();
    const r = await p.goto(serve.base);
    expect(r!.status()).toBe(401);
    expect(await p.textContent('body')).toContain('needs its token');
    expect(await p.evaluate(() => fetch('/api/status', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then((x) => x.status))).toBe(401);
    // The printed URL sets the cookie: the same call is answered.
    await p.goto(serve.url);
    expect(p.url()).toBe(serve.base);
    expect(await p.evaluate(() => fetch('/api/status', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then((x) => x.status))).toBe(200);
    await other.close();
  });

  it('logged no errors in the console', () => {
    expect(consoleErrors).toEqual([]);
  });
});
