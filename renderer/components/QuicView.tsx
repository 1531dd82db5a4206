import type { QuicRow, Summary } from '../../analysis/api';
import type { Nav } from '../nav';
import type { Client } from '../client';
import { fmtCount, fmtRel } from '../format';
import { useAsync, useWidth } from '../hooks';
import { QUIC_TYPE_COLORS, usePalette, type Palette } from '../theme';
import { MARGIN, Y_AXIS_WIDTH } from './Charts';

export function QuicView({ client, summary, nav }: { client: Client; summary: Summary; nav: Nav }) {
  const palette = usePalette();
  const [ref, width, measured] = useWidth<HTMLDivElement>();
  const conns = useAsync(() => client.quicConnections({ maxPoints: Math.max(20, Math.floor(width / 4)) }), [client, width], measured);
  const base = summary.capture.start ?? 0;
  return (
    <section className="quic-view" ref={ref}>
      <h2>QUIC connections ({fmtCount(summary.quicConnections)})</h2>
      {conns.data && conns.data.length === 0 && <p className="card muted" data-testid="quic-paths">No QUIC connections in this capture.</p>}
      {conns.data?.map((q) => <QuicCard key={q.number} q={q} base={base} width={Math.max(240, width - 2)} palette={palette} nav={nav} />)}
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
  const h = q.paths.length * (laneH + 6) + types.length * typeRowH + 34;
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
              <title>{`path ${i + 1}: ${p.client} ⇄ ${p.server}, frames ${p.firstFrame}–${p.lastFrame}, ${p.packets} packets`}</title>
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
        {q.events.map((e) => (
          <g key={e.index}>
            <title>{`${e.kind} — frame ${e.frame}: ${e.message}`}</title>
            <line x1={x(e.time)} x2={x(e.time)} y1={0} y2={h - 20} stroke={palette.severity[e.severity]} strokeDasharray="3 2" />
          </g>
        ))}
        <text x={left} y={h - 4} fontSize={11} fill={palette.muted}>{fmtRel(from, base, 3)} s</text>
        <text x={left + plotW} y={h - 4} fontSize={11} fill={palette.muted} textAnchor="end">{fmtRel(to, base, 3)} s</text>
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
