// "Open in Wireshark at this frame" (electron/wireshark.ts), without the Electron binary:
// where Wireshark is looked for, the arguments it gets, and the IPC handler's checks —
// our renderer only, a frame number only, the capture main opened, never a shell. The
// last test starts a stand-in "wireshark" from PATH the way main does and reads back
// the arguments it was given.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RENDERER_URL } from '../../electron/app-protocol';
import { createWiresharkHandler, findWireshark, wiresharkArgs } from '../../electron/wireshark';

const ours = { senderFrame: { url: RENDERER_URL, parent: null } };
const dir = mkdtempSync(join(tmpdir(), 'stateline-ws-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('finding Wireshark', () => {
  it('on Linux, on PATH (absolute directories only)', () => {
    const seen: string[] = [];
    const exists = (p: string): boolean => (seen.push(p), p === '/opt/ws/bin/wireshark');
    expect(findWireshark({ platform: 'linux', env: { PATH: 'relative/bin:/usr/bin:/opt/ws/bin' }, exists })).toBe('/opt/ws/bin/wireshark');
    expect(seen).toEqual(['/usr/bin/wireshark', '/opt/ws/bin/wireshark']);
    expect(findWireshark({ platform: 'linux', env: { PATH: '/usr/bin' }, exists: () => false })).toBeNull();
  });

  it("on macOS, in /Applications first; on Windows, under Program Files", () => {
    expect(findWireshark({ platform: 'darwin', env: { PATH: '/usr/local/bin' }, exists: () => true })).toBe('/Applications/Wireshark.app/Contents/MacOS/Wireshark');
    const win = findWireshark({ platform: 'win32', env: { ProgramFiles: 'C:\\Program Files', PATH: 'C:\\Windows' }, exists: (p) => p === 'C:\\Program Files\\Wireshark\\Wireshark.exe' });
    expect(win).toBe('C:\\Program Files\\Wireshark\\Wireshark.exe');
  });

  it('asks Wireshark to read the capture and go to the frame', () => {
    expect(wiresharkArgs('/caps/a b.pcap', 43)).toEqual(['-r', '/caps/a b.pcap', '-g', '43']);
  });
});

describe('the IPC handler', () => {
  const launched: [string, string[]][] = [];
  let path: string | null = '/caps/server-restart.pcap';
  let program: string | null = '/usr/bin/wireshark';
  const handler = createWiresharkHandler({ rendererUrl: RENDERER_URL, currentPath: () => path, find: () => program, launch: (p, a) => launched.push([p, a]) });

  it('says whether it can open the capture, and opens it at the frame', async () => {
    expect(await handler(ours, 'available')).toBe(true);
    expect(await handler(ours, 'open', 43)).toBe(true);
    expect(launched).toEqual([['/usr/bin/wireshark', ['-r', '/caps/server-restart.pcap', '-g', '43']]]);
  });

  it('refuses other frames, bad frame numbers and unknown operations', async () => {
    const n = launched.length;
    await expect(handler({ senderFrame: { url: 'https://evil.example/', parent: null } }, 'open', 1)).rejects.toThrow(/not Stateline's renderer/);
    await expect(handler({ senderFrame: { url: RENDERER_URL, parent: {} } }, 'available')).rejects.toThrow(/not Stateline's renderer/);
    for (const bad of [0, -1, 1.5, '43', '43; rm -rf /', null, 2 ** 32]) await expect(handler(ours, 'open', bad)).rejects.toThrow(/whole number/);
    await expect(handler(ours, 'exec', 1)).rejects.toThrow(/unknown/);
    expect(launched.length).toBe(n);
  });

  it('is not available without a capture path or without Wireshark', async () => {
    path = null;
    expect(await handler(ours, 'available')).toBe(false);
    await expect(handler(ours, 'open', 1)).rejects.toThrow(/no capture file/);
    path = '/caps/x.pcap';
    program = null;
    expect(await handler(ours, 'available')).toBe(false);
    await expect(handler(ours, 'open', 1)).rejects.toThrow(/not installed/);
  });

  it('starts what it finds on PATH without a shell, with the capture and frame as arguments', async () => {
    if (process.platform === 'win32') return;
    const bin = join(dir, 'wireshark');
    const out = join(dir, 'args.txt');
    writeFileSync(bin, `#!/bin/sh\nprintf '%s\\n' "$@" > '${out}'\n`);
    chmodSync(bin, 0o755);
    const capture = join(dir, 'a capture; $(touch pwned).pcap');
    writeFileSync(capture, '');
    const found = findWireshark({ platform: process.platform, env: { PATH: `/nonexistent:${dir}` }, exists: (p) => existsSync(p) && statSync(p).isFile() });
    expect(found).toBe(bin);
    const h = createWiresharkHandler({
      rendererUrl: RENDERER_URL,
      currentPath: () => capture,
      find: () => found,
      // as electron/main.ts starts it
      launch: (p, a) => spawn(p, a, { detached: true, stdio: 'ignore', shell: false }).unref(),
    });
    await h(ours, 'open', 7);
    const deadline = Date.now() + 5000;
    while (!existsSync(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(out, 'utf8')).toBe(`-r\n${capture}\n-g\n7\n`);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });
});
