// `stateline serve [FILE] [--port N] [--keylog FILE]`: the renderer in a browser, with
// the same StatelineApi as the desktop app, over HTTP on 127.0.0.1.
//
//   GET  /                 the built renderer (dist/renderer; built with Vite when missing or stale)
//   POST /api/<method>     one StatelineApi call: JSON params in, JSON result out
//   POST /api/upload?name= open a capture from the request body (streamed into the analysis)
//
// Progress is polled through `status` (bytes, packets); `cancel` stops reading. Every
// call is validated against analysis/api.ts, the same map the Electron IPC uses.
// Requests must name this server in Host (no DNS rebinding), API calls must be JSON
// (a cross-site page cannot send them without a CORS preflight, which is refused) and a
// present Origin must be this server's.

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiArgumentError, dispatch, isApiMethod } from '../analysis/api';
import { nodeFileHost } from '../host/file-source';
import { StatelineSession, type SessionHost } from '../analysis/session';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RENDERER_DIST = join(ROOT, 'dist', 'renderer');
export const SAMPLE_CAPTURE = join(ROOT, 'fixtures', 'sample.pcapng');

export const SERVE_USAGE = `usage: stateline serve [FILE] [--port N] [--keylog FILE]

  serve [FILE]     the app's UI in your browser at http://127.0.0.1:PORT/ (FILE opened at once)
  --port N         port to listen on (default 7420; 0 picks a free one)
  --keylog FILE    TLS key log (NSS format) for QUIC decryption of FILE
`;

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

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

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
  return nodeFileHost(samplePath);
}

// ---------------------------------------------------------------- HTTP

export interface ServeOptions {
  port?: number;
  file?: string | null;
  keylog?: string | null;
  /** Build the renderer if stale (default true). */
  build?: boolean;
  log?: (s: string) => void;
  session?: StatelineSession;
}

export interface Served {
  url: string;
  port: number;
  server: Server;
  session: StatelineSession;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': CSP,
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
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

export async function startServer(opts: ServeOptions = {}): Promise<Served> {
  const log = opts.log ?? ((s: string) => process.stderr.write(s));
  if (opts.build !== false) await ensureRenderer(log);
  const session = opts.session ?? new StatelineSession(fileHost());
  let port = 0;
  const hostOk = (req: IncomingMessage): boolean => {
    const h = req.headers.host ?? '';
    return h === `127.0.0.1:${port}` || h === `localhost:${port}` || h === `[::1]:${port}`;
  };
  const originOk = (req: IncomingMessage): boolean => {
    const o = req.headers.origin;
    return o === undefined || o === `http://127.0.0.1:${port}` || o === `http://localhost:${port}` || o === `http://[::1]:${port}`;
  };

  const server = createServer(async (req, res) => {
    try {
      if (!hostOk(req)) return send(res, 421, 'wrong host\n', 'text/plain');
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      if (url.pathname.startsWith('/api/')) {
        if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST only' });
        if (!originOk(req)) return sendJson(res, 403, { error: 'cross-origin request refused' });
        const name = url.pathname.slice(5);
        if (name === 'upload') {
          const size = Number(req.headers['content-length']);
          const fileName = (url.searchParams.get('name') ?? 'upload').replace(/[\\/\0]/g, '_').slice(0, 255) || 'upload';
          session.openSource(
            { source: req as AsyncIterable<Uint8Array>, size: Number.isFinite(size) ? size : null, close: () => req.destroy() },
            { name: fileName, size: Number.isFinite(size) ? size : null },
          );
          await session.whenSettled();
          const st = await session.status();
          res.setHeader('Connection', 'close');
          return sendJson(res, 200, st);
        }
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
  if (opts.file) await session.openPath({ path: resolve(opts.file), keylogPath: opts.keylog ? resolve(opts.keylog) : null });
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    port,
    server,
    session,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

// ---------------------------------------------------------------- the command

export class ServeUsageError extends Error {}

export function parseServe(args: string[]): { file: string | null; port: number; keylog: string | null } {
  const out = { file: null as string | null, port: 7420, keylog: null as string | null };
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
    } else if (a.startsWith('-') && a !== '-') throw new ServeUsageError(`unknown option ${a}`);
    else if (!out.file) out.file = a;
    else throw new ServeUsageError(`unexpected argument ${a}`);
  }
  return out;
}

export async function serveCommand(args: string[]): Promise<number> {
  const o = parseServe(args);
  if (o.file) {
    try {
      if (statSync(o.file).isDirectory()) throw new Error('is a directory');
    } catch (e) {
      process.stderr.write(`stateline: cannot read ${o.file}: ${(e as Error).message}\n`);
      return 1;
    }
  }
  let served: Served;
  try {
    served = await startServer({ port: o.port, file: o.file, keylog: o.keylog });
  } catch (e) {
    process.stderr.write(`stateline serve: ${(e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`Stateline is serving on ${served.url}  (Ctrl+C stops it)\n`);
  await new Promise<void>((ok) => {
    const stop = (): void => void served.close().then(ok);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
