// The IPC side of StatelineApi, as plain functions (tested without Electron, see
// test/electron/ipc.test.ts). One channel carries every call; the method list the preload
// builds its bridge from comes from the same map (analysis/api.ts) that validates the
// arguments here.

import { API_METHODS, checkCall, type ApiMethod } from '../analysis/api';

export const CHANNEL_CALL = 'stateline:call';
export const CHANNEL_METHODS = 'stateline:methods';

/** What an IPC event tells us of its sender (a subset of Electron's IpcMainInvokeEvent). */
export interface SenderInfo {
  senderFrame?: { url: string; parent?: unknown } | null;
}

/** Only our own renderer page (the built index.html, top frame) may call. */
export function isTrustedSender(event: SenderInfo, rendererUrl: string): boolean {
  const f = event.senderFrame;
  if (!f || (f.parent !== null && f.parent !== undefined)) return false;
  try {
    const u = new URL(f.url);
    const want = new URL(rendererUrl);
    return u.protocol === want.protocol && u.host === want.host && decodeURIComponent(u.pathname) === decodeURIComponent(want.pathname);
  } catch {
    return false;
  }
}

export interface IpcHandlerOptions {
  /** Forward a validated call to the analysis (the worker thread). */
  call(method: ApiMethod, args: unknown): Promise<unknown>;
  rendererUrl: string;
  /** Told of every validated call (main tracks the open path for "Load TLS key log…"). */
  onCall?(method: ApiMethod, args: unknown): void;
}

export class UntrustedSenderError extends Error {
  constructor() {
    super('IPC call from a frame that is not Stateline\'s renderer');
    this.name = 'UntrustedSenderError';
  }
}

/** Handler for ipcMain.handle(CHANNEL_CALL, …): checks the sender, validates, forwards. */
export function createCallHandler(o: IpcHandlerOptions) {
  return async (event: SenderInfo, method: unknown, args: unknown): Promise<unknown> => {
    if (!isTrustedSender(event, o.rendererUrl)) throw new UntrustedSenderError();
    const checked = checkCall(method, args);
    o.onCall?.(method as ApiMethod, checked);
    return o.call(method as ApiMethod, checked);
  };
}

/** Handler for ipcMain.on(CHANNEL_METHODS, …) (sendSync from the preload). */
export function createMethodsHandler(rendererUrl: string) {
  return (event: SenderInfo & { returnValue?: unknown }): void => {
    event.returnValue = isTrustedSender(event, rendererUrl) ? [...API_METHODS] : [];
  };
}

/** Capture paths on a command line: the arguments after the app's own that name files. */
export function pathsFromArgv(argv: string[], exists: (p: string) => boolean): string[] {
  const out: string[] = [];
  for (const a of argv.slice(1)) {
    if (a.startsWith('-') || /(^|[\\/])main\.m?[jt]s$/.test(a) || a === '.') continue;
    if (exists(a)) out.push(a);
  }
  return out;
}
