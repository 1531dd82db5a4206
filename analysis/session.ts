// The session: owns the reading of one capture (or capture set) at a time (open →
// progress → summary, cancel) and hands every query to the current CaptureQuery
// (./capture-query); a second capture opened beside the first is read and compared with
// it (openCompare, analysis/diff) for the Compare view. Pure TypeScript: the hosts
// (stateline serve, Electron's analysis worker; host/) lend it their
// I/O through `SessionHost`.
//
// Reading the open capture again, for what the analysis did not keep:
//  - frameSource(): positioned reads of frame bytes (./frame-bytes readFrame/readFrames;
//    the packet detail, follow stream), on the file the capture came from — for an
//    upload the spool the host wrote it to (OpenOptions.spool), for gzip a decompressed
//    copy (the host's choice, host/frame-source.ts); for a capture set, each frame from
//    its own file (Analysis.frameFiles; each file's source opened on its first frame);
//  - reopen(): the whole capture as a fresh OpenedSource, to stream it through a second
//    pass (the display filters, follow stream, the Compare view's first capture). Both null / rejecting when the capture came from a
//    source that cannot be read again.
// Both are released when the capture is replaced and by dispose().

import { analyzeCapture, type AnalyzeOptions } from './analyze';
import type { CaptureSetMember } from '../parsers/capture/index';
import type { Analysis } from './analysis';
import type {
  ApiArgs,
  CompareStatus,
  CompareView,
  DnsMessageView,
  DnsRow,
  EventRow,
  FlowDetail,
  FlowRow,
  FollowedStream,
  IncidentRow,
  Page,
  PacketDetail,
  PacketRow,
  Progress,
  QuicRow,
  SessionStatus,
  StatelineApi,
  Summary,
  Timeline,
} from './api';
import { CaptureQuery, type DnsDecoder } from './capture-query';
import { diffCaptures } from './diff/diff';
import { ApiArgumentError, type FilterCheck, type FilterFieldInfo, type FilterProgress } from './api';
import { compileDisplayFilter, FILTER_FIELDS, filterFrames, FilterError } from './filter/index';
import type { AnalysisJson, FlowJson } from './model';
import { setFrameSourceByName, type FrameBytesSource, type FrameSource } from './frame-bytes';
import { describeRows, packetDetail } from './packet-detail';

/** Display filters whose matching frames are kept per capture (the most recent ones). */
const FILTER_CACHE = 16;
/** Rows of the packet list described by the warm-up after an analysis (warmDissection). */
const WARM_ROWS = 20;
/** The longest a status call waits for the state to change (status({ waitMs })). */
const STATUS_WAIT_MAX = 1000;
/** The packet rows of the flow whose opening is rehearsed while idle (the flow view's first page). */
const WARM_FLOW_ROWS = 50;

export interface OpenedSource {
  /** One file's bytes, or the files of a capture set (read as one capture, merged by timestamp). */
  source: AsyncIterable<Uint8Array> | readonly CaptureSetMember[];
  size: number | null;
  /** Release the source when reading stops early. */
  close?(): void;
  /** The TCP tracker on another thread (AnalyzeOptions.remoteTcp), when the host can. */
  remoteTcp?: AnalyzeOptions['remoteTcp'];
}


/** What a host (stateline serve, Electron's analysis worker) lends the session. */
export interface SessionHost {
  /** Full DNS message decoding (the Node hosts use dns-packet); Stateline's reader when absent. */
  decodeDns?: DnsDecoder;
  /** A capture file, or a set: a directory, or `path` with `more` files. */
  openPath?(path: string, more?: readonly string[]): Promise<OpenedSource>;
  /** Read a small text file (the TLS key log). */
  readText?(path: string): Promise<string>;
  samplePath?: string | null;
  recent?: { list(): string[]; add(path: string): void };
  /** Positioned reads on a capture file (./frame-bytes); `compressed`: it is gzip (offsets are in uncompressed bytes). */
  frameSource?(path: string, compressed: boolean): FrameBytesSource;
}

