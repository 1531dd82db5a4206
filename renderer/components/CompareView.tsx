// The Compare view (issue 13): a second capture of the same traffic opened beside the
// first — the other end of the path, or before/after a change — and the two compared by
// the session (openCompare → analysis/diff): flows matched across them, the packets each
// lacks (lost between the two points when the capture nearer the sender has them), the
// clock offset and one-way delays, events seen at one point only, fields that changed.
// The same figures as `stateline diff A B`.

import { useCallback, useEffect, useState } from 'react';
import { CartesianGrid, ComposedChart, ReferenceLine, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { CompareStatus, CompareView as CompareResult, DelayJson, DelaySeries, DiffJson, MatchedFlowJson, Summary } from '../../analysis/api';
import type { Client } from '../client';
import { fmtCount, fmtDuration } from '../format';
import { useWidth } from '../hooks';
import type { Nav } from '../nav';
import type { Palette } from '../theme';
import { ChartFrame, MARGIN, Y_AXIS_WIDTH } from './Charts';

const ms = (s: number): string => `${(s * 1000).toFixed(Math.abs(s) < 0.001 && s !== 0 ? 3 : 1)} ms`;
const plural = (n: number, one: string): string => `${fmtCount(n)} ${n === 1 ? one : `${one}s`}`;

export function CompareView({ client, summary, nav, palette }: { client: Client; summary: Summary; nav: Nav; palette: Palette }) {
  const [status, setStatus] = useState<CompareStatus | null>(null);
  const [result, setResult] = useState<CompareResult | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const refresh = useCallback(async () => {
    const st = await client.compareStatus({});
    setStatus(st);
    setResult(st.state === 'ready' ? await client.compare({}) : null);
  }, [client]);
  useEffect(() => {
    void refresh().catch((e: Error) => setMessage(e.message));
  }, [refresh]);
  const loading = status?.state === 'loading';
  useEffect(() => {
    if (!loading) return;
    const t = setInterval(() => void refresh().catch((e: Error) => setMessage(e.message)), 200);
    return () => clearInterval(t);
  }, [loading, refresh]);

  const start = (p: Promise<unknown>): void => {
    setMessage(null);
    p.then(() => refresh(), (e: Error) => setMessage(e.message));
  };

  return (
    <section className="compare-view" data-testid="compare-view">
      <div className="toolbar">
        <h2>Compare {summary.name ?? 'this capture'} with another capture of the same traffic</h2>
        <span className="spacer" />
        {status && status.state !== 'empty' && (
          <button onClick={() => start(client.closeCompare({}))} data-testid="compare-close">
            Close comparison
          </button>
        )}
      </div>
      {message && <div className="banner error" role="alert">{message}</div>}
      {(!status || status.state === 'empty' || status.state === 'error') && <OpenSecond client={client} status={status} onOpen={(path) => start(client.openCompare({ path }))} />}
      {loading && (
        <p className="card" role="status">
          Reading {status.name} and comparing… {fmtCount(status.progress.packets)} packets
        </p>
      )}
      {result && <CompareResultView r={result} nav={nav} palette={palette} />}
    </section>
  );
}

/** Where the second capture comes from: a path on this machine, or (in the app) a picked file. */
function OpenSecond({ client, status, onOpen }: { client: Client; status: CompareStatus | null; onOpen(path: string): void }) {
  const [path, setPath] = useState('');
  const bridge = client.transport === 'electron' ? window.stateline : undefined;
  return (
    <div className="card">
      <p>
        Open the same traffic captured at another point — the other end of the path, or before or after a change. Flows are matched across the two
        captures, and for each the packets one capture lacks are listed, with the clock offset and the one-way delay between the two points.
      </p>
      <p className="muted small">Both captures are read a second time to match packets: the second must be a file on this machine (give its path).</p>
      {status?.state === 'error' && (
        <p className="error-card" role="alert" data-testid="compare-error">
          Could not compare with {status.name}: {status.error}
        </p>
      )}
      <form
        className="path-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) onOpen(path.trim());
        }}
      >
        <label>
          Second capture{' '}
          <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/other-side.pcap" data-testid="compare-path" size={48} />
        </label>{' '}
        <button type="submit" className="primary" data-testid="compare-open">
          Compare
        </button>
        {bridge && (
          <>
            {' '}
            <label className="button-like">
              Choose file…
              <input type="file" hidden accept=".pcap,.pcapng,.cap,.gz" onChange={(e) => {
                const f = e.target.files?.[0];
                const p = f ? bridge.pathForFile(f) : '';
                if (p) onOpen(p);
                e.target.value = '';
              }} />
            </label>
          </>
        )}
      </form>
    </div>
  );
}

