// One flow: TCP state lanes, the time/sequence graph, bytes in flight and window, the
// packet list and the break cards — one time brush zooms all of them. DNS flows show
// their transactions, QUIC flows their connection and paths. Opened at an event (a
// marker, a break's "flow →", go to frame), the view is centred on it with as much
// context after it as before — what followed a RST is the story — and every chart
// draws the flow's events as lines.

import { memo, useCallback, useEffect, useId, useMemo, useRef, useState, type PointerEvent as RPointerEvent } from 'react';
import type { EventExplanation, EventRow, FlowDetail, Marker, StateLanes as StateLanesData, Page, PacketRow, SeqPoint, StateSpan, Summary, Timeline } from '../../analysis/api';
import type { Nav } from '../nav';
import type { Client } from '../client';
import { FilteredPackets } from './FilteredPackets';
import { FLOW_PACKET_PAGE } from './Packets';
import { flowAsks, peekAhead, remember, taken, type Ask } from '../prefetch';
import { stem } from '../export';
import { fmtBytes, fmtDuration, fmtRel, plural } from '../format';
import { useAfterPaint, useAsync, useWidth } from '../hooks';
import { stateColor, usePalette, type Palette } from '../theme';
import { ChartFrame, InFlightChart, MARGIN, SeqChart, seqColors, Y_AXIS_WIDTH } from './Charts';
import { EventMarks } from './EventLines';
import { SVG_AXIS_HEIGHT, SvgTimeAxis } from './SvgAxis';
import { DnsSpans, DnsTable } from './DnsView';
import { QuicCard } from './QuicView';
import { StreamView } from './StreamView';

const PLOT_LEFT = MARGIN.left + Y_AXIS_WIDTH;
const NO_MARKERS: Marker[] = [];
/** What the bytes-in-flight chart draws before its first frame: nothing. */
const NO_LOW = { points: null as SeqPoint[] | null, from: 0, to: 0, markers: NO_MARKERS };
/** The bytes-in-flight chart's height with its legend (221 px measured in Chromium). */
const INFLIGHT_HEIGHT = 221;

/** The plot's width and the timeline's points of a flow view `width` px wide (the flows table asks ahead with the same). */
export function flowViewPoints(width: number): { plotWidth: number; maxPoints: number } {
  const plotWidth = Math.max(200, width - 2);
  return { plotWidth, maxPoints: Math.max(10, plotWidth - PLOT_LEFT - MARGIN.right) };
}

export function FlowDetailView({ client, id, focus, focusFrame = null, summary, nav, onBack }: { client: Client; id: number; focus: number | null; focusFrame?: number | null; summary: Summary; nav: Nav; onBack(): void }) {
  const [ref, width, measured] = useWidth<HTMLDivElement>();
  // (each answer the one asked for ahead, when the pointer rested on the flow's row or
  // pressed it: prefetch.ts; one that has come is drawn in the view's first render)
  const detail = useAhead(flowAsks.flow(client, id), [client, id]);
  // The whole flow's timeline (the brush's rate and, unzoomed, every chart) is asked at
  // the same time as the flow itself, as soon as the width is known.
  const { plotWidth, maxPoints } = flowViewPoints(width);
  const overall = useAhead(flowAsks.timeline(client, id, maxPoints), [client, id, maxPoints], measured);
  // And the first page of its packet list (each row's Info is dissected from the file):
  // with the flow, not after the flow's answer has been drawn.
  const firstPackets = useMemo(() => {
    const page = remember(taken(flowAsks.packets(client, id, FLOW_PACKET_PAGE)));
    page.catch(() => undefined); // (the list shows its own failure)
    return page;
  }, [client, id]);
  return (
    <div ref={ref}>
      {detail.error ? (
        <p className="banner error">{detail.error}</p>
      ) : !detail.data ? (
        <p className="muted">{detail.loading ? 'Loading flow…' : `No flow ${id}.`}</p>
      ) : !measured ? null /* (until the width is known, in the same task: the view is not drawn twice) */ : (
        <FlowDetailBody client={client} d={detail.data} focus={focus} focusFrame={focusFrame} summary={summary} nav={nav} onBack={onBack} plotWidth={plotWidth} maxPoints={maxPoints} measured={measured} overall={overall} firstPackets={firstPackets} />
      )}
    </div>
  );
}

