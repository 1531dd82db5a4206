import { useCallback, useEffect, useMemo, useRef, useState, type PointerEvent as RPointerEvent } from 'react';
import type { FlowRow, FlowSort, FlowSortKey, Summary } from '../../analysis/api';
import type { Nav } from '../nav';
import type { Client } from '../client';
import { download, stem } from '../export';
import { fmtBytes, fmtCount, fmtDuration, fmtRel } from '../format';
import { useTimeFormat } from '../hooks';
import { usePagedRows, VirtualTable, type Column } from './VirtualTable';
import { flowViewPoints } from './FlowDetail';
import { FLOW_PACKET_PAGE } from './Packets';
import { flowAhead, whenAhead } from '../prefetch';

/** How long the pointer (or the keyboard's selection) rests on a row before its flow is asked for ahead. */
const REST_MS = 80;

/**
 * How long a click (or Enter) on a row may wait for the flow's answers before its view
 * opens without them: within it, the view opens drawn; past it, with its placeholders.
 */
const OPEN_WAIT_MS = 150;

/** The flows table. `selected` is kept by the app, so a flow opened and closed (Esc) leaves its row selected. */
export function FlowsView({ client, summary, nav, filter, onFilter, generation, selected = -1, onSelected }: { client: Client; summary: Summary; nav: Nav; filter: string; onFilter(q: string): void; generation: number; selected?: number; onSelected?(i: number): void }) {
  const [text, setText] = useState(filter);
  const [hasBreaks, setHasBreaks] = useState(false);
  const [sort, setSort] = useState<FlowSort>({ key: 'id', dir: 'asc' });
  useEffect(() => setText(filter), [filter]);
  // Debounce typing into the filter.
  useEffect(() => {
    const t = setTimeout(() => text !== filter && onFilter(text), 150);
    return () => clearTimeout(t);
  }, [text, filter, onFilter]);
  const key = JSON.stringify([generation, filter, hasBreaks, sort]);
  const fetchPage = useCallback(
    (offset: number, limit: number) => client.flows({ filter: { q: filter, hasBreaks }, sort, offset, limit }),
    [client, filter, hasBreaks, sort],
  );
  const rows = usePagedRows<FlowRow>(key, fetchPage);
  const base = summary.capture.start ?? 0;
  const time = useTimeFormat(base);
  // the same columns while the time format is the same: a page arriving does not render the rows in view again
  const columns = useMemo<Column<FlowRow>[]>(() => [
    { key: 'id', title: '#', width: 64, align: 'right', render: (r) => r.id },
    { key: 'protocol', title: 'Protocol', width: 84, render: (r) => r.protocol },
    { key: 'client', title: 'Client', width: 'minmax(150px, 1.3fr)', render: (r) => <span className="mono">{r.client}</span> },
    {
      key: 'server',
      title: 'Server',
      width: 'minmax(150px, 1.3fr)',
      // The VLAN IDs are part of the flow's key: the same endpoints on two VLANs are two rows.
      render: (r) => (
        <>
          <span className="mono">{r.server}</span>
          {r.vlan && <VlanTag ids={r.vlan} />}
        </>
      ),
    },
    { key: 'start', title: time.format === 'utc' ? 'Start (UTC)' : 'Start (s)', width: time.format === 'utc' ? 220 : 96, align: 'right', render: (r) => (time.format === 'utc' ? time.fmt(r.start) : fmtRel(r.start, base, 3)) },
    { key: 'duration', title: 'Duration', width: 90, align: 'right', render: (r) => fmtDuration(r.duration) },
    { key: 'packets', title: 'Packets', width: 80, align: 'right', render: (r) => fmtCount(r.packets) },
    { key: 'bytes', title: 'Bytes', width: 90, align: 'right', render: (r) => fmtBytes(r.bytes) },
    { key: 'state', title: 'State', width: 'minmax(120px, 1fr)', render: (r) => <span className="mono" title={r.state}>{r.state || '—'}</span> },
    {
      key: 'breaks',
      title: 'Breaks',
      width: 'minmax(90px, 0.8fr)',
      render: (r) =>
        r.breaks || r.warnings ? (
          <span title={r.kinds.join(', ')}>
            {r.breaks > 0 && <span className="badge break">{r.breaks}</span>}
            {r.warnings > 0 && <span className="badge warning">{r.warnings}</span>} <span className="muted small">{r.kinds.map((k) => k.replace(/^[a-z]+\./, '')).join(' ')}</span>
          </span>
        ) : (
          ''
        ),
    },
  ], [time, base]);
  const onSort = (k: string): void => setSort((s) => ({ key: k as FlowSortKey, dir: s.key === k && s.dir === 'asc' ? 'desc' : 'asc' }));
  // The row the pointer rests on (or the one the keys selected): its flow is asked for
  // ahead, for the view a click (or Enter) opens — as wide as this table (prefetch.ts).
  const section = useRef<HTMLElement | null>(null);
  const rest = useRef<{ index: number; timer: ReturnType<typeof setTimeout> | null }>({ index: -1, timer: null });
  const getRow = rows.getRow;
  const ask = useCallback((index: number): string[] => {
    const row = getRow(index);
    const el = section.current;
    return row && el ? flowAhead(client, row.id, flowViewPoints(Math.floor(el.getBoundingClientRect().width)).maxPoints, FLOW_PACKET_PAGE) : [];
  }, [client, getRow]);
  // A click opens the flow once its answers are in (asked at the press, or by a rest
  // before it), at most OPEN_WAIT_MS later: one render of the whole view, not a view of
  // placeholders drawn first and then each chart again (prefetch.ts). Meanwhile the row
  // shows the click (it is selected); a later click, or leaving the table, cancels.
  const opening = useRef(0);
  useEffect(() => () => void opening.current++, []);
  const open = (row: FlowRow, index: number): void => {
    const my = ++opening.current;
    void whenAhead(ask(index), OPEN_WAIT_MS).then(() => my === opening.current && nav.openFlow(row.id));
  };
  const restOn = useCallback((index: number) => {
    const r = rest.current;
    if (index === r.index) return;
    if (r.timer) clearTimeout(r.timer);
    r.index = index;
    r.timer = index < 0 ? null : setTimeout(() => {
      r.timer = null;
      ask(index);
    }, REST_MS);
  }, [ask]);
  useEffect(() => () => restOn(-1), [restOn]);
  const rowAt = (e: RPointerEvent<HTMLElement>): number => {
    const rowEl = (e.target as Element).closest?.('[data-testid=flow-row]') as HTMLElement | null;
    return rowEl ? Number(rowEl.dataset.index) : -1;
  };
  const onPointerOver = (e: RPointerEvent<HTMLElement>): void => restOn(rowAt(e));
  // A press on a row asks at once (the click that opens the flow comes at its release,
  // ~100 ms later for a hand, a few ms for a test's): the pointer may not have rested.
  const onPointerDown = (e: RPointerEvent<HTMLElement>): void => {
    const index = rowAt(e);
    if (index < 0 || e.button !== 0) return;
    restOn(-1);
    ask(index);
  };
  return (
    <section className="flows-view" ref={section} onPointerOver={onPointerOver} onPointerDown={onPointerDown} onPointerLeave={() => restOn(-1)}>
      <div className="toolbar">
        <input
          type="search"
          className="filter"
          placeholder="Filter: address, :port, tcp|udp|icmp|dns|quic, tcp.refused, vlan:10, breaks"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-label="filter flows"
          data-testid="flow-filter"
        />
        <label>
          <input type="checkbox" checked={hasBreaks} onChange={(e) => setHasBreaks(e.target.checked)} /> has breaks
        </label>
        <span className="muted" data-testid="flow-count">
          {fmtCount(rows.total)} of {fmtCount(summary.flows)} flows
        </span>
        <span className="spacer" />
        <button onClick={() => client.exportFlowsCsv({ filter: { q: filter, hasBreaks }, sort }).then((csv) => download(`${stem(summary.name)}-flows.csv`, new Blob([csv], { type: 'text/csv' })))}>
          Export CSV
        </button>
      </div>
      <VirtualTable<FlowRow>
        label="flows"
        testId="flows-table"
        rowTestId="flow-row"
        columns={columns}
        total={rows.total}
        getRow={rows.getRow}
        onRange={rows.onRange}
        onOpen={open}
        onSelect={(_, i) => {
          onSelected?.(i);
          restOn(i);
        }}
        initialSelected={selected}
        sort={sort}
        onSort={onSort}
        height="calc(100vh - 170px)"
        rowClass={(r) => (r.breaks ? 'has-break' : undefined)}
        empty={rows.loaded ? 'No flow matches the filter.' : 'Loading…'}
      />
    </section>
  );
}

/** A flow's VLAN IDs, outer first ("vlan 300/20"). */
function VlanTag({ ids }: { ids: readonly number[] }) {
  return (
    <span className="vlan-tag" data-testid="flow-vlan" title="802.1Q / 802.1ad VLAN IDs, outer first">
      vlan {ids.join('/')}
    </span>
  );
}
