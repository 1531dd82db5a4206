// The QUIC tab: every connection in a virtualized, filterable and sortable table (a
// million-packet capture has over a thousand; cards for all of them were too many to
// draw or read), and the selected one's card: versions, SNI, ALPN, CIDs and its paths
// over time. Filtering and sorting run over the rows the query returned, in place.

import { useMemo, useState } from 'react';
import type { QuicRow, Summary } from '../../analysis/api';
import type { Nav } from '../nav';
import type { Client } from '../client';
import { fmtCount, plural } from '../format';
import { useAsync, useTimeFormat, useWidth } from '../hooks';
import { QUIC_TYPE_COLORS, usePalette, type Palette } from '../theme';
import { MARGIN, Y_AXIS_WIDTH } from './Charts';
import { EventMarks } from './EventLines';
import { SVG_AXIS_HEIGHT, SvgTimeAxis } from './SvgAxis';
import { VirtualTable, type Column } from './VirtualTable';

type QuicSortKey = 'number' | 'sni' | 'start' | 'duration' | 'packets' | 'paths' | 'events';

/** What a connection's row is sorted by. */
function sortValue(q: QuicRow, k: QuicSortKey): number | string {
  switch (k) {
    case 'number': return q.number;
    case 'sni': return q.sni ?? '';
    case 'start': return q.from ?? 0;
    case 'duration': return (q.to ?? 0) - (q.from ?? 0);
    case 'packets': return q.frames;
    case 'paths': return q.paths.length;
    case 'events': return q.events.length;
  }
}

/** The words a filter matches: SNI, ALPN, versions, CIDs, the paths' addresses, event kinds. */
function haystack(q: QuicRow): string {
  return [q.number, q.sni ?? '', ...q.alpn, ...q.versions, ...q.clientCids, ...q.serverCids, ...q.paths.flatMap((p) => [p.client, p.server]), ...q.events.map((e) => e.kind), q.paths.length > 1 ? 'migrated' : ''].join(' ').toLowerCase();
}

export function QuicView({ client, summary, nav }: { client: Client; summary: Summary; nav: Nav }) {
  const palette = usePalette();
  const [ref, width, measured] = useWidth<HTMLDivElement>();
  // the packet-type strips' resolution: fixed, so a resize does not ask for every connection again
  const conns = useAsync(() => client.quicConnections({ maxPoints: 300 }), [client], measured);
  const base = summary.capture.start ?? 0;
  const time = useTimeFormat(base);
  const [text, setText] = useState('');
  const [sort, setSort] = useState<{ key: QuicSortKey; dir: 'asc' | 'desc' }>({ key: 'number', dir: 'asc' });
  const [selected, setSelected] = useState<QuicRow | null>(null);
  const rows = useMemo(() => {
    const all = conns.data ?? [];
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    const kept = words.length ? all.filter((q) => {
      const h = haystack(q);
      return words.every((w) => h.includes(w));
    }) : [...all];
    const sign = sort.dir === 'asc' ? 1 : -1;
    kept.sort((a, b) => {
      const x = sortValue(a, sort.key), y = sortValue(b, sort.key);
      return (x < y ? -1 : x > y ? 1 : a.number - b.number) * sign;
    });
    return kept;
  }, [conns.data, text, sort]);
  const shown = selected ?? rows[0] ?? null;
  const columns: Column<QuicRow>[] = [
    { key: 'number', title: '#', width: 56, align: 'right', render: (q) => q.number },
    { key: 'sni', title: 'SNI', width: 'minmax(160px, 1.4fr)', render: (q) => <span className="mono">{q.sni ?? '—'}</span> },
    { key: 'alpn', title: 'ALPN', width: 80, render: (q) => <span className="mono">{q.alpn.join(',') || '—'}</span>, sortable: false },
    { key: 'version', title: 'Version', width: 110, render: (q) => <span className="mono small">{q.versions.join(', ') || '—'}</span>, sortable: false },
    { key: 'start', title: time.format === 'utc' ? 'Start (UTC)' : 'Start (s)', width: time.format === 'utc' ? 220 : 100, align: 'right', render: (q) => (q.from !== null ? time.fmt(q.from) : '—') },
    { key: 'duration', title: 'Duration (s)', width: 116, align: 'right', render: (q) => (q.from !== null && q.to !== null ? (q.to - q.from).toFixed(3) : '—') },
    { key: 'packets', title: 'Packets', width: 80, align: 'right', render: (q) => fmtCount(q.frames) },
    { key: 'paths', title: 'Paths', width: 64, align: 'right', render: (q) => q.paths.length },
    { key: 'events', title: 'Events', width: 'minmax(120px, 1fr)', render: (q) => (q.events.length ? <span title={q.events.map((e) => e.kind).join(', ')}>{plural(q.events.length, 'event')} <span className="muted small">{[...new Set(q.events.map((e) => e.kind.replace(/^quic\./, '')))].join(' ')}</span></span> : '') },
  ];
  return (
    <section className="quic-view" ref={ref}>
      <div className="toolbar">
        <h2>QUIC connections ({fmtCount(summary.quicConnections)})</h2>
        <input type="search" className="filter" placeholder="Filter: SNI, ALPN, CID, address, event kind, migrated" value={text} onChange={(e) => setText(e.target.value)} aria-label="filter QUIC connections" data-testid="quic-filter" />
        <span className="muted" data-testid="quic-count">
          {fmtCount(rows.length)} of {fmtCount(conns.data?.length ?? summary.quicConnections)}
        </span>
      </div>
      {conns.data && conns.data.length === 0 ? (
        <p className="card muted" data-testid="quic-paths">No QUIC connections in this capture.</p>
      ) : (
        <>
          <VirtualTable<QuicRow>
            label="QUIC connections"
            testId="quic-table"
            rowTestId="quic-row"
            columns={columns}
            total={rows.length}
            getRow={(i) => rows[i] ?? null}
            sort={sort}
            onSort={(k) => setSort((s) => ({ key: k as QuicSortKey, dir: s.key === k && s.dir === 'asc' ? 'desc' : 'asc' }))}
            onSelect={(q) => setSelected(q)}
            onOpen={(q) => setSelected(q)}
            height={Math.min(320, 30 + rows.length * 26)}
            rowClass={(q) => (q.events.some((e) => e.severity === 'break') ? 'has-break' : undefined)}
            empty={conns.data ? 'No connection matches the filter.' : 'Loading…'}
          />
          {shown ? (
            <QuicCard q={shown} base={base} width={Math.max(240, width - 2)} palette={palette} nav={nav} />
          ) : (
            <p className="muted small">Select a connection to see its paths over time.</p>
          )}
        </>
      )}
    </section>
  );
}