/**
 * `useAsync` of an answer asked for ahead (`taken`): one that has already come is the
 * data from the first render on, not after the load's promise resolves.
 */
function useAhead<T>(ask: Ask<T>, deps: unknown[], enabled = true): { data: T | null; loading: boolean; error: string | null } {
  const came = useMemo(() => (enabled ? peekAhead<T>(ask.key) : null), [ask.key, enabled]);
  const r = useAsync(() => taken(ask), deps, enabled);
  return r.data === null && r.error === null && came ? { data: came.value, loading: false, error: null } : r;
}

/**
 * The window a flow opens at when opened at `focus` (an event's or a frame's time): a
 * tenth of the flow's life (at least 2 ms, at most 30 s) on each side of it, centred —
 * not clipped to the flow, so an event at its very end (a RST) has the same context on
 * its right as on its left. It starts no sooner than the capture does (`captureStart`).
 */
export function initialRange(start: number, duration: number, focus: number | null, captureStart: number): [number, number] | null {
  if (focus === null) return null;
  const w = Math.min(30, Math.max(duration * 0.1, 0.002));
  const from = Math.max(captureStart, focus - w);
  return [from, Math.max(focus + w, from + 2 * w)];
}

interface BodyProps {
  client: Client;
  d: FlowDetail;
  focus: number | null;
  focusFrame: number | null;
  summary: Summary;
  nav: Nav;
  onBack(): void;
  plotWidth: number;
  maxPoints: number;
  measured: boolean;
  overall: { data: Timeline | null; loading: boolean };
  firstPackets: Promise<Page<PacketRow>>;
}

