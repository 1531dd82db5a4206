// Charts over time (recharts). Each asks the query layer for as many points as it has
// pixels (maxPoints = its width), so a million packets never reach the DOM.

import { memo, useMemo, useRef, useState, type ReactNode } from 'react';
import { Area, CartesianGrid, ComposedChart, Line, ReferenceArea, Scatter, Tooltip, useXAxisScale, useYAxisScale, XAxis, YAxis, ZIndexLayer } from 'recharts';
import type { Marker, RatePoint, SeqPoint } from '../../analysis/api';
import { download, svgToPng } from '../export';
import { ErrorBoundary } from './ErrorBoundary';
import { BAND_LABEL_ROW, IncidentBands, type IncidentBand } from './IncidentBands';
import { fmtBytes, fmtRel } from '../format';
import type { Palette } from '../theme';

export const MARGIN = { top: 10, right: 16, bottom: 4, left: 8 };
export const Y_AXIS_WIDTH = 64;
/** The longest bar of an aggregated timeline marker, px. */
const STRIP = 34;

/** Frame around a chart: title, PNG export, and the element the PNG is taken from. */
export function ChartFrame({ title, children, palette, fileName, testId, extra }: { title: string; children: ReactNode; palette: Palette; fileName: string; testId?: string; extra?: ReactNode }) {
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
          onClick={() => ref.current && svgToPng(ref.current, palette.bg).then((b) => download(`${fileName}.png`, b), (e: Error) => setErr(e.message))}
        >
          PNG
        </button>
      </figcaption>
      {err && <div className="banner error">{err}</div>}
      <div ref={ref}>
        <ErrorBoundary name={`The chart "${title}"`}>{children}</ErrorBoundary>
      </div>
    </figure>
  );
}

