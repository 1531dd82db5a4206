// How a view asks the app to move: open a flow (at a moment), or show another view. The
// views import this, not App (which imports the views).

export type ViewName = 'overview' | 'flows' | 'breaks' | 'dns' | 'quic' | 'compare' | 'packets';

export interface Nav {
  openFlow(id: number, focusTime?: number | null): void;
  /** `kind`, `incident`: the Breaks view opens on that kind, or shows only that incident's events; `frame`: with 'packets', select that frame (go to frame). */
  show(view: ViewName, opts?: { filter?: string; kind?: string; incident?: number; frame?: number }): void;
}
