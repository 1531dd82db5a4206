// Draws the flow view's charts once, off screen, while the app is idle after a capture
// opens, then removes them. The first flow a user opens is otherwise the first time the
// browser compiles and runs the chart code (recharts renders in several passes), which
// made that first open ~50 ms slower than every later one.
//
// One chart per idle moment: drawn all four at once, in the idle time the page spends
// waiting for the overview's timeline, the warm-up held the main thread ~100 ms just as
// that answer arrived, and the overview's chart came that much later. Drawn one by one
// (~20–30 ms each), the answer waits at most for one, and the overview's chart still
// finds most of recharts compiled (waiting for no answer at all left it the first chart
// drawn, and slower: README, "Speed and memory", 2026-12-07).
import { useEffect, useState } from 'react';
import type { SeqPoint } from '../../analysis/api';
import { usePalette } from '../theme';
import { InFlightChart, SeqChart } from './Charts';

const POINTS: SeqPoint[] = [0, 1, 2, 3].map((i) => ({
  t: i, frame: i + 1, dir: i % 2, seq: i * 1000, len: 1000, ack: i ? (i - 1) * 1000 : null, win: 65535, flags: i === 0 ? 0x02 : 0x10, kinds: i === 3 ? ['tcp.retransmission'] : [], inFlight: 1000,
}));

/** The charts drawn, one per step: each graph in either direction. */
const STEPS = 4;

/** Set once the charts were drawn in this page: what they compile stays compiled for the page's life. */
let warmed = false;

type IdleWindow = { requestIdleCallback?(cb: () => void, o?: { timeout: number }): number; cancelIdleCallback?(h: number): void };

/** Call `go` when the page is idle; returns a cancel. */
function whenIdle(go: () => void): () => void {
  const w = window as unknown as IdleWindow;
  if (w.requestIdleCallback) {
    const h = w.requestIdleCallback(go, { timeout: 2000 });
    return () => w.cancelIdleCallback!(h);
  }
  const h = window.setTimeout(go, 200);
  return () => window.clearTimeout(h);
}

export function ChartWarmup(): React.ReactNode {
  const palette = usePalette();
  // (mounted again whenever no flow is open: each return from a flow, each capture)
  // 'wait': for the first step; a number: the step drawn now (and, drawn, the wait for the next)
  const [step, setStep] = useState<'wait' | number | 'done'>(warmed ? 'done' : 'wait');
  useEffect(() => {
    if (step === 'done') return;
    const next = step === 'wait' ? 0 : step + 1;
    // (a step's chart stays until the next idle moment, when the next replaces it)
    return whenIdle(() => {
      if (next < STEPS) return setStep(next);
      warmed = true;
      setStep('done');
    });
  }, [step]);
  if (typeof step !== 'number') return null;
  const dir = (step % 2) as 0 | 1;
  return (
    <div aria-hidden="true" data-testid="chart-warmup" data-step={step} style={{ position: 'absolute', left: -10_000, top: 0, width: 600, visibility: 'hidden', pointerEvents: 'none' }}>
      {step < 2 ? (
        <SeqChart width={600} points={POINTS} dir={dir} from={0} to={3} base={0} palette={palette} onZoom={() => undefined} />
      ) : (
        <InFlightChart width={600} points={POINTS} dir={dir} from={0} to={3} base={0} palette={palette} onZoom={() => undefined} />
      )}
    </div>
  );
}