/** A streamed capture (an upload) as the host keeps it on disk so that it can be read again. */
export interface SpooledCapture {
  /** The copy; complete once `done` resolves. */
  path: string;
  done: Promise<void>;
  /** Deletes the copy. */
  remove(): Promise<void>;
}

export interface OpenOptions {
  name: string;
  size: number | null;
  keylog?: string | null;
  keylogName?: string | null;
  /** The path, for recent files and for re-reading with a key log. */
  path?: string | null;
  /** The files read with `path` as one capture set (SessionHost.openPath's `more`). */
  more?: readonly string[] | null;
  /** A streamed source's copy on disk (stateline serve's uploads): what frameSource and reopen read; the session removes it when the capture is replaced or disposed. */
  spool?: SpooledCapture | null;
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}

export class StatelineSession implements StatelineApi {
  private gen = 0;
  private stateNow: SessionStatus['state'] = 'empty';
  /** Status calls waiting for the state to change (status({ waitMs })). */
  private waiting: (() => void)[] = [];
  private get state(): SessionStatus['state'] {
    return this.stateNow;
  }
  private set state(s: SessionStatus['state']) {
    const was = this.stateNow;
    this.stateNow = s;
    if (s !== was && this.waiting.length) for (const w of this.waiting.splice(0)) w();
  }
  private name: string | null = null;
  private progress: Progress = { bytesRead: 0, totalBytes: null, packets: 0, phase: 'reading' };
  private startedAt = 0;
  private elapsed = 0;
  private error: SessionStatus['error'] = null;
  private abort: AbortController | null = null;
  private current: CaptureQuery | null = null;
  private keylogName: string | null = null;
  /** A key log the client sent as text (loadKeylog): applied to every open from then on. */
  private loadedKeylog: { text: string; name: string } | null = null;
  private settled: Promise<void> = Promise.resolve();
  /** Path of the open capture (re-read when a key log is loaded, and by display filters). */
  currentPath: string | null = null;
  /** The compared capture (openCompare): its status and, once ready, the diff. */
  private compareGen = 0;
  private compareAbort: AbortController | null = null;
  private compareSt: Omit<CompareStatus, 'generation'> = { state: 'empty', name: null, progress: { bytesRead: 0, totalBytes: null, packets: 0, phase: 'reading' }, error: null };
  private compareView: CompareView | null = null;
  private compareSettled: Promise<void> = Promise.resolve();
  /** The current capture's display-filter matches by filter text (a pending pass is shared). */
  private filterCache = new Map<string, Promise<Uint32Array>>();
  /** The display-filter passes running, oldest first (several filters may be asked at once). */
  private filterPasses: { progress: FilterProgress; abort: AbortController }[] = [];
  /** The files opened with currentPath as one set (re-read with it). */
  private currentMore: readonly string[] | null = null;
  /**
   * Where the open capture can be read again (its path, or its spool; a set's further
   * files), whether it is gzip, and for a set each file's path by its name in the set.
   */
  private reread: { path: string; more: readonly string[] | null; spool: SpooledCapture | null; compressed: boolean; setPaths: Map<string, string> | null } | null = null;
  private spool: SpooledCapture | null = null;
  private frames: FrameSource | null = null;

  constructor(private readonly host: SessionHost = {}) {}

  /** The current analysis's queries, once reading has finished. */
  get query(): CaptureQuery | null {
    return this.current;
  }

  /** Resolves when the current reading finishes (for hosts and tests). */
  whenSettled(): Promise<void> {
    return this.settled;
  }

