// The packet list with its display filter: the filter box (DisplayFilter) in the list's
// toolbar slot, the filter's pass over the capture first (its progress polled,
// cancellable), then the matching rows, which the host answers from the pass's cache.
// The same for one flow (the flow detail) and for the whole capture (the Packets tab).

import { memo, useEffect, useMemo, useState } from 'react';
import type { Page, PacketRow } from '../../analysis/api';
import type { Client } from '../client';
import { fmtCount } from '../format';
import { DisplayFilter } from './DisplayFilter';
import { PacketsPane } from './Packets';

/** What the applied display filter's pass says: running (with progress), its count, or why it failed. */
type FilterState = { state: 'none' } | { state: 'running'; percent: number | null } | { state: 'done'; total: number } | { state: 'failed'; message: string };

// (memo: a flow's charts redrawn for a new zoom do not draw its packet list again)
export const FilteredPackets = memo(function FilteredPackets({ client, flow, base, tcp, at, frame, listHeight, firstPage }: { client: Client; flow?: number; base: number; tcp?: boolean; at?: number | null; frame?: number | null; listHeight?: number; firstPage?: Promise<Page<PacketRow>> }) {
  const [filter, setFilter] = useState('');
  const [fstate, setFstate] = useState<FilterState>({ state: 'none' });
  const scope = useMemo(() => (flow === undefined ? {} : { flow }), [flow]);
  useEffect(() => {
    if (!filter) {
      setFstate({ state: 'none' });
      return;
    }
    let live = true;
    setFstate({ state: 'running', percent: null });
    const poll = setInterval(() => {
      client.filterProgress().then((p) => {
        if (live && p && p.filter === filter) setFstate({ state: 'running', percent: p.totalBytes ? Math.round((100 * p.bytesRead) / p.totalBytes) : null });
      }, () => undefined);
    }, 250);
    client
      .packets({ ...scope, filter, limit: 0 })
      .then(
        (pg) => live && setFstate({ state: 'done', total: pg.total }),
        (e: Error) => live && setFstate({ state: 'failed', message: e.message }),
      )
      .finally(() => clearInterval(poll));
    return () => {
      live = false;
      clearInterval(poll);
    };
  }, [client, scope, filter]);
  const ready = fstate.state === 'done';
  const pages = useMemo(
    () =>
      filter
        ? {
            key: `f:${flow ?? 'all'}|${ready ? filter : '…'}`,
            fetch: (offset: number, limit: number): Promise<Page<PacketRow>> =>
              ready ? client.packets({ ...scope, filter, offset, limit }) : new Promise<never>(() => undefined),
          }
        : undefined,
    [client, scope, flow, filter, ready],
  );
  const toolbar = (
    <div className="filtered-toolbar">
      <DisplayFilter client={client} applied={filter} onApply={setFilter} />
      <p className="muted small df-status" data-testid="display-filter-status" role="status">
        {fstate.state === 'running' && (
          <>
            Filtering{fstate.percent !== null ? ` ${fstate.percent}%` : ''}…{' '}
            <button className="small" onClick={() => void client.cancelFilter()}>
              Cancel
            </button>
          </>
        )}
        {fstate.state === 'done' && `${fmtCount(fstate.total)} ${fstate.total === 1 ? 'packet matches' : 'packets match'} ${filter}`}
        {fstate.state === 'failed' && <span className="df-failed">{fstate.message}</span>}
      </p>
    </div>
  );
  return <PacketsPane client={client} flow={flow} base={base} tcp={tcp} at={at} frame={frame} toolbar={toolbar} pages={pages} listHeight={listHeight} firstPage={firstPage} />;
});