function FlowDetailBody({ client, d, focus, focusFrame, summary, nav, onBack, plotWidth, maxPoints, measured, overall, firstPackets }: BodyProps) {
  const palette = usePalette();
  const f = d.flow;
  const base = summary.capture.start ?? 0;
  // The flow's life, padded a little so its first and last packets are not on the frame,
  // and on the right enough for the CLOSED a TCP connection ended in to be seen.
  // It starts no sooner than the capture (a time axis from 0); the range it opened at
  // (centred on an event) lies inside it.
  const [opened] = useState(() => initialRange(d.row.start, d.row.duration, focus, base));
  // (the same array while the flow is the same: the brush is not drawn again at each zoom)
  const full = useMemo((): [number, number] => {
    const pad = Math.max(d.row.duration * 0.02, 2e-6);
    const endsClosed = d.lanes !== null && (d.lanes.client.at(-1)?.state === 'CLOSED' || d.lanes.server.at(-1)?.state === 'CLOSED');
    return [
      Math.min(Math.max(base, d.row.start - pad), opened?.[0] ?? Infinity),
      Math.max(d.row.start + d.row.duration + (endsClosed ? pad * 3 : pad), opened?.[1] ?? -Infinity),
    ];
  }, [d, base, opened]);
  const [range, setRange] = useState<[number, number] | null>(opened);
  const [from, to] = range ?? full;
  const isTcp = f.transport === 'tcp';
  const [dir, setDir] = useState<0 | 1>(f.serverBytes > f.clientBytes * 1.5 ? 1 : 0);
  const [following, setFollowing] = useState(false);
  // The zoomed range is asked only while zoomed (as many points as the plot has pixels).
  // The charts keep showing what they show, over its own range, until the answer for a
  // new range arrives: they are drawn once per zoom. A range chosen by the user is asked
  // in the event that chose it, before the render that follows (brush, head, packet
  // list): the request and that render overlap instead of following each other.
  // Each answer carries the key of the range it was asked for, so that the charts never
  // show an older zoom's answer (after Reset zoom, the next zoom keeps the whole flow in
  // view until its own answer arrives).
  const asked = useRef<{ key: string; answer: Promise<{ key: string; tl: Timeline }> } | null>(null);
  const ask = useCallback((a: number, b: number): Promise<{ key: string; tl: Timeline }> => {
    const key = `${a}|${b}|${maxPoints}`;
    if (asked.current?.key !== key) asked.current = { key, answer: client.timeline({ flow: f.id, from: a, to: b, maxPoints }).then((tl) => ({ key, tl })) };
    return asked.current.answer;
  }, [client, f.id, maxPoints]);
  const choose = useCallback((r: [number, number] | null) => {
    if (r && measured) ask(r[0], r[1]).catch(() => undefined); // (its failure is shown by the render that uses it)
    setRange(r);
  }, [ask, measured]);
  const zoomed = useAsync(() => ask(from, to), [ask, from, to], measured && range !== null);
  const fresh = range !== null && zoomed.data?.key === `${from}|${to}|${maxPoints}` ? zoomed.data.tl : null;
  const whole = { tl: overall.data, from: full[0], to: full[1] };
  const shown = useRef(whole);
  const view = range === null ? whole : fresh ? { tl: fresh, from: fresh.from, to: fresh.to } : shown.current.tl ? shown.current : whole;
  shown.current = view;
  const tl = view.tl;
  const [cFrom, cTo] = [view.from, view.to];
  // Opened at an event: the sequence graph shows the direction of its packet (a RST
  // from the server is drawn on the server → client graph), once the points are in.
  const dirChosen = useRef(focus === null);
  useEffect(() => {
    const at = dirChosen.current ? undefined : tl?.points?.find((p) => Math.abs(p.t - focus!) < 1e-9);
    if (at) {
      dirChosen.current = true;
      setDir(at.dir === 1 ? 1 : 0);
    }
  }, [tl, focus]);
  const loadingCharts = overall.loading || (range !== null && zoomed.loading);
  // The flow's events in view, one per pixel column at most (the query folds them).
  // The chart below the fold is drawn once the frame with the lanes, the sequence graph
  // and the packets is on screen — on the flow's first render too (nothing first: the
  // view mounts with the timeline already in when it arrived with the flow).
  const markers: Marker[] = tl?.markers ?? NO_MARKERS;
  const now = useMemo(() => ({ points: tl?.points ?? null, from: cFrom, to: cTo, markers }), [tl?.points, cFrom, cTo, markers]);
  const low = useAfterPaint(now, NO_LOW);
  const zoom = useCallback((a: number, b: number) => choose([Math.max(full[0], a), Math.min(full[1], b)]), [choose, full[0], full[1]]);
  // (the same function across zooms: the break cards are not drawn again at each one)
  const span = useRef(to - from);
  span.current = to - from;
  const zoomAt = useCallback((t: number) => zoom(t - span.current / 8, t + span.current / 8), [zoom]);
  const brushRate = useMemo(() => overall.data?.rate.map((r) => r.packets) ?? [], [overall.data]);
  const name = `${stem(summary.name)}-flow${f.id}`;
  // The desktop app with Wireshark installed: open the capture there at a frame.
  const wireshark = useAsync(() => client.wiresharkAvailable?.() ?? Promise.resolve(false), [client]);
  const [wsError, setWsError] = useState<string | null>(null);
  const inWireshark = wireshark.data && client.openInWireshark ? (frame: number) => client.openInWireshark!(frame).then(() => setWsError(null), (e: Error) => setWsError(e.message)) : undefined;

  return (
    <section className="flow-detail" data-loading={loadingCharts ? 'true' : undefined}>
      <div className="toolbar">
        <button onClick={onBack} title="Back (Esc)">
          ← Back
        </button>
        <h2>
          Flow {f.id} · {d.row.protocol} · <span className="mono">{f.client}</span> → <span className="mono">{f.server}</span>
        </h2>
        <span className="spacer" />
        {f.transport !== 'icmp' && (
          <button onClick={() => setFollowing((v) => !v)} aria-pressed={following} data-testid="follow-stream">
            Follow stream
          </button>
        )}
        {inWireshark && (
          <button onClick={() => inWireshark(focusFrame ?? f.firstFrame)} data-testid="open-in-wireshark" title="Open this capture in Wireshark, at this frame">
            Open in Wireshark at frame {focusFrame ?? f.firstFrame}
          </button>
        )}
      </div>
      {wsError && <p className="banner error">{wsError}</p>}
      {following && <StreamView client={client} flow={f.id} base={base} onClose={() => setFollowing(false)} />}
      <div className="card facts-row" data-testid="flow-facts">
        <span>state <b className="mono">{d.row.state || '—'}</b></span>
        {f.vlan && (
          <span data-testid="flow-facts-vlan">
            vlan <b className="mono">{f.vlan.join('/')}</b>
          </span>
        )}
        <span>start {fmtRel(f.start, base)} s</span>
        <span>duration {fmtDuration(d.row.duration)}</span>
        <span>client {plural(f.clientPackets, 'packet')} / {fmtBytes(f.clientBytes)}</span>
        <span>server {plural(f.serverPackets, 'packet')} / {fmtBytes(f.serverBytes)}</span>
        <span>frames {f.firstFrame}–{f.lastFrame}</span>
        <span>
          {d.row.breaks > 0 && <span className="badge break">{plural(d.row.breaks, 'break')}</span>} {d.row.warnings > 0 && <span className="badge warning">{plural(d.row.warnings, 'warning')}</span>}
        </span>
      </div>

      <div className="card">
        <div className="brush-head">
          <span>Time brush — drag to zoom every chart below</span>
          <span className="spacer" />
          <span className="muted small">
            {fmtRel(from, base)} – {fmtRel(to, base)} s{tl && !loadingCharts ? ` · ${plural(tl.packetsInRange, 'packet')}` : ''}
          </span>
          {range && (
            <button className="small" onClick={() => setRange(null)}>
              Reset zoom
            </button>
          )}
        </div>
        <TimeBrush width={plotWidth} full={full} range={range} onRange={choose} rate={brushRate} palette={palette} markers={overall.data?.markers ?? []} />
      </div>

      {isTcp && d.lanes && (
        <div className="card">
          <ChartFrame title="TCP state of each endpoint (RFC 9293)" palette={palette} fileName={`${name}-states`} testId="state-lanes">
            <StateLanes width={plotWidth} lanes={d.lanes} from={cFrom} to={cTo} base={base} palette={palette} markers={markers} focus={focus} />
          </ChartFrame>
        </div>
      )}
      {isTcp && !d.lanes && <p className="muted card" data-testid="state-lanes">No TCP state data for this flow.</p>}

      {isTcp && (
        <div className="card">
          <ChartFrame
            title={`Time / sequence (Stevens) · ${dir === 0 ? 'client → server' : 'server → client'}`}
            palette={palette}
            fileName={`${name}-tcptrace`}
            testId="seq-chart"
            legend={seqLegend(palette, dir)}
            extra={
              <span className="seg">
                <button className={dir === 0 ? 'active small' : 'small'} onClick={() => setDir(0)}>
                  client → server
                </button>
                <button className={dir === 1 ? 'active small' : 'small'} onClick={() => setDir(1)}>
                  server → client
                </button>
              </span>
            }
          >
            {tl?.points && <SeqChart width={plotWidth} points={tl.points} dir={dir} from={cFrom} to={cTo} base={base} palette={palette} onZoom={zoom} markers={markers} focus={focus} />}
          </ChartFrame>
          <SeqLegend palette={palette} dir={dir} events={markers.length > 0} />
        </div>
      )}
      {isTcp && (
        <div className="card">
          <ChartFrame
            title={`Bytes in flight and the peer's receive window · ${dir === 0 ? 'client → server' : 'server → client'}`}
            palette={palette}
            fileName={`${name}-inflight`}
            testId="inflight-chart"
            legend={[
              { color: dir === 0 ? palette.client : palette.server, label: 'bytes in flight' },
              { color: palette.window, label: "the peer's receive window", dashed: true },
              { color: palette.lost, label: 'zero window' },
            ]}
          >
            {low.points ? (
              <InFlightChart width={plotWidth} points={low.points} dir={dir} from={low.from} to={low.to} base={base} palette={palette} onZoom={zoom} markers={low.markers} focus={focus} />
            ) : (
              // (its height until it is drawn: what follows does not move when it is)
              <div className="chart-placeholder" style={{ height: INFLIGHT_HEIGHT }} aria-hidden="true" />
            )}
          </ChartFrame>
        </div>
      )}

      {d.dns.length > 0 && (
        <div className="card">
          <h3>DNS transactions</h3>
          <DnsSpans rows={d.dns} width={plotWidth} from={cFrom} to={cTo} base={base} palette={palette} markers={markers} />
          <DnsTable rows={d.dns} base={base} nav={nav} />
        </div>
      )}
      {d.quic.map((q) => (
        <QuicCard key={q.number} q={q} base={base} width={plotWidth} palette={palette} nav={nav} />
      ))}

      <BreakCards events={d.events} explanations={d.explanations} base={base} onZoom={zoomAt} onWireshark={inWireshark} />

      <div className="card">
        <h3>Packets{focusFrame !== null ? <span className="muted small"> · went to frame {focusFrame}</span> : null}</h3>
        <FilteredPackets client={client} flow={f.id} base={base} tcp={isTcp} at={range ? range[0] : null} frame={focusFrame} firstPage={firstPackets} />
      </div>
    </section>
  );
}

