// The double-buffered file reader: the chunks it yields, consumed the way the capture
// reader consumes them (each fully before asking for the next), reproduce the file
// byte for byte at any chunk size, and stopping early closes the file. The host's
// guards on client paths: regular files only, at once; key logs capped; a bound on
// files in flight.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, ftruncateSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileChunks, MAX_IN_FLIGHT, nodeFileHost } from '../../host/file-source';

const SAMPLE = join(__dirname, '../../fixtures/sample.pcapng');

async function collect(path: string, chunkSize: number): Promise<{ bytes: Uint8Array; chunks: number }> {
  const parts: Uint8Array[] = [];
  let chunks = 0;
  for await (const c of fileChunks(path, chunkSize)) {
    // Copy, as a consumer that keeps bytes must: the buffer is reused two chunks later.
    parts.push(c.slice());
    chunks++;
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { bytes.set(p, o); o += p.length; }
  return { bytes, chunks };
}

describe('fileChunks', () => {
  const want = new Uint8Array(readFileSync(SAMPLE));

  it.each([1, 7, 4096, 1 << 20])('yields the whole file in chunks of %i bytes', async (size) => {
    const { bytes, chunks } = await collect(SAMPLE, size);
    expect(bytes.length).toBe(want.length);
    expect(Buffer.compare(Buffer.from(bytes), Buffer.from(want))).toBe(0);
    expect(chunks).toBe(Math.ceil(want.length / size));
  });

  it('handles a file whose size is an exact multiple of the chunk size, and an empty file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stateline-fs-'));
    const exact = join(dir, 'exact.bin');
    writeFileSync(exact, want.subarray(0, 4096));
    const r = await collect(exact, 1024);
    expect(r.chunks).toBe(4);
    expect(Buffer.compare(Buffer.from(r.bytes), Buffer.from(want.subarray(0, 4096)))).toBe(0);
    const empty = join(dir, 'empty.bin');
    writeFileSync(empty, '');
    expect((await collect(empty, 1024)).chunks).toBe(0);
  });

  it('hands out chunks that stay intact until the next one is asked for', async () => {
    // The prefetch must never write into the chunk the consumer holds.
    let offset = 0;
    for await (const c of fileChunks(SAMPLE, 64)) {
      await new Promise((r) => setTimeout(r, 0)); // let any in-flight read land
      expect(Buffer.compare(Buffer.from(c), Buffer.from(want.subarray(offset, offset + c.length)))).toBe(0);
      offset += c.length;
    }
    expect(offset).toBe(want.length);
  });

  it('closes the file when the consumer stops early', async () => {
    const gen = fileChunks(SAMPLE, 16);
    await gen.next();
    await gen.next();
    const r = await gen.return(undefined);
    expect(r.done).toBe(true);
    // A closed generator yields nothing more.
    expect((await gen.next()).done).toBe(true);
  });
});

describe('nodeFileHost', () => {
  it('opens captures through fileChunks, a directory as a capture set, and keeps recent files', async () => {
    const seen: string[][] = [];
    const host = nodeFileHost(null, ['/old.pcap'], (l) => seen.push(l));
    const opened = await host.openPath!(SAMPLE);
    expect(opened.size).toBe(readFileSync(SAMPLE).length);
    let n = 0;
    for await (const c of opened.source) n += c.length;
    expect(n).toBe(opened.size);
    // A directory is a capture set: its regular files as the set reader's members.
    const set = await host.openPath!(join(SAMPLE, '..', 'dns'));
    expect(Array.isArray(set.source)).toBe(true);
    const members = set.source as readonly { name: string }[];
    expect(members.map((m) => m.name)).toContain('dns-basic.pcap');
    expect(set.size).toBe(members.reduce((n, m) => n + statSync(join(SAMPLE, '..', 'dns', m.name)).size, 0));
    host.recent!.add('/a.pcap');
    host.recent!.add('/old.pcap');
    expect(host.recent!.list()).toEqual(['/old.pcap', '/a.pcap']);
    expect(seen.at(-1)).toEqual(['/old.pcap', '/a.pcap']);
  });
});

describe('nodeFileHost on paths from a client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stateline-host-'));
  const host = nodeFileHost(null);
  /** Resolves or rejects within `ms`, or fails the test: nothing may hang. */
  const soon = <T>(p: Promise<T>, ms = 2000): Promise<T> =>
    Promise.race([p, new Promise<T>((_, fail) => setTimeout(() => fail(new Error(`still waiting after ${ms} ms`)), ms))]);

  it('refuses FIFOs, devices and directories at once, for captures and key logs', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const [path, what] of [[fifo, 'a FIFO'], ['/dev/zero', 'a device'], [dir, 'a directory']]) {
      // (a directory is a capture set of its regular files: this one holds none, only the FIFO)
      if (path === dir) await expect(soon(host.openPath!(path))).rejects.toThrow(`${dir}: no files to read`);
      else await expect(soon(host.openPath!(path))).rejects.toThrow(`${path} is ${what}, not a regular file`);
      await expect(soon(host.readText!(path))).rejects.toThrow(`${path} is ${what}, not a regular file`);
    }
    // Four FIFOs in a row no longer hold the file threads: a capture still opens.
    for (let i = 0; i < 4; i++) await expect(soon(host.openPath!(fifo))).rejects.toThrow(/FIFO/);
    const ok = await soon(host.openPath!(SAMPLE));
    ok.close!();
  });

  it('reads key logs with a hard cap, whatever their size says', async () => {
    const big = join(dir, 'big.keylog');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, (64 << 20) + 1); // sparse: 64 MiB + 1 byte of zeros
    closeSync(fd);
    await expect(host.readText!(big)).rejects.toThrow(`${big}: key log larger than 64 MiB`);
    // /proc/self/pagemap says 0 bytes and never ends.
    if (existsSync('/proc/self/pagemap')) await expect(soon(host.readText!('/proc/self/pagemap'), 10_000)).rejects.toThrow(/larger than 64 MiB|EPERM|EACCES/);
    const small = join(dir, 'small.keylog');
    writeFileSync(small, 'CLIENT_RANDOM aa bb\n');
    expect(await host.readText!(small)).toBe('CLIENT_RANDOM aa bb\n');
  });

  it(`keeps at most ${MAX_IN_FLIGHT} files opening or open, and frees a slot when one closes`, async () => {
    const open = [];
    for (let i = 0; i < MAX_IN_FLIGHT; i++) open.push(await host.openPath!(SAMPLE));
    await expect(host.openPath!(SAMPLE)).rejects.toThrow(`${MAX_IN_FLIGHT} files are still being opened or read`);
    await expect(host.readText!(SAMPLE)).rejects.toThrow(/still being opened or read/);
    // Closed before it was read (a new open aborts the last): its slot comes back.
    open[0].close!();
    await new Promise((r) => setTimeout(r, 50));
    const again = await host.openPath!(SAMPLE);
    // Read to the end: the file closes itself.
    let n = 0;
    for await (const c of again.source) n += c.length;
    expect(n).toBe(again.size);
    for (const o of open.slice(1)) o.close!();
    await new Promise((r) => setTimeout(r, 50));
    const all = await Promise.all(Array.from({ length: MAX_IN_FLIGHT }, () => host.openPath!(SAMPLE)));
    for (const o of all) o.close!();
  });
});
