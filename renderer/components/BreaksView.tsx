// The Breaks view: every break and warning, in one virtualized list (./MeasuredList —
// a capture can hold tens of thousands): first one group per incident
// (./IncidentGroups) with its member events, then the events in no incident grouped by
// kind, each group headed by its kind's explanation. The list is flat — group heads and
// event lines — so only what is in view is drawn; a head is a few lines high, measured
// once drawn, an event one line (./EventItem). An incident's members come with the
// incidents; a kind's events in no incident are read a page at a time as they scroll in.
// With `incident` (a card clicked on the Overview), only that incident, and a way back.
// With `kind` (a kind picked on the Overview), the list opens on that kind's group (or
// the incident holding its events). Keyboard: the list takes ↑/↓/PageUp/PageDown/Home/
// End; Enter opens the selected event's flow centred on it, or opens and shuts a group.
// Coming back from a flow, the list is where it was (`memo`, kept by the app).

import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { EventRow, IncidentRow, KindCount, Summary } from '../../analysis/api';
import type { Nav } from '../nav';
import type { Client } from '../client';
import { fmtCount } from '../format';
import { useAsync } from '../hooks';
import { EVENT_ROW_HEIGHT, EventItem, EventPlaceholder } from './EventItem';
import { IncidentGroup } from './IncidentGroups';
import { MeasuredList } from './MeasuredList';

/** Where the list was when a flow opened from it. */
export interface BreaksMemo {
  scrollTop: number;
  selected: string | null;
  expanded: Record<string, boolean>;
  showInfo: boolean;
}

/** One line of the list. */
type Item =
  | { t: 'section'; key: string; id: 'incidents' | 'no-incident'; text: string }
  | { t: 'incident'; key: string; inc: IncidentRow }
  | { t: 'kind'; key: string; g: KindCount; count: number }
  /** An incident's member (`e`), or the `j`th event of kind `g` in no incident (read by page). */
  | { t: 'event'; key: string; e: EventRow; prev: number | null }
  | { t: 'kind-event'; key: string; kind: string; j: number }
  | { t: 'empty'; key: string; text: string };

/** Events of a kind read per request. */
const PAGE = 500;

/** A kind's events in no incident, a page at a time: `get(kind, j)` or null until read. */
function useKindPages(client: Client) {
  const pages = useRef(new Map<string, EventRow[]>());
  const pending = useRef(new Set<string>());
  const [, bump] = useState(0);
  const want = useCallback(
    (kind: string, j: number) => {
      const id = `${kind} ${Math.floor(j / PAGE)}`;
      if (pages.current.has(id) || pending.current.has(id)) return;
      pending.current.add(id);
      client.events({ kind, inIncident: false, offset: Math.floor(j / PAGE) * PAGE, limit: PAGE }).then(
        (p) => {
          pending.current.delete(id);
          pages.current.set(id, p.rows);
          bump((x) => x + 1);
        },
        () => pending.current.delete(id),
      );
    },
    [client],
  );
  const get = useCallback((kind: string, j: number): EventRow | null => pages.current.get(`${kind} ${Math.floor(j / PAGE)}`)?.[j % PAGE] ?? null, []);
  return { want, get };
}

