import { useEffect, useState } from 'react';
import type { EventRow, KindCount, Summary } from '../../analysis/api';
import type { Nav } from '../nav';
import type { Client } from '../client';
import { fmtCount } from '../format';
import { useAsync } from '../hooks';
import { EventItem } from './EventItem';
import { IncidentGroup } from './IncidentGroups';

/**
 * Every break and warning: first one group per incident (./IncidentGroups), then the
 * events in no incident grouped by kind, with its explanation and a jump to the flow.
 * With `incident`, only that incident's group, and a way back to all.
 */
export function BreaksView({ client, summary, nav, kind, incident }: { client: Client; summary: Summary; nav: Nav; kind: string | null; incident: number | null }) {
  const [showInfo, setShowInfo] = useState(kind !== null && summary.eventsByKind.find((k) => k.kind === kind)?.severity === 'info');
  const incidents = useAsync(() => client.incidents(), [client]).data;
  const base = summary.capture.start ?? 0;
  // events of each kind that belong to an incident (listed in its group, not again by kind)
  const inIncidents = new Map<string, number>();
  for (const inc of incidents ?? []) for (const e of inc.events) inIncidents.set(e.kind, (inIncidents.get(e.kind) ?? 0) + 1);
  const groups = summary.eventsByKind
    .filter((k) => showInfo || k.severity !== 'info')
    .map((k) => ({ g: k, count: k.count - (inIncidents.get(k.kind) ?? 0) }))
    .filter((x) => x.count > 0);
  const infoCount = summary.eventsByKind.filter((k) => k.severity === 'info').reduce((n, k) => n + k.count, 0);
  useEffect(() => {
    if (!kind || !incidents) return;
    const target = document.getElementById(`kind-${kind}`) ?? document.getElementById(`incident-${incidents.find((i) => i.events.some((e) => e.kind === kind))?.id}`);
    target?.scrollIntoView?.({ block: 'start' });
  }, [kind, incidents]);

  if (incident !== null) {
    const inc = incidents?.find((i) => i.id === incident);
    return (
      <section className="breaks-view" data-testid="breaks-list" data-incident={incident}>
        <div className="toolbar">
          <h2>{inc ? `Incident #${inc.id} of ${fmtCount(incidents!.length)}: ${inc.title}` : `Incident #${incident}`}</h2>
          <span className="spacer" />
          <button onClick={() => nav.show('breaks')} data-testid="breaks-show-all">
            ← All breaks and warnings
          </button>
        </div>
        {inc ? <IncidentGroup inc={inc} base={base} nav={nav} open detailed /> : incidents && <p className="card muted">This capture has no incident #{incident}.</p>}
      </section>
    );
  }
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
      {incidents && incidents.length > 0 && (
        <>
          <h3 className="breaks-section" data-testid="breaks-incidents">
            {incidents.length === 1 ? 'One incident' : `${fmtCount(incidents.length)} incidents`}: events that one cause explains
          </h3>
          {incidents.map((inc) => (
            <IncidentGroup key={inc.id} inc={inc} base={base} nav={nav} open={kind === null ? incidents.length <= 3 : inc.events.some((e) => e.kind === kind)} />
          ))}
          {groups.length > 0 && <h3 className="breaks-section" data-testid="breaks-no-incident">Not in an incident</h3>}
        </>
      )}
      {incidents && groups.length === 0 && incidents.length === 0 && <p className="card muted">Nothing flagged: no state was lost or broken in this capture.</p>}
      {incidents &&
        groups.map(({ g, count }) => (
          <KindGroup key={g.kind} client={client} g={g} count={count} base={base} nav={nav} open={kind === null || kind === g.kind} />
        ))}
    </section>
  );
}

/** The `count` events of one kind in no incident, 50 at first, 200 more per click. */
function KindGroup({ client, g, count, base, nav, open }: { client: Client; g: KindCount; count: number; base: number; nav: Nav; open: boolean }) {
  const [rows, setRows] = useState<EventRow[]>([]);
  // where the next page starts in the list of all events of the kind (incidents' members included)
  const [next, setNext] = useState(0);
  const [expanded, setExpanded] = useState(open);
  const load = async (want: number): Promise<void> => {
    const got: EventRow[] = [];
    let offset = next;
    for (;;) {
      const p = await client.events({ kind: g.kind, offset, limit: 200 });
      offset += p.rows.length;
      got.push(...p.rows.filter((e) => e.kind === g.kind && e.incident === undefined));
      if (got.length >= want || p.rows.length === 0 || offset >= p.total) break;
    }
    setNext(offset);
    setRows((r) => [...r, ...got]);
  };
  useEffect(() => {
    if (expanded && !rows.length) void load(50);
    // the first page, once expanded
  }, [expanded]);
  return (
    <article className={`card kind-group sev-border-${g.severity}`} id={`kind-${g.kind}`} data-kind={g.kind}>
      <header onClick={() => setExpanded((x) => !x)} className="clickable">
        <span className={`badge ${g.severity}`}>{g.severity}</span> <b>{g.title}</b> <code className="muted">{g.kind}</code>
        <span className="spacer" />
        <span className="num">{fmtCount(count)}</span> <span aria-hidden>{expanded ? '▾' : '▸'}</span>
      </header>
      <p className="explanation">{g.explanation}</p>
      {g.reference && <p className="muted small">Reference: {g.reference}</p>}
      {expanded && (
        <ul className="events">
          {rows.map((e, i) => (
            <EventItem key={e.index} e={e} base={base} nav={nav} prev={i > 0 ? rows[i - 1].time : null} />
          ))}
          {count > rows.length && (
            <li>
              <button className="small" onClick={() => void load(200)}>
                more ({fmtCount(count - rows.length)} left)
              </button>
            </li>
          )}
        </ul>
      )}
    </article>
  );
}
