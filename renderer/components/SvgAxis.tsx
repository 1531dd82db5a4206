// The time axis of the hand-drawn SVG charts (state lanes, DNS spans, QUIC paths): the
// same round ticks, decimals and title as the recharts axes (Charts.tsx), so every chart
// of a view reads alike.

import { fmtTick, niceTicks, TIME_AXIS_TITLE } from '../format';
import type { Palette } from '../theme';

/** Height the axis takes under its plot: ticks, their values and the title. */
export const SVG_AXIS_HEIGHT = 34;

export function SvgTimeAxis({ from, to, base, x, y, left, right, palette }: { from: number; to: number; base: number; x(t: number): number; y: number; left: number; right: number; palette: Palette }) {
  const { ticks, step } = niceTicks(from - base, to - base, Math.max(2, Math.min(8, Math.floor((right - left) / 90))));
  return (
    <g className="time-axis" data-testid="time-axis">
      <line x1={left} x2={right} y1={y} y2={y} stroke={palette.muted} />
      {ticks.map((v) => {
        const px = x(v + base);
        return (
          <g key={v}>
            <line x1={px} x2={px} y1={y} y2={y + 5} stroke={palette.muted} />
            <text x={px} y={y + 16} fontSize={11} fill={palette.muted} textAnchor="middle">
              {fmtTick(v, step)}
            </text>
          </g>
        );
      })}
      <text x={(left + right) / 2} y={y + SVG_AXIS_HEIGHT - 2} fontSize={11} fill={palette.muted} textAnchor="middle" className="axis-title">
        {TIME_AXIS_TITLE}
      </text>
    </g>
  );
}
