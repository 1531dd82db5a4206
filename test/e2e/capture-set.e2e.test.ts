// End to end: a capture set through `stateline serve DIR` in Chromium — a capture split
// with editcap into three files (the second gzip'd) shows in the Packets tab the single
// file's rows with their Info; a frame of the second file shows its layer tree and its
// bytes in the hex view (the single file's bytes for that frame); the "since previous"
// time across the files' boundary is the single file's; go to frame (Ctrl+G) opens a
// frame of the second file in its flow with the same panes. Screenshots go to
// /tmp/shots-set/.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PacketDetail, PacketRow } from '../../analysis/api';
import { StatelineSession } from '../../analysis/session';
import { nodeFileHost } from '../../host/file-source';
import { HAVE_CHROMIUM, ROOT, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const SHOTS = '/tmp/shots-set';
const FILE = join(ROOT, 'fixtures', 'dns-udp-tcp.pcap');
const HAVE_EDITCAP = spawnSync('editcap', ['-h']).status === 0;

warnIfNoChromium();
if (!HAVE_EDITCAP) console.warn('\n[e2e capture set] SKIPPED: editcap is not installed\n');

describe.skipIf(!HAVE_CHROMIUM || !HAVE_EDITCAP)('a capture set in Chromium', () => {
  let dir: string;
  /** The single file's rows and details, as the session gives them. */
  let rows: PacketRow[];
  let details: PacketDetail[];

  beforeAll(async () => {
    const one = new StatelineSession(nodeFileHost(null));
    await one.openPath({ path: FILE });
    await one.whenSettled();
    rows = (await one.packets({})).rows;
    details = [];
    for (const r of rows) details.push((await one.packetDetail({ frame: r.frame }))!);
    await one.dispose();
    // 20 frames in three files: 1–8, 9–16 (gzip'd), 17–20
    dir = mkdtempSync(join(tmpdir(), 'stateline-e2e-set-'));
    execFileSync('editcap', ['-c', '8', FILE, join(dir, 'part.pcap')]);
    const names = readdirSync(dir).sort();
    expect(names.length).toBe(3);
    writeFileSync(join(dir, `${names[1]}.gz`), gzipSync(readFileSync(join(dir, names[1]))));
    rmSync(join(dir, names[1]));
  }, 180_000);

  const { page, serve, errors } = useApp(() => [dir], { width: 1400, height: 1000 }, { shots: SHOTS, cleanup: () => dir && rmSync(dir, { recursive: true, force: true }) });

  /** The hex view's bytes, as hex. */
  const hexShown = async (): Promise<string> => (await page.locator('[data-testid=hex-view] .hexb').allTextContents()).join('');

  it('the Packets tab lists the set\'s frames with the single file\'s Info', async () => {
    await page.goto(serve.url);
    await page.getByTestId('capture-summary').waitFor({ timeout: 60_000 });
    await page.locator('[data-tab=packets]').click();
    const list = page.getByTestId('packet-row');
    await expect.poll(() => list.count()).toBe(20);
    const texts = await list.allTextContents();
    for (const [i, r] of rows.entries()) {
      expect(r.info).toBeTruthy();
      expect(texts[i], `frame ${r.frame}`).toContain(r.info!);
    }
  });

  it('a frame of the second (gzip\'d) file shows its layer tree and its bytes', async () => {
    await page.getByTestId('packet-row').nth(10).click(); // frame 11: the TCP SYN, in the second file
    const tree = page.getByTestId('packet-detail');
    await tree.locator('[data-field=tcp]').waitFor();
    expect(await tree.locator('[data-field=frame]').textContent()).toMatch(/^.?Frame 11:/);
    expect(await tree.locator('[data-field=tcp]').textContent()).toContain('Src Port: 36441, Dst Port: 53');
    await expect.poll(hexShown).toBe(details[10].bytes);
    // a field highlights its bytes
    const closed = tree.locator('[aria-expanded=false] > .pd-node > .pd-twisty');
    for (let i = 0; i < 200 && (await closed.count()) > 0; i++) await closed.first().click();
    const src = tree.locator('[data-field="ip.src"]').first();
    await src.click();
    await expect.poll(async () => (await page.locator('[data-testid=hex-view] .hexb.hl').allTextContents()).join('')).toBe('0a4d0001');
    await page.screenshot({ path: join(SHOTS, 'set-second-file-frame.png') });
    // ↓ to frame 12, and on across the boundary of the second and third files (16 → 17)
    await page.getByTestId('packet-row').nth(15).click();
    await expect.poll(() => tree.locator('[data-field=frame]').textContent()).toMatch(/^.?Frame 16:/);
    await expect.poll(hexShown).toBe(details[15].bytes);
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => tree.locator('[data-field=frame]').textContent()).toMatch(/^.?Frame 17:/);
    await expect.poll(hexShown).toBe(details[16].bytes);
  });

  it('"since previous" across the files\' boundary is the single file\'s', async () => {
    await page.getByTestId('time-format').selectOption('delta');
    const want = rows.map((r, i) => (i === 0 ? '0.000000' : `+${(r.time - rows[i - 1].time).toFixed(6)}`));
    // the rows drawn (the list is scrolled to the selected frame 17, so the first may be
    // out of the drawn window), each against the single file's row of its index
    const drawn = () => page.getByTestId('packet-list').locator('.vt-row[data-index]').evaluateAll((els) => els.map((r) => [Number(r.getAttribute('data-index')), r.children[1].textContent] as const));
    await expect.poll(async () => {
      const d = await drawn();
      const idx = new Set(d.map(([i]) => i));
      // both boundaries of the second file (frames 10 → 11 and 16 → 17) among them
      return [10, 11, 16, 17].every((i) => idx.has(i - 1)) && d.every(([i, t]) => t === want[i]);
    }).toBe(true);
    await page.getByTestId('time-format').selectOption('relative');
  });

  it('go to frame (Ctrl+G) opens a frame of the second file in its flow, with its bytes', async () => {
    await page.keyboard.press('Control+g');
    await page.getByTestId('goto-frame').getByLabel('Frame number').fill('14');
    await page.keyboard.press('Enter');
    await page.getByTestId('flow-facts').waitFor();
    expect(await page.locator('.flow-detail h2').textContent()).toContain(`Flow ${rows[13].flow} `);
    const selected = page.locator('[data-testid=packet-row][aria-selected=true]');
    await expect.poll(() => selected.textContent()).toContain(rows[13].info!);
    const tree = page.getByTestId('packet-detail');
    await expect.poll(() => tree.locator('[data-field=frame]').textContent()).toMatch(/^.?Frame 14:/);
    await tree.locator('[data-field=dns]').waitFor();
    await expect.poll(hexShown).toBe(details[13].bytes);
    await page.screenshot({ path: join(SHOTS, 'set-goto-frame.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
