// Hooks of the views: an element's width or height, an async loader, the user's time format.

import { startTransition, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { fmtTimeAs, type TimeFormatName } from './format';
import { useSettings } from './settings';

/**
 * Width of an element in CSS pixels (charts ask the query layer for that many points),
 * and whether it has been measured yet (so a fetch does not go out for the fallback).
 */
export function useWidth<T extends HTMLElement>(fallback = 800): [React.RefObject<T | null>, number, boolean] {
  const ref = useRef<T | null>(null);
  const [w, setW] = useState(fallback);
  const [measured, setMeasured] = useState(false);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = (): void => {
      const cw = Math.floor(el.getBoundingClientRect().width);
      if (cw > 0) setW(cw);
      setMeasured(true);
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, w, measured];
}

/**
 * Run an async loader when its dependencies change; drops results of stale calls. While
 * a new call runs, the last result stays in `data`. `enabled` false: no call (yet).
 */
/**
 * The inner height of a scrolling element (the virtualized lists draw the rows it
 * holds), kept current as it is resized; `fallback` until it is laid out.
 * Read in the ResizeObserver's callback only, which comes after the browser's own
 * layout (the first one when observing starts): read in the mount's effect, it was a
 * forced layout of the whole view just mounted (~9 ms of a flow's first open), before
 * the charts' renders changed it again.
 */
export function useViewHeight(ref: React.RefObject<HTMLElement | null>, fallback = 400): number {
  const [h, setH] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = (): void => setH(el.clientHeight || fallback);
    if (typeof ResizeObserver === 'undefined') return measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref, fallback]);
  return h;
}

export function useAsync<T>(load: () => Promise<T>, deps: unknown[], enabled = true): { data: T | null; error: string | null; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const my = ++seq.current;
    if (!enabled) return;
    setState((s) => (s.loading ? s : { ...s, loading: true }));
    load().then(
      (data) => my === seq.current && setState({ data, error: null, loading: false }),
      (e: Error) => my === seq.current && setState({ data: null, error: e.message, loading: false }),
    );
  }, [...deps, tick, enabled]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/**
 * `value`, once the frame that shows the render it came in has been painted (`initial`
 * until then): what is drawn with it — a chart below the fold — waits for that frame.
 * React's `useDeferredValue` renders the deferred part right after the urgent commit,
 * often before the browser paints it; a chart of ~30–50 ms mounted there held back the
 * frame with the flow's first view (or a zoom's) by as much. A later value replaces one
 * still waiting.
 */
export function useAfterPaint<T>(value: T, initial: T): T {
  const [shown, setShown] = useState(initial);
  useEffect(() => {
    if (Object.is(shown, value)) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const later = (): void => void (timer = setTimeout(() => startTransition(() => setShown(value)), 0));
    // (a task queued in the frame's animation callbacks runs after that frame is painted)
    if (typeof requestAnimationFrame === 'undefined') {
      later();
      return () => clearTimeout(timer);
    }
    const raf = requestAnimationFrame(later);
    return () => {
      cancelAnimationFrame(raf);
      clearTimeout(timer);
    };
  }, [value, shown]);
  return shown;
}

/**
 * The time formatter of tables and tooltips, in the user's chosen format (settings.ts),
 * and the column title that says which.
 */
export function useTimeFormat(base: number): { fmt(t: number, prev?: number | null): string; title: string; format: TimeFormatName } {
  const { timeFormat } = useSettings();
  return useMemo(
    () => ({
      format: timeFormat,
      fmt: (t: number, prev: number | null = null) => fmtTimeAs(timeFormat, t, base, prev),
      title: timeFormat === 'utc' ? 'Time (UTC)' : timeFormat === 'delta' ? 'Δ time (s)' : 'Time (s)',
    }),
    [timeFormat, base],
  );
}