  /**
   * The session's state. With `waitMs` while a capture is being read: answered when its
   * state changes (ready, an error, cancelled) or after that long (at most STATUS_WAIT_MAX
   * ms), whichever comes first — a client polling for progress this way learns that the
   * analysis ended the moment it does, not at its next poll.
   */
  async status(args: ApiArgs<'status'> = {}): Promise<SessionStatus> {
    const wait = Math.min(args.waitMs ?? 0, STATUS_WAIT_MAX);
    if (wait > 0 && this.state === 'loading') {
      await new Promise<void>((ok) => {
        const done = (): void => {
          clearTimeout(t);
          this.waiting = this.waiting.filter((w) => w !== done);
          ok();
        };
        const t = setTimeout(done, wait);
        this.waiting.push(done);
      });
    }
    return this.snapshot();
  }

  private snapshot(): SessionStatus {
    return {
      state: this.state,
      generation: this.gen,
      name: this.name,
      progress: { ...this.progress },
      elapsedMs: this.state === 'loading' ? Date.now() - this.startedAt : this.elapsed,
      error: this.error,
      sampleAvailable: !!this.host.samplePath,
      keylog: this.keylogName,
    };
  }

  /** Resolves when the current comparison finishes (for hosts and tests). */
  whenCompared(): Promise<void> {
    return this.compareSettled;
  }

  /** Start reading a capture from any byte source (an upload, a file stream). */
  openSource(src: OpenedSource, opts: OpenOptions): SessionStatus {
    this.abort?.abort();
    this.dropCompare(); // a comparison is with the capture it was made with
    void this.release();
    this.spool = opts.spool ?? null;
    const gen = ++this.gen;
    const ac = new AbortController();
    this.abort = ac;
    this.state = 'loading';
    this.name = opts.name;
    this.currentPath = opts.path ?? null;
    this.currentMore = opts.more?.length ? opts.more : null;
    const keylog = opts.keylog ?? this.loadedKeylog?.text ?? null;
    this.keylogName = opts.keylog ? (opts.keylogName ?? null) : (this.loadedKeylog?.name ?? null);
    this.progress = { bytesRead: 0, totalBytes: opts.size, packets: 0, phase: 'reading' };
    this.error = null;
    this.current = null;
    this.resetFilters();
    this.startedAt = Date.now();
    let analysis: Analysis | null = null;
    const run = async (): Promise<void> => {
      try {
        analysis = await analyzeCapture(src.source, {
          totalBytes: opts.size ?? undefined,
          signal: ac.signal,
          remoteTcp: src.remoteTcp,
          trackerOptions: keylog ? { keylog } : {},
          onProgress: (p) => {
            if (gen === this.gen) this.progress = { bytesRead: p.bytesRead, totalBytes: p.totalBytes ?? opts.size, packets: p.packets, phase: p.phase };
          },
        });
        if (gen !== this.gen) return;
        this.progress = { ...this.progress, bytesRead: Math.max(this.progress.bytesRead, analysis.info.bytes ?? 0), packets: analysis.packets, phase: 'indexing' };
        // the query tables: a turn of the event loop first, so a status poll sees the phase
        await new Promise<void>((ok) => setTimeout(ok, 0));
        if (gen !== this.gen) return;
        const rereadPath = opts.spool?.path ?? opts.path ?? null;
        // a set's files by name (the names Analysis.files gives them), for their frames
        const setPaths = Array.isArray(src.source) ? new Map((src.source as readonly CaptureSetMember[]).flatMap((m) => (m.path !== undefined ? [[m.name, m.path] as const] : []))) : null;
        this.reread = rereadPath !== null ? { path: rereadPath, more: opts.spool ? null : this.currentMore, spool: opts.spool ?? null, compressed: analysis.info.compressed, setPaths } : null;
        const query = new CaptureQuery(analysis, opts.name);
        if (this.host.decodeDns) query.decodeDns = this.host.decodeDns;
        this.current = query;
        this.state = 'ready';
        // (and a flow's first page of packets, dissected as the flow view asks for it)
        query.warmUp(() => this.current === query, (flow) => this.packets({ flow, offset: 0, limit: WARM_FLOW_ROWS }));
        this.warmDissection(query);
        if (opts.path) this.host.recent?.add(opts.path);
      } catch (e) {
        if (gen !== this.gen) return;
        const err = e as Error & { offset?: number; frame?: number };
        if (ac.signal.aborted || err.name === 'CaptureCancelledError') {
          this.state = 'cancelled';
          this.error = null;
        } else {
          this.state = 'error';
          this.error = {
            message: err.message || String(e),
            frame: typeof err.frame === 'number' ? err.frame : null,
            offset: typeof err.offset === 'number' ? err.offset : null,
          };
        }
        src.close?.();
      } finally {
        if (gen === this.gen) {
          this.elapsed = Date.now() - this.startedAt;
          this.abort = null;
        }
      }
    };
    this.settled = run();
    return this.snapshot();
  }

