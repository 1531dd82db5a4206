// The fling both UI measuring scripts make (bench-ui.mts times it, profile-ui.mts traces
// it): a virtual table's body scrolled 1,500 px a frame for 150 frames. Installed in the
// page as window.__fling(selector) → each frame's interval in ms, so that each script can
// call it inside its own page.evaluate (bench-ui follows it with a jump to the last row
// in the same evaluate, with no round trip between them).
import type { Page } from 'playwright-core';

declare global {
  interface Window {
    /** Installed by installFling: fling the table body `sel`; each frame's interval in ms. */
    __fling(sel: string): Promise<number[]>;
  }
}

export const FLING_FRAMES = 150;
export const FLING_STEP_PX = 1500;

export async function installFling(page: Page): Promise<void> {
  await page.addInitScript(([frames, step]) => {
    window.__fling = async (sel: string) => {
      const body = document.querySelector(sel) as HTMLElement;
      const times: number[] = [];
      let last = performance.now();
      for (let i = 0; i < frames; i++) {
        body.scrollTop += step;
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      return times;
    };
  }, [FLING_FRAMES, FLING_STEP_PX] as const);
}
