// The flow charts' event lines come from the flow's timeline (CaptureQuery.timeline with
// a flow): one marker per event while there are fewer than pixel columns, folded into one
// per column beyond — so a flow's charts never draw more lines than they have columns.
// On fixtures/tcp/tcp-zero-window.pcap (15 events: zero windows, probes, window-full).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../analysis/analyze';
import { CaptureQuery } from '../../analysis/capture-query';

describe("a flow's timeline markers", () => {
  it('are the flow\'s events, one each, with room; folded per column, every event counted, without', async () => {
    const q = new CaptureQuery(await analyzeCapture(readFileSync(join(__dirname, '../../fixtures/tcp/tcp-zero-window.pcap'))));
    const events = q.exportJson().events.filter((e) => e.flow === 1);
    expect(events.length).toBe(15);
    const wide = q.timeline({ flow: 1, maxPoints: 1000 });
    expect(wide.markers.map((m) => [m.frame, m.kind, m.count])).toEqual(events.map((e) => [e.frame, e.kind, 1]));
    const narrow = q.timeline({ flow: 1, maxPoints: 6 });
    expect(narrow.markers.length).toBeLessThanOrEqual(6);
    expect(narrow.markers.reduce((n, m) => n + m.count, 0)).toBe(15);
    expect(narrow.markers.some((m) => m.count > 1)).toBe(true);
    // a folded marker shows its worst severity: the zero windows (warnings) over the probes (info)
    for (const m of narrow.markers.filter((x) => x.kinds.some((k) => k.kind === 'tcp.zero-window'))) expect(m.severity).toBe('warning');
    // a window centred on an event (the view a flow opens at) holds it
    const e = events.find((x) => x.kind === 'tcp.zero-window')!;
    const around = q.timeline({ flow: 1, from: e.time - 0.1, to: e.time + 0.1, maxPoints: 800 });
    expect(around.markers.some((m) => m.frame === e.frame && m.kind === 'tcp.zero-window')).toBe(true);
  });
});
