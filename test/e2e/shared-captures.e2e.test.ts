// End to end over every shared capture (../shared/captures): one `stateline serve`, one
// Chromium page; each capture is opened by its server-side path through the API the UI
// uses (`openPath`, with NAME.keylog.txt next to it when there is one), then every view
// is visited — overview, flows (and the first TCP flow: state lanes and the sequence
// chart), breaks, DNS, QUIC — and nothing may reach the console as an error.
// Skipped, with a message, when ../shared/captures or Chromium is absent.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, HAVE_CHROMIUM, ROOT } from './serve';
import { useApp } from './harness';

const SHARED = resolve(ROOT, '../shared/captures');
const HAVE_SHARED = existsSync(SHARED);
const CAPTURE = /\.(pcap|pcapng|cap)(\.gz)?$/i;

function listCaptures(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...listCaptures(p));
    else if (CAPTURE.test(e)) out.push(p);
  }
  return out;
}

const captures = HAVE_SHARED ? listCaptures(SHARED) : [];
const keylogOf = (file: string): string | null => {
  const k = join(dirname(file), `${basename(file).replace(CAPTURE, '')}.keylog.txt`);
  return existsSync(k) ? k : null;
};

if (!HAVE_CHROMIUM) console.warn(`\n[e2e shared captures] SKIPPED: ${CHROMIUM} is absent (apt-get install -y chromium, or set STATELINE_CHROMIUM)\n`);
else if (!HAVE_SHARED) console.warn(`\n[e2e shared captures] SKIPPED: ${SHARED} is absent\n`);

describe.skipIf(!HAVE_CHROMIUM || !HAVE_SHARED || captures.length === 0)('every view on every shared capture, no console errors', () => {
  const { page, errors } = useApp([], { width: 1400, height: 900 }, { timeout: 20_000, goto: true, label: () => current });
  let current = '';

  const api = <T>(method: string, args: unknown = {}): Promise<T> =>
    page.evaluate(
      ([m, a]) => fetch(`/api/${m}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(a) }).then((r) => r.json()),
      [method, args] as const,
    ) as Promise<T>;

  it.each(captures.map((c) => [relative(SHARED, c), c]))('%s', async (name, file) => {
    current = name;
    const before = errors.length;
    const keylogPath = keylogOf(file);
    await api('openPath', { path: file, keylogPath });
    let st: { state: string; error: unknown };
    const t0 = Date.now();
    do {
      await page.waitForTimeout(25);
      st = await api('status');
    } while (st.state === 'loading' && Date.now() - t0 < 60_000);
    expect(st.state, `${name}: ${JSON.stringify(st.error)}`).toBe('ready');
    // A fresh page load picks the new capture up at once (the UI polls slowly when idle).
    await page.reload();

    // Overview.
    const summary = page.getByTestId('capture-summary');
    await summary.waitFor();
    await expect.poll(() => summary.textContent()).toContain(basename(file));
    await page.getByTestId('overview-timeline').locator('svg.recharts-surface').first().waitFor();

    // Flows, and the first TCP flow.
    await page.locator('[data-tab=flows]').click();
    await page.getByTestId('flows-table').waitFor();
    const tcp = await api<{ total: number; rows: { id: number }[] }>('flows', { filter: { q: 'tcp' }, limit: 1 });
    if (tcp.total > 0) {
      await page.getByTestId('flow-filter').fill('tcp');
      const row = page.locator(`[data-testid=flow-row]`).first();
      await expect.poll(async () => (await row.textContent()) ?? '').toContain('tcp');
      await row.click();
      await page.getByTestId('flow-facts').waitFor();
      await page.getByTestId('state-lanes').waitFor();
      await page.getByTestId('seq-chart').locator('svg.recharts-surface').waitFor();
      await page.keyboard.press('Escape');
      await page.getByTestId('flows-table').waitFor();
    } else {
      await expect.poll(() => page.getByTestId('flow-count').textContent()).toMatch(/of/);
    }

    // Breaks, DNS, QUIC.
    await page.locator('[data-tab=breaks]').click();
    await page.getByTestId('breaks-list').waitFor();
    await page.locator('[data-tab=dns]').click();
    await page.getByTestId('dns-transactions').first().waitFor();
    await page.locator('[data-tab=quic]').click();
    await page.getByTestId('quic-paths').first().waitFor();
    // Let late renders and answers land before the errors are counted.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(errors.slice(before)).toEqual([]);
  }, 60_000);

  it('logged no errors in the console over all captures', () => {
    expect(errors).toEqual([]);
  });
});
