// A windowed table: only the rows in view (plus a few) are in the DOM, so 100,000 rows
// scroll as smoothly as 100. Rows come from a `getRow(index)` that may return null
// while its page is loading (`onRange` tells the owner which rows are wanted).
// Keyboard: ↑/↓, PageUp/PageDown, Home/End move the selection, Enter opens. Focusing the
// table (one Tab from the tab bar) selects its first row when none is; the selection is
// kept on Esc (Esc goes back, as elsewhere in the app), and through a flow and back.
// A row's render gets its index (a "since previous" time reads the row before).
//
// A fling faster than a view a frame (every row in view is a new one at each frame, too
// fast to read) draws the rows as a placeholder, as while their page loads: laying out
// ~35 rows of text a frame costs more than a frame (issue 15: scroll p95 ≤ 17 ms). The
// first frame without a scroll, or slower than that, draws them again. The placeholder
// lies over the body, outside the scrolled element, and the fling's frames after its
// first render nothing: the scrolled content is then empty, so a frame draws only the
// scrollbar (a placeholder inside it, even held in place, was drawn again in full at each
// frame by the compositor: ~4 ms of a software-drawn frame's 16.7).
//
// Browsers clamp an element's height (Chromium at 2^24 px: 700,000 rows of 24 px), so a
// list taller than MAX_SCROLL_PX scrolls a spacer of that height and maps its scroll
// position onto the rows linearly (`k` virtual pixels per scrolled pixel): a million
// packets stay reachable to the last.

import { memo, useCallback, useEffect, useRef, useState, type CSSProperties, type KeyboardEvent, type ReactNode } from 'react';
import { useViewHeight } from '../hooks';

export interface Column<T> {
  key: string;
  title: string;
  width: number | string;
  align?: 'left' | 'right';
  render(row: T, index: number): ReactNode;
  sortable?: boolean;
}

export interface VirtualTableProps<T> {
  columns: Column<T>[];
  total: number;
  getRow(index: number): T | null;
  rowHeight?: number;
  height?: number | string;
  onRange?(first: number, last: number): void;
  onOpen?(row: T, index: number): void;
  /** A row became the selected one (click, arrow keys). */
  onSelect?(row: T, index: number): void;
  /** Whether a single click opens the row (default true); with false, double-click or Enter opens it. */
  openOnClick?: boolean;
  sort?: { key: string; dir: 'asc' | 'desc' } | null;
  onSort?(key: string): void;
  testId?: string;
  rowTestId?: string;
  rowClass?(row: T): string | undefined;
  label: string;
  empty?: ReactNode;
  /**
   * The selected row, when the owner controls it (go to frame): a change selects and
   * reveals that row. Clicks and keys still move it, through onSelect.
   */
  selected?: number | null;
  /** Scroll so that this row is at the top (a change scrolls; the selection stays). */
  scrollTo?: number | null;
  /** The selected row to start with (a view coming back keeps its selection). */
  initialSelected?: number;
}

/** The tallest spacer (px); beyond, the scroll position is scaled onto the rows. */
const MAX_SCROLL_PX = 8_000_000;

