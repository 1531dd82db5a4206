// Follow stream (issue 15 item 4): a flow's payload as the application saw it. TCP: both
// directions reassembled, in the order they became readable, coloured per direction,
// gaps marked with the bytes missing and the frames around them; UDP: each datagram;
// DNS: each message decoded. ASCII or hex. The host reads the capture again for it
// (analysis/stream), so it is asked for only when the user opens this view.

import { useMemo, useState } from 'react';
import type { DnsMessageView, FollowedStream } from '../../analysis/api';
import type { Client } from '../client';
import { fmtBytes, fmtCount, fmtRel } from '../format';
import { useAsync } from '../hooks';
import { usePalette } from '../theme';

/** Bytes drawn at first (a stream holds up to 8 MiB; the DOM would not). */
const FIRST_BYTES = 128 * 1024;

type Mode = 'ascii' | 'hex';

interface Piece {
  key: number;
  dir: 0 | 1;
  frame: number | null;
  time: number | null;
  offset: number;
  bytes: Uint8Array | null;
  /** A gap: bytes missing, and the frames around it. */
  gap?: { length: number; afterFrame: number | null; beforeFrame: number | null; reason: string };
  dns?: DnsMessageView | null;
  /** QUIC 0-RTT data the server rejected (QuicStreamView.rejectedEarlyData): shown apart, before the stream's 1-RTT data. */
  rejected?: boolean;
}

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
  return out;
}

/** Printable ASCII as it is, line breaks and tabs kept, the rest as '.' (Wireshark's ASCII view). */
function asciiOf(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    s += c === 10 || c === 9 || (c >= 32 && c < 127) ? String.fromCharCode(c) : c === 13 ? '' : '.';
  }
  return s;
}

/** Offset, 16 bytes in hex and their ASCII per line. */
function hexDump(b: Uint8Array, base: number): string {
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 16) {
    const row = b.subarray(i, i + 16);
    const hex = [...row].map((x) => x.toString(16).padStart(2, '0')).join(' ');
    const txt = [...row].map((x) => (x >= 32 && x < 127 ? String.fromCharCode(x) : '.')).join('');
    lines.push(`${(base + i).toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${txt}`);
  }
  return lines.join('\n');
}

function piecesOf(s: FollowedStream, quicStream: string | null): Piece[] {
  if (s.quic && s.quic.length) {
    // one QUIC stream, both directions: the client's bytes, then the server's
    const chosen = s.quic.filter((q) => `${q.connection}/${q.id}` === (quicStream ?? `${s.quic![0].connection}/${s.quic![0].id}`));
    let key = 0;
    return chosen.flatMap((q) =>
      q.pieces.map((p) =>
        p.type === 'data'
          ? { key: key++, dir: q.dir, frame: p.frame, time: p.time, offset: p.offset, bytes: fromHex(p.hex), rejected: q.rejectedEarlyData }
          : { key: key++, dir: q.dir, frame: null, time: null, offset: p.offset, bytes: null, gap: { length: p.length, afterFrame: null, beforeFrame: null, reason: 'not decrypted' } },
      ),
    );
  }
  if (s.tcp)
    return s.tcp.pieces.map((p, key) =>
      p.type === 'data'
        ? { key, dir: p.dir, frame: p.frame, time: p.time, offset: p.offset, bytes: fromHex(p.hex) }
        : { key, dir: p.dir, frame: null, time: null, offset: p.offset, bytes: null, gap: { length: p.length, afterFrame: p.afterFrame, beforeFrame: p.beforeFrame, reason: p.reason } },
    );
  return s.messages.map((m, key) => ({ key, dir: m.dir, frame: m.frame, time: m.time, offset: 0, bytes: fromHex(m.hex), dns: m.dns }));
}

function dnsLine(m: DnsMessageView): string {
  if (m.error) return `DNS message that cannot be decoded: ${m.error}`;
  const q = m.sections.find((x) => x.name === 'question')?.records[0];
  const answers = m.sections.find((x) => x.name === 'answer')?.records ?? [];
  const head = `${m.flags.includes('QR') ? 'response' : 'query'} id 0x${m.id.toString(16).padStart(4, '0')}${q ? ` ${q.type} ${q.name}` : ''}`;
  if (!m.flags.includes('QR')) return head;
  return `${head} · ${m.rcode}${answers.length ? ` · ${answers.map((a) => `${a.type} ${a.data}`).join(', ')}` : ' · no answers'}`;
}

/**
 * Consecutive pieces of one direction as one block (the text reads on across segments,
 * as in Wireshark); a gap stands alone. Datagrams and DNS messages stay one block each.
 */
function runsOf(pieces: Piece[]): Piece[][] {
  const out: Piece[][] = [];
  for (const x of pieces) {
    const last = out.at(-1);
    if (last && !x.gap && !last[0].gap && last[0].dir === x.dir && x.dns === undefined && x.offset > 0 && !last[0].rejected === !x.rejected) last.push(x);
    else out.push([x]);
  }
  return out;
}

function Gap({ x, colour }: { x: Piece; colour: string }) {
  const g = x.gap!;
  return (
    <div className="stream-gap" data-testid="stream-gap" data-dir={x.dir} style={{ borderColor: colour }}>
      [{fmtCount(g.length)} bytes missing {x.dir === 0 ? 'client → server' : 'server → client'}
      {g.afterFrame !== null ? `, after frame ${g.afterFrame}` : ''}
      {g.beforeFrame !== null ? `, before frame ${g.beforeFrame}` : ''}: {g.reason === 'acknowledged' ? 'the peer acknowledged them; the capture never saw them' : g.reason === 'not decrypted' ? 'in packets that were not decrypted or not captured' : 'never seen before the capture ended'}]
    </div>
  );
}

