// Charts over time (recharts). Each asks the query layer for as many points as it has
// pixels (maxPoints = its width), so a million packets never reach the DOM. Every time
// axis is in seconds since the capture's first packet (the data is shifted by `base`
// before recharts sees it, so its ticks are round numbers from 0, not epoch seconds),
// titled with its unit, as is every value axis; the flow's events are vertical lines.

import { memo, useEffect, useMemo, useRef, useState, type FocusEvent as ReactFocusEvent, type MouseEvent as ReactMouseEvent, type PointerEvent as ReactPointerEvent, type ReactNode } from 'react';
import { Area, CartesianGrid, ComposedChart, Line, ReferenceArea, ReferenceLine, Tooltip, useXAxisScale, useYAxisScale, XAxis, YAxis, ZIndexLayer } from 'recharts';
import type { Marker, RatePoint, SeqPoint } from '../../analysis/api';
import { download, svgToPng, type PngLegendItem } from '../export';
import { ErrorBoundary } from './ErrorBoundary';
import { BAND_LABEL_ROW, IncidentBands, type IncidentBand } from './IncidentBands';
import { ChartEventLines } from './EventLines';
import { byteTicks, fmtBytes, fmtDate, fmtTick, niceTicks, TIME_AXIS_TITLE, valueTicks } from '../format';
import { useSettings } from '../settings';
import type { Palette } from '../theme';

export const MARGIN = { top: 10, right: 16, bottom: 4, left: 8 };
export const Y_AXIS_WIDTH = 72;
const X_AXIS_HEIGHT = 38;

/** What recharts gives an axis's `tick` function (the parts a label needs). */
interface TickProps {
  x?: number | string;
  y?: number | string;
  textAnchor?: 'start' | 'middle' | 'end' | 'inherit';
  fill?: string;
  fontSize?: number | string;
  className?: string;
  index?: number;
  payload?: { value?: unknown };
  tickFormatter?: (value: never, index: number) => string;
}

/**
 * An axis's tick labels as plain SVG text, where recharts' own label (its Text
 * component, given the axis's width) measures each label's words in a hidden DOM
 * element while it renders: a forced layout of the page, after the chart's DOM writes,
 * for each label not measured before — a flow's first open and every zoom (new tick
 * values) paid for several. Drawn as Text draws one line: its x, a dy of the cap
 * height below (x axis: `start`) or half of it (y axis: `middle`).
 */
function plainTick(dy: '0.71em' | '0.355em') {
  const Tick = (p: TickProps): React.ReactElement => (
    <text x={p.x} y={p.y} textAnchor={p.textAnchor} fill={p.fill} stroke="none" fontSize={p.fontSize} className={`recharts-text ${p.className ?? ''}`}>
      <tspan x={p.x} dy={dy}>
        {p.tickFormatter ? p.tickFormatter(p.payload?.value as never, p.index ?? 0) : String(p.payload?.value ?? '')}
      </tspan>
    </text>
  );
  return Tick;
}
const X_TICK = plainTick('0.71em');
/**
 * (the value axes take `interval={0}` too: recharts would measure each label, in the DOM,
 * to drop those that overlap. So a value axis over a fixed domain takes its ticks from
 * `valueTicks`: recharts' own put a label at the domain's end, beside a round one —
 * "47.0k" over "45.0k" on the bench capture's overview — which it then had to drop.)
 */
const Y_TICK = plainTick('0.355em');

/**
 * The x axis of a chart over [from, to] (absolute seconds): in seconds since `base`,
 * from round ticks with the decimals their step needs, titled with its unit.
 */
