// End to end: the story on the lanes (issue 11). fixtures/tcp/tcp-restarted-server.pcap
// is a real server restart under an idle connection: the server's last packet is frame 6,
// the new listener's bare RST frame 9 (tcp.peer-lost-state). Its flow's server lane must
// show the hatched "lost somewhere here" band from 6 to 9, labelled, and CLOSED after it.
// Screenshots go to test-results/ (git-ignored).

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, ROOT, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const SHOTS = join(ROOT, 'test-results');
const FILE = join(ROOT, 'fixtures', 'tcp', 'tcp-restarted-server.pcap');

warnIfNoChromium();

describe.skipIf(!HAVE_CHROMIUM)('the lost-state band on the lanes of a restarted server, in Chromium', () => {
  const { page, serve, errors } = useApp([FILE], { width: 1400, height: 900 });

  it('hatches the server lane from its last packet to its RST, labelled, with CLOSED after', async () => {
    await page.goto(serve.url);
    await page.getByTestId('capture-summary').waitFor({ timeout: 60_000 });
    await page.locator('[data-tab=flows]').click();
    await page.getByTestId('flow-row').first().click();
    const lanes = page.getByTestId('state-lanes');
    const band = lanes.getByTestId('lost-band');
    await band.waitFor();
    await lanes.scrollIntoViewIfNeeded();
    await lanes.screenshot({ path: join(SHOTS, 'lost-band-lanes.png') });
    await page.screenshot({ path: join(SHOTS, 'lost-band-flow.png'), fullPage: true });

    expect(await band.count()).toBe(1);
    expect(await band.getAttribute('data-endpoint')).toBe('server');
    expect(await band.getAttribute('data-from-frame')).toBe('6');
    expect(await band.getAttribute('data-to-frame')).toBe('9');
    // labelled in full (the band spans almost the whole 3 s flow) and in its tooltip
    expect(await band.locator('text').textContent()).toBe('lost somewhere here: last proof of state frame 6, first proof of loss frame 9');
    expect(await band.locator('title').textContent()).toContain('lost somewhere here: last proof of state frame 6, first proof of loss frame 9');
    // on the server's lane, hatched by its pattern
    expect(await page.locator('[data-lane=server] [data-testid=lost-band]').count()).toBe(1);
    const fill = await band.locator('rect').first().getAttribute('fill');
    expect(fill).toMatch(/^url\(#.+\)$/);
    expect(await page.locator(`pattern[id="${fill!.slice(5, -1)}"]`).count()).toBe(1);

    // CLOSED after the RST on both lanes, drawn to the end of the view and labelled
    const bandBox = (await band.locator('rect').first().boundingBox())!;
    expect(bandBox.width).toBeGreaterThan(500);
    for (const side of ['server', 'client']) {
      const closed = page.locator(`[data-lane=${side}] [data-state=CLOSED][data-final=true]`);
      expect(await closed.count()).toBe(1);
      const box = (await closed.locator('rect').boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(bandBox.x + bandBox.width - 1);
      expect(box.width).toBeGreaterThan(50);
      expect(await closed.locator('text').allTextContents()).toEqual(['CLOSED', '#9']);
    }
    expect(errors).toEqual([]);
  }, 120_000);
});
