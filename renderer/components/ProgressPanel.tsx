import type { SessionStatus } from '../../analysis/api';
import { fmtBytes, fmtCount } from '../format';

export function ProgressPanel({ status, onCancel }: { status: SessionStatus; onCancel(): void }) {
  const { bytesRead, totalBytes, packets } = status.progress;
  const frac = totalBytes ? Math.min(1, bytesRead / totalBytes) : null;
  return (
    <section className="progress-panel" data-testid="progress">
      <h2>Reading {status.name}</h2>
      <progress max={1} value={frac ?? undefined} aria-label="reading progress" />
      <p>
        {fmtBytes(bytesRead)}
        {totalBytes ? ` of ${fmtBytes(totalBytes)} (${Math.round((frac ?? 0) * 100)}%)` : ''} · {fmtCount(packets)} packets ·{' '}
        {(status.elapsedMs / 1000).toFixed(1)} s
      </p>
      <button onClick={onCancel}>Cancel</button>
    </section>
  );
}