/** The sequence graph's series, for its legend and its PNG. */
function seqLegend(palette: Palette, dir: 0 | 1): { color: string; label: string; dashed?: boolean }[] {
  const c = seqColors(palette, dir);
  return [
    { color: c.normal, label: 'segments' },
    { color: palette.ack, label: 'ACK' },
    { color: palette.window, label: 'receive window (ACK + window)', dashed: true },
    { color: c.retransmission, label: 'retransmission' },
    { color: c.reset, label: 'RST' },
    { color: c.lost, label: 'lost' },
    { color: c['out-of-order'], label: 'out of order' },
  ];
}

function SeqLegend({ palette, dir, events }: { palette: Palette; dir: 0 | 1; events: boolean }) {
  return (
    <p className="legend small" data-testid="seq-legend">
      {seqLegend(palette, dir).map((l) => (
        <span key={l.label} data-series={l.label}>
          <span className={l.dashed ? 'swatch dashed' : 'swatch'} style={l.dashed ? { borderColor: l.color } : { background: l.color }} /> {l.label}{' '}
        </span>
      ))}
      {events && (
        <span>
          · <span className="swatch line" style={{ borderColor: palette.severity.break }} /> the flow&apos;s events (hover a line for its kind)
        </span>
      )}
    </p>
  );
}

