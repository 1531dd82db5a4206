// The incidents at the head of the Overview (issue 11): one card per cause — its
// headline, subject, window and members, and a small swimlane of the member flows on one
// time axis with their events — so "why did everything fail at 14:02?" is answered
// before any single flow. A click opens the Breaks view filtered to that incident. The
// cards fill one row; more incidents wait behind an "N more" button.

import { useState, type KeyboardEvent } from 'react';
import type { EventRow, FlowRow, IncidentRow } from '../../analysis/api';
import { fmtCount, fmtDuration } from '../format';
import { useWidth } from '../hooks';
import type { Palette } from '../theme';
import type { IncidentBand } from './IncidentBands';

/** A card's least width, px (three across at 1280 px). */
const CARD_MIN = 360;
const GAP = 12;
/** Lanes of the swimlane; past this the rest of the flows share its last lane. */
const MAX_LANES = 8;
/** Cards shown per click of "N more". */
const MORE_STEP = 60;

/** Seconds since the capture's start, with its unit: "1.412 s" (more digits for a short window). */
export function fmtSince(t: number, base: number, digits = 3): string {
  return `${(t - base).toFixed(digits)} s`;
}

/** An incident's window relative to the capture start: "1.412 s – 3.395 s (1.983 s)". */
export function fmtWindow(inc: { start: number; end: number }, base: number): string {
  const len = inc.end - inc.start;
  const digits = len > 0 && len < 0.01 ? 6 : 3;
  if (len <= 0) return `at ${fmtSince(inc.start, base, 6)}`;
  return `${fmtSince(inc.start, base, digits)} – ${fmtSince(inc.end, base, digits)} (${fmtDuration(len)})`;
}

/** "8 flows, 8 events" */
export function fmtMembers(inc: IncidentRow): string {
  const n = inc.flows.length, e = inc.events.length;
  return `${fmtCount(n)} flow${n === 1 ? '' : 's'}, ${fmtCount(e)} event${e === 1 ? '' : 's'}`;
}

