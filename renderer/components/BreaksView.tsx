import { useEffect, useState } from 'react';
import type { EventRow, KindCount, Summary } from '../../analysis/api';
import type { Nav } from '../nav';
import type { Client } from '../client';
import { fmtCount } from '../format';
import { useTimeFormat } from '../hooks';

/** Every break and warning grouped by kind, with its explanation and a jump to the flow. */
export function BreaksView({ client, summary, nav, kind }: { client: Client; summary: Summary; nav: Nav; kind: string | null }) {
  const [showInfo, setShowInfo] = useState(kind !== null && summary.eventsByKind.find((k) => k.kind === kind)?.severity === 'info');
  const groups = summary.eventsByKind.filter((k) => showInfo || k.severity !== 'info');
  const infoCount = summary.eventsByKind.filter((k) => k.severity === 'info').reduce((n, k) => n + k.count, 0);
  useEffect(() => {
    if (kind) document.getElementById(`kind-${kind}`)?.scrollIntoView?.({ block: 'start' });
  }, [kind]);
  return (
    <section className="breaks-view" data-testid="breaks-list">
      <div className="toolbar">
        <h2>
          Breaks ({fmtCount(summary.breaks)}) and warnings ({fmtCount(summary.warnings)})
        </h2>
        <span className="spacer" />
        {infoCount > 0 && (
          <label>
            <input type="checkbox" checked={showInfo} onChange={(e) => setShowInfo(e.target.checked)} /> show info events ({fmtCount(infoCount)})
          </label>
        )}
      </div>
      {groups.length === 0 && <p className="card muted">Nothing flagged: no state was lost or broken in this capture.</p>}
      {groups.map((g) => (
        <KindGroup key={g.kind} client={client} g={g} base={summary.capture.start ?? 0} nav={nav} open={kind === null || kind === g.kind} />
      ))}
    </section>
  );
}

function KindGroup({ client, g, base, nav, open }: { client: Client; g: KindCount; base: number; nav: Nav; open: boolean }) {
  const [rows, setRows] = useState<EventRow[]>([]);
  const [total, setTotal] = useState(0);
  const [expanded, setExpanded] = useState(open);
  const time = useTimeFormat(base);
  useEffect(() => {
    if (!expanded || rows.length) return;
    client.events({ kind: g.kind, offset: 0, limit: 50 }).then((p) => {
      setRows(p.rows.filter((e) => e.kind === g.kind));
      setTotal(p.total);
    });
  }, [expanded, client, g.kind, rows.length]);
  const more = (): void => {
    client.events({ kind: g.kind, offset: rows.length, limit: 200 }).then((p) => setRows((r) => [...r, ...p.rows]));
  };
  return (
    <article className={`card kind-group sev-border-${g.severity}`} id={`kind-${g.kind}`} data-kind={g.kind}>
      <header onClick={() => setExpanded((x) => !x)} className="clickable">
        <span className={`badge ${g.severity}`}>{g.severity}</span> <b>{g.title}</b> <code className="muted">{g.kind}</code>
        <span className="spacer" />
        <span className="num">{fmtCount(g.count)}</span> <span aria-hidden>{expanded ? '▾' : '▸'}</span>
      </header>
      <p className="explanation">{g.explanation}</p>
      {g.reference && <p className="muted small">Reference: {g.reference}</p>}
      {expanded && (
        <ul className="events">
          {rows.map((e, i) => (
            <li key={e.index} data-testid="break-item" data-kind={e.kind}>
              <span className="mono muted">#{e.frame}</span> <span className="mono muted">{time.fmt(e.time, i > 0 ? rows[i - 1].time : null)}{time.format === 'relative' ? ' s' : ''}</span> {e.message}
              {e.related.length > 0 && <span className="muted small"> · frames {e.related.join(', ')}</span>}{' '}
              {e.flow !== null && (
                <button className="small" onClick={() => nav.openFlow(e.flow!, e.time)}>
                  flow {e.flow} →
                </button>
              )}
            </li>
          ))}
          {total > rows.length && (
            <li>
              <button className="small" onClick={more}>
                more ({fmtCount(total - rows.length)} left)
              </button>
            </li>
          )}
        </ul>
      )}
    </article>
  );
}