  async openPath(args: ApiArgs<'openPath'>): Promise<SessionStatus> {
    if (!this.host.openPath) throw new Error('this host cannot open files by path');
    let keylog: string | null = null;
    if (args.keylogPath) {
      if (!this.host.readText) throw new Error('this host cannot read key logs');
      keylog = await this.host.readText(args.keylogPath);
    }
    let src: OpenedSource;
    try {
      src = await this.host.openPath(args.path, args.paths);
    } catch (e) {
      this.abort?.abort();
      void this.release();
      this.gen++;
      this.state = 'error';
      this.name = baseName(args.path);
      this.current = null;
      this.progress = { bytesRead: 0, totalBytes: null, packets: 0, phase: 'reading' };
      this.error = { message: (e as Error).message, frame: null, offset: null };
      return this.snapshot();
    }
    const more = args.paths?.length ? ` and ${args.paths.length} more file${args.paths.length === 1 ? '' : 's'}` : '';
    return this.openSource(src, { name: baseName(args.path) + more, size: src.size, keylog, keylogName: args.keylogPath ? baseName(args.keylogPath) : null, path: args.path, more: args.paths ?? null });
  }

  async openSample(): Promise<SessionStatus> {
    if (!this.host.samplePath) throw new Error('no sample capture ships with this build');
    return this.openPath({ path: this.host.samplePath });
  }

  /**
   * Positioned reads of the open capture's frames (./frame-bytes readFrame/readFrames),
   * opened on first use; null before the analysis is ready or when the capture cannot be
   * read again (a stream without a spool, a host without frameSource). A capture set's:
   * a source per file of the set, each frame read from its own file.
   */
  async frameSource(): Promise<FrameSource | null> {
    const r = this.reread;
    const host = this.host.frameSource?.bind(this.host);
    if (!r || !host || this.state !== 'ready' || !this.current) return null;
    if (r.spool) await r.spool.done;
    if (this.reread !== r) return null;
    const files = this.current.analysis.files;
    if (!files) return (this.frames ??= host(r.path, r.compressed));
    return (this.frames ??= setFrameSourceByName(files, r.setPaths, host));
  }

  /**
   * The open capture streamed again from the start (a second pass over every packet:
   * the display filters). As the host's openPath: the caller iterates it to the end or
   * calls close(). Rejects when the capture cannot be read again.
   */
  async reopen(): Promise<OpenedSource> {
    const r = this.reread;
    if (!r || !this.host.openPath || this.state !== 'ready') throw new Error('the open capture cannot be read again');
    if (r.spool) await r.spool.done;
    return this.host.openPath(r.path, r.more ?? undefined);
  }

  /** Releases what the open capture holds for re-reading (the frame source, the spool). Hosts call it at exit. */
  async dispose(): Promise<void> {
    this.abort?.abort();
    await this.release();
  }

  private release(): Promise<void> {
    const frames = this.frames, spool = this.spool;
    this.frames = null;
    this.spool = null;
    this.reread = null;
    return (async () => {
      await frames?.close().catch(() => undefined);
      await spool?.remove().catch(() => undefined);
    })();
  }

