import { useCallback, useEffect, useMemo, useRef, useState, type PointerEvent as RPointerEvent } from 'react';
import type { DnsMessageView, DnsRow, Marker, Summary } from '../../analysis/api';
import type { Nav } from '../nav';
import type { Client } from '../client';
import { fmtCount, fmtDuration } from '../format';
import { useAsync, useTimeFormat, useWidth } from '../hooks';
import { usePalette, type Palette } from '../theme';
import { ChartFrame, MARGIN, Y_AXIS_WIDTH } from './Charts';
import { EventMarks } from './EventLines';
import { SVG_AXIS_HEIGHT, SvgTimeAxis } from './SvgAxis';
import { usePagedRows, VirtualTable, type Column } from './VirtualTable';
import { stem } from '../export';

/** The transactions the span chart draws at most (the first of its window). */
const SPANS_SHOWN = 1000;

const STATUS_SEVERITY: Record<string, 'break' | 'warning' | 'info' | null> = { answered: null, unanswered: 'break', orphan: 'break', 'client-gone': 'break', mismatch: 'break' };

export function DnsView({ client, summary, nav }: { client: Client; summary: Summary; nav: Nav }) {
  const palette = usePalette();
  const [status, setStatus] = useState('');
  const [selected, setSelected] = useState<DnsRow | null>(null);
  const [ref, width] = useWidth<HTMLDivElement>();
  const base = summary.capture.start ?? 0;
  const fetchPage = useCallback((offset: number, limit: number) => client.dnsTransactions({ ...(status ? { status } : {}), offset, limit }), [client, status]);
  const rows = usePagedRows<DnsRow>(`dns${status}`, fetchPage);
  // The span chart shows the first 1,000 transactions of the filter (the table has them
  // all) whose spans meet its window: zoomed, those of the window (begun in it first),
  // asked for again.
  const [range, setRange] = useState<[number, number] | null>(null);
  const spans = useAsync(
    () => client.dnsTransactions({ ...(status ? { status } : {}), ...(range ? { from: range[0], to: range[1] } : {}), offset: 0, limit: SPANS_SHOWN }),
    [client, status, range?.[0], range?.[1]],
  );
  // Zoomed, the table goes to the first transaction that begins in the window.
  const [tableAt, setTableAt] = useState<number | null>(null);
  useEffect(() => {
    if (!range) return;
    let live = true;
    client.dnsTransactions({ ...(status ? { status } : {}), at: range[0], limit: 0 }).then(
      (p) => live && setTableAt(Math.min(p.offset, Math.max(0, p.total - 1))),
      () => undefined,
    );
    return () => void (live = false);
  }, [client, status, range?.[0]]);
  const time = useTimeFormat(base);
  const [from, to] = range ?? [summary.capture.start ?? 0, summary.capture.end ?? (summary.capture.start ?? 0) + 1];
  return (
    <section className="dns-view" ref={ref}>
      <div className="toolbar">
        <h2>DNS transactions ({fmtCount(summary.dnsTransactions)})</h2>
        <label>
          status{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="DNS status">
            <option value="">all</option>
            {['answered', 'unanswered', 'orphan', 'client-gone', 'mismatch'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      {summary.dnsTransactions === 0 ? (
        <p className="card muted" data-testid="dns-transactions">No DNS transactions in this capture.</p>
      ) : (
        <>
          <div className="card">
            <ChartFrame
              title="Query → response spans (unanswered ones stay open to the end)"
              palette={palette}
              fileName={`${stem(summary.name)}-dns`}
              testId="dns-spans"
              legend={[
                { color: palette.server, label: 'answered' },
                { color: palette.severity.break, label: 'unanswered, orphan, client gone, mismatch' },
              ]}
              extra={range ? <button className="small" onClick={() => setRange(null)}>Reset zoom</button> : <span className="muted small">drag to zoom · click a span to open its flow</span>}
            >
              {spans.data && <DnsSpans rows={spans.data.rows} width={Math.max(200, width - 2)} from={from} to={to} base={base} palette={palette} onOpen={(r) => nav.openFlow(r.flow, r.queryTime)} onRange={setRange} />}
            </ChartFrame>
            {spans.data && spans.data.total > spans.data.rows.length && (
              <p className="muted small" data-testid="dns-spans-shown">
                {range
                  ? `Showing ${fmtCount(spans.data.rows.length)} of ${fmtCount(spans.data.total)} in this window, those begun in it first: zoom in to see the others.`
                  : `Showing the first ${fmtCount(spans.data.rows.length)} of ${fmtCount(spans.data.total)} in the chart: zoom in to see the others.`}
              </p>
            )}
          </div>
          <div className="card">
            <VirtualTable<DnsRow>
              label="DNS transactions"
              testId="dns-transactions"
              rowTestId="dns-row"
              columns={dnsColumns(time, rows.getRow)}
              total={rows.total}
              getRow={rows.getRow}
              onRange={rows.onRange}
              onOpen={(r) => nav.openFlow(r.flow, r.queryTime)}
              onSelect={(r) => setSelected(r)}
              scrollTo={tableAt}
              openOnClick={false}
              height="calc(100vh - 520px)"
              rowClass={(r) => (STATUS_SEVERITY[r.status] ? 'has-break' : undefined)}
            />
            <p className="muted small">Click a transaction to read its response in full; double-click or Enter opens its flow. Zooming the chart brings the table to the window&apos;s first transaction.</p>
          </div>
          {selected && <DnsMessagePanel client={client} row={selected} onOpenFlow={() => nav.openFlow(selected.flow, selected.queryTime)} onClose={() => setSelected(null)} />}
        </>
      )}
    </section>
  );
}

function dnsColumns(time: ReturnType<typeof useTimeFormat>, getRow: (i: number) => DnsRow | null): Column<DnsRow>[] {
  return [
    { key: 'time', title: time.title, width: time.format === 'utc' ? 220 : 110, align: 'right', render: (r, i) => time.fmt(r.queryTime, i > 0 ? (getRow(i - 1)?.queryTime ?? null) : null) },
    { key: 'flow', title: 'Flow', width: 60, align: 'right', render: (r) => r.flow },
    { key: 'tr', title: 'Via', width: 50, render: (r) => r.transport },
    { key: 'id', title: 'ID', width: 70, align: 'right', render: (r) => `0x${r.id.toString(16).padStart(4, '0')}` },
    { key: 'q', title: 'Question', width: 'minmax(200px, 2fr)', render: (r) => <span className="mono">{r.question}</span> },
    { key: 'status', title: 'Status', width: 130, render: (r) => <span className={STATUS_SEVERITY[r.status] ? 'sev-break' : ''}>{r.status}</span> },
    { key: 'rcode', title: 'RCODE', width: 90, render: (r) => r.rcode ?? '—' },
    { key: 'rtt', title: 'RTT', width: 90, align: 'right', render: (r) => (r.rtt !== null ? fmtDuration(r.rtt) : '—') },
    { key: 'frames', title: 'Frames', width: 'minmax(140px, 1fr)', render: (r) => `${r.queryFrames.join(',') || '—'} → ${r.responseFrame ?? '—'}${r.icmpFrame !== null ? ` (ICMP ${r.icmpFrame})` : ''}` },
  ];
}

export function DnsTable({ rows, base, nav }: { rows: DnsRow[]; base: number; nav: Nav }) {
  const time = useTimeFormat(base);
  return (
    <VirtualTable<DnsRow>
      label="DNS transactions"
      testId="dns-transactions"
      rowTestId="dns-row"
      columns={dnsColumns(time, (i) => rows[i] ?? null)}
      total={rows.length}
      getRow={(i) => rows[i] ?? null}
      onOpen={(r) => nav.openFlow(r.flow, r.queryTime)}
      height={Math.min(300, 30 + rows.length * 26)}
    />
  );
}

/** Lanes for spans [start, end] sorted by start: each span in the first lane free at its start. */
function packLanes(spans: { a: number; b: number }[], gap: number): number[] {
  const ends: number[] = [];
  return spans.map(({ a, b }) => {
    let lane = ends.findIndex((e) => e + gap <= a);
    if (lane < 0) lane = ends.push(b) - 1;
    else ends[lane] = b;
    return lane;
  });
}

/** The spans chart's largest plot height, px: it never grows with the transactions. */
const SPANS_PLOT_MAX = 240;

/**
 * Transactions as bars from the query to its response (open-ended when unanswered), in
 * a chart of fixed height: transactions that do not overlap in time share a lane, and the
 * lanes shrink to fit. With `onRange`, dragging across it chooses a time range (the
 * brush); with one lane per transaction, each is labelled with its name. The flow's
 * events (`markers`) are drawn as lines.
 */
export function DnsSpans({ rows, width, from, to, base, palette, onOpen, markers = [], onRange }: { rows: DnsRow[]; width: number; from: number; to: number; base: number; palette: Palette; onOpen?(r: DnsRow): void; markers?: Marker[]; onRange?(r: [number, number]): void }) {
  const left = MARGIN.left + Y_AXIS_WIDTH + 90;
  const plotW = Math.max(10, width - left - MARGIN.right);
  const x = (t: number): number => left + ((Math.min(Math.max(t, from), to) - from) / (to - from || 1)) * plotW;
  const [drag, setDrag] = useState<[number, number] | null>(null);
  const svg = useRef<SVGSVGElement | null>(null);
  // a drag that chose a range is not also a click on the span it ended on
  const dragged = useRef(false);
  const { lanes, laneOf, order } = useMemo(() => {
    const order = rows.map((r, i) => ({ r, i, a: r.queryFrames.length ? r.queryTime : (r.responseTime ?? r.queryTime), b: r.responseTime ?? to })).sort((p, q) => p.a - q.a);
    // one lane each while they fit at a readable height; packed otherwise
    const packed = rows.length * 14 > SPANS_PLOT_MAX;
    const lanesOf = packed ? packLanes(order, (to - from) / Math.max(1, plotW) * 3) : order.map((_, k) => k);
    const laneOf = new Map<number, number>();
    order.forEach((o, k) => laneOf.set(o.i, lanesOf[k]));
    return { lanes: Math.max(1, ...lanesOf.map((l) => l + 1)), laneOf, order };
  }, [rows, from, to, plotW]);
  const rowH = Math.max(2, Math.min(14, SPANS_PLOT_MAX / lanes));
  const labelled = rowH >= 12 && lanes === rows.length;
  const plotH = lanes * rowH + 4;
  const h = plotH + SVG_AXIS_HEIGHT;
  const tAt = (px: number): number => from + Math.min(1, Math.max(0, (px - left) / plotW)) * (to - from);
  const px = (e: RPointerEvent): number => e.clientX - (svg.current?.getBoundingClientRect().left ?? 0);
  return (
    <svg
      ref={svg}
      width={width}
      height={h}
      role="img"
      aria-label="DNS query to response spans"
      data-lanes={lanes}
      data-from={from}
      data-to={to}
      className={onRange ? 'brushable' : undefined}
      onMouseDown={(e) => e.preventDefault()}
      onPointerDown={onRange ? (e) => {
        dragged.current = false;
        setDrag([tAt(px(e)), tAt(px(e))]);
      } : undefined}
      onPointerMove={onRange ? (e) => drag && setDrag([drag[0], tAt(px(e))]) : undefined}
      onPointerUp={onRange ? () => {
        if (drag && Math.abs(drag[1] - drag[0]) > (to - from) / 500) {
          dragged.current = true;
          onRange([Math.min(...drag), Math.max(...drag)]);
        }
        setDrag(null);
      } : undefined}
      onPointerLeave={() => setDrag(null)}
    >
      <rect x={left} y={0} width={plotW} height={plotH} fill="transparent" />
      {order.map(({ r, i }) => {
        const y = laneOf.get(i)! * rowH + 2;
        const open = r.responseTime === null;
        const end = open ? to : r.responseTime!;
        if (end < from || (r.queryFrames.length ? r.queryTime : end) > to) return null;
        const sev = STATUS_SEVERITY[r.status];
        const color = sev ? palette.severity[sev] : palette.server;
        const x0 = x(r.queryFrames.length ? r.queryTime : end);
        const x1 = Math.max(x0 + 2, x(end));
        const bh = Math.max(1.5, rowH - (rowH > 4 ? 2 : 0.5));
        return (
          <g key={r.index} onClick={() => !dragged.current && onOpen?.(r)} style={{ cursor: onOpen ? 'pointer' : undefined }} data-status={r.status} data-index={r.index}>
            <title>{`${r.question} · ${r.status}${r.rtt !== null ? ` · ${fmtDuration(r.rtt)}` : ''} · frames ${r.queryFrames.join(',') || '—'} → ${r.responseFrame ?? '—'}${r.icmpFrame !== null ? ` · ICMP frame ${r.icmpFrame}` : ''}`}</title>
            {r.queryFrames.length > 0 && <rect x={x0} y={y} width={x1 - x0} height={bh} fill={color} fillOpacity={open ? 0.35 : 0.8} />}
            {open && rowH >= 6 && <path d={`M${x1 - 6},${y} l6,${bh / 2} l-6,${bh / 2}`} fill={color} />}
            {r.status === 'orphan' && <circle cx={x1} cy={y + bh / 2} r={Math.max(2, bh / 2)} fill="none" stroke={color} strokeWidth={2} />}
            {r.icmpFrame !== null && rowH >= 8 && <text x={x1 + 4} y={y + bh - 2} fontSize={Math.min(10, rowH)} fill={color}>ICMP #{r.icmpFrame}</text>}
            {labelled && (
              <text x={left - 6} y={y + rowH - 4} textAnchor="end" fontSize={10} fill={palette.muted}>
                {shortName(r.question)}
              </text>
            )}
          </g>
        );
      })}
      {!labelled && (
        <text x={left - 6} y={12} textAnchor="end" fontSize={10} fill={palette.muted}>
          {fmtCount(rows.length)} in {lanes} lanes
        </text>
      )}
      <EventMarks markers={markers} x={x} top={0} bottom={plotH} left={left} right={left + plotW} palette={palette} />
      {drag && <rect x={x(Math.min(...drag))} y={0} width={Math.max(1, Math.abs(x(drag[1]) - x(drag[0])))} height={plotH} fill={palette.accent} fillOpacity={0.2} stroke={palette.accent} />}
      <SvgTimeAxis from={from} to={to} base={base} x={x} y={plotH} left={left} right={left + plotW} palette={palette} />
    </svg>
  );
}

function shortName(q: string): string {
  const name = q.split(' ')[0];
  return name.length > 26 ? '…' + name.slice(-25) : name;
}

/** One transaction's response, every section, as the host's decoder (dns-packet) reads it. */
export function DnsMessagePanel({ client, row, onOpenFlow, onClose }: { client: Client; row: DnsRow; onOpenFlow(): void; onClose(): void }) {
  const msg = useAsync(() => client.dnsMessage({ index: row.index }), [client, row.index]);
  const m: DnsMessageView | null = msg.data;
  return (
    <div className="card dns-message" data-testid="dns-message">
      <div className="toolbar">
        <h3>
          <span className="mono">{row.question || '(no question)'}</span> — {row.status}
        </h3>
        <button onClick={onOpenFlow}>Open flow {row.flow}</button>
        <button onClick={onClose} aria-label="Close the message">Close</button>
      </div>
      {msg.error ? (
        <p className="banner error">{msg.error}</p>
      ) : msg.loading && !m ? (
        <p className="muted">Decoding…</p>
      ) : !m ? (
        <p className="muted">No response was captured for this query{row.queryFrames.length ? ` (sent in frame${row.queryFrames.length > 1 ? 's' : ''} ${row.queryFrames.join(', ')})` : ''}.</p>
      ) : (
        <>
          <p className="small">
            Response in frame {m.frame}: ID 0x{m.id.toString(16).padStart(4, '0')}, {m.opcode}, {m.rcode}, flags {m.flags.join(' ') || 'none'}
            <span className="muted"> · decoded by {m.decoder === 'dns-packet' ? 'dns-packet' : 'Stateline’s DNS reader'}</span>
          </p>
          {m.error && <p className="banner error">{m.error}</p>}
          {m.sections.filter((s) => s.records.length).map((s) => (
            <table key={s.name} className="dns-section">
              <caption>{s.name} ({s.records.length})</caption>
              <tbody>
                {s.records.map((r, i) => (
                  <tr key={i}>
                    <td className="mono">{r.name}</td>
                    <td className="right">{r.ttl ?? ''}</td>
                    <td>{r.class}</td>
                    <td>{r.type}</td>
                    <td className="mono wrap">{r.data}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        </>
      )}
    </div>
  );
}
