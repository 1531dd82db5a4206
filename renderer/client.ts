// How the renderer reaches StatelineApi: through the preload's bridge in Electron
// (window.stateline), over HTTP in the browser build (`stateline serve`). Both are made
// from the one map in analysis/api.ts.

import { API_METHODS, makeClient, type ApiMethod, type StatelineApi } from '../analysis/api';

export interface Client extends StatelineApi {
  readonly transport: 'electron' | 'http' | 'test';
  /** Open a capture the user picked or dropped. */
  openFile(file: File): Promise<void>;
}

/** What electron/preload.cjs exposes: the API's methods, plus the path of a dropped File. */
export interface ElectronBridge extends StatelineApi {
  pathForFile(file: File): string;
}

declare global {
  interface Window {
    stateline?: ElectronBridge;
  }
}

export function httpClient(base = '', fetchFn: typeof fetch = (...a) => fetch(...a)): Client {
  const call = async (name: ApiMethod, args: unknown): Promise<unknown> => {
    const r = await fetchFn(`${base}/api/${name}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(args ?? {}) });
    const body = await r.json().catch(() => null);
    if (!r.ok) throw new Error((body && typeof body === 'object' && 'error' in body ? String(body.error) : null) ?? `${name}: HTTP ${r.status}`);
    return body;
  };
  const api = makeClient(call);
  return {
    ...api,
    transport: 'http',
    async openFile(file: File) {
      // Streamed to the server and into the analysis; progress comes from `status`.
      void fetchFn(`${base}/api/upload?name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file }).catch(() => {});
    },
  };
}

export function electronClient(bridge: ElectronBridge): Client {
  const api = {} as Record<string, unknown>;
  for (const m of API_METHODS) api[m] = (a: unknown) => (bridge[m] as (x: unknown) => Promise<unknown>)(a ?? {});
  return {
    ...(api as unknown as StatelineApi),
    transport: 'electron',
    async openFile(file: File) {
      const path = bridge.pathForFile(file);
      if (path) await bridge.openPath({ path });
    },
  };
}

export function defaultClient(): Client {
  return typeof window !== 'undefined' && window.stateline ? electronClient(window.stateline) : httpClient();
}
