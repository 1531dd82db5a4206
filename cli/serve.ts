// `stateline serve [FILE] [--port N] [--keylog FILE] [--max-upload BYTES]`: the renderer
// in a browser, with the same StatelineApi as the desktop app, over HTTP on 127.0.0.1.
//
//   GET  /?token=T         sets the session cookie and redirects to / (the URL the command prints)
//   GET  /                 the built renderer (dist/renderer; built with Vite when missing or stale)
//   POST /api/<method>     one StatelineApi call: JSON params in, JSON result out
//   POST /api/upload?name= open a capture from the request body (streamed into the analysis and
//                          spooled to a private temporary file, so that it can be read again)
//
// Progress is polled through `status` (bytes, packets); `cancel` stops reading. Every
// call is validated against analysis/api.ts, the same map the Electron IPC uses.
//
// The trust boundary: any local user or process can reach 127.0.0.1, so every request
// needs the token of this start (random, or STATELINE_TOKEN): the HttpOnly,
// SameSite=Strict cookie that opening the printed URL sets, or `Authorization: Bearer
// TOKEN` for scripts; without it, 401. Requests must also name this server in Host (no
// DNS rebinding), API calls must be JSON (a cross-site page cannot send them without a
// CORS preflight, which is refused), a present Origin must be this server's, and an
// upload may not exceed --max-upload (413). The paths a client names are opened by the
// file host's rules (host/file-source.ts: regular files only, capped key logs).

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiArgumentError, dispatch, isApiMethod } from '../analysis/api';
import { nodeFileHost } from '../host/file-source';
import { defaultThreads } from '../host/tcp-remote';
import { spoolSource } from '../host/frame-source';
import { StatelineSession, type SessionHost } from '../analysis/session';
import { CONTENT_TYPES as TYPES } from '../host/mime';
import { useNodeQuicCrypto } from '../host/quic-crypto';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RENDERER_DIST = join(ROOT, 'dist', 'renderer');
export const SAMPLE_CAPTURE = join(ROOT, 'fixtures', 'sample.pcapng');

export const SERVE_USAGE = `usage: stateline serve [FILE|DIR|FILE…] [--port N] [--keylog FILE] [--max-upload BYTES]

  serve [FILE]     the app's UI in your browser at the printed http://127.0.0.1:PORT/?token=…
                   (FILE opened at once; a directory or several files as one capture
                   set); the token is new at each start, or STATELINE_TOKEN;
                   scripts send it as Authorization: Bearer TOKEN
  --port N         port to listen on (default 7420; 0 picks a free one)
  --keylog FILE    TLS key log (NSS format) for QUIC decryption of FILE
  --max-upload B   largest capture a browser may upload, in bytes (k, M, G suffixes;
                   default 1G)
`;

/** The default of --max-upload: 1 GiB. */
export const DEFAULT_MAX_UPLOAD = 1 << 30;
/** What a token may be made of (it goes into a URL and a cookie). */
const TOKEN_RE = /^[A-Za-z0-9._~-]{16,256}$/;

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

// ---------------------------------------------------------------- the renderer build

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(path)) m = Math.max(m, newestMtime(join(path, e)));
  return m;
}

/**
 * The renderer is built for production (a build made under an inherited NODE_ENV=test or
 * development ships React's development runtime, several times slower to render);
 * STATELINE_RENDERER_DEV=1 builds the development one, with React's warnings, for
 * debugging. The mode of a build is written next to it.
 */
const MODE_MARK = '.build-mode';
const wantedMode = (): 'production' | 'development' => (process.env.STATELINE_RENDERER_DEV ? 'development' : 'production');

function builtMode(root: string): string | null {
  try {
    return readFileSync(join(root, 'dist', 'renderer', MODE_MARK), 'utf8').trim();
  } catch {
    return null;
  }
}

/** Is dist/renderer missing, older than its sources, or built in another mode? */
export function rendererStale(root = ROOT): boolean {
  const index = join(root, 'dist', 'renderer', 'index.html');
  if (!existsSync(index) || builtMode(root) !== wantedMode()) return true;
  const built = statSync(index).mtimeMs;
  const sources = ['renderer', 'analysis/api.ts', 'analysis/model.ts', 'vite.renderer.config.ts'].map((p) => join(root, p)).filter(existsSync);
  return sources.some((s) => newestMtime(s) > built);
}

