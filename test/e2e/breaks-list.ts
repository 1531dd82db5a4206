// The Breaks view's list, read whole from the browser: it is virtualized (only what is
// in view is in the DOM), so a test that wants every line scrolls it from the top to the
// end and gathers each line once, by its place in the list (data-index).
import type { Page } from 'playwright-core';

/** One line of the list: a section header, a group's head, or an event. */
export interface ListedLine {
  index: number;
  /** 'breaks-incidents', 'breaks-no-incident', 'incident-group', 'kind-group', 'break-item' */
  testId: string;
  frame: number | null;
  kind: string | null;
  /** An event's incident ('' when in none), or a group's. */
  incident: string | null;
}

/** Every line of the Breaks list, in order (each event's page read before it is gathered). */
export async function listBreaks(page: Page): Promise<ListedLine[]> {
  await page.getByTestId('breaks-scroller').waitFor();
  return page.getByTestId('breaks-scroller').evaluate(async (body) => {
    const frame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));
    /** Until the lines drawn cover the view (the list draws after its scroll event, when the page is busy, later). */
    const frameDone = async (): Promise<void> => {
      for (let t = 0; t < 300; t++) {
        await frame();
        const view = body.getBoundingClientRect();
        const boxes = [...body.querySelectorAll('.ml-item')].map((el) => el.getBoundingClientRect());
        if (boxes.length && Math.min(...boxes.map((b) => b.top)) <= view.top + 1 && Math.max(...boxes.map((b) => b.bottom)) >= view.top + Math.min(body.clientHeight, body.scrollHeight - body.scrollTop) - 1) return;
      }
    };
    const lines = new Map<number, ListedLine>();
    body.scrollTop = 0;
    await frameDone();
    for (;;) {
      // wait out the pages still being read
      for (let t = 0; body.querySelector('.event-loading') && t < 400; t++) await new Promise((r) => setTimeout(r, 25));
      for (const item of body.querySelectorAll<HTMLElement>('.ml-item')) {
        const el = item.firstElementChild as HTMLElement | null;
        if (!el) continue;
        const frame = el.getAttribute('data-frame');
        lines.set(Number(item.dataset.index), { index: Number(item.dataset.index), testId: el.getAttribute('data-testid') ?? '', frame: frame === null ? null : Number(frame), kind: el.getAttribute('data-kind'), incident: el.getAttribute('data-incident') });
      }
      if (body.scrollTop + body.clientHeight >= body.scrollHeight - 1) break;
      body.scrollTop += Math.max(50, body.clientHeight - 40);
      await frameDone();
    }
    return [...lines.values()].sort((a, b) => a.index - b.index);
  });
}

/** The frames of the listed events that pass `keep`. */
export const framesOf = (lines: ListedLine[], keep: (l: ListedLine) => boolean = () => true): number[] => lines.filter((l) => l.testId === 'break-item' && keep(l)).map((l) => l.frame!);
