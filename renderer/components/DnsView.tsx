import { useCallback, useState } from 'react';
import type { DnsMessageView, DnsRow, Summary } from '../../analysis/api';
import type { Nav } from '../nav';
import type { Client } from '../client';
import { fmtCount, fmtDuration, fmtRel } from '../format';
import { useAsync, useWidth } from '../hooks';
import { usePalette, type Palette } from '../theme';
import { ChartFrame, MARGIN, Y_AXIS_WIDTH } from './Charts';
import { usePagedRows, VirtualTable, type Column } from './VirtualTable';
import { stem } from '../export';

const STATUS_SEVERITY: Record<string, 'break' | 'warning' | 'info' | null> = { answered: null, unanswered: 'break', orphan: 'break', 'client-gone': 'break', mismatch: 'break' };

export function DnsView({ client, summary, nav }: { client: Client; summary: Summary; nav: Nav }) {
  const palette = usePalette();
  const [status, setStatus] = useState('');
  const [selected, setSelected] = useState<DnsRow | null>(null);
  const [ref, width] = useWidth<HTMLDivElement>();
  const base = summary.capture.start ?? 0;
  const fetchPage = useCallback((offset: number, limit: number) => client.dnsTransactions({ ...(status ? { status } : {}), offset, limit }), [client, status]);
  const rows = usePagedRows<DnsRow>(`dns${status}`, fetchPage);
  // The span chart shows the first 400 transactions of the filter (the table has them all).
  const spans = useAsync(() => client.dnsTransactions({ ...(status ? { status } : {}), offset: 0, limit: 400 }), [client, status]);
  const from = summary.capture.start ?? 0, to = summary.capture.end ?? from + 1;
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
            <ChartFrame title="Query → response spans (unanswered ones stay open to the end)" palette={palette} fileName={`${stem(summary.name)}-dns`} testId="dns-spans">
              {spans.data && <DnsSpans rows={spans.data.rows} width={Math.max(200, width - 2)} from={from} to={to} base={base} palette={palette} onOpen={(r) => nav.openFlow(r.flow, r.queryTime)} />}
            </ChartFrame>
            {spans.data && spans.data.total > spans.data.rows.length && <p className="muted small">Showing the first {spans.data.rows.length} of {fmtCount(spans.data.total)} in the chart.</p>}
          </div>
          <div className="card">
            <VirtualTable<DnsRow>
              label="DNS transactions"
              testId="dns-transactions"
              rowTestId="dns-row"
              columns={dnsColumns(base)}
              total={rows.total}
              getRow={rows.getRow}
              onRange={rows.onRange}
              rowKey={(r) => r.index}
              onOpen={(r) => nav.openFlow(r.flow, r.queryTime)}
              onSelect={(r) => setSelected(r)}
              openOnClick={false}
              height="calc(100vh - 520px)"
              rowClass={(r) => (STATUS_SEVERITY[r.status] ? 'has-break' : undefined)}
            />
            <p className="muted small">Click a transaction to read its response in full; double-click or Enter opens its flow.</p>
          </div>
          {selected && <DnsMessagePanel client={client} row={selected} onOpenFlow={() => nav.openFlow(selected.flow, selected.queryTime)} onClose={() => setSelected(null)} />}
        </>
      )}
    </section>
  );
}

function dnsColumns(base: number): Column<DnsRow>[] {
  return [
    { key: 'time', title: 'Time', width: 100, align: 'right', render: (r) => fmtRel(r.queryTime, base) },
    { key: 'flow', title: 'Flow', width: 60, align: 'right', render: (r) => r.flow },
    { key: 'tr', title: 'Via', width: 50, render: (r) => r.transport },
    { key: 'id', title: 'ID', width: 70, align: 'right', render: (r) => `0x${r.id.toString(16).padStart(4, '0')}` },
    { key: 'q', title: 'Question', width: 'minmax(200px, 2fr)', render: (r) => <span className="mono">{r.question}</span> },
    { key: 'status', title: 'Status', width: 110, render: (r) => <span className={STATUS_SEVERITY[r.status] ? 'sev-break' : ''}>{r.status}</span> },
    { key: 'rcode', title: 'RCODE', width: 90, render: (r) => r.rcode ?? '—' },
    { key: 'rtt', title: 'RTT', width: 90, align: 'right', render: (r) => (r.rtt !== null ? fmtDuration(r.rtt) : '—') },
    { key: 'frames', title: 'Frames', width: 'minmax(140px, 1fr)', render: (r) => `${r.queryFrames.join(',') || '—'} → ${r.responseFrame ?? '—'}${r.icmpFrame !== null ? ` (ICMP ${r.icmpFrame})` : ''}` },
  ];
}