/** Drag across a chart to choose a time range (the brush shared by all charts). */
export function useDragZoom(onZoom: (from: number, to: number) => void) {
  const [sel, setSel] = useState<[number, number] | null>(null);
  const handlers = {
    onMouseDown: (e: { activeLabel?: unknown } | null) => {
      const x = Number(e?.activeLabel);
      if (Number.isFinite(x)) setSel([x, x]);
    },
    onMouseMove: (e: { activeLabel?: unknown } | null) => {
      const x = Number(e?.activeLabel);
      if (sel && Number.isFinite(x)) setSel([sel[0], x]);
    },
    onMouseUp: () => {
      if (sel && Math.abs(sel[1] - sel[0]) > 0) onZoom(Math.min(...sel), Math.max(...sel));
      setSel(null);
    },
  };
  return { sel, handlers };
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
export function RateChart({ width, height = 200, rate, markers, from, to, base, palette, onMarker, onZoom, metric = 'packets', bands, onBand }: RateProps) {
  const bucket = rate.length > 1 ? rate[1].t - rate[0].t : to - from || 1;
  const data = rate.map((r) => ({ t: r.t, v: metric === 'packets' ? r.packets / bucket : (r.bytes * 8) / bucket }));
  const top = Math.max(1, ...data.map((d) => d.v));
  const aggregated = markers.some((m) => m.count > 1);
  // Aggregated markers get a strip of their own above the rate (the y axis reaches 1.4 ×
  // its top instead of 1.15), bars up to STRIP px long on a log scale of the view's largest count.
  const yTop = top * (aggregated ? 1.4 : 1.15);
  const marks = markers.map((m) => ({ ...m, y: top * (aggregated ? 1.33 : 1.08) }));
  const logMax = Math.log(Math.max(2, ...markers.map((m) => m.count)));
  // one rate bucket, in pixels: an aggregated marker's column
  const colW = Math.max(1.5, (width - MARGIN.left - Y_AXIS_WIDTH - MARGIN.right) / Math.max(1, rate.length));
  const zoom = useDragZoom(onZoom ?? (() => {}));
  return (
    <ComposedChart width={width} height={height} data={data} margin={bands?.length ? { ...MARGIN, top: MARGIN.top + BAND_LABEL_ROW } : MARGIN} {...(onZoom ? zoom.handlers : {})}>
      <CartesianGrid stroke={palette.grid} strokeDasharray="3 3" />
      {bands?.length ? <IncidentBands bands={bands} from={from} to={to} palette={palette} onBand={onBand} /> : null}
      <XAxis dataKey="t" type="number" domain={[from, to]} allowDataOverflow tickFormatter={(t: number) => fmtRel(t, base, tickDigits(from, to))} stroke={palette.muted} fontSize={11} />
      <YAxis width={Y_AXIS_WIDTH} domain={[0, yTop]} stroke={palette.muted} fontSize={11} tickFormatter={(v: number) => (metric === 'packets' ? compact(v) : fmtBits(v))} />
      <Tooltip
        contentStyle={{ background: palette.bg, borderColor: palette.grid, color: palette.fg, fontSize: 12 }}
        labelFormatter={(t) => `t = ${fmtRel(Number(t), base)} s`}
        formatter={(v, name) => (name === 'v' ? [metric === 'packets' ? `${compact(Number(v))} packets/s` : fmtBits(Number(v)), 'rate'] : [String(v), String(name)])}
      />
      <Area type="stepAfter" dataKey="v" stroke={palette.accent} fill={palette.accent} fillOpacity={0.25} isAnimationActive={false} dot={false} />
      <Scatter
        data={marks}
        dataKey="y"
        isAnimationActive={false}
        tooltipType="none"
        shape={(p: { cx?: number; cy?: number; payload?: Marker }) => {
          const m = p.payload!;
          const cx = p.cx ?? 0, cy = p.cy ?? 0;
          const color = palette.severity[m.severity];
          if (m.count > 1) {
            // hanging from the markers' row, longer the more events (log scale)
            const h = 4 + (STRIP - 4) * (Math.log(m.count) / logMax), w = Math.max(2.5, colW);
            // the hit area: up to 8 px, never wider than a column (it would cover its neighbour's bar)
            const hit = Math.max(w, Math.min(8, colW));
            return (
              <g className="marker aggregated" data-testid="timeline-marker" data-severity={m.severity} data-flow={m.flow ?? ''} data-count={m.count} onClick={() => onMarker?.(m)} style={{ cursor: onMarker ? 'zoom-in' : 'default' }}>
                <title>{`${markerSummary(m)} — the first ${m.severity}: ${m.kind}, frame ${m.frame}: ${m.message}${onMarker ? ' · click to zoom in' : ''}`}</title>
                <rect x={cx - hit / 2} y={cy - 9} width={hit} height={h + 2} fill="transparent" />
                <rect x={cx - w / 2} y={cy - 8} width={w} height={h} fill={color} fillOpacity={0.9} />
              </g>
            );
          }
          return (
            <g className="marker" data-testid="timeline-marker" data-severity={m.severity} data-flow={m.flow ?? ''} data-count={1} onClick={() => onMarker?.(m)} style={{ cursor: onMarker && m.flow !== null ? 'pointer' : 'default' }}>
              <title>{`${m.kind} — frame ${m.frame}: ${m.message}`}</title>
              {!aggregated && <line x1={cx} x2={cx} y1={cy + 5} y2={height - 30} stroke={color} strokeOpacity={0.35} />}
              <path d={`M${cx},${cy + 6} l-5,-9 h10 z`} fill={color} />
            </g>
          );
        }}
      />
      {zoom.sel && <ReferenceArea x1={zoom.sel[0]} x2={zoom.sel[1]} fill={palette.accent} fillOpacity={0.15} />}
    </ComposedChart>
  );
}

/** Decimals that tell the ticks of a [from, to] axis apart (3 for seconds, up to 9). */
export function tickDigits(from: number, to: number): number {
  const step = Math.max((to - from) / 5, 1e-9);
  return Math.min(9, Math.max(3, Math.ceil(-Math.log10(step))));
}

export function compact(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return v >= 10 ? v.toFixed(0) : v.toFixed(1);
}

function fmtBits(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(1)} Gb/s`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)} Mb/s`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} kb/s`;
  return `${v.toFixed(0)} b/s`;
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
}

/**
 * The Stevens time/sequence graph of one direction: each segment as a vertical bar from
 * seq to seq+len, the other side's ACK line and receive-window line (ack + window) as
 * steps; retransmissions, lost and out-of-order segments and RSTs marked.
 */
export const SeqChart = memo(function SeqChart({ width, height = 300, points, dir, from, to, base, palette, onZoom }: SeqProps) {
  const zoom = useDragZoom(onZoom);
  const colors = useMemo(
    () => ({ retransmission: palette.severity.break, lost: palette.severity.warning, 'out-of-order': '#b04fd1', reset: palette.severity.break, normal: dir === 0 ? palette.client : palette.server }),
    [palette, dir],
  );
  const { segs, acks, top, yMin } = useMemo(() => {
    const segs: Seg[] = [];
    const acks: { t: number; ack: number; win: number }[] = [];
    let dataTop = 1, winTop = 0, yMin = Infinity;
    for (const p of points) {
      if (p.dir === dir) {
        const s = { t: p.t, seq: p.seq + p.len, lo: p.seq, cls: pointClass(p), p };
        segs.push(s);
        if (s.seq > dataTop) dataTop = s.seq;
        if (s.lo < yMin) yMin = s.lo;
      } else if (p.ack !== null) {
        const a = { t: p.t, ack: p.ack, win: p.ack + p.win };
        acks.push(a);
        if (a.ack > dataTop) dataTop = a.ack;
        if (a.win > winTop) winTop = a.win;
      }
    }
    if (segs.length) for (const a of acks) if (a.ack < yMin) yMin = a.ack;
    // Scale to the data and the ACK line; the window line is shown as far as it fits
    // within twice that (a 64 KiB window must not flatten a 5 KiB transfer).
    const top = Math.max(dataTop * 1.05, Math.min(winTop * 1.02, dataTop * 2));
    return { segs, acks, top, yMin: segs.length ? yMin : 0 };
  }, [points, dir]);
  return (
    <ComposedChart width={width} height={height} margin={MARGIN} {...zoom.handlers}>
      <CartesianGrid stroke={palette.grid} strokeDasharray="3 3" />
      <XAxis dataKey="t" type="number" domain={[from, to]} allowDataOverflow tickFormatter={(t: number) => fmtRel(t, base, tickDigits(from, to))} stroke={palette.muted} fontSize={11} />
      <YAxis width={Y_AXIS_WIDTH} type="number" domain={[Math.max(0, yMin), Math.max(1, top)]} allowDataOverflow stroke={palette.muted} fontSize={11} tickFormatter={(v: number) => compact(v)} />
      <Tooltip
        contentStyle={{ background: palette.bg, borderColor: palette.grid, color: palette.fg, fontSize: 12 }}
        labelFormatter={(t) => `t = ${fmtRel(Number(t), base)} s`}
      />
      <Line data={acks} dataKey="win" name="receive window" type="stepAfter" stroke={palette.window} dot={false} isAnimationActive={false} strokeWidth={1.2} />
      <Line data={acks} dataKey="ack" name="ACK" type="stepAfter" stroke={palette.ack} dot={false} isAnimationActive={false} strokeWidth={1.2} />
      {/* The segments' times, invisible: they give the drag-zoom its labels when there are no ACKs. */}
      <Line data={segs} dataKey="seq" name="segment top" stroke="none" dot={false} activeDot={false} legendType="none" tooltipType="none" isAnimationActive={false} />
      <SegmentLayer segs={segs} from={from} to={to} colors={colors} />
      {zoom.sel && <ReferenceArea x1={zoom.sel[0]} x2={zoom.sel[1]} fill={palette.accent} fillOpacity={0.15} />}
    </ComposedChart>
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

/** Bytes in flight of one direction and the other side's advertised window, over time. */
export const InFlightChart = memo(function InFlightChart({ width, height = 180, points, dir, from, to, base, palette, onZoom }: SeqProps) {
  const zoom = useDragZoom(onZoom);
  const flight = useMemo(() => points.filter((p) => p.dir === dir && p.inFlight !== null).map((p) => ({ t: p.t, inFlight: p.inFlight })), [points, dir]);
  const win = useMemo(() => points.filter((p) => p.dir !== dir).map((p) => ({ t: p.t, window: p.win })), [points, dir]);
  // the largest values drawn, for tests and tools that read the page
  const maxOf = (xs: { [k: string]: number | null }[], k: string): number => xs.reduce((m, x) => Math.max(m, x[k] ?? 0), 0);
  return (
    <div data-testid="inflight-plot" data-window-max={maxOf(win, 'window')} data-inflight-max={maxOf(flight, 'inFlight')}>
    <ComposedChart width={width} height={height} margin={MARGIN} {...zoom.handlers}>
      <CartesianGrid stroke={palette.grid} strokeDasharray="3 3" />
      <XAxis dataKey="t" type="number" domain={[from, to]} allowDataOverflow tickFormatter={(t: number) => fmtRel(t, base, tickDigits(from, to))} stroke={palette.muted} fontSize={11} />
      <YAxis width={Y_AXIS_WIDTH} stroke={palette.muted} fontSize={11} tickFormatter={(v: number) => fmtBytes(v)} />
      <Tooltip contentStyle={{ background: palette.bg, borderColor: palette.grid, color: palette.fg, fontSize: 12 }} labelFormatter={(t) => `t = ${fmtRel(Number(t), base)} s`} />
      <Line data={flight} dataKey="inFlight" name="bytes in flight" type="stepAfter" stroke={dir === 0 ? palette.client : palette.server} dot={false} isAnimationActive={false} />
      <Line data={win} dataKey="window" name="receive window" type="stepAfter" stroke={palette.window} dot={false} isAnimationActive={false} />
      {zoom.sel && <ReferenceArea x1={zoom.sel[0]} x2={zoom.sel[1]} fill={palette.accent} fillOpacity={0.15} />}
    </ComposedChart>
    </div>
  );
});
