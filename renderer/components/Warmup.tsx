// Draws the flow view's charts once, off screen, while the app is idle after a capture
// opens, then removes them. The first flow a user opens is otherwise the first time the
// browser compiles and runs the chart code (recharts renders in several passes), which
// made that first open ~50 ms slower than every later one.
import { useEffect, useState } from 'react';
import type { SeqPoint } from '../../analysis/api';
import { usePalette } from '../theme';
import { InFlightChart, SeqChart } from './Charts';

const POINTS: SeqPoint[] = [0, 1, 2, 3].map((i) => ({
  t: i, frame: i + 1, dir: i % 2, seq: i * 1000, len: 1000, ack: i ? (i - 1) * 1000 : null, win: 65535, flags: i === 0 ? 0x02 : 0x10, kinds: i === 3 ? ['tcp.retransmission'] : [], inFlight: 1000,
}));

/** Set once the charts were drawn in this page: what they compile stays compiled for the page's life. */
let warmed = false;

export function ChartWarmup(): React.ReactNode {
  const palette = usePalette();
  // (mounted again whenever no flow is open: each return from a flow, each capture)
  const [phase, setPhase] = useState<'wait' | 'draw' | 'done'>(warmed ? 'done' : 'wait');
  useEffect(() => {
    if (phase === 'wait') {
      const idle = (window as { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number }).requestIdleCallback;
      const start = (): void => setPhase('draw');
      const h = idle ? idle(start, { timeout: 2000 }) : window.setTimeout(start, 200);
      return () => (idle ? (window as unknown as { cancelIdleCallback(h: number): void }).cancelIdleCallback(h) : window.clearTimeout(h));
    }
    if (phase === 'draw') {
      warmed = true;
      const h = window.setTimeout(() => setPhase('done'), 50);
      return () => window.clearTimeout(h);
    }
  }, [phase]);
  if (phase !== 'draw') return null;
  return (
    <div aria-hidden="true" style={{ position: 'absolute', left: -10_000, top: 0, width: 600, visibility: 'hidden', pointerEvents: 'none' }}>
      {[0, 1].map((dir) => (
        <div key={dir}>
          <SeqChart width={600} points={POINTS} dir={dir as 0 | 1} from={0} to={3} base={0} palette={palette} onZoom={() => undefined} />
          <InFlightChart width={600} points={POINTS} dir={dir as 0 | 1} from={0} to={3} base={0} palette={palette} onZoom={() => undefined} />
        </div>
      ))}
    </div>
  );
}