export function IncidentCards({ incidents, base, palette, onOpen }: { incidents: IncidentRow[]; base: number; palette: Palette; onOpen(id: number): void }) {
  const [ref, width] = useWidth<HTMLDivElement>(1200);
  // as many across as fit, and no empty columns: one incident gets the whole row
  const cols = Math.max(1, Math.min(incidents.length, Math.floor((width + GAP) / (CARD_MIN + GAP))));
  const [shown, setShown] = useState<number | null>(null);
  const limit = shown ?? cols;
  const cardWidth = (width - GAP * (cols - 1)) / cols;
  const rest = incidents.length - limit;
  return (
    <div className="incidents" ref={ref} data-testid="incidents">
      <h3>
        Incidents ({fmtCount(incidents.length)}){' '}
        <span className="muted small">· each is one cause behind events on several flows · click one for its evidence and events</span>
      </h3>
      <div className="incident-cards" style={{ gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))` }}>
        {incidents.slice(0, limit).map((inc) => (
          <IncidentCard key={inc.id} inc={inc} base={base} palette={palette} width={cardWidth} onOpen={onOpen} />
        ))}
      </div>
      {(rest > 0 || shown !== null) && (
        <p className="incident-more">
          {rest > 0 && (
            <button className="small" data-testid="incident-more" onClick={() => setShown(limit + MORE_STEP)}>
              {fmtCount(rest)} more incident{rest === 1 ? '' : 's'}
              {rest > MORE_STEP ? ` (show ${MORE_STEP})` : ''}
            </button>
          )}{' '}
          {shown !== null && (
            <button className="small" onClick={() => setShown(null)}>
              show fewer
            </button>
          )}
        </p>
      )}
    </div>
  );
}

function IncidentCard({ inc, base, palette, width, onOpen }: { inc: IncidentRow; base: number; palette: Palette; width: number; onOpen(id: number): void }) {
  const open = (): void => onOpen(inc.id);
  const onKey = (e: KeyboardEvent): void => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open();
    }
  };
  return (
    <article
      className={`card incident-card sev-border-${inc.severity}`}
      data-testid="incident-card"
      data-incident={inc.id}
      data-kind={inc.kind}
      role="button"
      tabIndex={0}
      onClick={open}
      onKeyDown={onKey}
      title="Open this incident's evidence and events in Breaks"
    >
      <header>
        <span className={`badge ${inc.severity}`}>{inc.severity}</span>
        <b>{inc.title}</b>
        <span className="spacer" />
        <span className="muted small">#{inc.id}</span>
      </header>
      <p className="incident-headline" data-testid="incident-headline" title={inc.message}>
        {inc.message}
      </p>
      <dl className="incident-facts">
        <dt>Subject</dt>
        <dd className="mono" data-testid="incident-subject">{inc.subject}</dd>
        <dt>Window</dt>
        <dd data-testid="incident-window">{fmtWindow(inc, base)}</dd>
        <dt>Members</dt>
        <dd data-testid="incident-members" data-flows={inc.flows.length} data-events={inc.events.length}>
          {fmtMembers(inc)}
        </dd>
      </dl>
      <IncidentSwimlane inc={inc} base={base} palette={palette} width={Math.max(200, Math.floor(width - 30))} />
    </article>
  );
}

/**
 * What tells the member flows' servers apart on their lanes: nothing when they share one
 * (the subject says it), the port when they share a host (":8081"), else the endpoint.
 */
function serverTag(flows: FlowRow[]): ((f: FlowRow) => string) | null {
  if (new Set(flows.map((f) => f.server)).size <= 1) return null;
  const split = (s: string): [string, string] => {
    const m = /^(.*):(\d+)$/.exec(s);
    return m ? [m[1], m[2]] : [s, ''];
  };
  if (new Set(flows.map((f) => split(f.server)[0])).size === 1 && flows.every((f) => split(f.server)[1])) return (f) => `:${split(f.server)[1]}`;
  return (f) => f.server;
}

interface Lane {
  label: string;
  title: string;
  flows: FlowRow[];
}

/** Ticks at 1, 2 or 5 × 10^k over [a, b], about `n` of them, and the decimals that tell them apart. */
function ticks(a: number, b: number, n: number): { at: number[]; digits: number } {
  const raw = (b - a) / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const at: number[] = [];
  for (let i = Math.ceil(a / step); i * step <= b + step * 1e-9; i++) at.push(i * step);
  return { at, digits: Math.max(0, Math.min(6, Math.ceil(-Math.log10(step) - 1e-9))) };
}

const LANE_H = 14;
const LABEL_W = 64;
/** Width of a character of the 10.5 px lane names, px. */
const CHAR_W = 5.9;
const AXIS_H = 20;

/**
 * The member flows as lanes on one time axis (seconds since the capture start): each
 * flow's life as a bar, its member events as marks in their severity's colour, the
 * incident's window shaded behind them (an arrow marks a flow that began before the axis).
 * Past MAX_LANES flows the last lane holds the rest.
 */
export function IncidentSwimlane({ inc, base, palette, width }: { inc: IncidentRow; base: number; palette: Palette; width: number }) {
  const flows = inc.memberFlows;
  const tag = serverTag(flows);
  const lanes: Lane[] = [];
  const many = flows.length > MAX_LANES;
  for (const f of many ? flows.slice(0, MAX_LANES - 1) : flows) lanes.push({ label: `flow ${f.id}${tag ? ` → ${tag(f)}` : ''}`, title: `flow ${f.id}: ${f.client} → ${f.server} (${f.state})`, flows: [f] });
  if (many) {
    const others = flows.slice(MAX_LANES - 1);
    lanes.push({ label: `+${fmtCount(others.length)} flows`, title: `flows ${others[0].id}–${others[others.length - 1].id} (${fmtCount(others.length)}), on one lane`, flows: others });
  }
  // the lanes' names decide the width of their column (at most a third of the swimlane)
  const labelW = Math.min(Math.floor(width / 3), Math.max(LABEL_W, Math.ceil(Math.max(...lanes.map((l) => l.label.length)) * CHAR_W) + 6));
  const laneOf = new Map<number, number>();
  lanes.forEach((l, i) => l.flows.forEach((f) => laneOf.set(f.id, i)));

  // The window, padded by as much again (clipped to the flows' own extent) for context.
  const len = Math.max(inc.end - inc.start, 1e-3);
  const fStart = Math.min(inc.start, ...flows.map((f) => f.start));
  const fEnd = Math.max(inc.end, ...flows.map((f) => f.start + f.duration));
  const t0 = Math.max(fStart, inc.start - len * 0.6);
  const t1 = Math.min(fEnd, inc.end + len * 0.6);
  const span = Math.max(t1 - t0, 1e-6);
  const plotW = width - labelW - 8;
  const x = (t: number): number => labelW + (Math.min(Math.max(t, t0), t1) - t0) / span * plotW;
  const height = lanes.length * LANE_H + AXIS_H;
  const axisY = lanes.length * LANE_H + 2;
  const tks = ticks(t0 - base, t1 - base, Math.max(3, Math.floor(plotW / 80)));
  const sevColor = palette.severity[inc.severity];
  const mark = (e: EventRow) => {
    const lane = e.flow !== null ? laneOf.get(e.flow) : undefined;
    if (lane === undefined) return null;
    const cx = x(e.time), cy = lane * LANE_H + LANE_H / 2;
    return (
      <path key={e.index} data-testid="swimlane-mark" data-frame={e.frame} data-flow={e.flow ?? ''} data-kind={e.kind} d={`M${cx.toFixed(1)},${cy - 5}l4,5l-4,5l-4,-5z`} fill={palette.severity[e.severity]} stroke={palette.bg} strokeWidth={0.8}>
        <title>{`${e.kind} · frame ${e.frame} · ${fmtSince(e.time, base)}: ${e.message}`}</title>
      </path>
    );
  };
  return (
    <svg className="incident-swimlane" data-testid="incident-swimlane" width={width} height={height} role="img" aria-label={`The ${fmtCount(flows.length)} member flows over time, with their events`}>
      <rect x={x(inc.start)} width={Math.max(2, x(inc.end) - x(inc.start))} y={0} height={axisY} fill={sevColor} fillOpacity={0.1}>
        <title>{`the incident's window: ${fmtWindow(inc, base)}`}</title>
      </rect>
      {lanes.map((l, i) => (
        <g key={l.label} data-testid="swimlane-lane" data-flows={l.flows.map((f) => f.id).join(' ')}>
          <title>{l.title}</title>
          <text x={0} y={i * LANE_H + LANE_H / 2 + 4} fontSize={10.5} fill={palette.muted}>
            {l.label.length * CHAR_W <= labelW - 6 ? l.label : `${l.label.slice(0, Math.max(1, Math.floor((labelW - 6) / CHAR_W) - 1))}…`}
          </text>
          <line x1={labelW} x2={labelW + plotW} y1={i * LANE_H + LANE_H / 2} y2={i * LANE_H + LANE_H / 2} stroke={palette.grid} />
          {l.flows.map((f) => (
            <rect key={f.id} x={x(f.start)} width={Math.max(2, x(f.start + f.duration) - x(f.start))} y={i * LANE_H + LANE_H / 2 - 3} height={6} rx={2} fill={palette.muted} fillOpacity={0.35} />
          ))}
          {/* a flow that began before the axis: an arrow at its left end, saying when */}
          {l.flows.length === 1 && l.flows[0].start < t0 && (
            <path data-testid="swimlane-earlier" d={`M${labelW - 1},${i * LANE_H + LANE_H / 2}l5,-4v8z`} fill={palette.muted}>
              <title>{`flow ${l.flows[0].id} began earlier, at ${fmtSince(l.flows[0].start, base)}`}</title>
            </path>
          )}
        </g>
      ))}
      {inc.events.map(mark)}
      <line x1={labelW} x2={labelW + plotW} y1={axisY} y2={axisY} stroke={palette.muted} />
      <text x={0} y={axisY + 13} fontSize={10} fill={palette.muted}>
        s since start
      </text>
      {tks.at.map((t) => {
        const tx = x(t + base);
        return (
          <g key={t}>
            <line x1={tx} x2={tx} y1={axisY} y2={axisY + 3} stroke={palette.muted} />
            <text x={tx} y={axisY + 13} fontSize={10} fill={palette.muted} textAnchor={tx > labelW + plotW - 20 ? 'end' : tx < labelW + 20 ? 'start' : 'middle'}>
              {t.toFixed(tks.digits)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** The incidents as bands of a time chart. */
export function incidentBands(incidents: IncidentRow[], base: number): IncidentBand[] {
  return incidents.map((inc) => ({
    id: inc.id,
    from: inc.start,
    to: inc.end,
    severity: inc.severity,
    label: `${inc.title}: ${inc.subject}`,
    title: `#${inc.id} ${inc.title} — ${inc.subject}, ${fmtWindow(inc, base)}: ${inc.message}`,
  }));
}
