import { useEffect, useState } from 'react';
import type { SessionStatus } from '../../analysis/api';
import type { Client } from '../client';
import { fmtBytes, fmtCount, plural } from '../format';

export function StartScreen({ client, status, onOpenClick, run }: { client: Client; status: SessionStatus | null; onOpenClick(): void; run(p: Promise<unknown>): void }) {
  const [recent, setRecent] = useState<string[]>([]);
  const [path, setPath] = useState('');
  useEffect(() => {
    client.recentFiles({}).then(setRecent, () => setRecent([]));
  }, [client, status?.generation]);

  return (
    <section className="start">
      <h1>Open a packet capture</h1>
      <p className="muted">
        pcap or pcapng, gzip-compressed or not. Stateline rebuilds the state TCP, DNS and QUIC keep, and shows where it was lost.
      </p>
      {status?.state === 'error' && status.error && (
        <div className="card error-card" role="alert" data-testid="open-error">
          <h3>Could not read {status.name ?? 'the capture'}</h3>
          <p>{status.error.message}</p>
          <p className="muted">
            {status.error.frame !== null && <>at frame {status.error.frame} </>}
            {status.error.offset !== null && <>(byte offset {fmtCount(status.error.offset)}) </>}— read before the failure: {fmtBytes(status.progress.bytesRead)}, {plural(status.progress.packets, 'packet')}.
          </p>
        </div>
      )}
      {status?.state === 'cancelled' && (
        <p className="muted" role="status">
          Reading {status.name} was cancelled after {plural(status.progress.packets, 'packet')}.
        </p>
      )}
      <div className="start-actions">
        <button className="primary big" onClick={onOpenClick}>
          Open capture…
        </button>
        {status?.sampleAvailable !== false && (
          <button className="big" data-testid="open-sample" onClick={() => run(client.openSample({}))}>
            Open sample capture
          </button>
        )}
      </div>
      <p className="muted">…or drop a file anywhere on this window.</p>
      {client.transport === 'http' && (
        <form
          className="path-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (path.trim()) run(client.openPath({ path: path.trim() }));
          }}
        >
          <label>
            Path on this machine{' '}
            <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/capture.pcapng" data-testid="open-path" size={48} />
          </label>{' '}
          <button type="submit">Open path</button>
        </form>
      )}
      {recent.length > 0 && (
        <div className="recent">
          <h3>Recent files</h3>
          <ul>
            {recent.map((r) => (
              <li key={r}>
                <button className="link" onClick={() => run(client.openPath({ path: r }))}>
                  {r}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
