// The app shell: start screen, reading progress, and the views (overview, flows,
// breaks, DNS, QUIC, one flow's detail). The session's status is polled: fast while a
// capture is being read, slowly otherwise (so an open from Electron's menu shows up).
// The top bar, on one line from 1280 px: the tabs (a tablist: ←/→ move between them, Tab
// from the active one goes to the view's table), go to frame (Ctrl+G), the time format,
// the theme (settings.ts), and a File menu (Open…, Close, Export JSON, a key log). The
// file's name gives way first when the bar is short of room; below 1200 px the bar wraps.

import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent as RKeyboardEvent } from 'react';
import type { SessionStatus, Summary } from '../analysis/api';
import type { Client } from './client';
import { BreaksView, type BreaksMemo } from './components/BreaksView';
import { CompareView } from './components/CompareView';
import { DnsView } from './components/DnsView';
import { ErrorBoundary } from './components/ErrorBoundary';
import { FileMenu } from './components/FileMenu';
import { FlowDetailView } from './components/FlowDetail';
import { FlowsView } from './components/FlowsView';
import { Overview } from './components/Overview';
import { FilteredPackets } from './components/FilteredPackets';
import { ProgressPanel } from './components/ProgressPanel';
import { QuicView } from './components/QuicView';
import { StartScreen } from './components/StartScreen';
import { ChartWarmup } from './components/Warmup';
import { forgetAhead } from './prefetch';
import { download, stem } from './export';
import { frameHandled, type Nav, type ViewName } from './nav';
import { setSettings, TIME_FORMATS, useSettings, type TimeFormat } from './settings';
import { usePalette } from './theme';