function timeAxis(from: number, to: number, base: number, palette: Palette) {
  const a = from - base, b = to - base;
  const { ticks, step } = niceTicks(a, b, 7);
  return {
    axis: {
      dataKey: 't',
      type: 'number' as const,
      domain: [a, b],
      allowDataOverflow: true,
      ticks,
      // (the ticks are ours: recharts' own "nice" ones, worked out in decimal.js at each
      // render, would be computed for nothing — within a fixed domain they never widen it)
      niceTicks: 'none' as const,
      interval: 0 as const,
      tick: X_TICK,
      tickFormatter: (v: number) => fmtTick(v, step),
      stroke: palette.muted,
      fontSize: 11,
      height: X_AXIS_HEIGHT,
      label: { value: TIME_AXIS_TITLE, position: 'insideBottom' as const, offset: 0, fill: palette.muted, fontSize: 11 },
    },
    /**
     * The vertical grid lines (CartesianGrid's verticalCoordinatesGenerator): at the same
     * ticks, and at the plot's edges, where recharts' own generator puts them. Given so
     * that recharts does not work them out itself: its generator runs on a chart's first
     * pass before the axis's `interval: 0` is known to it, and measures every tick label
     * in the DOM (a forced layout each) to drop labels that would overlap — ~60–90 ms
     * when the overview of the bench capture first draws.
     */
    gridX: ({ offset }: { offset: { left?: number; width?: number } }): number[] => {
      const left = offset.left ?? 0, w = offset.width ?? 0;
      const xs = b > a ? ticks.map((t) => left + ((t - a) / (b - a)) * w) : [];
      if (!xs.includes(left)) xs.push(left);
      if (!xs.includes(left + w)) xs.push(left + w);
      return xs;
    },
  };
}

/**
 * (one object for every render: recharts' Text lays its words out again, measuring each
 * in a cache keyed by its style, whenever its style is a new object — each zoom did)
 */
const Y_TITLE_STYLE = { textAnchor: 'middle' as const };

/** A value axis's title, written along it. */
function yTitle(value: string, palette: Palette) {
  return { value, angle: -90, position: 'insideLeft' as const, offset: 4, style: Y_TITLE_STYLE, fill: palette.muted, fontSize: 11 };
}

/**
 * A chart tooltip's time (its x, seconds since `base`) in the user's time format: since
 * the start, or as UTC with the seconds after it (a chart point has no previous row:
 * "since previous" reads as since the start).
 */
function useTooltipTime(base: number): (t: unknown) => string {
  const { timeFormat } = useSettings();
  return (t: unknown) => {
    const rel = `${Number(t).toFixed(6)} s since capture start`;
    return timeFormat === 'utc' ? `${fmtDate(base + Number(t))} (${rel})` : `t = ${rel}`;
  };
}
/** The longest bar of an aggregated timeline marker, px. */
const STRIP = 34;

/** Frame around a chart: title, PNG export, and the element the PNG is taken from. */
export function ChartFrame({ title, children, palette, fileName, testId, extra, legend }: { title: string; children: ReactNode; palette: Palette; fileName: string; testId?: string; extra?: ReactNode; legend?: PngLegendItem[] }) {
  const ref = useRef<HTMLDivElement | null>(null);
  const [err, setErr] = useState<string | null>(null);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>
        <span>{title}</span>
        <span className="spacer" />
        {extra}
        <button
          className="small"
          title="Save this chart as PNG"
          onClick={() => ref.current && svgToPng(ref.current, { background: palette.bg, fg: palette.fg, muted: palette.muted, title, legend: legend ?? [] }).then((b) => download(`${fileName}.png`, b), (e: Error) => setErr(e.message))}
        >
          PNG
        </button>
      </figcaption>
      {err && <div className="banner error">{err}</div>}
      {/* a drag across the chart zooms: it must not start a text selection (user-select alone does not stop one from growing into the page) */}
      <div ref={ref} onMouseDown={(e) => e.preventDefault()}>
        <ErrorBoundary name={`The chart "${title}"`}>{children}</ErrorBoundary>
      </div>
    </figure>
  );
}

/**
 * Drag across a chart to choose a time range (the brush shared by all charts), and the
 * time under the pointer. Both come from the pointer's pixel and the plot's extent, not
 * from recharts' active tooltip index: with series of their own data (markers, ACKs)
 * that index sticks to one point, and the zoom with it. `from`/`to` are the x axis's
 * range in absolute seconds; `sel` is in seconds since `base` (the chart's x values).
 */
