import type { Marker, Summary } from '../../analysis/api';
import type { Nav } from '../nav';
import type { Client } from '../client';
import { fmtBytes, fmtCount, fmtDate, fmtDuration, plural } from '../format';
import { useAsync, useWidth } from '../hooks';
import { usePalette } from '../theme';
import { ChartFrame, RateChart } from './Charts';
import { IncidentCards, incidentBands } from './IncidentCards';
import { useMemo, useState } from 'react';
import { stem } from '../export';

/** "12 markers", or "470 events in 212 markers" when they are aggregated per pixel column. */
function markerCount(markers: Marker[]): string {
  const events = markers.reduce((n, m) => n + m.count, 0);
  return events === markers.length ? plural(markers.length, 'marker') : `${plural(events, 'event')} in ${plural(markers.length, 'marker')}`;
}

export function Overview({ client, summary, nav }: { client: Client; summary: Summary; nav: Nav }) {
  const palette = usePalette();
  const c = summary.capture;
  const [ref, width, measured] = useWidth<HTMLDivElement>();
  const [range, setRange] = useState<[number, number] | null>(null);
  // the card's width less its padding and border (a chart as wide as the card overflowed it)
  const plotWidth = Math.max(100, width - 30);
  const tl = useAsync(
    () => client.timeline({ flow: null, from: range?.[0] ?? null, to: range?.[1] ?? null, maxPoints: Math.max(10, plotWidth - 90) }),
    [client, plotWidth, range?.[0], range?.[1]],
    measured,
  );
  const incidentRows = useAsync(() => client.incidents(), [client]).data;
  const incidents = useMemo(() => incidentRows ?? [], [incidentRows]);
  const base = c.start ?? 0;
  // the same bands while the incidents are the same: the chart is not redrawn for a new array
  const bands = useMemo(() => incidentBands(incidents, base), [incidents, base]);
  const duration = c.start !== null && c.end !== null ? c.end - c.start : 0;
  return (
    <section className="overview">
      {/* Incidents lead; the timeline follows them (styles: .overview:has(.incidents)). */}
      {incidents.length > 0 && <IncidentCards incidents={incidents} base={base} palette={palette} onOpen={(id) => nav.show('breaks', { incident: id })} />}
      <div className="card facts" data-testid="capture-summary">
        <h2>{summary.name}</h2>
        <dl>
          <dt>Format</dt>
          <dd>
            {c.format}
            {c.compressed ? ' (gzip)' : ''}
          </dd>
          <dt>Link types</dt>
          <dd>{summary.linkTypeTitles.join(', ') || '—'}</dd>
          <dt>Packets</dt>
          <dd data-testid="packets">{fmtCount(c.packets)}</dd>
          <dt>Bytes</dt>
          <dd>{fmtBytes(c.bytes)}</dd>
          <dt>Duration</dt>
          <dd>{fmtDuration(duration)}</dd>
          <dt>First packet</dt>
          <dd>{fmtDate(c.start)}</dd>
          <dt>Flows</dt>
          <dd>{fmtCount(summary.flows)}</dd>
          <dt>Breaks</dt>
          <dd>
            <span className={summary.breaks ? 'sev-break' : ''}>{fmtCount(summary.breaks)}</span> · warnings {fmtCount(summary.warnings)}
          </dd>
        </dl>
        {c.errors.length > 0 && (
          <div className="errors" role="alert">
            <h3>The capture is damaged</h3>
            <ul>
              {c.errors.slice(0, 10).map((e, i) => (
                <li key={i}>
                  frame {e.frame}, byte offset {fmtCount(e.offset)}: {e.message}
                </li>
              ))}
            </ul>
            {c.errors.length > 10 && <p className="muted">… and {c.errors.length - 10} more</p>}
          </div>
        )}
        {(c.unsupported.length > 0 || c.nonIpPackets > 0) && (
          <p className="muted small">
            Not analysed: {[...c.unsupported.map((u, i) => `${summary.unsupportedTitles?.[i] ?? u.what} (${fmtCount(u.packets)})`), c.nonIpPackets ? `${fmtCount(c.nonIpPackets)} non-IP packets` : ''].filter(Boolean).join(', ')}
          </p>
        )}
      </div>
      <div className="card">
        <h3>Flows per protocol</h3>
        <ul className="bars">
          {summary.flowsByProtocol.map((p) => (
            <li key={p.protocol}>
              <button className="link" onClick={() => nav.show('flows', { filter: p.protocol })}>
                {p.protocol}
              </button>
              <span className="bar" style={{ width: `${(100 * p.count) / Math.max(1, summary.flows)}%` }} />
              <span className="num">{fmtCount(p.count)}</span>
            </li>
          ))}
        </ul>
      </div>
      <div className="card">
        <h3 data-testid="overview-kinds-title">
          Breaks and warnings per kind{summary.eventsByKind.length > 0 ? ` · ${plural(summary.eventsByKind.length, 'kind')}` : ''}
        </h3>
        {summary.eventsByKind.length === 0 ? (
          <p className="muted">Nothing flagged: no state was lost in this capture.</p>
        ) : (
          <ul className="kinds" data-testid="overview-kinds">
            {summary.eventsByKind.map((k) => (
              <li key={k.kind}>
                <span className={`dot sev-${k.severity}`} />
                <button className="link" onClick={() => nav.show('breaks', { kind: k.kind })} title={k.explanation}>
                  {k.title}
                </button>{' '}
                <code className="muted">{k.kind}</code>
                <span className="num">{fmtCount(k.count)}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="card wide" ref={ref} data-testid="overview-timeline">
        <ChartFrame
          title={`Packet rate over the whole capture${tl.data ? ` · ${markerCount(tl.data.markers)}` : ''}`}
          palette={palette}
          fileName={`${stem(summary.name)}-timeline`}
          extra={range ? <button className="small" onClick={() => setRange(null)}>Reset zoom</button> : <span className="muted small">drag to zoom · click a marker to open its flow</span>}
        >
          {tl.data && (
            <RateChart
              width={plotWidth}
              rate={tl.data.rate}
              markers={tl.data.markers}
              from={tl.data.from}
              to={tl.data.to}
              base={base}
              palette={palette}
              onMarker={(m) => {
                // a column of many events zooms in around it (they spread out); one event opens its flow
                if (m.count > 1) setRange([Math.max(tl.data!.from, m.t - 10 * tl.data!.bucket), Math.min(tl.data!.to, m.t + 10 * tl.data!.bucket)]);
                else if (m.flow !== null) nav.openFlow(m.flow, m.t);
              }}
              onZoom={(a, b) => setRange([a, b])}
              bands={bands}
              onBand={(id) => nav.show('breaks', { incident: id })}
            />
          )}
        </ChartFrame>
        <p className="legend small">
          <span className="dot sev-break" /> break <span className="dot sev-warning" /> warning <span className="dot sev-info" /> info
          {tl.data?.markers.some((m) => m.count > 1) && <> · a bar: all the events of one pixel column, in their worst severity, longer the more they are (log scale; hover for the counts, click to zoom in)</>}
          {incidents.length > 0 && <> · <span className="swatch incident-swatch" /> an incident's window, in its severity's colour (hover for it, click its name for its events)</>}
          {' '}· time in seconds since the first packet
        </p>
      </div>
    </section>
  );
}
