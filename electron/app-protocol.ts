// The renderer is served to the window through a custom `app://stateline/` protocol
// rather than file:// — file:// pages can read every file the user can (and, with
// the grantFileProtocolExtraPrivileges fuse off, the app gives file:// nothing). The
// scheme is registered as standard and secure (an origin of its own, so the CSP's
// 'self' and the IPC sender check mean exactly the built renderer), and it answers only
// files inside dist/renderer. Plain functions, tested without Electron
// (test/electron/ipc.test.ts); main.ts hands them to protocol.handle.

import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { CONTENT_TYPES as TYPES } from '../host/mime';

export const APP_SCHEME = 'app';
export const APP_HOST = 'stateline';
/** The renderer's page: what the window loads and what the IPC handlers trust. */
export const RENDERER_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;
/** For protocol.registerSchemesAsPrivileged (before the app is ready). */
export const APP_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true } as const;

/** The file under `root` that an app:// URL names, or null (another scheme or host, outside root). */
export function appFile(url: string, root: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  const base = resolve(root);
  const file = resolve(base, `.${path === '/' ? '/index.html' : path}`);
  return file.startsWith(base + sep) ? file : null;
}

/** The response to an app:// request: the file, or 404. */
export async function appResponse(url: string, root: string): Promise<Response> {
  const file = appFile(url, root);
  const notFound = (): Response => new Response('not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });
  if (file === null) return notFound();
  try {
    if (!(await stat(file)).isFile()) return notFound();
    return new Response(await readFile(file), {
      headers: { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' },
    });
  } catch {
    return notFound();
  }
}
