// End to end: the display filter over a flow's packets (issue 15 item 3), in Chromium
// through `stateline serve`. On fixtures/tcp/tcp-loss-delay.pcap: a bad filter turns the
// box red with the reason and its column under it; the autocomplete completes a field
// name; Enter applies, and the packet list shows exactly the frames the core's filter
// pass selects (which tshark -Y selects too, when installed); the filter is remembered
// in the history. Screenshots go to /tmp/shots-filter/.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../analysis/analyze';
import { compileDisplayFilter, filterFrames } from '../../analysis/filter/index';
import { HAVE_CHROMIUM, ROOT, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const SHOTS = '/tmp/shots-filter';
const FILE = join(ROOT, 'fixtures', 'tcp', 'tcp-loss-delay.pcap');
const HAVE_TSHARK = spawnSync('tshark', ['--version']).status === 0;

warnIfNoChromium();

async function expectedFrames(filter: string): Promise<number[]> {
  const bytes = new Uint8Array(readFileSync(FILE));
  const ours = Array.from(await filterFrames(await analyzeCapture(bytes), bytes, compileDisplayFilter(filter)));
  if (HAVE_TSHARK) {
    const theirs = spawnSync('tshark', ['-n', '-r', FILE, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
    expect(ours).toEqual(theirs);
  }
  return ours;
}

describe.skipIf(!HAVE_CHROMIUM)('the display filter over a flow\'s packets, in Chromium', () => {
  const { page, serve, errors } = useApp([FILE], { width: 1400, height: 1000 }, { shots: SHOTS, expected: /status of 400/ });

  /** Packets in the list (the table is windowed: only the rows in view are in the DOM). */
  const total = async (): Promise<number> => Number(await page.getByTestId('packet-list').getAttribute('aria-rowcount')) - 1;
  /** The frames of the rows in the DOM. */
  const frames = async (): Promise<number[]> => {
    const cells = await page.getByTestId('packet-row').evaluateAll((rows) => rows.map((r) => Number(r.querySelector('[role=cell]')!.textContent)));
    return cells.sort((a, b) => a - b);
  };

  it('shows the error of a bad filter at its column, completes field names, and applies a good one to the packet list', async () => {
    await page.goto(serve.url);
    await page.getByTestId('capture-summary').waitFor({ timeout: 60_000 });
    await page.locator('[data-tab=flows]').click();
    await page.getByTestId('flow-row').first().click();
    const box = page.getByTestId('display-filter');
    const input = page.getByTestId('display-filter-input');
    await box.waitFor();
    await box.scrollIntoViewIfNeeded();
    await page.getByTestId('packet-row').first().waitFor();
    expect(await total()).toBe(39);

    // a bad filter: red, the reason with its column, the offending word marked
    await input.fill('tcp.len > 0 && tcp.prot == 1');
    const error = page.getByTestId('display-filter-error');
    await error.waitFor();
    expect(await input.getAttribute('data-state')).toBe('error');
    expect(await error.locator('div').first().textContent()).toBe('"tcp.prot" is not a valid field (column 16)');
    expect(await error.locator('mark').textContent()).toBe('tcp.prot');
    await page.screenshot({ path: join(SHOTS, 'filter-error.png'), clip: (await box.boundingBox().then((b) => ({ x: 0, y: b!.y - 60, width: 1400, height: 200 }))) });
    // Enter does not apply it: the list still has every packet
    await input.press('Enter');
    expect(await total()).toBe(39);
    expect(await page.getByTestId('display-filter-status').textContent()).toBe('');

    // the autocomplete: "tcp.analysis.re" offers the analysis fields, Tab takes the first
    await input.fill('');
    await input.pressSequentially('tcp.analysis.re');
    const list = page.getByTestId('display-filter-suggestions');
    await list.waitFor();
    const offered = await list.locator('li .mono').allTextContents();
    expect(offered).toEqual(['tcp.analysis.retransmission', 'tcp.analysis.reused_ports']);
    await page.screenshot({ path: join(SHOTS, 'filter-autocomplete.png'), clip: (await box.boundingBox().then((b) => ({ x: 0, y: b!.y - 60, width: 1400, height: 220 }))) });
    await input.press('Tab');
    expect(await input.inputValue()).toBe('tcp.analysis.retransmission');
    await page.waitForFunction(() => document.querySelector('[data-testid=display-filter-input]')?.getAttribute('data-state') === 'ok');

    // Enter applies: the rows are the frames the filter selects
    const want = await expectedFrames('tcp.analysis.retransmission');
    expect(want.length).toBeGreaterThan(0);
    await input.press('Enter');
    const status = page.getByTestId('display-filter-status');
    await page.waitForFunction((n) => document.querySelector('[data-testid=display-filter-status]')?.textContent?.startsWith(`${n} `), want.length);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=packet-row]').length === n, want.length);
    expect(await total()).toBe(want.length);
    expect(await frames()).toEqual(want);
    expect(await status.textContent()).toBe(`${want.length} ${want.length === 1 ? 'packet matches' : 'packets match'} tcp.analysis.retransmission`);

    // a second filter with the operators, then the history holds both, most recent first
    const second = 'tcp.len > 0 and tcp.srcport == 8080 && !(tcp.seq < 5000)';
    const want2 = await expectedFrames(second);
    await input.fill(second);
    await page.waitForFunction(() => document.querySelector('[data-testid=display-filter-input]')?.getAttribute('data-state') === 'ok');
    await input.press('Enter');
    await page.waitForFunction((n) => document.querySelector('[data-testid=display-filter-status]')?.textContent?.startsWith(`${n} `), want2.length);
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=packet-list]')?.getAttribute('aria-rowcount')) === n + 1, want2.length);
    await page.waitForFunction((f) => document.querySelector('[data-testid=packet-row] [role=cell]')?.textContent === String(f), want2[0]);
    const shown = await frames();
    expect(shown.length).toBeGreaterThan(5);
    expect(shown).toEqual(want2.slice(0, shown.length));
    await page.screenshot({ path: join(SHOTS, 'filter-applied.png'), fullPage: true });
    expect(JSON.parse((await page.evaluate(() => localStorage.getItem('stateline.displayFilterHistory')))!)).toEqual([second, 'tcp.analysis.retransmission']);
    await page.getByTestId('display-filter-history').click();
    expect(await list.locator('li .mono').allTextContents()).toEqual([second, 'tcp.analysis.retransmission']);
    await list.locator('li').nth(1).click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=packet-row]').length === n, want.length);
    expect(await frames()).toEqual(want);

    // Esc closes the suggestions, then undoes the edit, staying on the flow; with nothing
    // left to undo it leaves the flow, as elsewhere
    await input.fill('udp');
    await list.waitFor();
    await input.press('Escape');
    await list.waitFor({ state: 'detached' });
    expect(await input.inputValue()).toBe('udp');
    await input.press('Escape');
    expect(await input.inputValue()).toBe('tcp.analysis.retransmission');
    expect(await box.isVisible()).toBe(true);
    await input.press('Escape');
    await box.waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
  }, 120_000);
});
