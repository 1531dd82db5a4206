// A windowed list whose items have different heights (the Breaks view: group cards of a
// few lines, then one-line events): only the items in view, plus a few either side, are
// in the DOM. An item is laid out at its estimated height until it has been drawn, then
// at its measured one (a ResizeObserver on each drawn item, so a card that opens its
// details grows in place); when an item above the view changes height, the scroll
// position moves by as much, so what is in view stays put; a list scrolled to its end stays
// at its end.
// A group's head can stay at the top while its items scroll past (stickyHead).
// Keyboard: ↑/↓, PageUp/PageDown, Home/End move the selection, Enter or Space activates
// it (the owner decides what that does). The selection is the owner's (by index).
//
// (VirtualTable is the fixed-row-height table of the other views; this list has no
// columns. Chromium caps an element's height at 2^24 px: some 600,000 one-line items.)

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useViewHeight } from '../hooks';

export interface MeasuredListProps {
  count: number;
  /** Stable per item (heights are remembered by key, across a change of the list). */
  itemKey(i: number): string;
  /** The height (px) an item is laid out at before it is measured. */
  estimate(i: number): number;
  render(i: number, selected: boolean): ReactNode;
  height: number | string;
  label: string;
  testId?: string;
  className?: string;
  selected: number;
  onSelect(i: number): void;
  /** Enter or Space on the selected item. */
  onActivate?(i: number): void;
  /** The items drawn changed: [first, last]. */
  onRange?(first: number, last: number): void;
  /** Scroll so that this item is at the top; a new `seq` scrolls again. */
  scrollTo?: { index: number; seq: number } | null;
  /** The scroll position to start at (a view coming back). */
  initialScrollTop?: number;
  onScrolled?(top: number): void;
  /**
   * A line kept at the top of the view while items of a group scroll past it: given the
   * item at the top edge, its group's head (null: none, e.g. the head itself is in view).
   */
  stickyHead?(top: number): ReactNode;
}

/** Items drawn beyond each edge of the view. */
const OVERSCAN = 6;