/** The flow's packet rate over its whole life, with the zoomed range; drag to choose. */
const TimeBrush = memo(function TimeBrush({ width, full, range, onRange, rate, palette, markers }: { width: number; full: [number, number]; range: [number, number] | null; onRange(r: [number, number] | null): void; rate: number[]; palette: Palette; markers: Marker[] }) {
  const h = 44;
  const plotW = Math.max(10, width - PLOT_LEFT - MARGIN.right);
  const x = (t: number): number => PLOT_LEFT + ((t - full[0]) / (full[1] - full[0])) * plotW;
  const tAt = (px: number): number => full[0] + Math.min(1, Math.max(0, (px - PLOT_LEFT) / plotW)) * (full[1] - full[0]);
  const [drag, setDrag] = useState<[number, number] | null>(null);
  const svg = useRef<SVGSVGElement | null>(null);
  const px = (e: RPointerEvent): number => e.clientX - (svg.current?.getBoundingClientRect().left ?? 0);
  // The rate as one path (a rect per bucket would be a thousand elements to re-render on every drag move).
  const bars = useMemo(() => {
    let top = 1;
    for (const v of rate) if (v > top) top = v;
    const bw = rate.length ? plotW / rate.length : 0;
    let d = '';
    rate.forEach((v, i) => {
      if (v > 0) {
        const bh = (v / top) * (h - 4);
        d += `M${(PLOT_LEFT + i * bw).toFixed(1)},${h}v${(-bh).toFixed(1)}h${Math.max(1, bw).toFixed(2)}v${bh.toFixed(1)}z`;
      }
    });
    return d;
  }, [rate, plotW]);
  const sel = drag ? [Math.min(...drag), Math.max(...drag)] : range;
  return (
    <svg
      ref={svg}
      width={width}
      height={h}
      className="brush"
      data-testid="time-brush"
      onMouseDown={(e) => e.preventDefault()}
      onPointerDown={(e) => {
        (e.target as Element).setPointerCapture?.(e.pointerId);
        const t = tAt(px(e));
        setDrag([t, t]);
      }}
      onPointerMove={(e) => drag && setDrag([drag[0], tAt(px(e))])}
      onPointerUp={() => {
        if (drag) {
          const a = Math.min(...drag), b = Math.max(...drag);
          if (b - a > (full[1] - full[0]) / 1000) onRange([a, b]);
        }
        setDrag(null);
      }}
      onDoubleClick={() => onRange(null)}
    >
      <rect x={PLOT_LEFT} y={0} width={plotW} height={h} fill={palette.grid} fillOpacity={0.4} />
      {bars && <path d={bars} fill={palette.accent} fillOpacity={0.6} />}
      {/* the flow's events over its whole life: where to brush */}
      <EventMarks markers={markers} x={x} top={0} bottom={h} left={PLOT_LEFT} right={PLOT_LEFT + plotW} palette={palette} labelled={false} />
      {sel && <rect x={x(sel[0])} y={0} width={Math.max(2, x(sel[1]) - x(sel[0]))} height={h} fill={palette.accent} fillOpacity={0.2} stroke={palette.accent} />}
    </svg>
  );
});

