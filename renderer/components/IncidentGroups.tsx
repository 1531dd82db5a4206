// The Breaks view's incident groups (issue 11): one group per incident — its headline and
// member count, then what it means (explanation, evidence, what is ruled in or out) —
// ahead of the breaks that belong to no incident. This is the group's head: its member
// events follow it as lines of the Breaks view's virtualized list (./BreaksView).

import type { IncidentRow } from '../../analysis/api';
import { fmtCount } from '../format';
import { fmtMembers, fmtWindow } from './IncidentCards';

/** `expanded`: its events are listed under it; a click on the header calls `onToggle`. */
export function IncidentGroup({ inc, base, expanded, onToggle, detailed = false }: { inc: IncidentRow; base: number; expanded: boolean; onToggle?: () => void; detailed?: boolean }) {
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
      <header onClick={onToggle} className={onToggle ? 'clickable' : undefined} aria-expanded={expanded}>
        <span className={`badge ${inc.severity}`}>{inc.severity}</span> <span className="headline" data-testid="incident-group-headline">{inc.message}</span>
        <span className="spacer" />
        <span className="num" data-testid="incident-group-count" data-count={inc.events.length}>
          {fmtCount(inc.events.length)}
        </span>{' '}
        {onToggle && <span aria-hidden>{expanded ? '▾' : '▸'}</span>}
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
    </article>
  );
}
