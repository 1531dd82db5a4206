// End to end: incidents in the UI (issue 11), on the real captures of fixtures/incidents.
// The Overview leads with one card per incident — headline, subject, window, members and
// a swimlane of the member flows with their events — and keeps its timeline above the
// fold of a 1280×800 window; the timeline draws each incident's window as a band; a
// click on a card (or a band's label) opens Breaks filtered to that incident, and Breaks
// groups by incident, then the events in none. What is expected is read from
// `stateline analyze FILE --json` of the same capture. Screenshots go to test-results/
// (git-ignored), or to $STATELINE_SHOTS.

import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { framesOf, listBreaks } from './breaks-list';
import { HAVE_CHROMIUM, ROOT, warnIfNoChromium } from './serve';
import { useApp } from './harness';

const SHOTS = process.env.STATELINE_SHOTS ?? join(ROOT, 'test-results');
const DIR = join(ROOT, 'fixtures', 'incidents');
const FIXTURES = readdirSync(DIR).filter((f) => f.endsWith('.pcap')).sort();
const VIEWPORT = { width: 1280, height: 800 };

interface Incident {
  id: number;
  kind: string;
  severity: string;
  subject: string;
  start: number;
  end: number;
  flows: number[];
  frames: number[];
  message: string;
}
interface Analysis {
  capture: { start: number };
  incidents?: Incident[];
  events: { kind: string; severity: string; frame: number; incident?: number }[];
}

/** The frames of an incident's member events (events[].incident), ascending. */
const memberFrames = (a: Analysis, id: number): number[] => a.events.filter((e) => e.incident === id).map((e) => e.frame).sort((x, y) => x - y);

const analyses = new Map<string, Analysis>();
function analyze(file: string): Analysis {
  let a = analyses.get(file);
  if (!a) analyses.set(file, (a = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'bin', 'stateline.mjs'), 'analyze', join(DIR, file), '--json'], { cwd: ROOT, maxBuffer: 1 << 28 }).toString())));
  return a!;
}

warnIfNoChromium();