/** Build the renderer with Vite when it is missing or stale (a few seconds, once). */
export async function ensureRenderer(log: (s: string) => void = () => {}, root = ROOT): Promise<void> {
  if (!rendererStale(root)) return;
  log('building the renderer with Vite (once) …\n');
  const vite = await import('vite');
  // Vite keeps an inherited NODE_ENV (vitest sets "test"), which decides which React
  // runtime is bundled: set it for the build.
  const mode = wantedMode();
  const prev = process.env.NODE_ENV;
  process.env.NODE_ENV = mode;
  try {
    await vite.build({ configFile: join(root, 'vite.renderer.config.ts'), logLevel: 'warn', mode });
  } finally {
    if (prev === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = prev;
  }
  writeFileSync(join(root, 'dist', 'renderer', MODE_MARK), `${mode}\n`);
}

// ---------------------------------------------------------------- the session host

export function fileHost(samplePath: string | null = existsSync(SAMPLE_CAPTURE) ? SAMPLE_CAPTURE : null): SessionHost {
  return nodeFileHost(samplePath, [], undefined, { tcpWorker: () => defaultThreads() >= 2 });
}

// ---------------------------------------------------------------- HTTP

export interface ServeOptions {
  port?: number;
  file?: string | null;
  /** More files read with `file` as one capture set. */
  more?: readonly string[];
  keylog?: string | null;
  /** The token every request must carry (default: 24 random bytes, base64url). */
  token?: string;
  /** Largest upload in bytes (default DEFAULT_MAX_UPLOAD). */
  maxUpload?: number;
  /** Build the renderer if stale (default true). */
  build?: boolean;
  log?: (s: string) => void;
  session?: StatelineSession;
}

export interface Served {
  /** http://127.0.0.1:PORT/ */
  url: string;
  /** The URL to open: it carries the token and sets the cookie. */
  openUrl: string;
  token: string;
  port: number;
  server: Server;
  session: StatelineSession;
  close(): Promise<void>;
}

function headers(type: string, length: number): Record<string, string | number> {
  return {
    'Content-Type': type,
    'Content-Length': length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': CSP,
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string): void {
  res.writeHead(status, headers(type, Buffer.byteLength(body)));
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, v: unknown): void => send(res, status, JSON.stringify(v ?? null), 'application/json; charset=utf-8');

async function readBody(req: IncomingMessage, max = 1 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) throw new ApiArgumentError('request body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const NEEDS_TOKEN = 'missing or wrong token: open the URL that stateline serve printed (…/?token=…), or send Authorization: Bearer TOKEN';
const NEEDS_TOKEN_PAGE = `<!doctype html><meta charset="utf-8"><title>Stateline</title>
<p>This Stateline server needs its token. Open the URL that <code>stateline serve</code> printed
(<code>http://127.0.0.1:PORT/?token=…</code>).</p>\n`;

/** Thrown by the upload's byte counter past --max-upload. */
class UploadTooLargeError extends Error {
  constructor(max: number) {
    super(`the upload is larger than the server's limit of ${max} bytes (stateline serve --max-upload)`);
    this.name = 'UploadTooLargeError';
  }
}

/** The request body as chunks, failing once more than `max` bytes have come. */
async function* capped(req: IncomingMessage, max: number, over: () => void): AsyncGenerator<Uint8Array> {
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) {
      over();
      throw new UploadTooLargeError(max);
    }
    yield c;
  }
}

export async function startServer(opts: ServeOptions = {}): Promise<Served> {
  const log = opts.log ?? ((s: string) => process.stderr.write(s));
  const token = opts.token ?? randomBytes(24).toString('base64url');
  if (!TOKEN_RE.test(token)) throw new Error('the token must be 16 to 256 characters of A-Z a-z 0-9 . _ ~ -');
  const tokenBytes = Buffer.from(token);
  const maxUpload = opts.maxUpload ?? DEFAULT_MAX_UPLOAD;
  if (opts.build !== false) await ensureRenderer(log);
  useNodeQuicCrypto(); // the session's QUIC Initial crypto over node:crypto (also when started without cli/main)
  const session = opts.session ?? new StatelineSession(fileHost());
  let port = 0;
  // Cookies are per host, not per port: one name per server.
  const cookieName = (): string => `stateline_${port}`;
  const hostOk = (req: IncomingMessage): boolean => {
    const h = req.headers.host ?? '';
    return h === `127.0.0.1:${port}` || h === `localhost:${port}` || h === `[::1]:${port}`;
  };
  const originOk = (req: IncomingMessage): boolean => {
    const o = req.headers.origin;
    return o === undefined || o === `http://127.0.0.1:${port}` || o === `http://localhost:${port}` || o === `http://[::1]:${port}`;
  };
  const isToken = (v: string | undefined | null): boolean => {
    if (!v) return false;
    const b = Buffer.from(v);
    return b.length === tokenBytes.length && timingSafeEqual(b, tokenBytes);
  };
  const authorized = (req: IncomingMessage): boolean => {
    const auth = req.headers.authorization;
    if (auth !== undefined) return /^Bearer /i.test(auth) && isToken(auth.slice(7).trim());
    const name = cookieName();
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === name && isToken(part.slice(eq + 1).trim())) return true;
    }
    return false;
  };

  const upload = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    res.setHeader('Connection', 'close');
    const size = Number(req.headers['content-length']);
    const known = req.headers['content-length'] !== undefined && Number.isFinite(size);
    if (known && size > maxUpload) {
      // Refused before a byte is read: the rest of the body is not wanted.
      res.once('finish', () => req.destroy());
      return sendJson(res, 413, { error: new UploadTooLargeError(maxUpload).message });
    }
    const fileName = (url.searchParams.get('name') ?? 'upload').replace(/[\\/\0]/g, '_').slice(0, 255) || 'upload';
    let over = false;
    // Spooled to a private file while it is analysed, so that the capture can be read again (frames, a second pass).
    const spool = spoolSource(capped(req, maxUpload, () => (over = true)));
    session.openSource(
      { source: spool.source, size: known ? size : null, close: () => req.destroy() },
      { name: fileName, size: known ? size : null, spool },
    );
    await session.whenSettled();
    return sendJson(res, over ? 413 : 200, await session.status());
  };

  // node:http is imported when a server starts: every other command would pay for it at start-up
  const { createServer } = await import('node:http');
  const server = createServer(async (req, res) => {
    try {
      if (!hostOk(req)) return send(res, 421, 'wrong host\n', 'text/plain');
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      const given = url.searchParams.get('token');
      if (given !== null && (req.method === 'GET' || req.method === 'HEAD')) {
        if (!isToken(given)) return send(res, 401, NEEDS_TOKEN_PAGE, 'text/html; charset=utf-8');
        // The token moves from the URL (history, the address bar) into the cookie.
        url.searchParams.delete('token');
        res.writeHead(303, {
          ...headers('text/plain', 0),
          Location: url.pathname + url.search,
          'Set-Cookie': `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        });
        return void res.end();
      }
      const api = url.pathname.startsWith('/api/');
      if (!authorized(req)) return api ? sendJson(res, 401, { error: NEEDS_TOKEN }) : send(res, 401, NEEDS_TOKEN_PAGE, 'text/html; charset=utf-8');
      if (api) {
        if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST only' });
        if (!originOk(req)) return sendJson(res, 403, { error: 'cross-origin request refused' });
        const name = url.pathname.slice(5);
        if (name === 'upload') return await upload(req, res, url);
        if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return sendJson(res, 415, { error: 'API calls are JSON' });
        if (!isApiMethod(name)) return sendJson(res, 404, { error: `unknown method ${name.slice(0, 80)}` });
        const body = await readBody(req);
        let args: unknown;
        try {
          args = body ? JSON.parse(body) : {};
        } catch {
          return sendJson(res, 400, { error: 'body is not JSON' });
        }
        return sendJson(res, 200, await dispatch(session, name, args));
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only\n', 'text/plain');
      const rel = normalize(decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)).replace(/^([/\\])+/, '');
      const file = resolve(RENDERER_DIST, rel);
      if (!file.startsWith(RENDERER_DIST + sep) || !existsSync(file) || statSync(file).isDirectory()) return send(res, 404, 'not found\n', 'text/plain');
      return send(res, 200, readFileSync(file), TYPES[extname(file)] ?? 'application/octet-stream');
    } catch (e) {
      if (res.headersSent) return void res.destroy();
      if (e instanceof ApiArgumentError) return sendJson(res, 400, { error: e.message });
      return sendJson(res, 500, { error: (e as Error).message });
    }
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 7420, '127.0.0.1', () => ok());
  });
  port = (server.address() as AddressInfo).port;
  if (opts.file) await session.openPath({ path: resolve(opts.file), ...(opts.more?.length ? { paths: opts.more.map((p) => resolve(p)) } : {}), keylogPath: opts.keylog ? resolve(opts.keylog) : null });
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    openUrl: `${url}?token=${token}`,
    token,
    port,
    server,
    session,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }).then(() => session.dispose()),
  };
}

// ---------------------------------------------------------------- the command

export class ServeUsageError extends Error {}

export interface ServeArgs {
  file: string | null;
  /** Files after the first: the capture set they make with it. */
  more: string[];
  port: number;
  keylog: string | null;
  maxUpload: number;
}

/** "1048576", "512k", "100M", "2G" (binary units) as bytes; NaN when it is not one. */
function parseBytes(v: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(v);
  if (!m) return NaN;
  return Number(m[1]) * { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
}

export function parseServe(args: string[]): ServeArgs {
  const out: ServeArgs = { file: null, more: [], port: 7420, keylog: null, maxUpload: DEFAULT_MAX_UPLOAD };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--port' || a.startsWith('--port=')) {
      const v = a === '--port' ? args[++i] : a.slice(7);
      const n = Number(v);
      if (!v || !Number.isInteger(n) || n < 0 || n > 65535) throw new ServeUsageError('--port needs a number from 0 to 65535');
      out.port = n;
    } else if (a === '--keylog' || a.startsWith('--keylog=')) {
      const v = a === '--keylog' ? args[++i] : a.slice(9);
      if (!v) throw new ServeUsageError('--keylog needs a file');
      out.keylog = v;
    } else if (a === '--max-upload' || a.startsWith('--max-upload=')) {
      const n = parseBytes((a === '--max-upload' ? args[++i] : a.slice(13)) ?? '');
      if (!(n >= 1) || !Number.isSafeInteger(n)) throw new ServeUsageError('--max-upload needs a number of bytes (k, M, G suffixes allowed)');
      out.maxUpload = n;
    } else if (a.startsWith('-') && a !== '-') throw new ServeUsageError(`unknown option ${a}`);
    else if (!out.file) out.file = a;
    else out.more.push(a);
  }
  return out;
}

export async function serveCommand(args: string[]): Promise<number> {
  const o = parseServe(args);
  if (o.file) {
    try {
      for (const f of [o.file, ...o.more]) statSync(f);
    } catch (e) {
      process.stderr.write(`stateline: cannot read ${o.file}: ${(e as Error).message}\n`);
      return 1;
    }
  }
  const token = process.env.STATELINE_TOKEN || undefined;
  if (token !== undefined && !TOKEN_RE.test(token)) throw new ServeUsageError('STATELINE_TOKEN must be 16 to 256 characters of A-Z a-z 0-9 . _ ~ -');
  let served: Served;
  try {
    served = await startServer({ port: o.port, file: o.file, more: o.more, keylog: o.keylog, maxUpload: o.maxUpload, token });
  } catch (e) {
    process.stderr.write(`stateline serve: ${(e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`Stateline is serving on ${served.openUrl}  (Ctrl+C stops it)\n`);
  await new Promise<void>((ok) => {
    const stop = (): void => void served.close().then(ok);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