/** The lost band's stripes: the state it held and CLOSED, alternating (it went from one to the other somewhere here). */
function lostHatch(held: string): string {
  const a = stateColor(held), b = stateColor('CLOSED');
  return `repeating-linear-gradient(135deg, ${a} 0 3px, ${b} 3px 6px)`;
}

/** The state an endpoint's lane shows at time t (the span that holds it). */
/** What a lane's last state means, after "client: TIME-WAIT from frame N (t s)". */
const FINAL_STATE_NOTE: Record<string, string> = {
  CLOSED: ': the connection is over',
  'TIME-WAIT': ": it closed first and waits twice the MSL before the connection's ports can be used again; the capture shows nothing after",
};

function stateAt(spans: StateSpan[], t: number): string {
  let held = spans[0]?.state ?? 'CLOSED';
  for (const s of spans) if (s.from <= t) held = s.state;
  return held;
}

/**
 * Two lanes, client and server, coloured by RFC 9293 state, with the transition frames.
 * Where an endpoint lost the connection's state, its lane is hatched from its last packet
 * that proved it held it to the RST that proved it did not ("lost somewhere here"). Each
 * lane's last state is drawn to the end of the view: it is the state the endpoint held
 * when the capture last saw the connection — CLOSED (nothing of it follows), TIME-WAIT
 * (the active closer waits twice the MSL), or a connection the capture ends in — not a
 * sliver at the last packet.
 */
