// End to end (issue 15, "polish" and "navigation"): axis titles and units, time axes
// from 0, a palette whose series differ, the bytes-in-flight legend and a visible zero
// window, PNG export with title and legend, no text selection from drags and
// double-clicks, the flows table one Tab away with a row selected and kept, arrow keys in
// the tab bar, plurals, user text without internal notes, the DNS status column whole,
// ARP named; the time-format setting, the theme toggle, Close and Open another capture,
// a key log from the browser. One `stateline serve` in Chromium; the captures are the
// recorded fixtures, opened the way a user does (upload through the file input).
// Screenshots go to /tmp/shots-polish/ (looked at by hand).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, ROOT, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const SHOTS = process.env.STATELINE_SHOTS ?? '/tmp/shots-polish';
const F = (p: string): string => join(ROOT, 'fixtures', p);

warnIfNoChromium();

/** Distinct CSS colours, normalised by the browser (rgb(…)). */
const distinct = (xs: string[]): number => new Set(xs).size;

describe.skipIf(!HAVE_CHROMIUM)('polish and navigation, in Chromium', () => {
  const { page, errors } = useApp([], { width: 1400, height: 900 }, { shots: SHOTS, timeout: 15_000, goto: true });

  const api = (name: string, args: unknown = {}) =>
    page.evaluate(([n, a]) => fetch(`/api/${n}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(a) }).then((r) => r.json()), [name, args] as const);

  /** Upload a capture through the file input, as the Open… button does, and wait for its overview. */
  async function open(file: string): Promise<void> {
    await page.getByTestId('file-input').setInputFiles(file);
    const name = file.split('/').pop()!;
    await expect.poll(() => page.getByTestId('capture-summary').textContent().catch(() => ''), { timeout: 60_000 }).toContain(name);
  }

  async function openFirstFlow(): Promise<void> {
    await page.locator('[data-tab=flows]').click();
    await page.getByTestId('flow-row').first().click();
    await page.getByTestId('flow-facts').waitFor();
  }

  beforeAll(async () => {
    await page.getByTestId('open-sample').waitFor();
  }, 180_000);

  it('titles every axis with its unit, and starts the time axes at 0 with round ticks', async () => {
    await open(F('tcp/tcp-zero-window.pcap'));
    const overview = page.getByTestId('overview-timeline');
    await overview.locator('.recharts-cartesian-axis-tick-value').first().waitFor();
    expect(await overview.locator('.recharts-label').allTextContents()).toEqual(expect.arrayContaining(['time since capture start (s)', 'packets per second']));
    const ticks = await overview.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();
    expect(Number(ticks[0])).toBe(0);
    // a 3 s capture: ticks 0, 0.5, 1 … written with the decimals their step needs, none negative
    for (const t of ticks) expect(t).toMatch(/^\d+(\.\d)?$/);
    await openFirstFlow();
    await page.getByTestId('inflight-chart').locator('.recharts-cartesian-axis-tick-value').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'zero-window-flow.png'), fullPage: true });
    for (const [id, y] of [['seq-chart', 'relative sequence number (bytes)'], ['inflight-chart', 'bytes']]) {
      const labels = await page.getByTestId(id).locator('.recharts-label').allTextContents();
      expect(labels, id).toEqual(expect.arrayContaining(['time since capture start (s)', y]));
      for (const t of await page.getByTestId(id).locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents()) expect(Number(t), id).toBeGreaterThanOrEqual(0);
    }
    expect(await page.getByTestId('state-lanes').getByTestId('time-axis').locator('.axis-title').textContent()).toBe('time since capture start (s)');
    // whole byte counts on the sequence axis: "0, 2k, 4k" or "0, 500, 1000", never "1.0" or "0.0"
    const seqY = await page.getByTestId('seq-chart').locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();
    expect(seqY.length).toBeGreaterThanOrEqual(2);
    for (const t of seqY) expect(t, seqY.join(', ')).toMatch(/^(0|[1-9]\d*|\d+\.\d+[kM]|\d+[kM])$/);
  }, 120_000);

  it('gives every series of the sequence graph its own colour (window ≠ lost, retransmission ≠ RST)', async () => {
    const legend = page.getByTestId('seq-legend');
    const colour = (series: string) =>
      legend.locator(`[data-series="${series}"] .swatch`).evaluate((el) => {
        const s = getComputedStyle(el);
        return el.classList.contains('dashed') ? s.borderTopColor : s.backgroundColor;
      });
    const series = ['segments', 'ACK', 'receive window (ACK + window)', 'retransmission', 'RST', 'lost', 'out of order'];
    const colours = await Promise.all(series.map(colour));
    expect(distinct(colours), colours.join(' ')).toBe(series.length);
    expect(await colour('receive window (ACK + window)')).not.toBe(await colour('lost'));
    expect(await colour('retransmission')).not.toBe(await colour('RST'));
    // the chart draws them in those colours: the window line's stroke is the legend's
    const win = await page.getByTestId('seq-chart').locator('.recharts-line-curve[stroke-dasharray="6 3"]').first().getAttribute('stroke');
    expect(await colour('receive window (ACK + window)')).toBe(await page.evaluate((c) => {
      const d = document.createElement('div');
      d.style.color = c!;
      document.body.appendChild(d);
      const v = getComputedStyle(d).color;
      d.remove();
      return v;
    }, win));
  });

  it('gives the bytes-in-flight chart a legend and shades a zero window, which lies on the baseline', async () => {
    const chart = page.getByTestId('inflight-chart');
    const legend = chart.getByTestId('inflight-legend');
    expect(await legend.textContent()).toMatch(/bytes in flight.*receive window.*zero window/);
    // this capture's receiver advertised a zero window (3 tcp.zero-window warnings) to the client's data
    await expect.poll(() => chart.getByTestId('inflight-plot').getAttribute('data-zero-windows')).not.toBe('0');
    const area = chart.locator('.recharts-reference-area-rect').first();
    const box = (await area.boundingBox())!;
    expect(box.width).toBeGreaterThan(2);
    expect(box.height).toBeGreaterThan(50);
    expect(await chart.locator('svg text', { hasText: /^zero window$/ }).count()).toBe(1);
    // the bytes axis steps in round numbers of the unit it shows (20 KiB, not 19.5 KiB)
    const yTicks = await chart.locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();
    expect(yTicks.length).toBeGreaterThanOrEqual(3);
    const parsed = yTicks.map((t) => /^(\d+(?:\.5)?) (B|KiB|MiB)$/.exec(t));
    expect(parsed.every(Boolean), yTicks.join(', ')).toBe(true);
    expect(new Set(parsed.map((m) => m![2])).size, yTicks.join(', ')).toBe(1);
    const values = parsed.map((m) => Number(m![1]));
    expect(values[0]).toBe(0);
    for (let i = 2; i < values.length; i++) expect(values[i] - values[i - 1], yTicks.join(', ')).toBeCloseTo(values[1] - values[0], 9);
    await chart.screenshot({ path: join(SHOTS, 'zero-window-inflight.png') });
  });

  it('exports a chart as PNG with room for its title and legend', async () => {
    const chart = page.getByTestId('seq-chart');
    const svg = (await chart.locator('svg.recharts-surface').boundingBox())!;
    const [dl] = await Promise.all([page.waitForEvent('download'), chart.getByRole('button', { name: 'PNG' }).click()]);
    const png = readFileSync((await dl.path())!);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const w = png.readUInt32BE(16), h = png.readUInt32BE(20);
    // 2x; 12 px each side; 28 px of title above, a 24 px legend and 12 px below
    expect(w).toBe(2 * (Math.round(svg.width) + 24));
    expect(h).toBe(2 * (Math.round(svg.height) + 28 + 24 + 12));
    expect(dl.suggestedFilename()).toMatch(/-tcptrace\.png$/);
  });

  it('selects no text when dragging across a chart or double-clicking a row', async () => {
    const plot = (await page.getByTestId('seq-chart').locator('.recharts-cartesian-grid').boundingBox())!;
    expect(await page.evaluate(() => String(window.getSelection())), 'before the drag').toBe('');
    await page.mouse.move(plot.x + plot.width * 0.3, plot.y + 40);
    await page.mouse.down();
    await page.mouse.move(plot.x + plot.width * 0.6, plot.y + 80, { steps: 5 });
    await page.mouse.up();
    expect(await page.evaluate(() => String(window.getSelection()))).toBe('');
    await page.keyboard.press('Escape');
    await page.locator('[data-tab=flows]').click();
    await page.getByTestId('flow-row').first().dblclick();
    await page.getByTestId('flow-facts').waitFor();
    expect(await page.evaluate(() => String(window.getSelection()))).toBe('');
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('flow-row').first().evaluate((el) => getComputedStyle(el).userSelect)).toBe('none');
  });

  it('reaches the flows table in one Tab with a row selected, keeps it on Esc, moves between tabs with the arrows', async () => {
    await open(F('incidents/server-restart.pcap'));
    await page.locator('[data-tab=flows]').click();
    await page.getByTestId('flow-row').first().waitFor();
    await page.locator('[data-tab=flows]').focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.closest('[data-testid]')?.getAttribute('data-testid'));
    expect(focused).toBe('flows-table');
    expect(await page.locator('[data-testid=flow-row].selected').count()).toBe(1);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await page.locator('[data-testid=flow-row].selected').getAttribute('data-index')).toBe('2');
    await page.keyboard.press('Escape');
    expect(await page.locator('[data-testid=flow-row].selected').getAttribute('data-index')).toBe('2');
    // open it and come back: still the selected row
    await page.keyboard.press('Enter');
    await page.getByTestId('flow-facts').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('flow-row').first().waitFor();
    expect(await page.locator('[data-testid=flow-row].selected').getAttribute('data-index')).toBe('2');
    // the tab bar: a tablist of tabs; → shows the next view, ← the one before, Home the first
    // (every view's tab: Overview, Flows, Breaks, DNS, QUIC, Packets, Compare)
    expect(await page.getByRole('tablist').getByRole('tab').count()).toBe(await page.locator('[data-tab]').count());
    expect(await page.getByRole('tablist').getByRole('tab').count()).toBeGreaterThanOrEqual(7);
    const order = await page.locator('[data-tab]').evaluateAll((els) => els.map((e) => e.getAttribute('data-tab')!));
    expect(order.slice(0, 2)).toEqual(['overview', 'flows']);
    const after = order[order.indexOf('flows') + 1];
    await page.locator('[data-tab=flows]').focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.locator(`[data-tab=${after}]`).getAttribute('aria-selected')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-tab'))).toBe(after);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await page.locator('[data-tab=overview]').getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('End');
    expect(await page.locator(`[data-tab=${order[order.length - 1]}]`).getAttribute('aria-selected')).toBe('true');
    // only the active tab is in the Tab order
    expect(await page.locator('[role=tab][tabindex="0"]').count()).toBe(1);
  });

  it('writes counts in the singular for one', async () => {
    await page.locator('[data-tab=flows]').click();
    await page.getByTestId('flow-row').first().click();
    expect(await page.getByTestId('flow-facts').textContent()).toContain('1 break');
    expect(await page.getByTestId('flow-facts').textContent()).not.toContain('1 breaks');
    await page.keyboard.press('Escape');
  });

  it('shows no internal notes, names ARP, and writes DNS statuses in full', async () => {
    await open(F('dns/dns-orphan-gone.pcap'));
    await page.locator('[data-tab=breaks]').click();
    await page.getByTestId('break-item').first().waitFor();
    const text = (await page.locator('main').textContent())!;
    expect(text).not.toMatch(/seed/i);
    expect(text).toContain('RFC 1122');
    await open(F('dns/dns-unanswered.pcap'));
    await page.locator('[data-tab=dns]').click();
    await page.getByTestId('dns-row').first().waitFor();
    const cut = await page.locator('[data-testid=dns-row] .vt-cell').evaluateAll((cells) => cells.filter((c) => c.scrollWidth > c.clientWidth + 1 && /unanswered|client-gone|answered|orphan|mismatch/.test(c.textContent ?? '')).map((c) => c.textContent));
    expect(cut).toEqual([]);
    expect(await page.locator('[data-testid=dns-row]', { hasText: 'unanswered' }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'dns-unanswered.png'), fullPage: true });
    await open(F('sample.pcapng'));
    expect(await page.getByTestId('capture-summary').textContent()).toContain('ARP (EtherType 0x0806)');
  }, 120_000);

  it('shows times since the start, in UTC or since the previous packet, as the user chooses, and remembers it', async () => {
    await open(F('tcp/tcp-zero-window.pcap'));
    await openFirstFlow();
    const firstTimes = () => page.getByTestId('packet-list').locator('.vt-row').evaluateAll((rows) => rows.slice(0, 3).map((r) => r.children[1].textContent));
    await expect.poll(firstTimes).toEqual(['0.000000', expect.stringMatching(/^0\.0000\d\d$/), expect.stringMatching(/^0\.\d{6}$/)]);
    await page.getByTestId('time-format').selectOption('utc');
    await expect.poll(firstTimes).toEqual([expect.stringMatching(/^2026-11-28 11:40:19\.\d{3}$/), expect.stringMatching(/^2026-11-28 /), expect.stringMatching(/^2026-11-28 /)]);
    await page.getByTestId('time-format').selectOption('delta');
    const delta = await firstTimes();
    expect(delta[0]).toBe('0.000000');
    expect(delta[1]).toMatch(/^\+0\.\d{6}$/);
    await page.reload();
    await page.getByTestId('capture-summary').waitFor();
    expect(await page.getByTestId('time-format').inputValue()).toBe('delta');
    await page.getByTestId('time-format').selectOption('relative');
  }, 60_000);

  it('switches to the dark theme and back, and remembers the choice', async () => {
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await bg();
    const before = await page.evaluate(() => document.documentElement.dataset.theme);
    await page.getByTestId('theme-toggle').click();
    const after = await page.evaluate(() => document.documentElement.dataset.theme);
    expect(after).not.toBe(before);
    expect(await bg()).not.toBe(light);
    await page.reload();
    await page.getByTestId('capture-summary').waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(after);
    await page.screenshot({ path: join(SHOTS, `theme-${after}.png`), fullPage: true });
    await openFirstFlow();
    await page.getByTestId('seq-chart').locator('svg.recharts-surface').waitFor();
    await page.screenshot({ path: join(SHOTS, `theme-${after}-flow.png`), fullPage: true });
    await page.keyboard.press('Escape');
    await page.getByTestId('theme-toggle').click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(before);
  }, 60_000);

  it('closes the capture and opens another from the browser', async () => {
    // Close is in the File menu
    await page.getByTestId('file-menu').click();
    await page.getByTestId('close-capture').click();
    await page.getByTestId('open-sample').waitFor();
    expect((await api('status')).state).toBe('empty');
    expect(await page.getByTestId('capture-summary').count()).toBe(0);
    await open(F('incidents/server-restart.pcap'));
    // Open… stays (in the File menu) with a capture open: a second file replaces it
    await open(F('dns/dns-orphan-gone.pcap'));
  }, 60_000);

  it('loads a TLS key log from the browser: the uploaded capture is read again with it', async () => {
    await open(F('quic/ngtcp2-h3.pcap'));
    expect((await api('summary')).events).toBe(0);
    await page.getByTestId('keylog-input').setInputFiles(F('quic/ngtcp2-h3.keylog.txt'));
    await expect.poll(async () => (await api('status')).keylog, { timeout: 30_000 }).toBe('ngtcp2-h3.keylog.txt');
    await expect.poll(() => page.getByTestId('keylog-button').textContent()).toBe('Key log: ngtcp2-h3.keylog.txt');
    // decrypted, the connection's close (a 1-RTT frame) is seen
    await expect.poll(async () => (await api('summary')).eventsByKind.map((k: { kind: string }) => k.kind), { timeout: 30_000 }).toContain('quic.connection-close');
    await page.locator('[data-tab=quic]').click();
    await page.getByTestId('quic-paths').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'keylog-quic.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 90_000);
});
