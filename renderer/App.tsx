// The app shell: start screen, reading progress, and the views (overview, flows,
// breaks, DNS, QUIC, one flow's detail). The session's status is polled: fast while a
// capture is being read, slowly otherwise (so an open from Electron's menu shows up).

import { useCallback, useEffect, useRef, useState } from 'react';
import type { SessionStatus, Summary } from '../analysis/api';
import type { Client } from './client';
import { BreaksView } from './components/BreaksView';
import { CompareView } from './components/CompareView';
import { DnsView } from './components/DnsView';
import { ErrorBoundary } from './components/ErrorBoundary';
import { FlowDetailView } from './components/FlowDetail';
import { FlowsView } from './components/FlowsView';
import { Overview } from './components/Overview';
import { FilteredPackets } from './components/FilteredPackets';
import { ProgressPanel } from './components/ProgressPanel';
import { QuicView } from './components/QuicView';
import { StartScreen } from './components/StartScreen';
import { ChartWarmup } from './components/Warmup';
import { download, stem } from './export';
import type { Nav, ViewName } from './nav';
import { usePalette } from './theme';


const TABS: { view: ViewName; title: string }[] = [
  { view: 'overview', title: 'Overview' },
  { view: 'flows', title: 'Flows' },
  { view: 'packets', title: 'Packets' },
  { view: 'breaks', title: 'Breaks' },
  { view: 'dns', title: 'DNS' },
  { view: 'quic', title: 'QUIC' },
  { view: 'compare', title: 'Compare' },
];

