// One break or warning in the Breaks view's list: frame, time, message, the frames that
// prove it, and a jump to its flow at that moment. One line of a fixed height (the list
// is virtualized, ./MeasuredList); a message too long for it shows whole in its tooltip.

import type { EventRow } from '../../analysis/api';
import { useTimeFormat } from '../hooks';

/** The height (px) of an event's line. */
export const EVENT_ROW_HEIGHT = 28;

/** `onOpen`: its flow, centred on it; `prev`: the time of the item above (for the "since previous" time format). */
export function EventItem({ e, base, onOpen, prev = null }: { e: EventRow; base: number; onOpen: () => void; prev?: number | null }) {
  const time = useTimeFormat(base);
  const text = `${e.message}${e.related.length > 0 ? ` · frames ${e.related.join(', ')}` : ''}`;
  return (
    <div className="event-row" style={{ height: EVENT_ROW_HEIGHT }} data-testid="break-item" data-kind={e.kind} data-frame={e.frame} data-incident={e.incident ?? ''} title={text}>
      <span className="mono muted">#{e.frame}</span> <span className="mono muted">{time.fmt(e.time, prev)}{time.format === 'relative' ? ' s' : ''}</span>{' '}
      <span className="event-text">
        {e.message}
        {e.related.length > 0 && <span className="muted small"> · frames {e.related.join(', ')}</span>}
      </span>
      {e.flow !== null && (
        <button className="small" tabIndex={-1} onClick={onOpen}>
          flow {e.flow} →
        </button>
      )}
    </div>
  );
}

/** A line held for an event whose page is still being read. */
export function EventPlaceholder() {
  return <div className="event-row event-loading" style={{ height: EVENT_ROW_HEIGHT }} aria-busy />;
}
