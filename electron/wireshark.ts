// "Open in Wireshark at this frame" (issue 15), the desktop app's only way out to another
// program, kept to Electron's security checklist:
//  - the renderer names only a frame number: the capture is the one main opened (its
//    path never comes from the renderer), the program is Wireshark found in the usual
//    places or on PATH, never a path the renderer could choose;
//  - the call comes over a channel of its own from our renderer only (isTrustedSender),
//    its arguments checked (an operation of two, a frame 1 … 2^31);
//  - Wireshark is started without a shell (no quoting to get wrong) as `-r FILE -g N`
//    (read the file, go to packet N), detached, its output ignored.
// Plain functions with their I/O passed in, so that they are tested without Electron.

import { isTrustedSender, type SenderInfo } from './ipc';

export const CHANNEL_WIRESHARK = 'stateline:wireshark';

export interface FindOptions {
  platform: string;
  env: Record<string, string | undefined>;
  exists(path: string): boolean;
}

/** Where Wireshark is: the installers' usual places, then PATH; null when it is not installed. */
export function findWireshark({ platform, env, exists }: FindOptions): string | null {
  const sep = platform === 'win32' ? ';' : ':';
  const join = (dir: string, name: string): string => (platform === 'win32' ? `${dir.replace(/[\\/]+$/, '')}\\${name}` : `${dir.replace(/\/+$/, '')}/${name}`);
  const fixed =
    platform === 'darwin'
      ? ['/Applications/Wireshark.app/Contents/MacOS/Wireshark']
      : platform === 'win32'
        ? [env.ProgramFiles, env['ProgramFiles(x86)'], env.ProgramW6432].filter((d): d is string => !!d).map((d) => join(join(d, 'Wireshark'), 'Wireshark.exe'))
        : [];
  const onPath = (env.PATH ?? env.Path ?? '')
    .split(sep)
    .filter((d) => d && (platform === 'win32' || d.startsWith('/')))
    .map((d) => join(d, platform === 'win32' ? 'Wireshark.exe' : 'wireshark'));
  return [...fixed, ...onPath].find((p) => exists(p)) ?? null;
}

/** Wireshark's arguments: read the capture, go to packet `frame`. */
export function wiresharkArgs(capture: string, frame: number): string[] {
  return ['-r', capture, '-g', String(frame)];
}

export interface WiresharkHandlerOptions {
  rendererUrl: string;
  /** The capture main opened (null: none, or one the renderer uploaded without a path). */
  currentPath(): string | null;
  /** Wireshark's path, or null (looked up on each call: it may be installed meanwhile). */
  find(): string | null;
  /** Start it (spawn without a shell, detached). */
  launch(program: string, args: string[]): void;
}

/** The handler of ipcMain.handle(CHANNEL_WIRESHARK): 'available' → boolean, 'open' N → starts Wireshark at frame N. */
export function createWiresharkHandler(o: WiresharkHandlerOptions) {
  return async (event: SenderInfo, op: unknown, frame?: unknown): Promise<boolean> => {
    if (!isTrustedSender(event, o.rendererUrl)) throw new Error('Wireshark call from a frame that is not Stateline\'s renderer');
    if (op === 'available') return o.find() !== null && o.currentPath() !== null;
    if (op !== 'open') throw new Error('unknown Wireshark operation');
    if (typeof frame !== 'number' || !Number.isInteger(frame) || frame < 1 || frame > 2 ** 31) throw new Error('the frame must be a whole number from 1');
    const path = o.currentPath();
    if (!path) throw new Error('no capture file is open to show in Wireshark');
    const program = o.find();
    if (!program) throw new Error('Wireshark is not installed (or not on PATH)');
    o.launch(program, wiresharkArgs(path, frame));
    return true;
  };
}