export function StreamView({ client, flow, base, onClose }: { client: Client; flow: number; base: number; onClose(): void }) {
  const p = usePalette();
  const [mode, setMode] = useState<Mode>('ascii');
  const [limit, setLimit] = useState(FIRST_BYTES);
  const res = useAsync(() => client.followStream({ flow }), [client, flow]);
  const s = res.data;
  const [quicStream, setQuicStream] = useState<string | null>(null);
  const pieces = useMemo(() => (s ? piecesOf(s, quicStream) : []), [s, quicStream]);
  const quicIds = useMemo(() => [...new Set((s?.quic ?? []).map((q) => `${q.connection}/${q.id}`))], [s]);
  // the pieces within the byte budget drawn so far
  const shown = useMemo(() => {
    let n = 0;
    const out: Piece[] = [];
    for (const x of pieces) {
      if (n >= limit) break;
      out.push(x);
      n += x.bytes?.length ?? 0;
    }
    return out;
  }, [pieces, limit]);
  const total = pieces.reduce((n, x) => n + (x.bytes?.length ?? 0), 0);
  const colour = (dir: 0 | 1): string => (dir === 0 ? p.client : p.server);

  return (
    <section className="card stream-view" data-testid="stream-view" aria-label="Follow stream">
      <div className="toolbar">
        <h3>Follow stream</h3>
        {s && (
          <span className="stream-legend">
            <span className="chip" style={{ borderColor: colour(0), color: colour(0) }}>
              client <span className="mono">{s.client}</span>
              {s.tcp ? ` · ${fmtBytes(s.tcp.bytes[0])}` : ''}
            </span>
            <span className="chip" style={{ borderColor: colour(1), color: colour(1) }}>
              server <span className="mono">{s.server}</span>
              {s.tcp ? ` · ${fmtBytes(s.tcp.bytes[1])}` : ''}
            </span>
            {s.tcp && s.tcp.missing[0] + s.tcp.missing[1] > 0 && (
              <span className="badge warning" data-testid="stream-missing">
                {fmtBytes(s.tcp.missing[0] + s.tcp.missing[1])} missing
              </span>
            )}
          </span>
        )}
        <span className="spacer" />
        <span role="group" aria-label="Show as">
          <button className={mode === 'ascii' ? 'active small' : 'small'} aria-pressed={mode === 'ascii'} onClick={() => setMode('ascii')}>
            ASCII
          </button>
          <button className={mode === 'hex' ? 'active small' : 'small'} aria-pressed={mode === 'hex'} onClick={() => setMode('hex')}>
            Hex
          </button>
        </span>
        <button className="small" onClick={onClose} title="Close the stream">
          Close
        </button>
      </div>
      {res.error ? (
        <p className="banner error">{res.error}</p>
      ) : !s ? (
        <p className="muted">Reading the flow's payload from the capture…</p>
      ) : (
        <>
          {s.note && <p className="muted small">{s.note}</p>}
          {quicIds.length > 0 && (
            <label className="small">
              QUIC stream{' '}
              <select data-testid="quic-stream" value={quicStream ?? quicIds[0]} onChange={(e) => setQuicStream(e.target.value)}>
                {quicIds.map((k) => {
                  const q = s.quic!.find((x) => `${x.connection}/${x.id}` === k)!;
                  const bytes = s.quic!.filter((x) => `${x.connection}/${x.id}` === k).reduce((n, x) => n + x.bytes, 0);
                  return (
                    <option key={k} value={k}>
                      connection {q.connection} · stream {q.id} ({q.initiator}-initiated, {q.bidirectional ? 'bidirectional' : 'unidirectional'}) · {fmtBytes(bytes)}
                    </option>
                  );
                })}
              </select>
            </label>
          )}
          {pieces.length === 0 ? (
            <p className="muted">This flow carries no payload.</p>
          ) : (
            <div className="stream-body mono" data-mode={mode}>
              {runsOf(shown).map((run) =>
                run[0].gap ? (
                  <Gap key={run[0].key} x={run[0]} colour={colour(run[0].dir)} />
                ) : (
                  <div key={run[0].key} className="stream-chunk" data-dir={run[0].dir} style={{ color: colour(run[0].dir), borderLeftColor: colour(run[0].dir) }}>
                    {run[0].rejected && <span className="stream-dns" data-testid="stream-rejected-early">0-RTT data the server rejected: discarded unread; the client sends the stream again in 1-RTT</span>}
                    {run.map((x) => (
                      <span key={x.key} className="stream-piece" data-frame={x.frame ?? undefined} title={`frame ${x.frame}, t = ${fmtRel(x.time ?? 0, base)} s, ${fmtCount(x.bytes!.length)} bytes`}>
                        {x.dns !== undefined && x.dns !== null && <span className="stream-dns">frame {x.frame}: {dnsLine(x.dns)}</span>}
                        <pre>{mode === 'ascii' ? asciiOf(x.bytes!) : hexDump(x.bytes!, x.offset)}</pre>
                      </span>
                    ))}
                  </div>
                ),
              )}
            </div>
          )}
          {shown.length < pieces.length && (
            <button onClick={() => setLimit((l) => l * 4)}>
              Show more ({fmtBytes(total - shown.reduce((n, x) => n + (x.bytes?.length ?? 0), 0))} left)
            </button>
          )}
          {s.truncated && <p className="muted small">Only the first 8 MiB of payload are shown.</p>}
        </>
      )}
    </section>
  );
}