export function useDragZoom(width: number, from: number, to: number, base: number, onZoom: (from: number, to: number) => void, trackHover = false) {
  const [sel, setSel] = useState<[number, number] | null>(null);
  const [hover, setHover] = useState<{ x: number; t: number } | null>(null);
  // where the button went down: a drag starts only past a few pixels, so that a click
  // (on a marker) re-renders nothing between its mousedown and its click
  const down = useRef<{ x: number; t: number } | null>(null);
  const left = MARGIN.left + Y_AXIS_WIDTH;
  const plotW = Math.max(1, width - left - MARGIN.right);
  const at = (e: ReactMouseEvent<HTMLDivElement>): { x: number; t: number; inside: boolean } => {
    const x = e.clientX - e.currentTarget.getBoundingClientRect().left;
    const f = (x - left) / plotW;
    return { x, t: from + Math.min(1, Math.max(0, f)) * (to - from), inside: f >= 0 && f <= 1 };
  };
  const handlers = {
    onMouseDown: (e: ReactMouseEvent<HTMLDivElement>) => {
      const p = at(e);
      down.current = p.inside && e.button === 0 ? { x: p.x, t: p.t } : null;
    },
    onMouseMove: (e: ReactMouseEvent<HTMLDivElement>) => {
      const p = at(e);
      if (trackHover) setHover(p.inside ? { x: p.x, t: p.t } : null);
      const d = down.current;
      if (d && (sel || Math.abs(p.x - d.x) > 3)) setSel([d.t - base, p.t - base]);
    },
    onMouseUp: () => {
      if (sel && Math.abs(sel[1] - sel[0]) > (to - from) / 1000) onZoom(Math.min(...sel) + base, Math.max(...sel) + base);
      down.current = null;
      if (sel) setSel(null);
    },
    onMouseLeave: () => {
      down.current = null;
      if (hover) setHover(null);
      if (sel) setSel(null);
    },
  };
  return { sel, hover, handlers };
}

/**
 * Whether the pointer (or the keyboard focus) is in a chart: its recharts Tooltip, and
 * series that only the tooltip uses, are mounted only then. A mounted Tooltip, even
 * hidden, recomputes its selectors (the tooltip axis's ticks over every series) and
 * measures its box in every render of the chart: opening a flow and each brush zoom
 * paid for a tooltip nobody saw. The pointer's move that mounted them reached recharts
 * before those series were there: it is played again once they are, so the tooltip
 * shows what it showed with everything mounted from the start.
 */
export function useTooltipHere() {
  const [here, setHere] = useState(false);
  const el = useRef<HTMLDivElement | null>(null);
  const at = useRef<{ x: number; y: number } | null>(null);
  useEffect(() => {
    const p = at.current, wrapper = el.current?.querySelector('.recharts-wrapper');
    if (here && p && wrapper) wrapper.dispatchEvent(new MouseEvent('mousemove', { bubbles: true, clientX: p.x, clientY: p.y }));
  }, [here]);
  return {
    here,
    handlers: {
      ref: el,
      onPointerEnter: (e: ReactPointerEvent<HTMLDivElement>) => {
        at.current = { x: e.clientX, y: e.clientY };
        setHere(true);
      },
      onPointerMove: (e: ReactPointerEvent<HTMLDivElement>) => {
        at.current = { x: e.clientX, y: e.clientY };
      },
      onPointerLeave: () => {
        at.current = null;
        setHere(false);
      },
      onFocus: () => setHere(true),
      onBlur: (e: ReactFocusEvent<HTMLDivElement>) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setHere(false);
      },
    },
  };
}

interface RateProps {
  width: number;
  height?: number;
  rate: RatePoint[];
  markers: Marker[];
  from: number;
  to: number;
  base: number;
  palette: Palette;
  onMarker?(m: Marker): void;
  onZoom?(from: number, to: number): void;
  metric?: 'packets' | 'bytes';
  /** Incidents' windows, drawn as bands behind the rate and the markers (labelled above the plot). */
  bands?: IncidentBand[];
  onBand?(id: number): void;
}

/** "37 events: 30 tcp.retransmission, 7 tcp.refused" for an aggregated marker. */
export function markerSummary(m: Marker): string {
  return `${m.count} events: ${m.kinds.map((k) => `${k.count} ${k.kind}`).join(', ')}`;
}

/**
 * Packet rate over time with every break/warning as a marker coloured by severity. Past a
 * few hundred events the query sends one marker per pixel column (Marker.count): those
 * standing for several events are drawn as bars, in a strip above the rate, as long as
 * the log of their count, in the column's worst severity; no marker then draws its line
 * down the chart (a wall of lines would hide the rate).
 */
