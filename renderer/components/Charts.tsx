// Charts over time (recharts). Each asks the query layer for as many points as it has
// pixels (maxPoints = its width), so a million packets never reach the DOM.

import { useRef, useState, type ReactNode } from 'react';
import { Area, CartesianGrid, ComposedChart, Line, ReferenceArea, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { Marker, RatePoint, SeqPoint } from '../../analysis/api';
import { download, svgToPng } from '../export';
import { fmtBytes, fmtRel } from '../format';
import type { Palette } from '../theme';

export const MARGIN = { top: 10, right: 16, bottom: 4, left: 8 };
export const Y_AXIS_WIDTH = 64;

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
      <div ref={ref}>{children}</div>
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
}

/** Packet rate over time with every break/warning as a marker coloured by severity. */
export function RateChart({ width, height = 200, rate, markers, from, to, base, palette, onMarker, onZoom, metric = 'packets' }: RateProps) {
  const bucket = rate.length > 1 ? rate[1].t - rate[0].t : to - from || 1;
  const data = rate.map((r) => ({ t: r.t, v: metric === 'packets' ? r.packets / bucket : (r.bytes * 8) / bucket }));
  const top = Math.max(1, ...data.map((d) => d.v));
  const marks = markers.map((m) => ({ ...m, y: top * 1.08 }));
  const zoom = useDragZoom(onZoom ?? (() => {}));
  return (
    <ComposedChart width={width} height={height} data={data} margin={MARGIN} {...(onZoom ? zoom.handlers : {})}>
      <CartesianGrid stroke={palette.grid} strokeDasharray="3 3" />
      <XAxis dataKey="t" type="number" domain={[from, to]} allowDataOverflow tickFormatter={(t: number) => fmtRel(t, base, tickDigits(from, to))} stroke={palette.muted} fontSize={11} />
      <YAxis width={Y_AXIS_WIDTH} domain={[0, top * 1.15]} stroke={palette.muted} fontSize={11} tickFormatter={(v: number) => (metric === 'packets' ? compact(v) : fmtBits(v))} />
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
        shape={(p: { cx?: number; cy?: number; payload?: Marker }) => {
          const m = p.payload!;
          return (
            <g
              className="marker"
              data-testid="timeline-marker"
              data-severity={m.severity}
              data-flow={m.flow ?? ''}
              onClick={() => onMarker?.(m)}
              style={{ cursor: onMarker && m.flow !== null ? 'pointer' : 'default' }}
            >
              <title>{`${m.kind} — frame ${m.frame}: ${m.message}`}</title>
              <line x1={p.cx} x2={p.cx} y1={(p.cy ?? 0) + 5} y2={height - 30} stroke={palette.severity[m.severity]} strokeOpacity={0.35} />
              <path d={`M${p.cx},${(p.cy ?? 0) + 6} l-5,-9 h10 z`} fill={palette.severity[m.severity]} />
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
export function SeqChart({ width, height = 300, points, dir, from, to, base, palette, onZoom }: SeqProps) {
  const zoom = useDragZoom(onZoom);
  const colors = { retransmission: palette.severity.break, lost: palette.severity.warning, 'out-of-order': '#b04fd1', reset: palette.severity.break, normal: dir === 0 ? palette.client : palette.server };
  const segs = points.filter((p) => p.dir === dir).map((p) => ({ t: p.t, seq: p.seq + p.len, lo: p.seq, cls: pointClass(p), p }));
  const acks = points.filter((p) => p.dir !== dir && p.ack !== null).map((p) => ({ t: p.t, ack: p.ack!, win: p.ack! + p.win }));
  // Scale to the data and the ACK line; the window line is shown as far as it fits
  // within twice that (a 64 KiB window must not flatten a 5 KiB transfer).
  const dataTop = Math.max(1, ...segs.map((s) => s.seq), ...acks.map((a) => a.ack));
  const winTop = acks.length ? Math.max(...acks.map((a) => a.win)) : 0;
  const top = Math.max(dataTop * 1.05, Math.min(winTop * 1.02, dataTop * 2));
  const yMin = segs.length ? Math.min(...segs.map((s) => s.lo), ...acks.map((a) => a.ack)) : 0;
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
      <Scatter
        data={segs}
        dataKey="seq"
        name="segments"
        isAnimationActive={false}
        shape={(s: { cx?: number; cy?: number; payload?: (typeof segs)[number] }) => {
          const d = s.payload!;
          const span = Math.max(1, top - Math.max(0, yMin));
          const h = Math.max(3, ((d.seq - d.lo) / span) * (height - 40));
          const c = colors[d.cls];
          return (
            <g data-kind={d.cls}>
              <title>{`frame ${d.p.frame}: seq ${d.lo}–${d.seq}${d.p.kinds.length ? ' · ' + d.p.kinds.join(', ') : ''}`}</title>
              <line x1={s.cx} x2={s.cx} y1={s.cy} y2={(s.cy ?? 0) + h} stroke={c} strokeWidth={d.cls === 'normal' ? 1.5 : 2.5} />
              {d.cls !== 'normal' && <circle cx={s.cx} cy={s.cy} r={3.5} fill={c} />}
            </g>
          );
        }}
      />
      {zoom.sel && <ReferenceArea x1={zoom.sel[0]} x2={zoom.sel[1]} fill={palette.accent} fillOpacity={0.15} />}
    </ComposedChart>
  );
}

/** Bytes in flight of one direction and the other side's advertised window, over time. */
export function InFlightChart({ width, height = 180, points, dir, from, to, base, palette, onZoom }: SeqProps) {
  const zoom = useDragZoom(onZoom);
  const flight = points.filter((p) => p.dir === dir).map((p) => ({ t: p.t, inFlight: p.inFlight }));
  const win = points.filter((p) => p.dir !== dir).map((p) => ({ t: p.t, window: p.win }));
  return (
    <ComposedChart width={width} height={height} margin={MARGIN} {...zoom.handlers}>
      <CartesianGrid stroke={palette.grid} strokeDasharray="3 3" />
      <XAxis dataKey="t" type="number" domain={[from, to]} allowDataOverflow tickFormatter={(t: number) => fmtRel(t, base, tickDigits(from, to))} stroke={palette.muted} fontSize={11} />
      <YAxis width={Y_AXIS_WIDTH} stroke={palette.muted} fontSize={11} tickFormatter={(v: number) => fmtBytes(v)} />
      <Tooltip contentStyle={{ background: palette.bg, borderColor: palette.grid, color: palette.fg, fontSize: 12 }} labelFormatter={(t) => `t = ${fmtRel(Number(t), base)} s`} />
      <Line data={flight} dataKey="inFlight" name="bytes in flight" type="stepAfter" stroke={dir === 0 ? palette.client : palette.server} dot={false} isAnimationActive={false} />
      <Line data={win} dataKey="window" name="receive window" type="stepAfter" stroke={palette.window} dot={false} isAnimationActive={false} />
      {zoom.sel && <ReferenceArea x1={zoom.sel[0]} x2={zoom.sel[1]} fill={palette.accent} fillOpacity={0.15} />}
    </ComposedChart>
  );
}
