// One break or warning in a list of the Breaks view: frame, time, message, the frames that
// prove it, and a jump to its flow at that moment.

import type { EventRow } from '../../analysis/api';
import type { Nav } from '../nav';
import { useTimeFormat } from '../hooks';

/** `prev`: the time of the item above (for the "since previous" time format). */
export function EventItem({ e, base, nav, prev = null }: { e: EventRow; base: number; nav: Nav; prev?: number | null }) {
  const time = useTimeFormat(base);
  return (
    <li data-testid="break-item" data-kind={e.kind} data-frame={e.frame} data-incident={e.incident ?? ''}>
      <span className="mono muted">#{e.frame}</span> <span className="mono muted">{time.fmt(e.time, prev)}{time.format === 'relative' ? ' s' : ''}</span> {e.message}
      {e.related.length > 0 && <span className="muted small"> · frames {e.related.join(', ')}</span>}{' '}
      {e.flow !== null && (
        <button className="small" onClick={() => nav.openFlow(e.flow!, e.time)}>
          flow {e.flow} →
        </button>
      )}
    </li>
  );
}