export function RateChart({ width, height = 220, rate, markers, from, to, base, palette, onMarker, onZoom, metric = 'packets', bands, onBand }: RateProps) {
  const bucket = rate.length > 1 ? rate[1].t - rate[0].t : to - from || 1;
  const data = rate.map((r) => ({ t: r.t - base, v: metric === 'packets' ? r.packets / bucket : (r.bytes * 8) / bucket }));
  const top = Math.max(1, ...data.map((d) => d.v));
  const aggregated = markers.some((m) => m.count > 1);
  // Aggregated markers get a strip of their own above the rate (the y axis reaches 1.4 ×
  // its top instead of 1.15), bars up to STRIP px long on a log scale of the view's largest count.
  const yTop = top * (aggregated ? 1.4 : 1.15);
  const yTicks = valueTicks(0, yTop);
  const marks = markers.map((m) => ({ ...m, t: m.t - base, at: m.t, y: top * (aggregated ? 1.33 : 1.08) }));
  const logMax = Math.log(Math.max(2, ...markers.map((m) => m.count)));
  // one rate bucket, in pixels: an aggregated marker's column
  const colW = Math.max(1.5, (width - MARGIN.left - Y_AXIS_WIDTH - MARGIN.right) / Math.max(1, rate.length));
  const zoom = useDragZoom(width, from, to, base, (a, b) => onZoom?.(a, b), true);
  const tooltipTime = useTooltipTime(base);
  // the rate bucket under the pointer, read out above the plot
  const hovered = zoom.hover && rate.length ? data[Math.min(rate.length - 1, Math.max(0, Math.floor((zoom.hover.t - from) / bucket)))] : null;
  // The chart is the same element while only the pointer moves: a hover redraws the readout, not the chart.
  const sel = zoom.sel;
  // the x axis counts seconds since the capture's start: the bands too
  const relBands = useMemo(() => (bands ?? []).map((b) => ({ ...b, from: b.from - base, to: b.to - base })), [bands, base]);
  const chart = useMemo(() => {
    const time = timeAxis(from, to, base, palette);
    return (
      <ComposedChart width={width} height={height} data={data} margin={bands?.length ? { ...MARGIN, top: MARGIN.top + BAND_LABEL_ROW } : MARGIN}>
        <CartesianGrid stroke={palette.grid} strokeDasharray="3 3" verticalCoordinatesGenerator={time.gridX} />
        {bands?.length ? <IncidentBands bands={relBands} from={from - base} to={to - base} palette={palette} onBand={onBand} /> : null}
        <XAxis {...time.axis} />
        <YAxis width={Y_AXIS_WIDTH} tick={Y_TICK} interval={0} domain={[0, yTop]} ticks={yTicks.ticks} stroke={palette.muted} fontSize={11} tickFormatter={(v: number) => (metric === 'packets' ? yTicks.label(v) : fmtBits(v))} label={yTitle(metric === 'packets' ? 'packets per second' : 'bits per second', palette)} />
        <Area type="stepAfter" dataKey="v" name="rate" stroke={palette.accent} fill={palette.accent} fillOpacity={0.25} isAnimationActive={false} dot={false} />
        <RateMarkers marks={marks} aggregated={aggregated} logMax={logMax} colW={colW} height={height} palette={palette} onMarker={onMarker} />
        {sel && <ReferenceArea x1={sel[0]} x2={sel[1]} fill={palette.accent} fillOpacity={0.15} />}
      </ComposedChart>
    );
  }, [width, height, rate, markers, from, to, base, palette, metric, sel, onMarker, bands, relBands, onBand]);
  return (
    <div className="chart-plot" {...zoom.handlers} data-testid="rate-plot">
      {chart}
      {zoom.hover && !sel && <div className="chart-cursor" style={{ left: zoom.hover.x, top: MARGIN.top, height: height - MARGIN.top - MARGIN.bottom - X_AXIS_HEIGHT, borderColor: palette.muted }} />}
      {zoom.hover && hovered && (
        <div className="chart-readout" data-testid="rate-readout" style={{ left: Math.max(0, Math.min(zoom.hover.x + 10, width - 330)), borderColor: palette.grid, background: palette.bg, color: palette.fg }}>
          {tooltipTime(zoom.hover.t - base)} · {metric === 'packets' ? `${compact(hovered.v)} packets/s` : fmtBits(hovered.v)}
        </div>
      )}
    </div>
  );
}