export function BreaksView({ client, summary, nav, kind, incident, memo }: { client: Client; summary: Summary; nav: Nav; kind: string | null; incident: number | null; memo?: { current: BreaksMemo | null } }) {
  // (read once: the memo is dropped once used)
  const [back] = useState(() => memo?.current ?? null);
  const [showInfo, setShowInfo] = useState(back?.showInfo ?? (kind !== null && summary.eventsByKind.find((k) => k.kind === kind)?.severity === 'info'));
  const incidentsQ = useAsync(() => client.incidents(), [client]);
  const incidents = incidentsQ.data;
  const base = summary.capture.start ?? 0;
  const [expanded, setExpanded] = useState<Record<string, boolean>>(back?.expanded ?? {});
  const [selKey, setSelKey] = useState<string | null>(back?.selected ?? null);
  const scrollTop = useRef(back?.scrollTop ?? 0);
  const pages = useKindPages(client);
  const shown = incident !== null ? incidents?.find((i) => i.id === incident) : undefined;

  /**
   * Whether a group's events are listed: as toggled, else as at first — every incident of
   * a few, every kind; with a kind asked for, only its group (or its incident's).
   */
  const isOpen = useCallback(
    (it: Item): boolean => {
      if (it.t === 'incident') return incident !== null || (expanded[it.key] ?? (kind === null ? (incidents?.length ?? 0) <= 3 : it.inc.events.some((e) => e.kind === kind)));
      return it.t === 'kind' && (expanded[it.key] ?? (kind === null || kind === it.g.kind));
    },
    [expanded, incident, incidents, kind],
  );

  const items = useMemo((): Item[] => {
    if (!incidents) return [];
    const out: Item[] = [];
    const listEvents = (events: EventRow[]): void => {
      events.forEach((e, i) => out.push({ t: 'event', key: `e${e.index}`, e, prev: i > 0 ? events[i - 1].time : null }));
    };
    if (incident !== null) {
      if (shown) {
        out.push({ t: 'incident', key: `i${shown.id}`, inc: shown });
        listEvents(shown.events);
      } else out.push({ t: 'empty', key: 'none', text: `This capture has no incident #${incident}.` });
      return out;
    }
    // events of each kind that belong to an incident (listed in its group, not again by kind)
    const inIncidents = new Map<string, number>();
    for (const inc of incidents) for (const e of inc.events) inIncidents.set(e.kind, (inIncidents.get(e.kind) ?? 0) + 1);
    const groups = summary.eventsByKind
      .filter((k) => showInfo || k.severity !== 'info')
      .map((k) => ({ g: k, count: k.count - (inIncidents.get(k.kind) ?? 0) }))
      .filter((x) => x.count > 0);
    if (incidents.length > 0) {
      out.push({ t: 'section', key: 's-incidents', id: 'incidents', text: `${incidents.length === 1 ? 'One incident' : `${fmtCount(incidents.length)} incidents`}: events that one cause explains` });
      for (const inc of incidents) {
        const head: Item = { t: 'incident', key: `i${inc.id}`, inc };
        out.push(head);
        if (isOpen(head)) listEvents(inc.events);
      }
      if (groups.length > 0) out.push({ t: 'section', key: 's-no-incident', id: 'no-incident', text: 'Not in an incident' });
    }
    if (groups.length === 0 && incidents.length === 0) out.push({ t: 'empty', key: 'nothing', text: 'Nothing flagged: no state was lost or broken in this capture.' });
    for (const { g, count } of groups) {
      const head: Item = { t: 'kind', key: `k${g.kind}`, g, count };
      out.push(head);
      if (isOpen(head)) for (let j = 0; j < count; j++) out.push({ t: 'kind-event', key: `${g.kind} ${j}`, kind: g.kind, j });
    }
    return out;
  }, [incidents, incident, shown, summary, showInfo, isOpen]);

  const itemKey = useCallback((i: number) => items[i].key, [items]);
  const estimate = useCallback((i: number) => {
    const it = items[i];
    return it.t === 'event' || it.t === 'kind-event' ? EVENT_ROW_HEIGHT : it.t === 'section' ? 40 : it.t === 'empty' ? 60 : 130;
  }, [items]);
  const selected = useMemo(() => (selKey === null ? -1 : items.findIndex((it) => it.key === selKey)), [items, selKey]);
  // Per item, the index of its group's head (an incident's card, a kind's card), -1 outside one.
  const headOf = useMemo(() => {
    const h = new Int32Array(items.length);
    let at = -1;
    for (let i = 0; i < items.length; i++) {
      const t = items[i].t;
      if (t === 'incident' || t === 'kind') at = i;
      else if (t === 'section') at = -1;
      h[i] = at;
    }
    return h;
  }, [items]);
  // Deep in a long group its card has scrolled away: one line says which group this is.
  const stickyHead = useCallback((top: number): ReactNode => {
    const h = headOf[top];
    if (h < 0 || h === top) return null;
    const it = items[h];
    const line = it.t === 'kind'
      ? <><span className={`badge ${it.g.severity}`}>{it.g.severity}</span> <b>{it.g.title}</b> <code className="muted">{it.g.kind}</code><span className="spacer" /><span className="num">{fmtCount(it.count)}</span></>
      : it.t === 'incident'
        ? <><span className={`badge ${it.inc.severity}`}>{it.inc.severity}</span> <b>{it.inc.title}</b> <span className="muted">{it.inc.subject}</span><span className="spacer" /><span className="muted">#{it.inc.id}</span></>
        : null;
    return line && <div className={`breaks-sticky sev-border-${it.t === 'kind' ? it.g.severity : it.t === 'incident' ? it.inc.severity : ''}`} data-testid="breaks-sticky" data-key={it.key}>{line}</div>;
  }, [headOf, items]);

  // The kind asked for: its group at the top (or the incident holding its events), once the incidents are in.
  const target = useMemo(() => {
    if (!kind || !incidents || back) return null;
    let i = items.findIndex((it) => it.t === 'kind' && it.g.kind === kind);
    if (i < 0) i = items.findIndex((it) => it.t === 'incident' && it.inc.events.some((e) => e.kind === kind));
    return i >= 0 ? { index: i, seq: 0 } : null;
    // once: when the incidents have come
  }, [kind, incidents]);

  const onRange = useCallback(
    (first: number, last: number) => {
      for (let i = first; i <= last; i++) {
        const it = items[i];
        if (it?.t === 'kind-event') pages.want(it.kind, it.j);
      }
    },
    [items, pages],
  );

  const toggle = (it: Item): void => setExpanded((x) => ({ ...x, [it.key]: !isOpen(it) }));
  /** Opens the event's flow centred on it; coming back, the list is here with it selected. */
  const openFlow = (it: Item, e: EventRow): void => {
    if (e.flow === null) return;
    if (memo) memo.current = { scrollTop: scrollTop.current, selected: it.key, expanded, showInfo };
    nav.openFlow(e.flow, e.time);
  };
  // (a memo is for one coming back: used, it is dropped)
  useEffect(() => {
    if (memo) memo.current = null;
  }, []);

  const eventOf = (it: Item): EventRow | null => (it.t === 'event' ? it.e : it.t === 'kind-event' ? pages.get(it.kind, it.j) : null);
  const render = (i: number): ReactNode => {
    const it = items[i];
    switch (it.t) {
      case 'section':
        return (
          <h3 className="breaks-section" data-testid={it.id === 'incidents' ? 'breaks-incidents' : 'breaks-no-incident'}>
            {it.text}
          </h3>
        );
      case 'incident':
        return <IncidentGroup inc={it.inc} base={base} expanded={isOpen(it)} onToggle={incident !== null ? undefined : () => toggle(it)} detailed={incident !== null} />;
      case 'kind':
        return <KindHead g={it.g} count={it.count} expanded={isOpen(it)} onToggle={() => toggle(it)} />;
      case 'event':
        return <EventItem e={it.e} base={base} onOpen={() => openFlow(it, it.e)} prev={it.prev} />;
      case 'kind-event': {
        const e = pages.get(it.kind, it.j);
        return e ? <EventItem e={e} base={base} onOpen={() => openFlow(it, e)} prev={it.j > 0 ? (pages.get(it.kind, it.j - 1)?.time ?? null) : null} /> : <EventPlaceholder />;
      }
      case 'empty':
        return <p className="card muted">{it.text}</p>;
    }
  };
  const activate = (i: number): void => {
    const it = items[i];
    if ((it.t === 'incident' && incident === null) || it.t === 'kind') toggle(it);
    else {
      const e = eventOf(it);
      if (e) openFlow(it, e);
    }
  };

  const infoCount = summary.eventsByKind.filter((k) => k.severity === 'info').reduce((n, k) => n + k.count, 0);
  return (
    <section className="breaks-view" data-testid="breaks-list" data-incident={incident ?? undefined}>
      <div className="toolbar">
        {incident !== null ? (
          <>
            <h2>{shown ? `Incident #${shown.id} of ${fmtCount(incidents!.length)}: ${shown.title}` : `Incident #${incident}`}</h2>
            <span className="spacer" />
            <button onClick={() => nav.show('breaks')} data-testid="breaks-show-all">
              ← All breaks and warnings
            </button>
          </>
        ) : (
          <>
            <h2>
              Breaks ({fmtCount(summary.breaks)}) and warnings ({fmtCount(summary.warnings)})
            </h2>
            <span className="spacer" />
            {infoCount > 0 && (
              <label>
                <input type="checkbox" checked={showInfo} onChange={(e) => setShowInfo(e.target.checked)} /> show info events ({fmtCount(infoCount)})
              </label>
            )}
          </>
        )}
      </div>
      {incidentsQ.error ? (
        <p className="card error-card">{incidentsQ.error}</p>
      ) : (
        incidents && (
          <MeasuredList
            count={items.length}
            itemKey={itemKey}
            estimate={estimate}
            render={render}
            height="calc(100vh - 132px)"
            className="breaks-body"
            label={incident !== null ? `Incident #${incident}'s events` : 'Breaks and warnings'}
            testId="breaks-scroller"
            selected={selected}
            onSelect={(i) => setSelKey(items[i].key)}
            onActivate={activate}
            onRange={onRange}
            scrollTo={target}
            initialScrollTop={back?.scrollTop}
            onScrolled={(top) => (scrollTop.current = top)}
            stickyHead={stickyHead}
          />
        )
      )}
    </section>
  );
}

/** The head of a kind's group of events in no incident: severity, title, kind, count, explanation. */
function KindHead({ g, count, expanded, onToggle }: { g: KindCount; count: number; expanded: boolean; onToggle: () => void }) {
  return (
    <article className={`card kind-group sev-border-${g.severity}`} id={`kind-${g.kind}`} data-kind={g.kind} data-testid="kind-group" data-count={count}>
      <header onClick={onToggle} className="clickable" aria-expanded={expanded}>
        <span className={`badge ${g.severity}`}>{g.severity}</span> <b>{g.title}</b> <code className="muted">{g.kind}</code>
        <span className="spacer" />
        <span className="num">{fmtCount(count)}</span> <span aria-hidden>{expanded ? '▾' : '▸'}</span>
      </header>
      <p className="explanation">{g.explanation}</p>
      {g.reference && <p className="muted small">Reference: {g.reference}</p>}
    </article>
  );
}
