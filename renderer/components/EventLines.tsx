// A flow's events drawn across its charts: one vertical line per marker, in its
// severity's colour, with the kind as a tooltip and, while few are in view, as a label.
// Markers come from the query layer's timeline, which already folds them into one per
// pixel column past a few hundred (Marker.count): a folded one is drawn thicker and
// labelled with its count, so a flow with thousands of events stays a handful of lines.

import { usePlotArea, useXAxisScale } from 'recharts';
import type { Marker } from '../../analysis/api';
import type { Palette } from '../theme';

/** Labels are written while at most this many markers are in view. */
const MAX_LABELS = 12;

/** "peer-lost-state" for tcp.peer-lost-state: the label on a line. */
function shortKind(kind: string): string {
  return kind.replace(/^[a-z0-9]+\./, '');
}

export function markerTitle(m: Marker): string {
  if (m.count > 1) return `${m.count} events: ${m.kinds.map((k) => `${k.count} ${k.kind}`).join(', ')} — the first ${m.severity}: ${m.kind}, frame ${m.frame}`;
  return `${m.kind} — frame ${m.frame}: ${m.message}`;
}

/** The lines, on a plot from `top` to `bottom` at x(t); markers outside [left, right] are left out. */
export function EventMarks({ markers, x, top, bottom, left, right, palette, focus = null, labelled: withLabels = true }: { markers: Marker[]; x(t: number): number; top: number; bottom: number; left: number; right: number; palette: Palette; focus?: number | null; labelled?: boolean }) {
  const shown = markers.map((m) => ({ m, px: x(m.t) })).filter(({ px }) => Number.isFinite(px) && px >= left - 0.5 && px <= right + 0.5);
  const labels = withLabels && shown.length <= MAX_LABELS;
  let lastLabelEnd = -Infinity;
  return (
    <g className="event-lines" pointerEvents="visiblePainted">
      {shown.map(({ m, px }, i) => {
        const color = palette.severity[m.severity];
        const text = m.count > 1 ? `${m.count} events` : shortKind(m.kind);
        // a label only where it does not run into the previous one
        // written to the right of its line, or to its left where it would run past the plot
        const tw = text.length * 6;
        const onLeft = px + 3 + tw > right && px - 3 - tw >= left;
        const labelled = labels && (onLeft ? px - 3 - tw : px - 2) > lastLabelEnd;
        if (labelled) lastLabelEnd = onLeft ? px + 2 : px + 3 + tw;
        const focused = focus !== null && m.count === 1 && Math.abs(m.t - focus) < 1e-9;
        return (
          <g key={`${m.frame}-${i}`} data-testid="event-line" data-kind={m.kind} data-frame={m.frame} data-count={m.count} data-severity={m.severity} data-x={px.toFixed(1)} data-focus={focused ? 'true' : undefined}>
            <title>{markerTitle(m)}</title>
            {/* a wider transparent line: the tooltip is easy to reach */}
            <line x1={px} x2={px} y1={top} y2={bottom} stroke="transparent" strokeWidth={8} />
            <line x1={px} x2={px} y1={top} y2={bottom} stroke={color} strokeWidth={m.count > 1 ? 3 : focused ? 2 : 1.25} strokeDasharray={m.severity === 'info' ? '2 3' : m.severity === 'warning' ? '5 3' : undefined} strokeOpacity={0.9} />
            {labelled && (
              <g>
                {/* on the theme's background: readable over a bar or a lane */}
                <rect x={onLeft ? px - 4 - tw : px + 2} y={top + 1} width={tw + 2} height={12} rx={2} fill={palette.bg} fillOpacity={0.85} />
                <text x={onLeft ? px - 3 : px + 3} y={top + 10} fontSize={10} fill={color} className="event-label" textAnchor={onLeft ? 'end' : 'start'}>
                  {text}
                </text>
              </g>
            )}
          </g>
        );
      })}
    </g>
  );
}

/** EventMarks inside a recharts chart whose x axis is in seconds since `base`. */
export function ChartEventLines({ markers, base, palette, focus }: { markers: Marker[]; base: number; palette: Palette; focus?: number | null }) {
  const xs = useXAxisScale();
  const area = usePlotArea();
  if (!xs || !area || markers.length === 0) return null;
  return <EventMarks markers={markers} x={(t) => xs(t - base) ?? NaN} top={area.y} bottom={area.y + area.height} left={area.x} right={area.x + area.width} palette={palette} focus={focus} />;
}