/** `s` as SVG text or an attribute's value. */
function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/**
 * The rate chart's markers as SVG markup, at x = `xs(t)`, y = `ys(y)`: one group per
 * marker (`data-i`: its index in `marks`), with its title (the browser's tooltip). For
 * an aggregated one, a bar hanging from the markers' row, as long as the log of its
 * count, and a hit area up to 8 px wide (never wider than a column: it would cover its
 * neighbour's bar); for a single one, a triangle and, unless others are aggregated, a
 * faint line down to the axis.
 */
export function rateMarkersMarkup(marks: (Marker & { y: number })[], o: { xs(t: number): number | undefined; ys(y: number): number | undefined; aggregated: boolean; logMax: number; colW: number; height: number; palette: Palette; clickable: boolean }): string {
  let out = '';
  for (let i = 0; i < marks.length; i++) {
    const m = marks[i];
    const cx = o.xs(m.t) ?? 0, cy = o.ys(m.y) ?? 0;
    const color = esc(o.palette.severity[m.severity]);
    const head = `data-testid="timeline-marker" data-severity="${esc(m.severity)}" data-flow="${m.flow ?? ''}" data-i="${i}"`;
    if (m.count > 1) {
      const h = 4 + (STRIP - 4) * (Math.log(m.count) / o.logMax), w = Math.max(2.5, o.colW);
      const hit = Math.max(w, Math.min(8, o.colW));
      const title = `${markerSummary(m)} — the first ${m.severity}: ${m.kind}, frame ${m.frame}: ${m.message}${o.clickable ? ' · click to zoom in' : ''}`;
      out += `<g class="marker aggregated${o.clickable ? ' zooms' : ''}" ${head} data-count="${m.count}"><title>${esc(title)}</title>`
        + `<rect x="${cx - hit / 2}" y="${cy - 9}" width="${hit}" height="${h + 2}" fill="transparent"></rect>`
        + `<rect x="${cx - w / 2}" y="${cy - 8}" width="${w}" height="${h}" fill="${color}" fill-opacity="0.9"></rect></g>`;
    } else {
      out += `<g class="marker${o.clickable && m.flow !== null ? ' opens' : ''}" ${head} data-count="1"><title>${esc(`${m.kind} — frame ${m.frame}: ${m.message}`)}</title>`
        + (o.aggregated ? '' : `<line x1="${cx}" x2="${cx}" y1="${cy + 5}" y2="${o.height - 30}" stroke="${color}" stroke-opacity="0.35"></line>`)
        + `<path d="M${cx},${cy + 6} l-5,-9 h10 z" fill="${color}"></path></g>`;
    }
  }
  return out;
}

/**
 * The rate chart's markers, drawn with the chart's own scales (above the rate, where
 * recharts draws scatter points), as markup set at once: the bench capture's overview
 * has ~1,250 of them (one per pixel column), ~5,000 elements, which cost React ~50 ms
 * and the collector more to create one by one. A click is read at the group. (No
 * inline style in the markup: the page's CSP refuses style attributes, one violation
 * report per element; the cursors are classes, `.marker.zooms` and `.marker.opens`.)
 */
function RateMarkers({ marks, aggregated, logMax, colW, height, palette, onMarker }: { marks: (Marker & { at: number; y: number })[]; aggregated: boolean; logMax: number; colW: number; height: number; palette: Palette; onMarker?(m: Marker): void }) {
  const xs = useXAxisScale();
  const ys = useYAxisScale();
  const clickable = onMarker !== undefined;
  const html = useMemo(() => (xs && ys ? { __html: rateMarkersMarkup(marks, { xs, ys, aggregated, logMax, colW, height, palette, clickable }) } : null), [marks, xs, ys, aggregated, logMax, colW, height, palette, clickable]);
  if (!html) return null;
  const click = (e: React.MouseEvent<SVGGElement>): void => {
    const g = (e.target as Element).closest('[data-testid=timeline-marker]');
    const p = g ? marks[Number(g.getAttribute('data-i'))] : undefined;
    if (p) onMarker?.({ ...p, t: p.at });
  };
  return (
    <ZIndexLayer zIndex={600}>
      <g className="markers" onClick={click} dangerouslySetInnerHTML={html} />
    </ZIndexLayer>
  );
}

export function compact(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return v >= 10 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1);
}