function delayText(d: DelayJson | null): string {
  return d ? `one-way delay median ${ms(d.median)}, p95 ${ms(d.p95)} (${fmtCount(d.samples)} packets)` : 'no packet in both';
}

function CompareResultView({ r, nav, palette }: { r: CompareResult; nav: Nav; palette: Palette }) {
  const d = r.diff;
  const t = d.timing;
  const nearName = t.nearClient === 'a' ? r.nameA : t.nearClient === 'b' ? r.nameB : null;
  return (
    <>
      <div className="card" data-testid="compare-summary">
        <dl>
          <dt>A (open)</dt>
          <dd>
            {r.nameA} · {plural(d.captures.a.packets, 'packet')}, {plural(d.captures.a.flows, 'flow')}
          </dd>
          <dt>B (compared)</dt>
          <dd>
            {r.nameB} · {plural(d.captures.b.packets, 'packet')}, {plural(d.captures.b.flows, 'flow')}
          </dd>
          <dt>Flows</dt>
          <dd>
            {fmtCount(d.flows.matched.length)} matched · {fmtCount(d.flows.onlyInA.length)} only in A · {fmtCount(d.flows.onlyInB.length)} only in B
          </dd>
          <dt>Clock offset B − A</dt>
          <dd data-testid="compare-offset">
            {t.offset === null ? 'unknown (one direction matched only)' : `${t.offset >= 0 ? '+' : ''}${ms(t.offset)}`}
            {t.offsetFrom === 'symmetric-path' && <span className="muted"> (assuming the path is as slow each way)</span>}
          </dd>
          {nearName && (
            <>
              <dt>Nearer the client</dt>
              <dd>
                {t.nearClient?.toUpperCase()}: {nearName}
              </dd>
            </>
          )}
          <dt>Client → server</dt>
          <dd>{delayText(t.delay.clientToServer)}</dd>
          <dt>Server → client</dt>
          <dd>{delayText(t.delay.serverToClient)}</dd>
        </dl>
      </div>
      {d.flows.matched.map((m) => (
        <MatchedFlow key={`${m.a}-${m.b}`} m={m} d={d} series={r.series.find((s) => s.a === m.a && s.b === m.b) ?? null} startA={r.startA ?? 0} nav={nav} palette={palette} />
      ))}
      {(r.onlyInA.length > 0 || r.onlyInB.length > 0) && (
        <div className="card">
          <h3>Flows in one capture only</h3>
          <div className="compare-cols">
            {(['a', 'b'] as const).map((side) => (
              <div key={side}>
                <b>only in {side.toUpperCase()}</b>
                <ul className="plain">
                  {(side === 'a' ? r.onlyInA : r.onlyInB).map((f) => (
                    <li key={f.id} data-testid={`only-flow-${side}`}>
                      {side === 'a' ? (
                        <button className="link" onClick={() => nav.openFlow(f.id)}>
                          flow {f.id}
                        </button>
                      ) : (
                        <>flow {f.id}</>
                      )}{' '}
                      <span className="mono">{f.label}</span>
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </div>
        </div>
      )}
      <EventsOnly d={d} />
    </>
  );
}

function MatchedFlow({ m, d, series, startA, nav, palette }: { m: MatchedFlowJson; d: DiffJson; series: DelaySeries | null; startA: number; nav: Nav; palette: Palette }) {
  const near = d.timing.nearClient;
  const unit = m.transport === 'tcp' ? 'segment' : 'datagram';
  const timeOf = (frame: number): number | null => series?.missing.find((x) => x.seenIn === 'a' && x.frame === frame)?.t ?? null;
  const rows = (['client', 'server'] as const).map((sender) => {
    const inB = d.missing.inB.filter((x) => x.flow === m.a && x.sender === sender).map((x) => x.frameA!);
    const inA = d.missing.inA.filter((x) => x.flow === m.b && x.sender === sender).map((x) => x.frameB!);
    const upstream = near === null ? null : (sender === 'client') === (near === 'a') ? 'a' : 'b';
    return { sender, dir: sender === 'client' ? 'client → server' : 'server → client', inB, inA, upstream, delay: sender === 'client' ? m.delay.clientToServer : m.delay.serverToClient };
  });
  const frames = (list: number[], side: 'a' | 'b') =>
    list.map((f) =>
      side === 'a' ? (
        <button key={f} className="small chip" data-testid="lost-frame" data-capture="a" data-frame={f} title="Open this flow in A at this frame" onClick={() => nav.openFlow(m.a, timeOf(f))}>
          {f}
        </button>
      ) : (
        <span key={f} className="chip mono" data-testid="lost-frame" data-capture="b" data-frame={f}>
          {f}
        </span>
      ),
    );
  const changes = d.changes.filter((c) => c.a === m.a && c.b === m.b);
  return (
    <article className="card" data-testid="compare-flow" data-flow-a={m.a} data-flow-b={m.b}>
      <header className="compare-flow-head">
        <b>
          Flow {m.a} ⇄ {m.b}
        </b>{' '}
        <span className="mono">
          {m.transport} {m.clientA} → {m.serverA}
        </span>
        {(m.clientB !== m.clientA || m.serverB !== m.serverA) && (
          <span className="muted mono">
            {' '}
            (in B: {m.clientB} → {m.serverB})
          </span>
        )}
        <span className="spacer" />
        <span className="muted">
          matched by {m.by} · {plural(m.packets, 'packet')} in both
        </span>
        <button className="small" onClick={() => nav.openFlow(m.a)}>
          flow {m.a} in A →
        </button>
      </header>
      <ul className="plain compare-dirs">
        {rows.map((x) => (
          <li key={x.sender} data-testid="compare-dir" data-sender={x.sender}>
            <b>{x.dir}:</b>{' '}
            {x.inB.length === 0 && x.inA.length === 0 && <span>no {unit} missing; </span>}
            {(
              [
                [x.inB, 'a'],
                [x.inA, 'b'],
              ] as const
            ).map(([list, had]) =>
              list.length ? (
                <span key={had}>
                  <span className={x.upstream === had ? 'sev-break' : ''}>
                    {plural(list.length, unit)} {x.upstream === had ? 'lost between the two points' : `in ${had.toUpperCase()} only, not captured in ${had === 'a' ? 'B' : 'A'}`}
                  </span>{' '}
                  — {list.length === 1 ? 'frame' : 'frames'} in {had.toUpperCase()} {frames(list, had)} ·{' '}
                </span>
              ) : null,
            )}
            <span className="muted">{delayText(x.delay)}</span>
          </li>
        ))}
      </ul>
      {series && series.points.length > 0 && <DelayChart series={series} startA={startA} palette={palette} />}
      {changes.length > 0 && (
        <table className="compare-changes">
          <thead>
            <tr>
              <th>changed</th>
              <th>in A</th>
              <th>in B</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((c, i) => {
              const v = (x: string | number | null): string => (x === null ? '(none)' : c.field === 'rttMedian' ? ms(Number(x)) : String(x));
              return (
                <tr key={i} data-testid="compare-change" data-field={c.field}>
                  <td>{c.field === 'dns' ? `DNS ${c.question} (ID ${c.id})` : c.field === 'rttMedian' ? 'RTT median' : c.field}</td>
                  <td className="mono">{v(c.from)}</td>
                  <td className="mono">{v(c.to)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </article>
  );
}

/** Evenly spaced round ticks (1, 2 or 5 × 10^k apart) from lo to at least hi. */
function niceTicks(lo: number, hi: number, count = 6): number[] {
  const raw = (hi - lo) / count || 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((st) => st >= raw)!;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v < hi + step - 1e-12; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Digits after the point that ticks `step` apart need. */
const stepDigits = (ticks: number[]): number => (ticks.length > 1 ? Math.max(0, -Math.floor(Math.log10(ticks[1] - ticks[0]) + 1e-9)) : 0);

/** One-way delay of each matched packet over time, and a red line where a packet went missing. */
function DelayChart({ series, startA, palette }: { series: DelaySeries; startA: number; palette: Palette }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const pts = (dir: number) => series.points.filter((p) => p.dir === dir).map((p) => ({ x: p.t - startA, y: p.delay * 1000 }));
  const c2s = pts(0), s2c = pts(1);
  const xs = series.points.map((p) => p.t - startA).concat(series.missing.map((m) => m.t - startA));
  const lo = Math.min(0, ...xs), hi = Math.max(...xs);
  const xTicks = niceTicks(lo, hi);
  const ys = [...c2s, ...s2c].map((p) => p.y);
  const yTicks = niceTicks(Math.min(0, ...ys), Math.max(0.1, ...ys) * 1.05, 5);
  const xDigits = stepDigits(xTicks), yDigits = stepDigits(yTicks);
  return (
    <div ref={ref}>
      <ChartFrame
        title="One-way delay of the packets in both captures"
        palette={palette}
        fileName={`delay-flow-${series.a}`}
        testId="compare-delay-chart"
        extra={
          <span className="legend small">
            <span className="swatch" style={{ background: palette.client }} />
            client → server
            <span className="swatch" style={{ background: palette.server }} />
            server → client
            <span className="swatch" style={{ background: palette.severity.break }} />
            missing in one capture
          </span>
        }
      >
        <ComposedChart width={width} height={240} margin={{ ...MARGIN, bottom: 22, left: 14 }}>
          <CartesianGrid stroke={palette.grid} strokeDasharray="3 3" />
          <XAxis
            dataKey="x"
            type="number"
            domain={[xTicks[0], xTicks[xTicks.length - 1]]}
            ticks={xTicks}
            allowDataOverflow
            tickFormatter={(v: number) => v.toFixed(xDigits)}
            stroke={palette.muted}
            fontSize={11}
            label={{ value: "time since A's first packet (s)", position: 'insideBottom', offset: -14, fill: palette.muted, fontSize: 11 }}
          />
          <YAxis
            dataKey="y"
            type="number"
            width={Y_AXIS_WIDTH}
            domain={[yTicks[0], yTicks[yTicks.length - 1]]}
            ticks={yTicks}
            stroke={palette.muted}
            fontSize={11}
            tickFormatter={(v: number) => v.toFixed(yDigits)}
            label={{ value: 'one-way delay (ms)', angle: -90, position: 'insideLeft', offset: 4, dy: 50, fill: palette.muted, fontSize: 11 }}
          />
          <Tooltip
            contentStyle={{ background: palette.bg, borderColor: palette.grid, color: palette.fg, fontSize: 12 }}
            formatter={(v, name) => (name === 'y' ? [`${Number(v).toFixed(2)} ms`, 'delay'] : [`${Number(v).toFixed(6)} s`, 'time'])}
          />
          {series.missing.map((m) => (
            <ReferenceLine key={`${m.seenIn}${m.frame}`} x={m.t - startA} stroke={palette.severity.break} strokeDasharray="4 3" ifOverflow="extendDomain">
              <title>{`frame ${m.frame} of ${m.seenIn.toUpperCase()} (${m.dir === 0 ? 'client → server' : 'server → client'}): not in ${m.seenIn === 'a' ? 'B' : 'A'}`}</title>
            </ReferenceLine>
          ))}
          <Scatter name="client → server" data={c2s} fill={palette.client} isAnimationActive={false} shape="circle" legendType="none" />
          <Scatter name="server → client" data={s2c} fill={palette.server} isAnimationActive={false} shape="circle" legendType="none" />
        </ComposedChart>
      </ChartFrame>
      <p className="muted small">
        Each dot is a packet seen at both points: when B saw it against when A did, less the clock offset. A dashed line marks a packet one capture
        lacks ({fmtCount(series.missing.length)}); over {fmtDuration(Math.max(...xs) - Math.min(...xs))}.
      </p>
    </div>
  );
}

function EventsOnly({ d }: { d: DiffJson }) {
  const group = (evs: DiffJson['events']['onlyInA']) => {
    const m = new Map<string, number[]>();
    for (const e of evs) m.set(e.kind, [...(m.get(e.kind) ?? []), e.frame]);
    return [...m];
  };
  return (
    <div className="card" data-testid="compare-events">
      <h3>Events seen at one point only</h3>
      <div className="compare-cols">
        {(['a', 'b'] as const).map((side) => {
          const g = group(side === 'a' ? d.events.onlyInA : d.events.onlyInB);
          return (
            <div key={side}>
              <b>only in {side.toUpperCase()}</b>
              {g.length === 0 ? (
                <p className="muted">none</p>
              ) : (
                <ul className="plain">
                  {g.map(([kind, frames]) => (
                    <li key={kind}>
                      <code>{kind}</code> × {frames.length} <span className="muted small">(frames {frames.slice(0, 20).join(', ')}{frames.length > 20 ? ', …' : ''})</span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