/** The first i with off[i + 1] > y (off: the items' top edges, off[count] the total height). */
function itemAt(off: Float64Array, count: number, y: number): number {
  let lo = 0, hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (off[mid + 1] > y) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function MeasuredList(p: MeasuredListProps): ReactNode {
  const bodyRef = useRef<HTMLDivElement | null>(null);
  const heights = useRef(new Map<string, number>());
  const [version, setVersion] = useState(0);
  const [scrollTop, setScrollTop] = useState(p.initialScrollTop ?? 0);
  const viewH = useViewHeight(bodyRef);
  const frame = useRef(0);
  /**
   * Where to put the scroll position once the list is laid out again (items above the
   * view changed height): an absolute position, since a list that shrank has had its
   * scroll position clamped by then.
   */
  const shiftTo = useRef<number | null>(null);

  const { count, itemKey, estimate } = p;
  const off = useMemo(() => {
    const o = new Float64Array(count + 1);
    for (let i = 0; i < count; i++) o[i + 1] = o[i] + (heights.current.get(itemKey(i)) ?? estimate(i));
    return o;
    // version: a measured height changed
  }, [count, itemKey, estimate, version]);
  const offRef = useRef(off);
  offRef.current = off;

  // One observer for every drawn item: a new height is remembered; one above the view
  // moves the scroll position by its change.
  const observer = useMemo(
    () =>
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver((entries) => {
            const el = bodyRef.current;
            let changed = false;
            let above = 0;
            for (const en of entries) {
              const item = en.target as HTMLElement;
              const key = item.dataset.key!;
              const h = item.offsetHeight;
              const before = heights.current.get(key) ?? Number(item.dataset.estimate);
              if (h === 0 || h === heights.current.get(key)) continue;
              heights.current.set(key, h);
              changed = true;
              if (el && Number(item.dataset.top) + before <= el.scrollTop + 1) above += h - before;
            }
            if (!changed) return;
            // at the end, the list stays at its end (an item in view that grew would push the last one out)
            if (el && el.scrollTop > 0 && el.scrollTop + el.clientHeight >= el.scrollHeight - 1) shiftTo.current = Infinity;
            else if (el && above !== 0) shiftTo.current = (shiftTo.current ?? el.scrollTop) + above;
            setVersion((v) => v + 1);
          }),
    [],
  );
  useEffect(() => () => observer?.disconnect(), [observer]);
  // (after the list has its new height: before, a move past the old end would be cut short)
  useLayoutEffect(() => {
    const el = bodyRef.current;
    if (!el || shiftTo.current === null) return;
    el.scrollTop = Number.isFinite(shiftTo.current) ? shiftTo.current : el.scrollHeight;
    shiftTo.current = null;
    setScrollTop(el.scrollTop);
  }, [version]);
  // After each render: observe the items just drawn, stop observing those gone.
  const observed = useRef(new Set<Element>());
  useLayoutEffect(() => {
    const body = bodyRef.current;
    if (!observer || !body) return;
    for (const el of observed.current) {
      if (!el.isConnected) {
        observer.unobserve(el);
        observed.current.delete(el);
      }
    }
    for (const el of body.querySelectorAll(':scope > .ml-spacer > .ml-item')) {
      if (!observed.current.has(el)) {
        observer.observe(el);
        observed.current.add(el);
      }
    }
  });

  // Where a view coming back was, with its selection in view.
  useLayoutEffect(() => {
    const el = bodyRef.current;
    if (el && p.initialScrollTop) el.scrollTop = p.initialScrollTop;
    if (p.selected >= 0) reveal(p.selected);
  }, []);
  const target = p.scrollTo;
  useLayoutEffect(() => {
    const el = bodyRef.current;
    if (!el || !target || target.index < 0 || target.index >= count) return;
    el.scrollTop = offRef.current[target.index];
    setScrollTop(el.scrollTop);
  }, [target?.index, target?.seq, count > 0]);

  const { onScrolled } = p;
  const onScroll = useCallback(() => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const el = bodyRef.current;
      if (!el) return;
      setScrollTop(el.scrollTop);
      onScrolled?.(el.scrollTop);
    });
  }, [onScrolled]);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const first = count ? Math.max(0, itemAt(off, count, scrollTop) - OVERSCAN) : 0;
  const last = count ? Math.min(count - 1, itemAt(off, count, scrollTop + viewH) + OVERSCAN) : -1;
  const { onRange } = p;
  useEffect(() => {
    if (last >= first) onRange?.(first, last);
  }, [first, last, onRange]);

  /** Scrolls item i into view (its top edge, when taller than the view). */
  const reveal = (i: number): void => {
    const el = bodyRef.current;
    if (!el) return;
    const top = off[i], bottom = off[i + 1];
    if (top < el.scrollTop || bottom - top > el.clientHeight) el.scrollTop = top;
    else if (bottom > el.scrollTop + el.clientHeight) el.scrollTop = bottom - el.clientHeight;
    setScrollTop(el.scrollTop);
  };

  const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (count === 0 || e.target !== e.currentTarget) return;
    const sel = p.selected;
    let next: number;
    switch (e.key) {
      case 'ArrowDown': next = Math.min(count - 1, sel + 1); break;
      case 'ArrowUp': next = Math.max(0, sel - 1); break;
      case 'PageDown': next = sel < 0 ? 0 : Math.min(count - 1, itemAt(off, count, off[sel] + viewH)); break;
      case 'PageUp': next = sel < 0 ? 0 : itemAt(off, count, Math.max(0, off[sel] - viewH)); break;
      case 'Home': next = 0; break;
      case 'End': next = count - 1; break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        if (sel >= 0) p.onActivate?.(sel);
        return;
      default:
        return;
    }
    e.preventDefault();
    p.onSelect(next);
    reveal(next);
  };

  const items: ReactNode[] = [];
  for (let i = first; i <= last; i++) {
    const key = itemKey(i);
    items.push(
      <div
        key={key}
        className={`ml-item${i === p.selected ? ' selected' : ''}`}
        style={{ transform: `translateY(${off[i]}px)` }}
        data-key={key}
        data-index={i}
        data-top={off[i]}
        data-estimate={estimate(i)}
        role="listitem"
        aria-setsize={count}
        aria-posinset={i + 1}
        aria-selected={i === p.selected}
        onClick={() => p.onSelect(i)}
      >
        {p.render(i, i === p.selected)}
      </div>,
    );
  }
  return (
    <div
      ref={bodyRef}
      className={`ml-body${p.className ? ' ' + p.className : ''}`}
      style={{ height: p.height }}
      tabIndex={0}
      role="list"
      aria-label={p.label}
      data-testid={p.testId}
      data-count={count}
      onScroll={onScroll}
      onKeyDown={onKey}
      onFocus={(e) => {
        if (e.target === e.currentTarget && p.selected < 0 && count > 0) p.onSelect(itemAt(off, count, scrollTop));
      }}
    >
      {p.stickyHead && count > 0 && (
        // a sticky box of no height: its line overlays the items, the spacer does not move
        <div className="ml-sticky">{p.stickyHead(itemAt(off, count, scrollTop))}</div>
      )}
      <div className="ml-spacer" style={{ height: off[count] }}>
        {items}
      </div>
    </div>
  );
}