function fmtBits(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(1)} Gb/s`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)} Mb/s`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} kb/s`;
  return `${v.toFixed(0)} b/s`;
}

/** The colours of the sequence graph's segments, per class (legend and chart share them). */
export function seqColors(palette: Palette, dir: 0 | 1): Record<ReturnType<typeof pointClass>, string> {
  return { retransmission: palette.retransmission, lost: palette.lost, 'out-of-order': palette.outOfOrder, reset: palette.reset, normal: dir === 0 ? palette.client : palette.server };
}

/** Kinds that mark a point of the sequence graph, and their colours. */
export function pointClass(p: SeqPoint): 'retransmission' | 'lost' | 'out-of-order' | 'reset' | 'normal' {
  for (const k of p.kinds) {
    if (k.includes('retransmission')) return 'retransmission';
    if (k === 'tcp.lost-segment' || k === 'tcp.ack-lost-segment') return 'lost';
    if (k === 'tcp.out-of-order') return 'out-of-order';
  }
  if (p.flags & 0x04) return 'reset';
  return 'normal';
}

interface SeqProps {
  width: number;
  height?: number;
  points: SeqPoint[];
  dir: 0 | 1;
  from: number;
  to: number;
  base: number;
  palette: Palette;
  onZoom(from: number, to: number): void;
  /** The flow's events in view (Timeline.markers), drawn as lines. */
  markers?: Marker[];
  /** The time of the event the flow was opened at, drawn stronger. */
  focus?: number | null;
}

/**
 * The Stevens time/sequence graph of one direction: each segment as a vertical bar from
 * seq to seq+len, the other side's ACK line and receive-window line (ack + window) as
 * steps; retransmissions, lost and out-of-order segments and RSTs marked.
 */
export const SeqChart = memo(function SeqChart({ width, height = 320, points, dir, from, to, base, palette, onZoom, markers = [], focus = null }: SeqProps) {
  const zoom = useDragZoom(width, from, to, base, onZoom);
  const tip = useTooltipHere();
  const tooltipTime = useTooltipTime(base);
  const colors = useMemo(() => seqColors(palette, dir), [palette, dir]);
  const { segs, acks, tops, top, yMin } = useMemo(() => {
    const segs: Seg[] = [];
    const acks: { t: number; ack: number; win: number }[] = [];
    let dataTop = 1, winTop = 0, yMin = Infinity;
    for (const p of points) {
      if (p.dir === dir) {
        const s = { t: p.t - base, seq: p.seq + p.len, lo: p.seq, cls: pointClass(p), p };
        segs.push(s);
        if (s.seq > dataTop) dataTop = s.seq;
        if (s.lo < yMin) yMin = s.lo;
      } else if (p.ack !== null && !(p.flags & 0x04)) {
        const a = { t: p.t - base, ack: p.ack, win: p.ack + p.win };
        acks.push(a);
        if (a.ack > dataTop) dataTop = a.ack;
        if (a.win > winTop) winTop = a.win;
      }
    }
    if (segs.length) for (const a of acks) if (a.ack < yMin) yMin = a.ack;
    // Scale to the data and the ACK line; the window line is shown as far as it fits
    // within twice that (a 64 KiB window must not flatten a 5 KiB transfer).
    // (the bottom is padded below the lowest segment, so that a bare RST or ACK at the
    // lowest sequence number is not drawn on the axis)
    const top = Math.max(dataTop * 1.05, Math.min(winTop * 1.02, dataTop * 2));
    // (the invisible line's own points: only what it draws — recharts' store walks and
    // freezes every object of a series' data, and a segment holds its whole packet)
    const tops = segs.map((s) => ({ t: s.t, seq: s.seq }));
    return { segs, acks, tops, top, yMin: segs.length ? yMin : 0 };
  }, [points, dir, base]);
  const time = timeAxis(from, to, base, palette);
  const yDomain: [number, number] = [Math.max(0, yMin - (top - yMin) * 0.06), Math.max(1, top)];
  const yTicks = valueTicks(yDomain[0], yDomain[1], true);
  return (
    <div className="chart-plot" {...zoom.handlers} {...tip.handlers}>
    <ComposedChart width={width} height={height} margin={MARGIN}>
      <CartesianGrid stroke={palette.grid} strokeDasharray="3 3" verticalCoordinatesGenerator={time.gridX} />
      <XAxis {...time.axis} />
      <YAxis width={Y_AXIS_WIDTH} tick={Y_TICK} interval={0} type="number" domain={yDomain} ticks={yTicks.ticks} allowDataOverflow stroke={palette.muted} fontSize={11} tickFormatter={yTicks.label} label={yTitle('relative sequence number (bytes)', palette)} />
      {tip.here && (
        <Tooltip
          contentStyle={{ background: palette.bg, borderColor: palette.grid, color: palette.fg, fontSize: 12 }}
          labelFormatter={tooltipTime}
        />
      )}
      <Line data={acks} dataKey="win" name="receive window" type="stepAfter" stroke={palette.window} strokeDasharray="6 3" dot={false} isAnimationActive={false} strokeWidth={1.4} />
      <Line data={acks} dataKey="ack" name="ACK" type="stepAfter" stroke={palette.ack} dot={false} isAnimationActive={false} strokeWidth={1.2} />
      {/* The segments' times, invisible: the tooltip's positions (its axis's ticks) include them.
          Drawn nothing (the axes' domains are fixed), it is mounted with the Tooltip. */}
      {tip.here && <Line data={tops} dataKey="seq" name="segment top" stroke="none" dot={false} activeDot={false} legendType="none" tooltipType="none" isAnimationActive={false} />}
      <SegmentLayer segs={segs} from={from - base} to={to - base} colors={colors} />
      <ChartEventLines markers={markers} base={base} palette={palette} focus={focus} />
      {zoom.sel && <ReferenceArea x1={zoom.sel[0]} x2={zoom.sel[1]} fill={palette.accent} fillOpacity={0.15} />}
    </ComposedChart>
    </div>
  );
});

type SegClass = ReturnType<typeof pointClass>;
interface Seg {
  t: number;
  seq: number;
  lo: number;
  cls: SegClass;
  p: SeqPoint;
}

/**
 * The segments of the sequence graph, drawn with the chart's own scales: one path per
 * kind (a thousand points are a handful of elements), and for flagged segments a dot
 * with its frame and events as a tooltip.
 */
function SegmentLayer({ segs, from, to, colors }: { segs: Seg[]; from: number; to: number; colors: Record<SegClass, string> }) {
  const xs = useXAxisScale();
  const ys = useYAxisScale();
  const drawn = useMemo(() => {
    if (!xs || !ys) return null;
    const d: Record<SegClass, string> = { normal: '', retransmission: '', lost: '', 'out-of-order': '', reset: '' };
    const dots: { x: number; y: number; s: Seg }[] = [];
    for (const s of segs) {
      if (s.t < from || s.t > to) continue;
      const x = xs(s.t), y1 = ys(s.seq), y0 = ys(s.lo);
      if (x === undefined || y1 === undefined || y0 === undefined) continue;
      const y2 = Math.max(y0, y1 + 3);
      d[s.cls] += `M${x.toFixed(1)},${y1.toFixed(1)}V${y2.toFixed(1)}`;
      if (s.cls !== 'normal') dots.push({ x, y: y1, s });
    }
    return { d, dots };
  }, [segs, from, to, xs, ys]);
  if (!drawn) return null;
  // Above the ACK and window lines, where recharts draws scatter points (z-index 600).
  return (
    <ZIndexLayer zIndex={600}>
    <g className="segments">
      {(Object.keys(drawn.d) as SegClass[]).map((cls) =>
        drawn.d[cls] ? <path key={cls} data-kind={cls} d={drawn.d[cls]} stroke={colors[cls]} strokeWidth={cls === 'normal' ? 1.5 : 2.5} fill="none" /> : null,
      )}
      {drawn.dots.map(({ x, y, s }) => (
        <circle key={s.p.frame} data-kind={s.cls} cx={x} cy={y} r={3.5} fill={colors[s.cls]}>
          <title>{`frame ${s.p.frame}: seq ${s.lo}–${s.seq}${s.p.kinds.length ? ' · ' + s.p.kinds.join(', ') : ''}`}</title>
        </circle>
      ))}
    </g>
    </ZIndexLayer>
  );
}

/** Spans [from, to] in which the advertised window is 0 (to: the next packet that opens it, or the view's end). */
function zeroWindowSpans(win: { t: number; window: number }[], end: number): [number, number][] {
  const out: [number, number][] = [];
  let open: number | null = null;
  for (const w of win) {
    if (w.window === 0 && open === null) open = w.t;
    else if (w.window !== 0 && open !== null) {
      out.push([open, w.t]);
      open = null;
    }
  }
  if (open !== null) out.push([open, end]);
  return out;
}

/**
 * Bytes in flight of one direction and the other side's advertised window, over time,
 * with a legend. A zero window (the receiver's buffer full: the sender must wait) would
 * lie on the baseline, unseen: its spans are shaded and labelled instead.
 */
export const InFlightChart = memo(function InFlightChart({ width, height = 200, points, dir, from, to, base, palette, onZoom, markers = [], focus = null }: SeqProps) {
  const zoom = useDragZoom(width, from, to, base, onZoom);
  const tip = useTooltipHere();
  const tooltipTime = useTooltipTime(base);
  const flight = useMemo(() => points.filter((p) => p.dir === dir && p.inFlight !== null).map((p) => ({ t: p.t - base, inFlight: p.inFlight })), [points, dir, base]);
  // a RST's window field means nothing (RFC 9293 3.10.7): it is not a zero window
  const win = useMemo(() => points.filter((p) => p.dir !== dir && !(p.flags & 0x04)).map((p) => ({ t: p.t - base, window: p.win })), [points, dir, base]);
  const zeros = useMemo(() => zeroWindowSpans(win, to - base), [win, to, base]);
  // the largest values drawn, for tests and tools that read the page
  const maxOf = (xs: { [k: string]: number | null }[], k: string): number => xs.reduce((m, x) => Math.max(m, x[k] ?? 0), 0);
  const sender = dir === 0 ? palette.client : palette.server;
  const time = timeAxis(from, to, base, palette);
  const [winMax, flightMax] = [maxOf(win, 'window'), maxOf(flight, 'inFlight')];
  // (the axis's ticks are ours, round in KiB or MiB, as recharts' decimal ones are not)
  const yBytes = useMemo(() => byteTicks(Math.max(winMax, flightMax)), [winMax, flightMax]);
  return (
    <div data-testid="inflight-plot" data-window-max={winMax} data-inflight-max={flightMax} data-zero-windows={zeros.length}>
      <div className="chart-plot" {...zoom.handlers} {...tip.handlers}>
      <ComposedChart width={width} height={height} margin={MARGIN}>
        <CartesianGrid stroke={palette.grid} strokeDasharray="3 3" verticalCoordinatesGenerator={time.gridX} />
        <XAxis {...time.axis} />
        <YAxis width={Y_AXIS_WIDTH} tick={Y_TICK} interval={0} type="number" domain={[0, yBytes.top]} ticks={yBytes.ticks} stroke={palette.muted} fontSize={11} tickFormatter={yBytes.label} label={yTitle('bytes', palette)} />
        {tip.here && <Tooltip contentStyle={{ background: palette.bg, borderColor: palette.grid, color: palette.fg, fontSize: 12 }} labelFormatter={tooltipTime} formatter={(v, name) => [fmtBytes(Number(v)), String(name)]} />}
        {zeros.map(([a, b], i) => (
          <ReferenceArea key={i} x1={a} x2={Math.max(b, a + (to - from) / 400)} fill={palette.lost} fillOpacity={0.3} stroke={palette.lost} ifOverflow="hidden" label={{ value: 'zero window', position: 'insideTop', fill: palette.fg, fontSize: 10 }} />
        ))}
        {zeros.length > 0 && <ReferenceLine y={0} stroke={palette.lost} strokeWidth={3} />}
        <Line data={flight} dataKey="inFlight" name="bytes in flight" type="stepAfter" stroke={sender} dot={false} isAnimationActive={false} strokeWidth={1.5} />
        <Line data={win} dataKey="window" name="receive window" type="stepAfter" stroke={palette.window} strokeDasharray="6 3" dot={false} isAnimationActive={false} strokeWidth={1.5} />
        <ChartEventLines markers={markers} base={base} palette={palette} focus={focus} />
        {zoom.sel && <ReferenceArea x1={zoom.sel[0]} x2={zoom.sel[1]} fill={palette.accent} fillOpacity={0.15} />}
      </ComposedChart>
      </div>
      <p className="legend small" data-testid="inflight-legend">
        <span className="swatch" style={{ background: sender }} /> bytes in flight (sent, not yet acknowledged)
        <span className="swatch dashed" style={{ borderColor: palette.window }} /> the peer&apos;s receive window
        <span className="swatch" style={{ background: palette.lost, opacity: 0.6 }} /> zero window{zeros.length ? ` (${zeros.length})` : ' (none here)'}
      </p>
    </div>
  );
});