describe.skipIf(!HAVE_CHROMIUM)('incidents on the Overview and in Breaks, in Chromium', () => {
  const { page, errors } = useApp([], VIEWPORT, { shots: SHOTS, timeout: 20_000, goto: true });

  const api = <T>(method: string, args: unknown = {}): Promise<T> =>
    page.evaluate(
      ([m, a]) => fetch(`/api/${m}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(a) }).then((r) => r.json()),
      [method, args] as const,
    ) as Promise<T>;

  /** Open `path` through the API the UI uses, then load the page on it (the Overview). */
  async function open(path: string): Promise<void> {
    await api('openPath', { path });
    const t0 = Date.now();
    let st: { state: string };
    do {
      await page.waitForTimeout(25);
      st = await api('status');
    } while (st.state === 'loading' && Date.now() - t0 < 60_000);
    expect(st.state).toBe('ready');
    await page.reload();
    await page.getByTestId('capture-summary').waitFor();
    await page.getByTestId('overview-timeline').locator('svg.recharts-surface').first().waitFor();
  }

  const cards = () => page.getByTestId('incident-card');
  const frames = async (sel: string): Promise<number[]> => page.locator(sel).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-frame'))));

  it.each(FIXTURES)('%s: a card per incident, as analyze --json says, and a band each on the timeline', async (file) => {
    const a = analyze(file);
    const incidents = a.incidents ?? [];
    expect(incidents.length).toBeGreaterThan(0);
    await open(join(DIR, file));
    await expect.poll(() => cards().count()).toBe(incidents.length);
    for (const inc of incidents) {
      const members = memberFrames(a, inc.id);
      const card = page.locator(`[data-testid=incident-card][data-incident="${inc.id}"]`);
      expect(await card.getAttribute('data-kind')).toBe(inc.kind);
      expect(await card.getByTestId('incident-headline').textContent()).toBe(inc.message);
      expect(await card.getByTestId('incident-subject').textContent()).toBe(inc.subject);
      const count = card.getByTestId('incident-members');
      expect(Number(await count.getAttribute('data-flows'))).toBe(inc.flows.length);
      expect(await count.textContent()).toMatch(new RegExp(`^${inc.flows.length.toLocaleString('en-US')} flows?, ${members.length.toLocaleString('en-US')} events?$`));
      // the window relative to the capture start, in seconds
      const w = (await card.getByTestId('incident-window').textContent())!;
      const m = /^([\d.]+) s – ([\d.]+) s \(.+\)$/.exec(w);
      expect(m, w).not.toBeNull();
      expect(Number(m![1])).toBeCloseTo(inc.start - a.capture.start, 3);
      expect(Number(m![2])).toBeCloseTo(inc.end - a.capture.start, 3);
      // the swimlane: every member flow on a lane, every member event a mark
      const lanes = await card.getByTestId('swimlane-lane').evaluateAll((els) => els.flatMap((e) => e.getAttribute('data-flows')!.split(' ').map(Number)));
      expect(lanes).toEqual(inc.flows);
      expect((await frames(`[data-testid=incident-card][data-incident="${inc.id}"] [data-testid=swimlane-mark]`)).sort((x, y) => x - y)).toEqual(members);
      // a band on the timeline, its tooltip naming the incident
      const band = page.getByTestId('overview-timeline').locator(`[data-testid=incident-band][data-incident="${inc.id}"]`);
      expect(await band.count()).toBe(1);
      expect(await band.locator('title').textContent()).toContain(inc.message);
    }
    // the timeline stays above the fold
    const tl = (await page.getByTestId('overview-timeline').boundingBox())!;
    expect(tl.y + tl.height).toBeLessThanOrEqual(VIEWPORT.height);
    // bands behind the markers: drawn earlier in the chart's SVG
    const order = await page.getByTestId('overview-timeline').evaluate((root) => {
      const all = [...root.querySelectorAll('[data-testid=incident-band], [data-testid=timeline-marker]')];
      return all.map((e) => e.getAttribute('data-testid'));
    });
    expect(order.lastIndexOf('incident-band')).toBeLessThan(order.indexOf('timeline-marker'));
    if (file === 'server-restart.pcap' || file === 'syn-flood-scan.pcap') await page.screenshot({ path: join(SHOTS, `incidents-overview-${file.replace('.pcap', '')}.png`) });
  }, 90_000);

  it('server-restart.pcap: a click on the card opens Breaks with that incident\'s events only, and a way back to all, grouped', async () => {
    const a = analyze('server-restart.pcap');
    const inc = a.incidents![0];
    const members = memberFrames(a, inc.id);
    await open(join(DIR, 'server-restart.pcap'));
    await cards().first().click();
    const list = page.getByTestId('breaks-list');
    await expect.poll(() => list.getAttribute('data-incident')).toBe(String(inc.id));
    await page.getByTestId('break-item').first().waitFor();
    expect(await frames('[data-testid=break-item]')).toEqual(members);
    expect(new Set(await page.getByTestId('break-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-incident'))))).toEqual(new Set([String(inc.id)]));
    expect(await page.getByTestId('incident-group-headline').textContent()).toBe(inc.message);
    await page.screenshot({ path: join(SHOTS, 'incidents-breaks-filtered-server-restart.png'), fullPage: true });

    await page.getByTestId('breaks-show-all').click();
    await expect.poll(() => list.getAttribute('data-incident')).toBeNull();
    await page.getByTestId('incident-group').first().waitFor();
    expect(await page.getByTestId('incident-group').count()).toBe(1);
    expect(Number(await page.getByTestId('incident-group-count').getAttribute('data-count'))).toBe(members.length);
    // every break here belongs to the incident: no "not in an incident" part
    expect(a.events.every((e) => e.incident === inc.id)).toBe(true);
    expect(await page.getByTestId('breaks-no-incident').count()).toBe(0);
    expect(await frames('[data-testid=break-item]')).toEqual(members);
  }, 60_000);

  it('path-stall.pcap: Breaks shows the incident group first, then the breaks and warnings in no incident', async () => {
    const a = analyze('path-stall.pcap');
    await open(join(DIR, 'path-stall.pcap'));
    await page.locator('[data-tab=breaks]').click();
    await page.getByTestId('incident-group').first().waitFor();
    await page.getByTestId('breaks-no-incident').waitFor();
    const headers = await page.getByTestId('incident-group').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-incident')), e.querySelector('[data-testid=incident-group-headline]')!.textContent, Number(e.querySelector('[data-testid=incident-group-count]')!.getAttribute('data-count'))]));
    expect(headers).toEqual(a.incidents!.map((i) => [i.id, i.message, memberFrames(a, i.id).length]));
    // the incident's group comes before the "not in an incident" header, each event listed once
    const inIncident = a.incidents!.flatMap((i) => memberFrames(a, i.id));
    const outside = a.events.filter((e) => e.incident === undefined && e.severity !== 'info').map((e) => e.frame);
    expect(outside.length).toBeGreaterThan(0);
    const lines = await listBreaks(page);
    expect(framesOf(lines).length).toBe(inIncident.length + outside.length);
    const listed = lines.filter((l) => l.testId === 'breaks-no-incident' || l.testId === 'break-item').map((l) => (l.testId === 'breaks-no-incident' ? 'header' : l.frame!));
    const cut = listed.indexOf('header');
    expect(listed.slice(0, cut)).toEqual(inIncident);
    expect((listed.slice(cut + 1) as number[]).sort((x, y) => x - y)).toEqual(outside);
    await page.screenshot({ path: join(SHOTS, 'incidents-breaks-grouped-path-stall.png'), fullPage: true });

    // a kind picked on the Overview: the incident holding its events opens, the others stay shut
    // (the list is flat: an incident's events follow its head, and carry its number)
    await page.locator('[data-tab=overview]').click();
    await page.getByRole('button', { name: 'Retransmission', exact: true }).click();
    await page.getByTestId('incident-group').first().waitFor();
    await expect.poll(async () => framesOf(await listBreaks(page), (l) => l.incident === '1')).toEqual(inIncident);
    expect(await page.locator('.kind-group[data-kind="tcp.retransmission"]').count()).toBe(0);
    await page.locator('[data-tab=overview]').click();
    await page.getByRole('button', { name: 'Spurious retransmission', exact: true }).click();
    await page.locator('.kind-group[data-kind="tcp.spurious-retransmission"]').waitFor();
    const picked = await listBreaks(page);
    expect(framesOf(picked, (l) => l.kind === 'tcp.spurious-retransmission' && l.incident === '').sort((x, y) => x - y)).toEqual(outside);
    expect(framesOf(picked, (l) => l.incident === '1')).toEqual([]);
  }, 60_000);

  it('syn-flood-scan.pcap: a band\'s label opens its incident; a long one lists all its events; a narrow window caps the cards with "N more"', async () => {
    const a = analyze('syn-flood-scan.pcap');
    const [flood, scan] = a.incidents!;
    await open(join(DIR, 'syn-flood-scan.pcap'));
    await page.getByTestId('overview-timeline').locator(`[data-testid=incident-band-label][data-incident="${scan.id}"]`).click();
    const list = page.getByTestId('breaks-list');
    await expect.poll(() => list.getAttribute('data-incident')).toBe(String(scan.id));
    await page.getByTestId('break-item').first().waitFor();
    expect(framesOf(await listBreaks(page))).toEqual(memberFrames(a, scan.id));

    await page.getByTestId('breaks-show-all').click();
    await page.getByTestId('incident-group').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'incidents-breaks-grouped-syn-flood-scan.png') });
    const floodFrames = memberFrames(a, flood.id);
    expect(floodFrames.length).toBeGreaterThan(50);
    // the list is virtualized: fewer lines in the DOM than the flood has events, every one reached by scrolling
    expect(await page.getByTestId('break-item').count()).toBeLessThan(floodFrames.length);
    const lines = await listBreaks(page);
    expect(framesOf(lines, (l) => l.incident === String(flood.id))).toEqual(floodFrames);
    expect(framesOf(lines, (l) => l.incident === String(scan.id))).toEqual(memberFrames(a, scan.id));

    // one card across in a narrow window, the other behind "1 more incident"
    await page.setViewportSize({ width: 700, height: 800 });
    await page.locator('[data-tab=overview]').click();
    await expect.poll(() => cards().count()).toBe(1);
    await page.getByTestId('incident-more').click();
    await expect.poll(() => cards().count()).toBe(2);
    await page.setViewportSize(VIEWPORT);
  }, 60_000);

  it('a capture with one broken flow and no incident: the Overview and Breaks as before', async () => {
    await open(join(ROOT, 'fixtures', 'tcp', 'tcp-restarted-server.pcap'));
    expect(await page.getByTestId('incidents').count()).toBe(0);
    expect(await page.getByTestId('incident-band').count()).toBe(0);
    await page.locator('[data-tab=breaks]').click();
    await page.getByTestId('break-item').first().waitFor();
    expect(await page.getByTestId('incident-group').count()).toBe(0);
    expect(await page.getByTestId('breaks-incidents').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);
});