export function DnsTable({ rows, base, nav }: { rows: DnsRow[]; base: number; nav: Nav }) {
  return (
    <VirtualTable<DnsRow>
      label="DNS transactions"
      testId="dns-transactions"
      rowTestId="dns-row"
      columns={dnsColumns(base)}
      total={rows.length}
      getRow={(i) => rows[i] ?? null}
      rowKey={(r) => r.index}
      onOpen={(r) => nav.openFlow(r.flow, r.queryTime)}
      height={Math.min(300, 30 + rows.length * 26)}
    />
  );
}

/** One row per transaction: a bar from the query to its response; open-ended when unanswered. */
export function DnsSpans({ rows, width, from, to, base, palette, onOpen }: { rows: DnsRow[]; width: number; from: number; to: number; base: number; palette: Palette; onOpen?(r: DnsRow): void }) {
  const left = MARGIN.left + Y_AXIS_WIDTH + 90;
  const plotW = Math.max(10, width - left - MARGIN.right);
  const rowH = rows.length > 60 ? 4 : 14;
  const x = (t: number): number => left + ((Math.min(Math.max(t, from), to) - from) / (to - from || 1)) * plotW;
  const h = rows.length * rowH + 24;
  return (
    <svg width={width} height={h} role="img" aria-label="DNS query to response spans">
      {rows.map((r, i) => {
        const y = i * rowH + 2;
        const open = r.responseTime === null;
        const end = open ? to : r.responseTime!;
        const sev = STATUS_SEVERITY[r.status];
        const color = sev ? palette.severity[sev] : palette.server;
        const x0 = x(r.queryFrames.length ? r.queryTime : end);
        const x1 = Math.max(x0 + 2, x(end));
        return (
          <g key={r.index} onClick={() => onOpen?.(r)} style={{ cursor: onOpen ? 'pointer' : undefined }} data-status={r.status}>
            <title>{`${r.question} · ${r.status}${r.rtt !== null ? ` · ${fmtDuration(r.rtt)}` : ''} · frames ${r.queryFrames.join(',') || '—'} → ${r.responseFrame ?? '—'}${r.icmpFrame !== null ? ` · ICMP frame ${r.icmpFrame}` : ''}`}</title>
            {r.queryFrames.length > 0 && <rect x={x0} y={y} width={x1 - x0} height={rowH - 2} fill={color} fillOpacity={open ? 0.35 : 0.8} />}
            {open && <path d={`M${x1 - 6},${y} l6,${(rowH - 2) / 2} l-6,${(rowH - 2) / 2}`} fill={color} />}
            {r.status === 'orphan' && <circle cx={x1} cy={y + rowH / 2 - 1} r={Math.max(2, rowH / 2 - 1)} fill="none" stroke={color} strokeWidth={2} />}
            {r.icmpFrame !== null && <text x={x1 + 4} y={y + rowH - 4} fontSize={Math.min(10, rowH)} fill={color}>ICMP #{r.icmpFrame}</text>}
            {rowH >= 12 && (
              <text x={left - 6} y={y + rowH - 4} textAnchor="end" fontSize={10} fill={palette.muted}>
                {shortName(r.question)}
              </text>
            )}
          </g>
        );
      })}
      <text x={left} y={h - 4} fontSize={11} fill={palette.muted}>{fmtRel(from, base, 3)} s</text>
      <text x={left + plotW} y={h - 4} fontSize={11} fill={palette.muted} textAnchor="end">{fmtRel(to, base, 3)} s</text>
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