  async cancel(): Promise<SessionStatus> {
    this.abort?.abort();
    return this.snapshot();
  }

  /** Close the capture: reading stops, its analysis is let go, the views go back to the start. */
  async close(): Promise<SessionStatus> {
    this.abort?.abort();
    this.abort = null;
    this.gen++;
    this.state = 'empty';
    this.name = null;
    this.current = null;
    this.currentPath = null;
    this.currentMore = null;
    this.keylogName = null;
    this.error = null;
    this.progress = { bytesRead: 0, totalBytes: null, packets: 0, phase: 'reading' };
    this.elapsed = 0;
    return this.snapshot();
  }

  async loadKeylog(args: ApiArgs<'loadKeylog'>): Promise<SessionStatus & { reread: boolean }> {
    this.loadedKeylog = { text: args.text, name: baseName(args.name) };
    const path = this.currentPath;
    if (path && this.host.openPath && (this.state === 'ready' || this.state === 'loading')) {
      const st = await this.openPath({ path, ...(this.currentMore ? { paths: [...this.currentMore] } : {}) });
      return { ...st, reread: true };
    }
    return { ...this.snapshot(), reread: false };
  }

  async locateFrame(args: ApiArgs<'locateFrame'>): Promise<PacketRow | null> {
    return this.current?.locateFrame(args.frame) ?? null;
  }

  async recentFiles(): Promise<string[]> {
    return this.host.recent?.list() ?? [];
  }

  async summary(): Promise<Summary | null> {
    return this.current?.summary() ?? null;
  }

  async flows(args: ApiArgs<'flows'> = {}): Promise<Page<FlowRow>> {
    return this.current?.flows(args) ?? { total: 0, offset: 0, rows: [] };
  }

  async flow(args: ApiArgs<'flow'>): Promise<FlowDetail | null> {
    return this.current?.flow(args.id) ?? null;
  }

  async timeline(args: ApiArgs<'timeline'>): Promise<Timeline> {
    return this.current?.timeline(args) ?? { flow: args.flow, from: 0, to: 0, bucket: 0, rate: [], markers: [], points: null, packetsInRange: 0 };
  }

  async events(args: ApiArgs<'events'> = {}): Promise<Page<EventRow>> {
    return this.current?.events(args) ?? { total: 0, offset: 0, rows: [] };
  }

  async incidents(): Promise<IncidentRow[]> {
    return this.current?.incidents() ?? [];
  }

  async dnsTransactions(args: ApiArgs<'dnsTransactions'> = {}): Promise<Page<DnsRow>> {
    return this.current?.dnsTransactions(args) ?? { total: 0, offset: 0, rows: [] };
  }

  async dnsMessage(args: ApiArgs<'dnsMessage'>): Promise<DnsMessageView | null> {
    return this.current?.dnsMessage(args.index) ?? null;
  }

  async quicConnections(args: ApiArgs<'quicConnections'> = {}): Promise<QuicRow[]> {
    return this.current?.quicConnections(args) ?? [];
  }

  async packets(args: ApiArgs<'packets'> = {}): Promise<Page<PacketRow>> {
    const q = this.current;
    if (!q) return { total: 0, offset: 0, rows: [] };
    const frames = args.filter !== undefined ? await this.filterMatches(q, args.filter) : null;
    const page = q.packets(args, frames);
    // Wireshark's Source/Destination/Protocol/Info columns need the frames' bytes
    const src = await this.frameSource();
    if (src && this.current === q && page.rows.length) {
      try {
        page.rows = await describeRows(q.analysis, src, page.rows);
      } catch {
        // the file changed or went away: the rows without those columns
      }
    }
    return page;
  }

