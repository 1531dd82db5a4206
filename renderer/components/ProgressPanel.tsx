// Reading progress: bytes and packets while the file is read, then the phase that
// follows (finishing flows, building indexes), which on a large capture takes seconds
// after the last byte: the bar turns indeterminate and says what runs, never "99%".
import type { SessionStatus } from '../../analysis/api';
import { fmtBytes, plural } from '../format';

const PHASES = { reading: 'Reading', finishing: 'Finishing flows', indexing: 'Building indexes' } as const;
const PHASE_NOTE = {
  reading: '',
  finishing: 'every byte is read; the trackers close what is still open (transactions, idle connections, QUIC decryption)',
  indexing: 'building the tables the views query (flows, events, incidents)',
} as const;

export function ProgressPanel({ status, onCancel }: { status: SessionStatus; onCancel(): void }) {
  const { bytesRead, totalBytes, packets } = status.progress;
  const phase = status.progress.phase ?? 'reading';
  const frac = phase === 'reading' && totalBytes ? Math.min(1, bytesRead / totalBytes) : null;
  return (
    <section className="progress-panel" data-testid="progress" data-phase={phase}>
      <h2>
        {PHASES[phase]} {status.name}
      </h2>
      <progress max={1} value={frac ?? undefined} aria-label={`${PHASES[phase]} progress`} />
      <p data-testid="progress-text">
        {phase === 'reading' ? (
          <>
            {fmtBytes(bytesRead)}
            {totalBytes ? ` of ${fmtBytes(totalBytes)} (${Math.min(99, Math.floor((frac ?? 0) * 100))}%)` : ''}
          </>
        ) : (
          <>{PHASE_NOTE[phase]}</>
        )}{' '}
        · {plural(packets, 'packet')} · {(status.elapsedMs / 1000).toFixed(1)} s
      </p>
      <button onClick={onCancel}>Cancel</button>
    </section>
  );
}