/** A connection: versions, SNI, ALPN, CIDs per side; one lane per path (4-tuple) over time. */
export function QuicCard({ q, base, width, palette, nav }: { q: QuicRow; base: number; width: number; palette: Palette; nav: Nav }) {
  const from = q.from ?? 0, to = Math.max(q.to ?? from, from + 1e-6);
  const left = MARGIN.left + Y_AXIS_WIDTH + 120;
  const plotW = Math.max(10, width - left - MARGIN.right);
  const x = (t: number): number => left + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * plotW;
  const laneH = 22;
  const types = [...new Set(q.packetTypes.map((p) => p.type))];
  const typeRowH = 10;
  const plotH = q.paths.length * (laneH + 6) + types.length * typeRowH + 8;
  const h = plotH + SVG_AXIS_HEIGHT;
  const maxCount = Math.max(1, ...q.packetTypes.map((p) => p.count));
  return (
    <article className="card quic-card" data-testid="quic-connection">
      <h3>
        Connection {q.number} {q.sni && <span className="mono">· {q.sni}</span>}
      </h3>
      <dl className="inline">
        <dt>versions</dt>
        <dd className="mono">{q.versions.join(', ') || '—'}</dd>
        <dt>ALPN</dt>
        <dd className="mono">{q.alpn.join(', ') || '—'}</dd>
        <dt>client CIDs</dt>
        <dd className="mono small">{q.clientCids.join(' ') || '—'}</dd>
        <dt>server CIDs</dt>
        <dd className="mono small">{q.serverCids.join(' ') || '—'}</dd>
        <dt>packets</dt>
        <dd>
          {fmtCount(q.frames)} (frames {q.firstFrame ?? '—'}–{q.lastFrame ?? '—'})
        </dd>
      </dl>
      <svg width={width} height={h} data-testid="quic-paths" role="img" aria-label="QUIC paths over time">
        {q.paths.map((p, i) => {
          const y = 4 + i * (laneH + 6);
          const flow = q.flows[i];
          return (
            <g key={i} onClick={() => flow !== undefined && nav.openFlow(flow, p.from)} style={{ cursor: 'pointer' }} data-path={i}>
              <title>{`path ${i + 1}: ${p.client} ⇄ ${p.server}, frames ${p.firstFrame}–${p.lastFrame}, ${plural(p.packets, 'packet')}`}</title>
              <text x={left - 6} y={y + laneH / 2 + 4} textAnchor="end" fontSize={11} fill={palette.fg} className="mono">
                {p.client}
              </text>
              <rect x={x(p.from)} y={y} width={Math.max(3, x(p.to) - x(p.from))} height={laneH} rx={3} fill={i === 0 ? palette.client : palette.ack} fillOpacity={0.75} />
            </g>
          );
        })}
        {types.map((t, ti) => {
          const y = 4 + q.paths.length * (laneH + 6) + ti * typeRowH;
          return (
            <g key={t}>
              <text x={left - 6} y={y + typeRowH - 1} textAnchor="end" fontSize={9} fill={palette.muted}>
                {t}
              </text>
              {q.packetTypes
                .filter((p) => p.type === t)
                .map((p, k) => (
                  <rect key={k} x={x(p.t) - 1.5} y={y + 1} width={3} height={typeRowH - 2} fill={QUIC_TYPE_COLORS[t] ?? '#999'} fillOpacity={0.3 + (0.7 * p.count) / maxCount} />
                ))}
            </g>
          );
        })}
        <EventMarks
          markers={q.events.map((e) => ({ t: e.time, frame: e.frame, flow: e.flow, kind: e.kind, severity: e.severity, message: e.message, count: 1, kinds: [{ kind: e.kind, count: 1 }] }))}
          x={x}
          top={0}
          bottom={plotH}
          left={left}
          right={left + plotW}
          palette={palette}
        />
        <SvgTimeAxis from={from} to={to} base={base} x={x} y={plotH} left={left} right={left + plotW} palette={palette} />
      </svg>
      {q.events.length > 0 && (
        <ul className="small">
          {q.events.map((e) => (
            <li key={e.index}>
              <span className={`badge ${e.severity}`}>{e.severity}</span> {e.title}: {e.message} (frame {e.frame})
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