  /**
   * The first rows of the packet list described once in idle time, the result dropped:
   * the dissection behind the Info column is compiled on first use (~25 ms for a page of
   * 50 rows, ~3 ms after; README, "Speed and memory"), and the first list a user opens
   * (a flow's, the Packets tab) would wait for it. Opens the frame source too.
   */
  private warmDissection(q: CaptureQuery): void {
    const t = setTimeout(() => {
      if (this.current === q) this.packets({ offset: 0, limit: WARM_ROWS }).catch(() => undefined);
    }, 0) as { unref?(): void };
    t.unref?.();
  }

  async packetDetail(args: ApiArgs<'packetDetail'>): Promise<PacketDetail | null> {
    const q = this.current;
    const src = await this.frameSource();
    if (!q || !src || args.frame > q.analysis.packets) return null;
    return packetDetail(q.analysis, src, args.frame, q.packetRow(args.frame - 1));
  }

  async checkFilter(args: ApiArgs<'checkFilter'>): Promise<FilterCheck | null> {
    try {
      compileDisplayFilter(args.filter);
      return null;
    } catch (e) {
      if (e instanceof FilterError) return { message: e.message, start: e.start, end: e.end };
      throw e;
    }
  }

  async filterFields(): Promise<FilterFieldInfo[]> {
    return FILTER_FIELDS.map((f) => ({ name: f.name, type: f.type, description: f.description }));
  }

  /** The most recent pass running. */
  async filterProgress(): Promise<FilterProgress | null> {
    const p = this.filterPasses[this.filterPasses.length - 1];
    return p ? { ...p.progress } : null;
  }

  /** Stops every pass running; answers the most recent one's progress. */
  async cancelFilter(): Promise<FilterProgress | null> {
    const last = await this.filterProgress();
    for (const p of this.filterPasses) p.abort.abort();
    return last;
  }

  private resetFilters(): void {
    for (const p of this.filterPasses) p.abort.abort();
    this.filterPasses = [];
    this.filterCache = new Map();
  }

