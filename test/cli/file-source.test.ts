// The double-buffered file reader: the chunks it yields, consumed the way the capture
// reader consumes them (each fully before asking for the next), reproduce the file
// byte for byte at any chunk size, and stopping early closes the file.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileChunks, nodeFileHost } from '../../host/file-source';

const SAMPLE = join(__dirname, '..', '..', 'fixtures', 'sample.pcapng');

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
  it('opens captures through fileChunks, refuses directories and keeps recent files', async () => {
    const seen: string[][] = [];
    const host = nodeFileHost(null, ['/old.pcap'], (l) => seen.push(l));
    const opened = await host.openPath!(SAMPLE);
    expect(opened.size).toBe(readFileSync(SAMPLE).length);
    let n = 0;
    for await (const c of opened.source) n += c.length;
    expect(n).toBe(opened.size);
    await expect(host.openPath!(join(__dirname))).rejects.toThrow(/is a directory/);
    host.recent!.add('/a.pcap');
    host.recent!.add('/old.pcap');
    expect(host.recent!.list()).toEqual(['/old.pcap', '/a.pcap']);
    expect(seen.at(-1)).toEqual(['/old.pcap', '/a.pcap']);
  });
});