export function App({ client, pollMs = 1000 }: { client: Client; pollMs?: number }) {
  const palette = usePalette();
  const [status, setStatus] = useState<SessionStatus | null>(null);
  const [summary, setSummary] = useState<Summary | null>(null);
  const [view, setView] = useState<ViewName>('overview');
  const [flow, setFlow] = useState<{ id: number; focus: number | null } | null>(null);
  const [flowFilter, setFlowFilter] = useState('');
  const [breakKind, setBreakKind] = useState<string | null>(null);
  const [breakIncident, setBreakIncident] = useState<number | null>(null);
  const [goFrame, setGoFrame] = useState<number | null>(null);
  const [dragging, setDragging] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const loadedGen = useRef(-1);
  const fileInput = useRef<HTMLInputElement | null>(null);

  const poll = useCallback(async () => {
    try {
      const st = await client.status();
      setStatus(st);
      if (st.state === 'ready' && loadedGen.current !== st.generation) {
        loadedGen.current = st.generation;
        const s = await client.summary();
        setSummary(s);
        setView('overview');
        setFlow(null);
        setBreakKind(null);
        setBreakIncident(null);
        setFlowFilter('');
      } else if (st.state !== 'ready' && st.state !== 'loading' && loadedGen.current !== st.generation) {
        loadedGen.current = st.generation;
        setSummary(null);
      }
    } catch (e) {
      setMessage((e as Error).message);
    }
  }, [client]);

  const loading = status?.state === 'loading';
  useEffect(() => {
    void poll();
    const t = setInterval(() => void poll(), loading ? Math.min(pollMs, 150) : pollMs);
    return () => clearInterval(t);
  }, [poll, loading, pollMs]);

  const run = (p: Promise<unknown>): void => {
    setMessage(null);
    p.then(() => poll(), (e: Error) => setMessage(e.message));
  };
  const openFile = (f: File | undefined | null): void => {
    if (f) run(client.openFile(f).then(() => new Promise((r) => setTimeout(r, 50))));
  };

  const nav: Nav = {
    openFlow: (id, focusTime = null) => setFlow({ id, focus: focusTime }),
    show: (v, opts) => {
      setFlow(null);
      setView(v);
      if (opts?.filter !== undefined) setFlowFilter(opts.filter);
      if (v === 'breaks') {
        setBreakKind(opts?.kind ?? null);
        setBreakIncident(opts?.incident ?? null);
      }
      if (v === 'packets') setGoFrame(opts?.frame ?? null);
    },
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape' && flow && !e.defaultPrevented) setFlow(null);
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'o' && client.transport !== 'electron') {
        e.preventDefault();
        fileInput.current?.click();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [flow, client.transport]);

  const exportJson = (): void =>
    run(client.exportJson({}).then((j) => j && download(`${stem(summary?.name ?? null)}.stateline.json`, new Blob([JSON.stringify(j, null, 1)], { type: 'application/json' }))));

  const showData = summary !== null && status?.state !== 'loading';
  return (
    <div
      className={`app${dragging ? ' dragging' : ''}${palette.dark ? ' dark' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        openFile(e.dataTransfer?.files?.[0]);
      }}
    >
      <header className="topbar">
        <span className="brand">Stateline</span>
        {summary && <span className="file" title={summary.name ?? ''}>{summary.name}</span>}
        {showData && (
          <nav className="tabs" role="tablist">
            {TABS.map((t) => (
              <button key={t.view} role="tab" aria-selected={!flow && view === t.view} className={!flow && view === t.view ? 'active' : ''} onClick={() => nav.show(t.view)} data-tab={t.view}>
                {t.title}
                {t.view === 'breaks' && summary.breaks > 0 ? <span className="badge break">{summary.breaks}</span> : null}
              </button>
            ))}
          </nav>
        )}
        <span className="spacer" />
        {showData && (
          <button onClick={exportJson} title="The analysis as JSON, in the format of stateline analyze --json">
            Export JSON
          </button>
        )}
        <button onClick={() => fileInput.current?.click()} title="Open a capture (Ctrl+O)">
          Open…
        </button>
        <input ref={fileInput} type="file" hidden accept=".pcap,.pcapng,.cap,.gz,.pcap.gz,.pcapng.gz" onChange={(e) => {
          openFile(e.target.files?.[0]);
          e.target.value = '';
        }} data-testid="file-input" />
      </header>
      {message && <div className="banner error" role="alert">{message}</div>}
      <main>
        {/* One boundary per view, new for each view and capture: a bad value shows an error there, not a blank app. */}
        {status?.state === 'loading' ? (
          <ErrorBoundary key="progress" name="Reading progress">
            <ProgressPanel status={status} onCancel={() => run(client.cancel({}))} />
          </ErrorBoundary>
        ) : showData ? (
          <ErrorBoundary key={`${status?.generation}:${flow ? `flow ${flow.id}` : view}`} name={flow ? `Flow ${flow.id}` : TABS.find((t) => t.view === view)!.title}>
            {flow ? (
              <FlowDetailView key={flow.id} client={client} id={flow.id} focus={flow.focus} summary={summary} nav={nav} onBack={() => setFlow(null)} />
            ) : view === 'overview' ? (
              <Overview client={client} summary={summary} nav={nav} />
            ) : view === 'flows' ? (
              <FlowsView client={client} summary={summary} nav={nav} filter={flowFilter} onFilter={setFlowFilter} generation={status?.generation ?? 0} />
            ) : view === 'breaks' ? (
              <BreaksView key={breakIncident ?? 'all'} client={client} summary={summary} nav={nav} kind={breakKind} incident={breakIncident} />
            ) : view === 'packets' ? (
              <section className="view packets-view">
                <FilteredPackets client={client} base={summary.capture.start ?? 0} frame={goFrame} listHeight={340} />
              </section>
            ) : view === 'dns' ? (
              <DnsView client={client} summary={summary} nav={nav} />
            ) : view === 'compare' ? (
              <CompareView client={client} summary={summary} nav={nav} palette={palette} />
            ) : (
              <QuicView client={client} summary={summary} nav={nav} />
            )}
          </ErrorBoundary>
        ) : (
          <ErrorBoundary key="start" name="The start screen">
            <StartScreen client={client} status={status} onOpenClick={() => fileInput.current?.click()} run={run} />
          </ErrorBoundary>
        )}
      </main>
      {showData && !flow && (
        <ErrorBoundary key={summary.name ?? ''} name="Chart warm-up" quiet>
          <ChartWarmup />
        </ErrorBoundary>
      )}
    </div>
  );
}
