// The Breaks view's incident groups (issue 11): one group per incident — its headline and
// member count, then what it means (explanation, evidence, what is ruled in or out) and
// its member events, a page at a time — ahead of the breaks that belong to no incident.

import { useState } from 'react';
import type { IncidentRow } from '../../analysis/api';
import type { Nav } from '../nav';
import { fmtCount } from '../format';
import { EventItem } from './EventItem';
import { fmtMembers, fmtWindow } from './IncidentCards';

/** Events listed at first, and added per click of "more". */
const FIRST = 50;
const MORE = 200;

export function IncidentGroup({ inc, base, nav, open, detailed = false }: { inc: IncidentRow; base: number; nav: Nav; open: boolean; detailed?: boolean }) {
  const [expanded, setExpanded] = useState(open);
  const [limit, setLimit] = useState(FIRST);
  const facts = (
    <>
      {inc.evidence.length > 0 && (
        <>
          <b className="small">Evidence</b>
          <ul className="evidence small">
            {inc.evidence.map((e, i) => (
              <li key={i}>{e}</li>
            ))}
          </ul>
        </>
      )}
      {inc.alternatives.length > 0 && (
        <>
          <b className="small">Other causes, ruled in or out</b>
          <ul className="evidence small">
            {inc.alternatives.map((a, i) => (
              <li key={i}>{a}</li>
            ))}
          </ul>
        </>
      )}
    </>
  );
  return (
    <article className={`card incident-group sev-border-${inc.severity}`} id={`incident-${inc.id}`} data-testid="incident-group" data-incident={inc.id} data-kind={inc.kind}>
      <header onClick={() => setExpanded((x) => !x)} className="clickable">
        <span className={`badge ${inc.severity}`}>{inc.severity}</span> <span className="headline" data-testid="incident-group-headline">{inc.message}</span>
        <span className="spacer" />
        <span className="num" data-testid="incident-group-count" data-count={inc.events.length}>
          {fmtCount(inc.events.length)}
        </span>{' '}
        <span aria-hidden>{expanded ? '▾' : '▸'}</span>
      </header>
      <p className="incident-meta small muted">
        #{inc.id} <b>{inc.title}</b> <code>{inc.kind}</code> · <span className="mono">{inc.subject}</span> · {fmtWindow(inc, base)} · {fmtMembers(inc)} · confidence {inc.confidence}
      </p>
      <p className="explanation">{inc.explanation}</p>
      {detailed ? (
        facts
      ) : (
        <details>
          <summary className="small">Evidence ({inc.evidence.length}) and other causes ({inc.alternatives.length})</summary>
          {facts}
        </details>
      )}
      {expanded && (
        <ul className="events">
          {inc.events.slice(0, limit).map((e) => (
            <EventItem key={e.index} e={e} base={base} nav={nav} />
          ))}
          {inc.events.length > limit && (
            <li>
              <button className="small" onClick={() => setLimit((l) => l + MORE)}>
                more ({fmtCount(inc.events.length - limit)} left)
              </button>
            </li>
          )}
        </ul>
      )}
    </article>
  );
}