/** The largest key log sent from the browser (analysis/api.ts's MAX_KEYLOG_TEXT, which the host checks). */
const MAX_KEYLOG_TEXT = 900_000;

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
  // answers asked for ahead belong to the capture they were asked of (prefetch.ts): a new
  // generation, or another file (a server started again counts its generations anew)
  const generation = status?.generation;
  const captureKey = summary ? `${summary.name}|${summary.capture.start}|${summary.capture.packets}` : null;
  useEffect(() => forgetAhead(), [generation, captureKey]);
  const [view, setView] = useState<ViewName>('overview');
  const [flow, setFlow] = useState<{ id: number; focus: number | null; frame: number | null } | null>(null);
  const [flowsSelected, setFlowsSelected] = useState(-1);
  const [gotoOpen, setGotoOpen] = useState(false);
  const settings = useSettings();
  const lastFile = useRef<File | null>(null);
  const keylogInput = useRef<HTMLInputElement | null>(null);
  const tabRefs = useRef(new Map<ViewName, HTMLButtonElement>());
  // When a flow opened (a click on its row): the second click of a double-click lands on
  // the new view and must not select its text.
  const openedAt = useRef(0);
  const [flowFilter, setFlowFilter] = useState('');
  const [breakKind, setBreakKind] = useState<string | null>(null);
  const [breakIncident, setBreakIncident] = useState<number | null>(null);
  // where the Breaks list was when a flow opened from it (kept for coming back)
  const breaksMemo = useRef<BreaksMemo | null>(null);
  const [goFrame, setGoFrame] = useState<number | null>(null);
  const [dragging, setDragging] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const loadedGen = useRef(-1);
  const fileInput = useRef<HTMLInputElement | null>(null);

  // Polls may overlap (one waits on the server while the analysis runs): only the
  // answer of the latest asked is applied, never an older one that arrived after it.
  const pollSeq = useRef({ asked: 0, applied: 0 });
  const poll = useCallback(async (waitMs = 0) => {
    try {
      const my = ++pollSeq.current.asked;
      const st = await client.status(waitMs > 0 ? { waitMs } : {});
      if (my < pollSeq.current.applied) return;
      pollSeq.current.applied = my;
      // The same status again (every second while a capture is open) keeps the old
      // object: no render of the whole app, and of the open view's charts, per poll.
      setStatus((prev) => (prev && JSON.stringify(prev) === JSON.stringify(st) ? prev : st));
      if (st.state === 'ready' && loadedGen.current !== st.generation) {
        loadedGen.current = st.generation;
        const s = await client.summary();
        setSummary(s);
        setView('overview');
        setFlow(null);
        setBreakKind(null);
        setBreakIncident(null);
        breaksMemo.current = null;
        setFlowFilter('');
        setFlowsSelected(-1);
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
    // While a capture is read, each poll waits on the server for the end of the
    // analysis (up to about the interval): the overview is asked for the moment it is
    // ready, not at the next poll (~75 ms later on average).
    const every = loading ? Math.min(pollMs, 150) : pollMs;
    const wait = loading ? Math.max(0, every - 10) : 0;
    void poll(wait);
    const t = setInterval(() => void poll(wait), every);
    return () => clearInterval(t);
  }, [poll, loading, pollMs]);

  const run = (p: Promise<unknown>): void => {
    setMessage(null);
    p.then(() => poll(), (e: Error) => setMessage(e.message));
  };
  const openFile = (f: File | undefined | null): void => {
    if (!f) return;
    lastFile.current = f;
    run(client.openFile(f).then(() => new Promise((r) => setTimeout(r, 50))));
  };
  // A key log from the browser: sent as text; an uploaded capture is uploaded again to be
  // read with it (one opened by path the session re-reads itself).
  const loadKeylog = (f: File | undefined | null): void => {
    if (!f) return;
    if (f.size > MAX_KEYLOG_TEXT) return setMessage(`${f.name}: a key log from the browser may be ${Math.round(MAX_KEYLOG_TEXT / 1000)} kB at most`);
    run(
      f.text().then(async (text) => {
        const st = await client.loadKeylog({ text, name: f.name });
        if (!st.reread && lastFile.current && st.state !== 'empty') await client.openFile(lastFile.current);
      }),
    );
  };
  const closeCapture = (): void => {
    lastFile.current = null;
    run(client.close({}));
  };

  // One nav for the session (it only calls setters): views given it are not rendered
  // again for a new one.
  const nav: Nav = useMemo(() => ({
    openFlow: (id, focusTime = null) => {
      openedAt.current = Date.now();
      setFlow({ id, focus: focusTime, frame: null });
    },
    show: (v, opts) => {
      setFlow(null);
      setView(v);
      breaksMemo.current = null;
      if (opts?.filter !== undefined) setFlowFilter(opts.filter);
      if (v === 'breaks') {
        setBreakKind(opts?.kind ?? null);
        setBreakIncident(opts?.incident ?? null);
      }
      if (v === 'packets') setGoFrame(opts?.frame ?? null);
    },
    goToFrame: (frame) => {
      if (frameHandled(frame)) return;
      client.locateFrame({ frame }).then(
        (row) => {
          if (!row) setMessage(`There is no frame ${frame} in this capture.`);
          else if (!row.flow) setMessage(`Frame ${frame} belongs to no flow (it is not TCP, UDP or ICMP over IP).`);
          else {
            setMessage(null);
            setFlow({ id: row.flow, focus: row.time, frame });
          }
        },
        (e: Error) => setMessage(e.message),
      );
    },
  }), [client]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape' && flow && !e.defaultPrevented && !gotoOpen) setFlow(null);
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'o' && client.transport !== 'electron') {
        e.preventDefault();
        fileInput.current?.click();
      }
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'g' && summary) {
        e.preventDefault();
        setGotoOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [flow, client.transport, gotoOpen, summary]);

  // The theme's CSS variables hang on <html data-theme>.
  useEffect(() => {
    document.documentElement.dataset.theme = palette.dark ? 'dark' : 'light';
  }, [palette.dark]);

  // The tab bar (WAI-ARIA tabs): ←/→/Home/End move to and show a tab; Tab from the active
  // tab goes straight to the view's table, when it has one (not through every control).
  const onTabKey = (e: RKeyboardEvent<HTMLButtonElement>, i: number): void => {
    const next = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i + TABS.length - 1) % TABS.length : e.key === 'Home' ? 0 : e.key === 'End' ? TABS.length - 1 : -1;
    if (next >= 0) {
      e.preventDefault();
      nav.show(TABS[next].view);
      tabRefs.current.get(TABS[next].view)?.focus();
    } else if (e.key === 'Tab' && !e.shiftKey && !flow) {
      const table = document.querySelector<HTMLElement>('main .vt-body, main .ml-body');
      if (table) {
        e.preventDefault();
        table.focus();
      }
    }
  };

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
      onMouseDown={(e) => {
        if (e.detail > 1 && Date.now() - openedAt.current < 800) e.preventDefault();
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        openFile(e.dataTransfer?.files?.[0]);
      }}
    >
      <header className="topbar">
        <span className="brand">Stateline</span>
        {summary && <span className="file" title={summary.name ?? ''} data-testid="capture-file">{summary.name}</span>}
        {showData && (
          <nav className="tabs" role="tablist" aria-label="Views">
            {TABS.map((t, i) => (
              <button
                key={t.view}
                ref={(el) => {
                  if (el) tabRefs.current.set(t.view, el);
                }}
                role="tab"
                aria-selected={view === t.view}
                tabIndex={view === t.view ? 0 : -1}
                className={!flow && view === t.view ? 'active' : ''}
                onClick={() => nav.show(t.view)}
                onKeyDown={(e) => onTabKey(e, i)}
                data-tab={t.view}
              >
                {t.title}
                {t.view === 'breaks' && summary.breaks > 0 ? <span className="badge break">{summary.breaks}</span> : null}
              </button>
            ))}
          </nav>
        )}
        <span className="spacer" />
        {showData && (
          <button onClick={() => setGotoOpen(true)} title="Go to a frame: opens its flow centred on it (Ctrl+G)" data-testid="goto-frame-button">
            Go to…
          </button>
        )}
        <label className="setting" title="How times are shown in tables: seconds since the capture's first packet, UTC, or seconds since the previous row (the charts' axes stay in seconds since the start)">
          <select value={settings.timeFormat} onChange={(e) => setSettings({ timeFormat: e.target.value as TimeFormat })} aria-label="Time format" data-testid="time-format">
            {TIME_FORMATS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.title}
              </option>
            ))}
          </select>
        </label>
        <button
          onClick={() => setSettings({ theme: palette.dark ? 'light' : 'dark' })}
          title={palette.dark ? 'Switch to the light theme' : 'Switch to the dark theme'}
          aria-label={palette.dark ? 'Light theme' : 'Dark theme'}
          data-testid="theme-toggle"
          data-theme={palette.dark ? 'dark' : 'light'}
        >
          {palette.dark ? '☀' : '☾'}
        </button>
        <FileMenu
          label="File"
          title={`Open, close or export a capture; load a TLS key log${status?.keylog ? ` (key log: ${status.keylog})` : ''}`}
          testId="file-menu"
          items={[
            { label: 'Open…', title: 'Open another capture', shortcut: client.transport !== 'electron' ? 'Ctrl+O' : undefined, testId: 'open-capture', onSelect: () => fileInput.current?.click() },
            ...(summary || status?.state === 'loading' ? [{ label: 'Close', title: 'Close this capture', testId: 'close-capture', onSelect: closeCapture }] : []),
            ...(showData ? [{ label: 'Export JSON', title: 'The analysis as JSON, in the format of stateline analyze --json', testId: 'export-json', onSelect: exportJson }] : []),
            ...(summary
              ? [{
                  label: status?.keylog ? `Key log: ${status.keylog}` : 'Key log…',
                  title: status?.keylog ? `Key log: ${status.keylog}. Load another TLS key log (SSLKEYLOGFILE) to decrypt QUIC` : 'Load a TLS key log (SSLKEYLOGFILE) to decrypt QUIC; the capture is read again with it',
                  testId: 'keylog-button',
                  onSelect: () => keylogInput.current?.click(),
                }]
              : []),
          ]}
        />
        <input ref={keylogInput} type="file" hidden accept=".log,.txt,.keylog,text/plain" onChange={(e) => {
          loadKeylog(e.target.files?.[0]);
          e.target.value = '';
        }} data-testid="keylog-input" />
        <input ref={fileInput} type="file" hidden accept=".pcap,.pcapng,.cap,.gz,.pcap.gz,.pcapng.gz" onChange={(e) => {
          openFile(e.target.files?.[0]);
          e.target.value = '';
        }} data-testid="file-input" />
      </header>
      {message && <div className="banner error" role="alert">{message}</div>}
      {gotoOpen && <GoToFrame onGo={(n) => { setGotoOpen(false); nav.goToFrame(n); }} onClose={() => setGotoOpen(false)} max={summary?.capture.packets ?? 0} />}
      <main>
        {/* One boundary per view, new for each view and capture: a bad value shows an error there, not a blank app. */}
        {status?.state === 'loading' ? (
          <ErrorBoundary key="progress" name="Reading progress">
            <ProgressPanel status={status} onCancel={() => run(client.cancel({}))} />
          </ErrorBoundary>
        ) : showData ? (
          <ErrorBoundary key={`${status?.generation}:${flow ? `flow ${flow.id}` : view}`} name={flow ? `Flow ${flow.id}` : TABS.find((t) => t.view === view)!.title}>
            {flow ? (
              <FlowDetailView key={`${flow.id}:${flow.focus}`} client={client} id={flow.id} focus={flow.focus} focusFrame={flow.frame} summary={summary} nav={nav} onBack={() => setFlow(null)} />
            ) : view === 'overview' ? (
              <Overview client={client} summary={summary} nav={nav} />
            ) : view === 'flows' ? (
              <FlowsView client={client} summary={summary} nav={nav} filter={flowFilter} onFilter={(q) => { setFlowFilter(q); setFlowsSelected(-1); }} generation={status?.generation ?? 0} selected={flowsSelected} onSelected={setFlowsSelected} />
            ) : view === 'breaks' ? (
              <BreaksView key={breakIncident ?? 'all'} client={client} summary={summary} nav={nav} kind={breakKind} incident={breakIncident} memo={breaksMemo} />
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

/** The go-to-frame box (Ctrl+G): a frame number; Enter goes, Esc closes. */
function GoToFrame({ onGo, onClose, max }: { onGo(frame: number): void; onClose(): void; max: number }) {
  const [v, setV] = useState('');
  const n = Number(v);
  const ok = Number.isInteger(n) && n >= 1 && n <= max;
  return (
    <form
      className="goto card"
      role="dialog"
      aria-label="Go to frame"
      data-testid="goto-frame"
      onSubmit={(e) => {
        e.preventDefault();
        if (ok) onGo(n);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <label>
        Go to frame{' '}
        <input autoFocus inputMode="numeric" value={v} onChange={(e) => setV(e.target.value.replace(/[^0-9]/g, ''))} placeholder={`1–${max}`} aria-label="Frame number" size={10} />
      </label>{' '}
      <button type="submit" className="primary" disabled={!ok}>
        Go
      </button>{' '}
      <button type="button" onClick={onClose}>
        Cancel
      </button>
      {v !== '' && !ok && <span className="muted small"> frames are numbered 1 to {max}</span>}
    </form>
  );
}