export const StateLanes = memo(function StateLanes({ width, lanes, from, to, base, palette, markers = [], focus = null }: { width: number; lanes: StateLanesData; from: number; to: number; base: number; palette: Palette; markers?: Marker[]; focus?: number | null }) {
  const laneH = 26, gap = 8, top = 22;
  const plotW = Math.max(10, width - PLOT_LEFT - MARGIN.right);
  const x = (t: number): number => PLOT_LEFT + ((Math.min(Math.max(t, from), to) - from) / (to - from || 1)) * plotW;
  const states = [...new Set([...lanes.client, ...lanes.server].map((s) => s.state))];
  const h = top + 2 * laneH + gap + 14 + SVG_AXIS_HEIGHT;
  const uid = useId().replace(/:/g, '');
  const lost = lanes.lost.map((b, i) => ({ ...b, id: `${uid}-lost-${i}`, held: stateAt(lanes[b.endpoint], b.from) }));
  return (
    <div>
      <svg width={width} height={h} role="img" aria-label="TCP state lanes">
        <defs>
          {lost.map((b) => (
            <pattern key={b.id} id={b.id} patternUnits="userSpaceOnUse" width={10} height={10} patternTransform="rotate(45)">
              <rect width={5} height={10} fill={stateColor(b.held)} />
              <rect x={5} width={5} height={10} fill={stateColor('CLOSED')} />
            </pattern>
          ))}
        </defs>
        {(['client', 'server'] as const).map((side, li) => {
          const y = top + li * (laneH + gap);
          const spans = lanes[side];
          return (
            <g key={side} data-lane={side}>
              <text x={PLOT_LEFT - 8} y={y + laneH / 2 + 4} textAnchor="end" fill={palette.fg} fontSize={12}>
                {side}
              </text>
              {spans.map((s, i) => {
                // the lane's last state holds to the end of the view
                const final = i === spans.length - 1;
                if ((s.to < from && !final) || s.from > to) return null;
                const x0 = x(s.from), x1 = Math.max(x0 + 1.5, final ? PLOT_LEFT + plotW : x(s.to));
                const since = `${side}: ${s.state} from frame ${s.frame} (${fmtRel(s.from, base)} s)`;
                const title = final ? `${since}${FINAL_STATE_NOTE[s.state] ?? ' until the capture stops showing the connection'}` : `${since} for ${fmtDuration(s.to - s.from)}`;
                return (
                  <g key={i} data-state={s.state} data-final={final ? 'true' : undefined}>
                    <title>{title}</title>
                    <rect x={x0} y={y} width={x1 - x0} height={laneH} fill={stateColor(s.state)} stroke={palette.bg} strokeWidth={0.5} />
                    {x1 - x0 > s.state.length * 6.5 + 8 && (
                      <text x={x0 + 4} y={y + laneH / 2 + 4} fontSize={11} fill="#10141c">
                        {s.state}
                      </text>
                    )}
                    <line x1={x0} x2={x0} y1={y - 3} y2={y + laneH + 3} stroke={palette.fg} strokeWidth={1} />
                    {x1 - x0 > 24 && (
                      <text x={x0 + 2} y={y + laneH + (li === 0 ? -laneH - 1 : 12)} fontSize={9} fill={palette.muted}>
                        #{s.frame}
                      </text>
                    )}
                  </g>
                );
              })}
              {lost.filter((b) => b.endpoint === side && b.to >= from && b.from <= to).map((b) => {
                const x0 = x(b.from), x1 = Math.max(x0 + 3, x(b.to));
                const label = `lost somewhere here: last proof of state frame ${b.fromFrame}, first proof of loss frame ${b.toFrame}`;
                // as much of the label as the band holds
                const text = x1 - x0 > label.length * 6 + 12 ? label : x1 - x0 > 130 ? 'lost somewhere here' : null;
                const tw = text ? text.length * 6 + 8 : 0;
                return (
                  <g key={b.id} data-testid="lost-band" data-endpoint={side} data-from-frame={b.fromFrame} data-to-frame={b.toFrame} aria-label={label}>
                    <title>{`${label} (${side} held ${b.held} at ${fmtRel(b.from, base)} s, reset at ${fmtRel(b.to, base)} s: ${fmtDuration(b.to - b.from)} in which it lost the state)`}</title>
                    <rect x={x0} y={y} width={x1 - x0} height={laneH} fill={`url(#${b.id})`} stroke={palette.severity.break} strokeWidth={1.5} strokeDasharray="4 2" />
                    {text && (
                      <g>
                        <rect x={(x0 + x1 - tw) / 2} y={y + laneH / 2 - 8} width={tw} height={16} rx={3} fill={palette.bg} fillOpacity={0.92} />
                        <text x={(x0 + x1) / 2} y={y + laneH / 2 + 4} textAnchor="middle" fontSize={11} fill={palette.fg}>
                          {text}
                        </text>
                      </g>
                    )}
                  </g>
                );
              })}
            </g>
          );
        })}
        <EventMarks markers={markers} x={x} top={2} bottom={top + 2 * laneH + gap + 4} left={PLOT_LEFT} right={PLOT_LEFT + plotW} palette={palette} focus={focus} />
        <SvgTimeAxis from={from} to={to} base={base} x={x} y={h - SVG_AXIS_HEIGHT} left={PLOT_LEFT} right={PLOT_LEFT + plotW} palette={palette} />
      </svg>
      <p className="legend small">
        {states.map((s) => (
          <span key={s}>
            <span className="swatch" style={{ background: stateColor(s) }} /> {s}{' '}
          </span>
        ))}
        {lost.length > 0 && (
          <span>
            <span className="swatch" style={{ background: lostHatch(lost[0].held), outline: `1px dashed ${palette.severity.break}` }} /> state lost somewhere here (between the last packet proving it and the RST proving its loss)
          </span>
        )}
      </p>
    </div>
  );
});