export function VirtualTable<T>(p: VirtualTableProps<T>): ReactNode {
  const rh = p.rowHeight ?? 26;
  const bodyRef = useRef<HTMLDivElement | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [sel, setSel] = useState(p.initialSelected ?? -1);
  const frame = useRef(0);
  /** Flinging: the last scroll moved more than a view; the rows are drawn as placeholders. */
  const [fling, setFling] = useState(false);
  /** The body's box in the table (its client area, without the scrollbar) when a fling began: where its placeholder goes. */
  const flingBox = useRef({ top: 0, left: 0, width: 0 });
  /** The scroll position drawn last, and the count of scroll frames (a settle check sees whether one came since). */
  const shown = useRef({ top: 0, scrolls: 0, settle: 0, flinging: false });
  const viewH = useViewHeight(bodyRef);

  const overscan = 4;
  const fullH = p.total * rh;
  const spacerH = Math.min(fullH, MAX_SCROLL_PX);
  const k = fullH > spacerH && spacerH > viewH ? (fullH - viewH) / (spacerH - viewH) : 1;
  /** The scroll position in the rows' own pixels. */
  const vtop = scrollTop * k;
  const first = Math.max(0, Math.floor(vtop / rh) - overscan);
  const last = Math.min(p.total - 1, Math.ceil((vtop + viewH) / rh) + overscan);
  const { onRange } = p;
  // (not the rows a fling passes: they are not drawn, and their pages would queue the ones it stops at)
  useEffect(() => {
    if (p.total > 0 && !fling) onRange?.(first, last);
  }, [first, last, p.total, onRange, fling]);
  useEffect(() => {
    // (not while the rows are still loading: total 0 would drop a selection given at mount)
    if (p.total > 0 && sel >= p.total) setSel(p.total - 1);
  }, [p.total, sel]);
  const topRow = p.scrollTo;
  /** Draw the rows at this scroll position, not a fling's placeholder (a slow scroll, a fling that stopped, a jump the table made itself). */
  const show = (top: number): void => {
    shown.current.top = top;
    shown.current.flinging = false;
    setFling(false);
    setScrollTop(top);
  };
  useEffect(() => {
    const el = bodyRef.current;
    if (!el || topRow === undefined || topRow === null || topRow < 0) return;
    el.scrollTop = (topRow * rh) / k;
    show(el.scrollTop);
  }, [topRow, p.total > 0]);
  const wanted = p.selected;
  useEffect(() => {
    if (wanted === undefined || wanted === null || wanted < 0) return;
    setSel(wanted);
    reveal(wanted); // (reads only the body's size and scroll)
  }, [wanted, p.total > 0]);

  // The view's height in scrolled pixels, for the scroll handler (set at each render).
  const viewScrolled = useRef(viewH);
  viewScrolled.current = viewH / k;
  useEffect(() => () => cancelAnimationFrame(shown.current.settle), []);
  const onScroll = useCallback(() => {
    shown.current.scrolls++;
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const el = bodyRef.current;
      if (!el) return;
      const s = shown.current;
      const top = el.scrollTop;
      const fast = Math.abs(top - s.top) > viewScrolled.current;
      s.top = top;
      if (!fast) return show(top);
      // A fling's first frame draws the placeholder; the next ones render nothing (the
      // rows it passes are not drawn): the scroll position is taken when it ends.
      if (!s.flinging) {
        s.flinging = true;
        // (read in a frame callback, before anything has changed the layout since the last frame)
        flingBox.current = { top: el.offsetTop, left: el.offsetLeft, width: el.clientWidth };
        setFling(true);
      }
      // the fling is over when a frame passes with no scroll: draw the rows then (a scroll
      // in that frame checks again, after its own)
      cancelAnimationFrame(s.settle);
      const seen = s.scrolls;
      s.settle = requestAnimationFrame(() => {
        if (s.scrolls === seen) show(bodyRef.current?.scrollTop ?? s.top);
      });
    });
  }, []);

  // A selection given at mount (a view coming back) is scrolled into view.
  useEffect(() => {
    if (p.initialSelected !== undefined && p.initialSelected >= 0) reveal(p.initialSelected);
  }, []);

  const reveal = (i: number): void => {
    const el = bodyRef.current;
    if (!el) return;
    const top = i * rh;
    const v = el.scrollTop * k;
    if (top < v) el.scrollTop = top / k;
    else if (top + rh > v + el.clientHeight) el.scrollTop = (top + rh - el.clientHeight) / k;
    show(el.scrollTop);
  };

  const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (p.total === 0) return;
    const pageRows = Math.max(1, Math.floor(viewH / rh) - 1);
    let next = sel;
    switch (e.key) {
      case 'ArrowDown': next = Math.min(p.total - 1, sel + 1); break;
      case 'ArrowUp': next = Math.max(0, sel - 1); break;
      case 'PageDown': next = Math.min(p.total - 1, Math.max(0, sel) + pageRows); break;
      case 'PageUp': next = Math.max(0, sel - pageRows); break;
      case 'Home': next = 0; break;
      case 'End': next = p.total - 1; break;
      case 'Enter': {
        const row = sel >= 0 ? p.getRow(sel) : null;
        if (row && p.onOpen) p.onOpen(row, sel);
        e.preventDefault();
        return;
      }
      default:
        return;
    }
    e.preventDefault();
    setSel(next);
    reveal(next);
    const row = next >= 0 ? p.getRow(next) : null;
    if (row) p.onSelect?.(row, next);
  };

  const template = p.columns.map((c) => (typeof c.width === 'number' ? `${c.width}px` : c.width)).join(' ');
  // The rows' handlers read the latest props through a ref: a row's own props stay the
  // same while it stays in view, and a memoised row is not rendered again.
  const live = useRef({ p, setSel });
  live.current = { p, setSel };
  // Each row in view keeps its DOM element while it stays in view, and a row scrolled in
  // takes the element of one scrolled out (keyed by index modulo `slots`, even so that a
  // slot's stripe stays): a scroll changes the rows' text, not the elements. A fling draws
  // no rows, only one placeholder over the view with the rows' stripes, so that its
  // frames lay out, render and draw nothing but the scrollbar.
  const slots = 2 * (Math.ceil(viewH / rh) + 2 * overscan + 2);
  const rows: ReactNode[] = [];
  if (!fling)
    for (let i = first; i <= last; i++) {
      const row = p.getRow(i);
      rows.push(<Row<T> key={i % slots} row={row} prev={i > 0 ? p.getRow(i - 1) : null} i={i} rh={rh} template={template} selected={i === sel} extra={row ? p.rowClass?.(row) : undefined} columns={p.columns} testId={p.rowTestId} live={live} />);
    }

  return (
    <div className="vt" data-testid={p.testId} role="table" aria-label={p.label} aria-rowcount={p.total + 1}>
      <div className="vt-head" role="row" style={{ gridTemplateColumns: template }}>
        {p.columns.map((c) => {
          const active = p.sort?.key === c.key;
          return (
            <div key={c.key} role="columnheader" className={`vt-cell${c.align === 'right' ? ' right' : ''}`} aria-sort={active ? (p.sort!.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
              {p.onSort && c.sortable !== false ? (
                <button type="button" className="sort" onClick={() => p.onSort!(c.key)} data-sort={c.key}>
                  {c.title}
                  {active ? (p.sort!.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                </button>
              ) : (
                c.title
              )}
            </div>
          );
        })}
      </div>
      <div
        ref={bodyRef}
        className="vt-body"
        style={{ height: p.height ?? 420 }}
        tabIndex={0}
        onScroll={onScroll}
        onKeyDown={onKey}
        onFocus={(e) => {
          if (e.target !== e.currentTarget || sel >= 0 || p.total === 0) return;
          const i = Math.min(p.total - 1, Math.max(0, Math.floor(scrollTop / rh)));
          setSel(i);
          const row = p.getRow(i);
          if (row) p.onSelect?.(row, i);
        }}
        role="rowgroup"
      >
        <div className="vt-spacer" style={{ height: spacerH }}>
          {/* the rows in view, in order, under one offset (a row has no transform of its own) */}
          <div className="vt-rows" style={{ transform: `translateY(${first * rh - vtop + scrollTop}px)` }}>
            {rows}
          </div>
        </div>
        {p.total === 0 && p.empty ? <div className="vt-empty">{p.empty}</div> : null}
      </div>
      {/* a fling's placeholder: over the body's view (not its scrollbar), outside the scrolled element */}
      {fling && (
        <div
          className="vt-loading vt-fling"
          style={{ top: flingBox.current.top, left: flingBox.current.left, width: flingBox.current.width || undefined, right: flingBox.current.width ? undefined : 0, height: viewH, '--rh': `${rh}px` } as CSSProperties}
          aria-hidden
        />
      )}
    </div>
  );
}

interface RowProps<T> {
  row: T | null;
  /**
   * The row before: a column may read it (the time since the previous
   * packet), and its page arriving after this row's renders this row again.
   */
  prev: T | null;
  i: number;
  rh: number;
  template: string;
  selected: boolean;
  extra: string | undefined;
  columns: Column<T>[];
  testId: string | undefined;
  live: { readonly current: { p: VirtualTableProps<T>; setSel(i: number): void } };
}

/** One row (or its placeholder while its page loads); rendered again only when its props change. */
const Row = memo(function Row<T>({ row, i, rh, template, selected, extra, columns, testId, live }: RowProps<T>) {
  const style = { height: rh, gridTemplateColumns: template };
  if (!row) return <div className="vt-row vt-loading" style={style} role="row" aria-rowindex={i + 2} />;
  return (
    <div
      className={`vt-row${selected ? ' selected' : ''}${i % 2 ? ' odd' : ''}${extra ? ' ' + extra : ''}`}
      style={style}
      role="row"
      aria-rowindex={i + 2}
      aria-selected={selected}
      data-testid={testId}
      data-index={i}
      onMouseDown={(e) => {
        // a double-click opens the row; it must not select its words
        if (e.detail > 1) e.preventDefault();
      }}
      onClick={() => {
        const { p, setSel } = live.current;
        setSel(i);
        p.onSelect?.(row, i);
        if (p.openOnClick !== false) p.onOpen?.(row, i);
      }}
      onDoubleClick={() => {
        const { p } = live.current;
        if (p.openOnClick === false) p.onOpen?.(row, i);
      }}
    >
      {columns.map((c) => (
        <div key={c.key} role="cell" className={`vt-cell${c.align === 'right' ? ' right' : ''}`}>
          {c.render(row, i)}
        </div>
      ))}
    </div>
  );
}) as <T>(props: RowProps<T>) => ReactNode;

/**
 * Page cache for a VirtualTable over a paged API: fetches the blocks a range needs,
 * forgets all when `key` changes (new filter, sort or capture). `settleMs`: wait until
 * the range has stayed that long before fetching (pages that cost the server work — the
 * packet list's, dissected from the file — are not fetched for every block a fling
 * passes through, which would queue the blocks in view behind them).
 */
export function usePagedRows<T>(key: string, fetchPage: (offset: number, limit: number) => Promise<{ total: number; rows: T[] }>, block = 200, settleMs = 0, initial: { total: number; rows: T[] } | null = null) {
  // `initial`: the first block, already in when the table mounts (asked for before it):
  // its rows are drawn in the table's first render, not in one after its fetch resolves.
  const cache = useRef<Map<number, T[]> | null>(null);
  cache.current ??= new Map(initial ? [[0, initial.rows]] : []);
  const seeded = useRef(initial !== null);
  const pending = useRef(new Set<number>());
  const keyRef = useRef(key);
  const [total, setTotal] = useState(initial?.total ?? 0);
  const [, bump] = useState(0);
  const [loaded, setLoaded] = useState(initial !== null);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const load = useCallback((b: number) => {
    if (cache.current!.has(b) || pending.current.has(b)) return;
    pending.current.add(b);
    const k = keyRef.current;
    fetchRef.current(b * block, block).then(
      (pg) => {
        if (k !== keyRef.current) return;
        pending.current.delete(b);
        cache.current!.set(b, pg.rows);
        setTotal(pg.total);
        setLoaded(true);
        bump((x) => x + 1);
      },
      () => pending.current.delete(b),
    );
  }, [block]);

  useEffect(() => {
    keyRef.current = key;
    if (seeded.current) {
      seeded.current = false; // (the mount's key: its first block is the one given)
      return;
    }
    cache.current = new Map();
    pending.current = new Set();
    setLoaded(false);
    load(0);
  }, [key, load]);

  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  const onRange = useCallback((first: number, last: number) => {
    const go = (): void => {
      for (let b = Math.floor(first / block); b <= Math.floor(last / block); b++) load(b);
    };
    if (settleMs <= 0) return go();
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(go, settleMs);
  }, [block, load, settleMs]);

  const getRow = useCallback((i: number): T | null => cache.current!.get(Math.floor(i / block))?.[i % block] ?? null, [block]);
  return { total, getRow, onRange, loaded };
}
