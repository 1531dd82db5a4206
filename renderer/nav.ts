// How a view asks the app to move: open a flow (at a moment), show another view, or go
// to a frame. The views import this, not App (which imports the views).
//
// Go to frame (Ctrl+G) opens the frame's flow centred on it. A view that lists packets
// itself (a packet list) can take the request instead: it registers a handler with
// `onGoToFrame`, which returns true when it showed the frame.

export type ViewName = 'overview' | 'flows' | 'breaks' | 'dns' | 'quic' | 'compare' | 'packets';

export interface Nav {
  openFlow(id: number, focusTime?: number | null): void;
  /** `kind`, `incident`: the Breaks view opens on that kind, or shows only that incident's events; `frame`: with 'packets', select that frame (go to frame). */
  show(view: ViewName, opts?: { filter?: string; kind?: string; incident?: number; frame?: number }): void;
  /** Show frame N: the registered handler's way, else its flow centred on it. */
  goToFrame(frame: number): void;
}

type FrameHandler = (frame: number) => boolean;
const handlers: FrameHandler[] = [];

/** Take "go to frame" while mounted (the latest registered first); returns the unregister. */
export function onGoToFrame(h: FrameHandler): () => void {
  handlers.unshift(h);
  return () => {
    const i = handlers.indexOf(h);
    if (i >= 0) handlers.splice(i, 1);
  };
}

/** Whether a registered handler showed the frame. */
export function frameHandled(frame: number): boolean {
  return handlers.some((h) => h(frame));
}
