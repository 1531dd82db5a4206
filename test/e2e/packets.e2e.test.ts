// End to end: the packets and bytes through `stateline serve` in Chromium — the Packets
// tab lists every frame with Wireshark's columns; clicking a row shows its layer tree and
// bytes; clicking a field highlights exactly its bytes (the bytes packetDetail says the
// field spans); clicking a byte selects the deepest field holding it; ↑/↓ move the
// selection and the panes follow; a flow's detail has the same panes; an upload
// (browser build) is re-readable. Screenshots go to /tmp/shots-bytes/.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, ROOT, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const SHOTS = '/tmp/shots-bytes';
const FILE = join(ROOT, 'fixtures', 'dns-udp-tcp.pcap');

warnIfNoChromium();

describe.skipIf(!HAVE_CHROMIUM)('packets and bytes in Chromium', () => {
  const { page, serve } = useApp([FILE], { width: 1400, height: 1000 }, { shots: SHOTS });

  /** The hex view's highlighted bytes, as hex. */
  const highlighted = async (): Promise<string> => (await page.locator('[data-testid=hex-view] .hexb.hl').allTextContents()).join('');
  /** The bytes [start, end) of the frame shown, as the API gives them. */
  const fieldBytes = async (frame: number, start: number, end: number): Promise<string> => {
    const d = await page.evaluate(async (f) => (await fetch('/api/packetDetail', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ frame: f }) })).json(), frame);
    return (d.bytes as string).slice(start * 2, end * 2);
  };

  it('the Packets tab lists every frame with No., Time, Source, Destination, Protocol, Length, Info', async () => {
    await page.goto(serve.url);
    await page.getByTestId('capture-summary').waitFor({ timeout: 60_000 });
    await page.locator('[data-tab=packets]').click();
    const rows = page.getByTestId('packet-row');
    await expect.poll(() => rows.count()).toBe(20);
    const heads = await page.locator('[data-testid=packet-list] [role=columnheader]').allTextContents();
    // (the Time column's title says its format: seconds since the start by default)
    expect(heads).toEqual(['No.', 'Time (s)', 'Source', 'Destination', 'Protocol', 'Length', 'Info']);
    expect(await rows.nth(3).textContent()).toContain('Standard query response 0x6acf A www.stateline.test A 10.77.0.20');
    expect(await rows.nth(0).textContent()).toContain('Who has 10.77.0.2? Tell 10.77.0.1');
  });

  /** Opens every collapsed node of the tree (its twisty). */
  const expandAll = async (): Promise<void> => {
    const closed = page.locator('[data-testid=packet-detail] [aria-expanded=false] > .pd-node > .pd-twisty');
    for (let i = 0; i < 200 && (await closed.count()) > 0; i++) await closed.first().click();
  };

  it('a row shows its layers; a field highlights exactly its bytes', async () => {
    await page.getByTestId('packet-row').nth(10).click(); // frame 11: the TCP SYN with options
    const tree = page.getByTestId('packet-detail');
    await tree.locator('[data-field=tcp]').waitFor();
    expect(await tree.locator('[data-field="tcp.options.mss_val"]').count()).toBe(0); // options closed, as in Wireshark
    await expandAll();
    for (const name of ['tcp.options.mss_val', 'ip.src', 'tcp.flags.syn', 'eth.dst']) {
      const node = tree.locator(`[data-field="${name}"]`).first();
      await node.click();
      const start = Number(await node.getAttribute('data-start'));
      const end = Number(await node.getAttribute('data-end'));
      expect(end).toBeGreaterThan(start);
      await expect.poll(highlighted).toBe(await fieldBytes(11, start, end));
      expect(await page.locator('[data-testid=hex-view] .ascb.hl').count()).toBe(end - start);
    }
    expect(await tree.locator('[data-field="tcp.options.mss_val"]').textContent()).toContain('MSS Value: 1220');
    await tree.locator('[data-field="tcp.options.mss_val"]').click();
    await page.screenshot({ path: join(SHOTS, 'packets-tcp-mss.png') });
  });

  it('a byte selects the deepest field that holds it', async () => {
    // byte 23 of an Ethernet/IPv4 frame: the IPv4 protocol field
    await page.locator('[data-testid=hex-view] .hexb[data-offset="23"]').click();
    const sel = page.locator('[data-testid=packet-detail] .pd-node.selected');
    await expect.poll(() => sel.getAttribute('data-field')).toBe('ip.proto');
    expect(await highlighted()).toBe('06');
    // keys in the tree: ↓ the next field (the checksum), ← up to the IPv4 layer, ← closes it
    await sel.click();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => sel.getAttribute('data-field')).toBe('ip.checksum');
    expect(await highlighted()).toBe(await fieldBytes(11, 24, 26));
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => sel.getAttribute('data-field')).toBe('ip');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.locator('[data-testid=packet-detail] [data-field="ip.ttl"]').count()).toBe(0);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('[data-testid=packet-detail] [data-field="ip.ttl"]').count()).toBe(1);
  });

  it('↓ moves the selection to the next frame, and the panes follow', async () => {
    await page.getByTestId('packet-row').nth(10).click();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('[data-testid=packet-row][aria-selected=true]').getAttribute('data-index')).toBe('11');
    const tree = page.getByTestId('packet-detail');
    await expect.poll(() => tree.locator('[data-field=frame]').textContent()).toMatch(/^.?Frame 12:/);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => tree.locator('[data-field=frame]').textContent()).toMatch(/^.?Frame 14:/);
    // frame 14: DNS over TCP
    await expandAll();
    await tree.locator('[data-field="dns.qry.name"]').click();
    await expect.poll(highlighted).toBe(await fieldBytes(14, Number(await tree.locator('[data-field="dns.qry.name"]').getAttribute('data-start')), Number(await tree.locator('[data-field="dns.qry.name"]').getAttribute('data-end'))));
    await page.screenshot({ path: join(SHOTS, 'packets-dns-tcp.png') });
  });

  it('a flow\'s detail has the same panes over its own packets', async () => {
    await page.locator('[data-tab=flows]').click();
    const tcpRow = page.getByTestId('flow-row').filter({ hasText: 'tcp' }).first();
    await tcpRow.click();
    const rows = page.getByTestId('packet-row');
    await expect.poll(() => rows.count()).toBeGreaterThan(5);
    await rows.first().click();
    const flags = page.getByTestId('packet-detail').locator('[data-field="tcp.flags"]').first();
    await flags.click();
    const frame = Number(await rows.first().locator('[role=cell]').first().textContent());
    await expect.poll(highlighted).toBe(await fieldBytes(frame, Number(await flags.getAttribute('data-start')), Number(await flags.getAttribute('data-end'))));
    await page.getByTestId('hex-view').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'flow-packets.png'), fullPage: true });
  });

  it('an uploaded capture (the browser build) is re-readable: its frames show their bytes', async () => {
    await page.getByTestId('file-input').setInputFiles(join(ROOT, 'fixtures', 'udp-port-unreachable.pcap'));
    await expect.poll(() => page.locator('.topbar .file').textContent(), { timeout: 30_000 }).toBe('udp-port-unreachable.pcap');
    await page.locator('[data-tab=packets]').click();
    const rows = page.getByTestId('packet-row');
    await expect.poll(() => rows.count()).toBe(8);
    const icmp = rows.filter({ hasText: 'Destination unreachable (Port unreachable)' }).first();
    await icmp.click();
    const tree = page.getByTestId('packet-detail');
    await tree.locator('[data-field=icmp]').waitFor();
    await expandAll();
    // the quoted datagram's UDP header, inside the ICMP layer
    const quoted = tree.locator('[data-field=icmp] ~ [role=group] [data-field="udp.dstport"], [role=group] [data-field="udp.dstport"]').last();
    await quoted.click();
    const frame = Number(await page.locator('[data-testid=packet-row][aria-selected=true] [role=cell]').first().textContent());
    await expect.poll(highlighted).toBe(await fieldBytes(frame, Number(await quoted.getAttribute('data-start')), Number(await quoted.getAttribute('data-end'))));
    await page.screenshot({ path: join(SHOTS, 'packets-icmp-quoted.png') });
  });
});