export const BreakCards = memo(function BreakCards({ events, explanations, base, onZoom, onWireshark }: { events: EventRow[]; explanations: EventExplanation[]; base: number; onZoom?(t: number): void; onWireshark?(frame: number): void }) {
  const shown = events.filter((e) => e.severity !== 'info');
  const infos = events.length - shown.length;
  const [limit, setLimit] = useState(30);
  const expl = useMemo(() => new Map(explanations.map((x) => [x.kind, x])), [explanations]);
  if (events.length === 0) return <p className="card muted" data-testid="break-cards">No breaks or warnings in this flow.</p>;
  return (
    <div className="card" data-testid="break-cards">
      <h3>
        Breaks and warnings ({shown.length}){infos ? <span className="muted small"> · {infos} info events in the packet list</span> : null}
      </h3>
      <div className="cards">
        {shown.slice(0, limit).map((e) => {
          const x = expl.get(e.kind);
          return (
            <article key={e.index} className={`break-card sev-border-${e.severity}`} data-testid="break-card">
              <header>
                <span className={`badge ${e.severity}`}>{e.severity}</span> <b>{e.title}</b> <code className="muted">{e.kind}</code>
                <span className="spacer" />
                {onZoom && (
                  <button className="small" onClick={() => onZoom(e.time)}>
                    show in charts
                  </button>
                )}
                {onWireshark && (
                  <button className="small" onClick={() => onWireshark(e.frame)} title={`Open this capture in Wireshark at frame ${e.frame}`}>
                    Wireshark
                  </button>
                )}
              </header>
              <p>{e.message}</p>
              <p className="muted small">
                frame {e.frame} at {fmtRel(e.time, base)} s{e.related.length ? ` · proven by frames ${e.related.join(', ')}` : ''}
              </p>
              {x && <p className="explanation">{x.explanation}</p>}
              {x?.reference && <p className="muted small">Reference: {x.reference}</p>}
            </article>
          );
        })}
      </div>
      {shown.length > limit && <button onClick={() => setLimit((l) => l + 100)}>Show more ({shown.length - limit} left)</button>}
    </div>
  );
});