  /** The frames `text` selects in the current capture (null for an empty filter: every frame). */
  private async filterMatches(q: CaptureQuery, text: string): Promise<Uint32Array | null> {
    let filter;
    try {
      filter = compileDisplayFilter(text);
    } catch (e) {
      if (e instanceof FilterError) throw new ApiArgumentError(`filter: ${e.message}`);
      throw e;
    }
    if (!filter.node) return null;
    const key = text.trim();
    const cache = this.filterCache;
    let hit = cache.get(key);
    if (hit) {
      // most recent last: the oldest is dropped first
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const ac = new AbortController();
    const progress: FilterProgress = { filter: key, bytesRead: 0, totalBytes: null };
    hit = (async () => {
      const src = await this.reopen();
      progress.totalBytes = src.size;
      const pass = { progress, abort: ac };
      this.filterPasses.push(pass);
      try {
        return await filterFrames(q.analysis, src.source, filter, {
          signal: ac.signal,
          totalBytes: src.size ?? undefined,
          onProgress: (bytesRead) => (progress.bytesRead = bytesRead),
        });
      } catch (e) {
        src.close?.();
        throw e;
      } finally {
        this.filterPasses = this.filterPasses.filter((p) => p.abort !== ac);
      }
    })();
    cache.set(key, hit);
    if (cache.size > FILTER_CACHE) cache.delete(cache.keys().next().value!);
    // a failed or cancelled pass is not kept
    hit.catch(() => {
      if (cache.get(key) === hit) cache.delete(key);
    });
    return hit;
  }

  async followStream(args: ApiArgs<'followStream'>): Promise<FollowedStream | null> {
    const q = this.current;
    if (!q) return null;
    const src = await this.reopen();
    try {
      return await q.followStream(src.source, args.flow);
    } finally {
      src.close?.();
    }
  }

  async exportJson(): Promise<AnalysisJson | null> {
    return this.current?.exportJson() ?? null;
  }

  private dropCompare(): void {
    this.compareAbort?.abort();
    this.compareAbort = null;
    this.compareGen++;
    this.compareView = null;
    this.compareSt = { state: 'empty', name: null, progress: { bytesRead: 0, totalBytes: null, packets: 0, phase: 'reading' }, error: null };
  }

  async compareStatus(): Promise<CompareStatus> {
    return { ...this.compareSt, progress: { ...this.compareSt.progress }, generation: this.compareGen };
  }

  async compare(): Promise<CompareView | null> {
    return this.compareView;
  }

  async closeCompare(): Promise<CompareStatus> {
    this.dropCompare();
    return this.compareStatus();
  }

  /**
   * Read the capture at `path` and compare it with the open one: both are read once
   * more for the packets' identities (analysis/diff): the open one as reopen() gives it
   * (its file, or the spool of an upload).
   */
  async openCompare(args: ApiArgs<'openPath'>): Promise<CompareStatus> {
    const openPath = this.host.openPath?.bind(this.host);
    if (!openPath) throw new Error('this host cannot open files by path');
    const first = this.current;
    if (!first || this.state !== 'ready') throw new Error('open a capture first, then the one to compare it with');
    if (!this.reread) throw new Error(`${this.name ?? 'the open capture'} cannot be read again (it was streamed in, not opened from a file or an upload): open it from its file to compare`);
    this.dropCompare();
    const gen = this.compareGen;
    const ac = new AbortController();
    this.compareAbort = ac;
    const name = baseName(args.path);
    this.compareSt = { state: 'loading', name, progress: { bytesRead: 0, totalBytes: null, packets: 0, phase: 'reading' }, error: null };
    const keylog = args.keylogPath && this.host.readText ? await this.host.readText(args.keylogPath) : null;
    const run = async (): Promise<void> => {
      const opened: OpenedSource[] = [];
      const open = async (p: string): Promise<OpenedSource> => {
        const s = await openPath(p);
        opened.push(s);
        return s;
      };
      try {
        const src = await open(args.path);
        this.compareSt.progress.totalBytes = src.size;
        const analysis = await analyzeCapture(src.source, {
          totalBytes: src.size ?? undefined,
          signal: ac.signal,
          trackerOptions: keylog ? { keylog } : {},
          onProgress: (p) => {
            if (gen === this.compareGen) this.compareSt.progress = { bytesRead: p.bytesRead, totalBytes: p.totalBytes ?? src.size, packets: p.packets, phase: p.phase };
          },
        });
        const second = new CaptureQuery(analysis, name);
        const { json: diff, series } = await diffCaptures(first, (await this.reopen()).source, second, (await open(args.path)).source, { signal: ac.signal });
        if (gen !== this.compareGen) return;
        const label = (f: FlowJson | null): string => (f ? `${f.transport} ${f.client} → ${f.server}` : '');
        this.compareView = {
          nameA: this.name,
          nameB: name,
          diff,
          series,
          startA: first.analysis.start,
          onlyInA: diff.flows.onlyInA.map((id) => ({ id, label: label(first.flowJsonOf(id)) })),
          onlyInB: diff.flows.onlyInB.map((id) => ({ id, label: label(second.flowJsonOf(id)) })),
        };
        this.compareSt = { ...this.compareSt, state: 'ready', progress: { ...this.compareSt.progress, packets: analysis.packets } };
      } catch (e) {
        if (gen !== this.compareGen) return;
        this.compareSt = { ...this.compareSt, state: 'error', error: (e as Error).message || String(e) };
      } finally {
        for (const s of opened) s.close?.();
        if (gen === this.compareGen) this.compareAbort = null;
      }
    };
    this.compareSettled = run();
    return this.compareStatus();
  }

  async exportFlowsCsv(args: ApiArgs<'exportFlowsCsv'> = {}): Promise<string> {
    return this.current?.flowsCsv(args) ?? '';
  }
}
