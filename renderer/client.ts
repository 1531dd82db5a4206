// How the renderer reaches StatelineApi: through the preload's bridge in Electron
// (window.stateline), over HTTP in the browser build (`stateline serve`). The renderer
// imports only the API's types (the lint rule of DESIGN.md): a method is whatever name
// is asked of the client, sent as it is, and the host validates every call against the
// one map in analysis/api.ts.

import type { ApiMethod, StatelineApi } from '../analysis/api';

export interface Client extends StatelineApi {
  readonly transport: 'electron' | 'http' | 'test';
  /** Open a capture the user picked or dropped. */
  openFile(file: File): Promise<void>;
  /** The desktop app: whether Wireshark is installed and the capture has a path it can read. */
  wiresharkAvailable?(): Promise<boolean>;
  /** The desktop app: Wireshark on the open capture, at frame N. */
  openInWireshark?(frame: number): Promise<void>;
}

/** What electron/preload.cjs exposes: the API's methods, plus the path of a dropped File. */
export interface ElectronBridge extends StatelineApi {
  pathForFile(file: File): string;
  wiresharkAvailable(): Promise<boolean>;
  openInWireshark(frame: number): Promise<boolean>;
}

declare global {
  interface Window {
    stateline?: ElectronBridge;
  }
}

/**
 * A Client whose API methods all go through `call`, with `extras` (transport, openFile)
 * as they are. Names no method has ('then', symbols) stay undefined, so a client is never
 * taken for a promise.
 */
/** The client's own optional extras: absent unless a transport gives them (never an API call). */
const EXTRAS = new Set(['wiresharkAvailable', 'openInWireshark']);

function clientOver(call: (name: ApiMethod, args: unknown) => Promise<unknown>, extras: Omit<Client, keyof StatelineApi>): Client {
  const methods = new Map<string, (a: unknown) => Promise<unknown>>();
  return new Proxy(extras as Client, {
    get(target, name) {
      if (typeof name !== 'string' || name === 'then' || name === 'toJSON') return undefined;
      if (name in target) return (target as unknown as Record<string, unknown>)[name];
      if (EXTRAS.has(name)) return undefined;
      let m = methods.get(name);
      if (!m) methods.set(name, (m = (a: unknown) => call(name as ApiMethod, a ?? {})));
      return m;
    },
  });
}

/** The message of an error answer: `{ error: "…" }`, or a status whose error has one. */
function errorMessage(body: unknown): string | null {
  const e = body && typeof body === 'object' && 'error' in body ? (body as { error: unknown }).error : null;
  if (typeof e === 'string') return e;
  return e && typeof e === 'object' && 'message' in e ? String((e as { message: unknown }).message) : null;
}

export function httpClient(base = '', fetchFn: typeof fetch = (...a) => fetch(...a)): Client {
  const call = async (name: ApiMethod, args: unknown): Promise<unknown> => {
    const r = await fetchFn(`${base}/api/${name}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(args ?? {}) });
    const body = await r.json().catch(() => null);
    if (!r.ok) throw new Error(errorMessage(body) ?? `${name}: HTTP ${r.status}`);
    return body;
  };
  return clientOver(call, {
    transport: 'http',
    async openFile(file: File) {
      // Streamed to the server and into the analysis; progress comes from `status`. The
      // answer comes once reading ends — at once when the server refuses the upload (too
      // large: 413, no token: 401), which is reported. A request the server ends (the
      // user cancelled) is not an error: `status` says what happened.
      const r = await fetchFn(`${base}/api/upload?name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file }).catch(() => null);
      if (r && !r.ok) throw new Error(errorMessage(await r.json().catch(() => null)) ?? `upload: HTTP ${r.status}`);
    },
  });
}

export function electronClient(bridge: ElectronBridge): Client {
  const call = (name: ApiMethod, args: unknown): Promise<unknown> => {
    const fn = bridge[name] as ((x: unknown) => Promise<unknown>) | undefined;
    return typeof fn === 'function' ? fn(args) : Promise.reject(new Error(`${name}: not offered by the app`));
  };
  return clientOver(call, {
    transport: 'electron',
    async openFile(file: File) {
      const path = bridge.pathForFile(file);
      if (path) await bridge.openPath({ path });
    },
    wiresharkAvailable: () => bridge.wiresharkAvailable(),
    async openInWireshark(frame: number) {
      await bridge.openInWireshark(frame);
    },
  });
}

export function defaultClient(): Client {
  return typeof window !== 'undefined' && window.stateline ? electronClient(window.stateline) : httpClient();
}
