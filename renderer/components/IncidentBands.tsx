// Incidents as bands on a time chart (issue 11): each incident's window shaded behind
// the rate and the markers, named in a row of labels above the plot (as far as there is
// room) and in full in its tooltip. Drawn inside a recharts chart
// with the chart's own x scale.

import { usePlotArea, useXAxisScale, ZIndexLayer } from 'recharts';
import type { Severity } from '../../analysis/model';
import type { Palette } from '../theme';

export interface IncidentBand {
  id: number;
  from: number;
  to: number;
  severity: Severity;
  /** Short: "SYN flood: 10.90.8.2:8080". */
  label: string;
  /** The tooltip: the incident's headline and window. */
  title: string;
}

/** Height of the labels' row above the plot, px (the chart's top margin grows by it). */
export const BAND_LABEL_ROW = 16;
/** Width of one character of the 11 px labels, px (near enough to fit them). */
const CHAR_W = 6.2;

/** Bands behind a chart's series (between the grid and the area), labels above the plot. */
export function IncidentBands({ bands, from, to, palette, onBand }: { bands: IncidentBand[]; from: number; to: number; palette: Palette; onBand?(id: number): void }) {
  const xs = useXAxisScale();
  const plot = usePlotArea();
  if (!xs || !plot) return null;
  const shown = bands
    .filter((b) => b.to >= from && b.from <= to)
    .map((b) => {
      const x0 = xs(Math.max(b.from, from)) ?? plot.x, x1 = xs(Math.min(b.to, to)) ?? plot.x;
      // at least 4 px: a window of a few µs stays visible
      const w = Math.max(4, x1 - x0);
      return { b, x: w > x1 - x0 ? x0 - (w - (x1 - x0)) / 2 : x0, w };
    })
    .sort((a, c) => a.x - c.x);
  const right = plot.x + plot.width;
  return (
    <>
      <ZIndexLayer zIndex={-50}>
        <g className="incident-bands">
          {shown.map(({ b, x, w }) => (
            <rect key={b.id} data-testid="incident-band" data-incident={b.id} x={x} y={plot.y} width={w} height={plot.height} fill={palette.severity[b.severity]} fillOpacity={0.12} stroke={palette.severity[b.severity]} strokeOpacity={0.5} strokeDasharray="4 3">
              <title>{b.title}</title>
            </rect>
          ))}
        </g>
      </ZIndexLayer>
      <ZIndexLayer zIndex={550}>
        <g className="incident-band-labels">
          {placeLabels(shown, plot.x, right).map(({ b, x, anchor, text }) => (
            <text
              key={b.id}
              data-testid="incident-band-label"
              data-incident={b.id}
              x={x}
              y={plot.y - 5}
              fontSize={11}
              textAnchor={anchor}
              fill={palette.severity[b.severity]}
              style={{ cursor: onBand ? 'pointer' : 'default' }}
              onClick={() => onBand?.(b.id)}
            >
              <title>{b.title}</title>
              {text}
            </text>
          ))}
        </g>
      </ZIndexLayer>
    </>
  );
}

/**
 * The labels' row, left to right: each label starts at its band (and may run on to the
 * next band), or, short of room there, ends at its band's right edge; truncated with "…"
 * to the room it has, left out (the tooltip remains) when under 4 characters fit.
 */
function placeLabels(shown: { b: IncidentBand; x: number; w: number }[], left: number, right: number): { b: IncidentBand; x: number; anchor: 'start' | 'end'; text: string }[] {
  const out: { b: IncidentBand; x: number; anchor: 'start' | 'end'; text: string }[] = [];
  let free = left; // where the row is free from
  shown.forEach(({ b, x, w }, i) => {
    const next = i + 1 < shown.length ? Math.max(shown[i + 1].x, x + w) : right;
    const start = Math.max(x, free);
    const after = start <= x + w ? Math.min(next, right) - start - 6 : -1;
    const before = x + w - free - 6;
    const full = b.label.length * CHAR_W;
    const useStart = after >= full || (before < full && after >= before);
    const room = useStart ? after : before;
    const chars = Math.floor(room / CHAR_W);
    if (chars < 4) return;
    const text = b.label.length <= chars ? b.label : `${b.label.slice(0, chars - 1)}…`;
    const width = text.length * CHAR_W;
    if (useStart) {
      out.push({ b, x: start, anchor: 'start', text });
      free = start + width + 6;
    } else {
      out.push({ b, x: x + w, anchor: 'end', text });
      free = x + w + 6;
    }
  });
  return out;
}
