// @vitest-environment happy-dom
// The overview's rate markers as markup (renderer/components/Charts.tsx): parsed by the
// DOM as the chart sets it, each marker one group with its data, title and shapes — and
// a message from the capture (any bytes a packet carried) is text, never markup.
import { describe, expect, it } from 'vitest';
import type { Marker } from '../../analysis/api';
import { rateMarkersMarkup } from '../../renderer/components/Charts';
import type { Palette } from '../../renderer/theme';

const palette = { severity: { break: '#d55e00', warning: '#e69f00', info: '#56b4e9' } } as Palette;
const marker = (o: Partial<Marker> & { y?: number }): Marker & { y: number } => ({ t: 1, frame: 7, flow: 3, kind: 'tcp.abort', severity: 'break', message: 'reset', count: 1, kinds: [{ kind: 'tcp.abort', count: 1 }], y: 10, ...o });
const opts = { xs: (t: number) => 100 + t * 10, ys: (y: number) => 200 - y, logMax: Math.log(40), colW: 2, height: 220, palette, clickable: true };

function parse(markup: string): SVGGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  const g = document.createElementNS('http://www.w3.org/2000/svg', 'g');
  svg.appendChild(g);
  document.body.appendChild(svg);
  g.innerHTML = markup;
  return g;
}

describe('the rate markers as markup', () => {
  it('keeps a hostile message as the title\'s text: no element, no attribute comes from it', () => {
    const evil = 'x"><script>alert(1)</script><g data-testid="timeline-marker" onclick="boom()">&amp;';
    const g = parse(rateMarkersMarkup([marker({ message: evil, kind: 'dns.<b>' })], { ...opts, aggregated: false }));
    const ms = g.querySelectorAll('[data-testid=timeline-marker]');
    expect(ms).toHaveLength(1);
    expect(g.querySelector('script')).toBeNull();
    expect(g.querySelector('[onclick]')).toBeNull();
    expect(ms[0].querySelector('title')!.textContent).toBe(`dns.<b> — frame 7: ${evil}`);
  });

  it('draws single markers with their line and triangle, aggregated ones as bars, with the data the tests and clicks read', () => {
    const marks = [marker({ t: 1 }), marker({ t: 2, count: 40, severity: 'warning', flow: null, kind: 'tcp.idle', kinds: [{ kind: 'tcp.idle', count: 30 }, { kind: 'dns.error', count: 10 }] })];
    const g = parse(rateMarkersMarkup(marks, { ...opts, aggregated: true }));
    const [one, many] = [...g.querySelectorAll('[data-testid=timeline-marker]')];
    expect(one.getAttribute('data-i')).toBe('0');
    expect(one.getAttribute('data-count')).toBe('1');
    expect(one.getAttribute('data-flow')).toBe('3');
    expect(one.getAttribute('class')).toBe('marker opens');
    // beside aggregated markers, a single one draws no line down the chart
    expect(one.querySelector('line')).toBeNull();
    expect(one.querySelector('path')!.getAttribute('d')).toBe('M110,196 l-5,-9 h10 z');
    expect(many.getAttribute('data-i')).toBe('1');
    expect(many.getAttribute('data-count')).toBe('40');
    expect(many.getAttribute('data-flow')).toBe('');
    expect(many.getAttribute('data-severity')).toBe('warning');
    expect(many.getAttribute('class')).toBe('marker aggregated zooms');
    const bars = many.querySelectorAll('rect');
    expect(bars).toHaveLength(2);
    // the largest count: the whole strip (34 px)
    expect(Number(bars[1].getAttribute('height'))).toBeCloseTo(34);
    expect(bars[1].getAttribute('fill')).toBe('#e69f00');
    expect(many.querySelector('title')!.textContent).toBe('40 events: 30 tcp.idle, 10 dns.error — the first warning: tcp.idle, frame 7: reset · click to zoom in');
    // no style attribute: the page's CSP refuses them
    expect(g.querySelector('[style]')).toBeNull();
  });

  it('draws the line down the chart while no marker is aggregated, and no click cursor without a handler', () => {
    const g = parse(rateMarkersMarkup([marker({})], { ...opts, aggregated: false, clickable: false }));
    const m = g.querySelector('[data-testid=timeline-marker]')!;
    expect(m.getAttribute('class')).toBe('marker');
    expect(m.querySelector('line')!.getAttribute('y2')).toBe('190');
  });
});
