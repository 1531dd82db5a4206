// End to end: fixtures/fidelity/vlan-key.pcap (one 5-tuple untagged, on 802.1Q VID 10 and
// on 802.1ad 300 outside 802.1Q 20) in the app is three flow rows, told apart by the VLAN
// IDs shown beside their endpoints; the filter box's vlan: term and the flow's facts row
// show the same IDs. Screenshots go to test-results/.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, ROOT, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const SHOTS = join(ROOT, 'test-results');
const FILE = join(ROOT, 'fixtures', 'fidelity', 'vlan-key.pcap');

warnIfNoChromium();

describe.skipIf(!HAVE_CHROMIUM)('vlan-key.pcap in Chromium: one 5-tuple on three VLAN stacks', () => {
  const { page, serve } = useApp([FILE], { width: 1400, height: 700 });

  it('lists three rows with the same endpoints, their VLAN IDs beside them', async () => {
    await page.goto(serve.url);
    await page.getByTestId('capture-summary').waitFor({ timeout: 60_000 });
    await page.locator('[data-tab=flows]').click();
    const rows = page.getByTestId('flow-row');
    await expect.poll(() => rows.count()).toBe(3);
    const texts = await rows.allTextContents();
    for (const t of texts) expect(t).toContain('10.91.0.1:4020110.91.0.2:8080');
    expect(await rows.nth(0).getByTestId('flow-vlan').count()).toBe(0);
    expect(await rows.nth(1).getByTestId('flow-vlan').textContent()).toBe('vlan 10');
    expect(await rows.nth(2).getByTestId('flow-vlan').textContent()).toBe('vlan 300/20');
    // each row a clean connection of its own
    for (const t of texts) expect(t).toContain('SF ShADadFf');
    await page.screenshot({ path: join(SHOTS, 'vlan-flows.png') });
  });

  it('filters by vlan: and shows the VLAN IDs in the flow\'s facts', async () => {
    await page.getByTestId('flow-filter').fill('vlan:20');
    const rows = page.getByTestId('flow-row');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getByTestId('flow-vlan').textContent()).toBe('vlan 300/20');
    await rows.first().click();
    await page.getByTestId('flow-facts').waitFor();
    expect(await page.getByTestId('flow-facts-vlan').textContent()).toBe('vlan 300/20');
    await page.getByTestId('state-lanes').waitFor();
    // a clean close: the client closed first and waits in TIME-WAIT, the server is CLOSED;
    // each lane's last state is drawn to the view's end, not as a sliver at the last packet
    const last = (side: string) => page.locator(`[data-lane=${side}] [data-final=true]`);
    expect(await last('client').getAttribute('data-state')).toBe('TIME-WAIT');
    expect(await last('server').getAttribute('data-state')).toBe('CLOSED');
    const [c, sv] = [(await last('client').locator('rect').boundingBox())!, (await last('server').locator('rect').boundingBox())!];
    expect(c.x + c.width).toBeCloseTo(sv.x + sv.width, 0);
    expect(c.width).toBeGreaterThan(20);
    await page.screenshot({ path: join(SHOTS, 'vlan-flow-detail.png') });
  });
});
