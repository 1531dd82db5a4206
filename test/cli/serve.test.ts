// `stateline serve`'s HTTP transport over real HTTP: the token (cookie, bearer, 401),
// the same API validated, uploads and their limit, the file host's rules for client
// paths, cancel of a stalled upload, the host checks.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionStatus, Summary } from '../../analysis/api';
import { DEFAULT_MAX_UPLOAD, parseServe, startServer, type Served } from '../../cli/serve';
import { readFrame } from '../../analysis/frame-bytes';
import { httpClient } from '../../renderer/client';
import { oneFlowPerPacket } from '../analysis/many-flows';

const ROOT = join(__dirname, '../..');
const FIXTURE = join(ROOT, 'fixtures', 'tcp-clean-close.pcap');
const SAMPLE = readFileSync(join(ROOT, 'fixtures', 'sample.pcapng'));
const SAMPLE_PATH = join(ROOT, 'fixtures', 'sample.pcapng');
const TMP = mkdtempSync(join(tmpdir(), 'stateline-serve-'));

/** A raw HTTP request (fetch cannot send a body that stalls, nor read a 413 sent early). */
function raw(
  url: string,
  o: { method?: string; headers?: Record<string, string | number>; body?: Uint8Array; end?: boolean },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string; req: ReturnType<typeof request> }> {
  return new Promise((ok, fail) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body, req }));
      res.on('error', fail);
    });
    // A refused body may end in EPIPE before the response is read: give it a moment.
    req.on('error', (e) => setTimeout(() => fail(e), 300));
    if (o.body) req.write(o.body);
    if (o.end !== false) req.end();
  });
}

describe('stateline serve (HTTP)', () => {
  let s: Served;
  let auth: Record<string, string>;
  const api = async (method: string, body: unknown, headers: Record<string, string> = auth) => {
    const r = await fetch(`${s.url}api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: r.status, body: await r.json() };
  };
  const status = async (): Promise<SessionStatus> => (await api('status', {})).body;
  beforeAll(async () => {
    s = await startServer({ port: 0, build: false, log: () => {}, maxUpload: 64 << 10 });
    auth = { Authorization: `Bearer ${s.token}` };
  });
  afterAll(() => s.close());

  describe('the token', () => {
    it('is random per start, in the URL to open', async () => {
      expect(s.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(s.openUrl).toBe(`${s.url}?token=${s.token}`);
      const other = await startServer({ port: 0, build: false, log: () => {} });
      expect(other.token).not.toBe(s.token);
      await other.close();
    });

    it('every /api/* call without it, or with a wrong one, gets 401', async () => {
      for (const headers of [{}, { Authorization: 'Bearer nope' }, { Authorization: `Basic ${s.token}` }, { Cookie: `stateline_${s.port}=wrong` }, { Cookie: `other=${s.token}` }] as Record<string, string>[]) {
        const r = await api('status', {}, headers);
        expect(r.status).toBe(401);
        expect(r.body.error).toMatch(/token/);
        expect(r.body.state).toBeUndefined();
      }
      const up = await raw(`${s.url}api/upload?name=x.pcap`, { method: 'POST', body: SAMPLE.subarray(0, 100) });
      expect(up.status).toBe(401);
      const page = await fetch(s.url);
      expect(page.status).toBe(401);
      expect(await page.text()).toContain('token');
    });

    it('opening the printed URL sets an HttpOnly, SameSite=Strict cookie that the browser then sends', async () => {
      const r = await fetch(s.openUrl, { redirect: 'manual' });
      expect(r.status).toBe(303);
      expect(r.headers.get('location')).toBe('/'); // the token leaves the address bar
      const cookie = r.headers.get('set-cookie')!;
      expect(cookie).toBe(`stateline_${s.port}=${s.token}; HttpOnly; SameSite=Strict; Path=/`);
      const withCookie = { Cookie: cookie.split(';')[0] };
      expect((await api('status', {}, withCookie)).status).toBe(200);
      expect((await fetch(s.url, { headers: withCookie })).status).not.toBe(401);
      expect((await fetch(`${s.url}?token=wrong`, { redirect: 'manual' })).status).toBe(401);
    });

    it('STATELINE_TOKEN fixes it: the command prints http://127.0.0.1:PORT/?token=TOKEN', async () => {
      const token = 'fixed-token-for-scripts-0123456789';
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'stateline.mjs'), 'serve', '--port', '0'], { env: { ...process.env, STATELINE_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const url = await new Promise<string>((ok, fail) => {
          let out = '';
          child.stdout.on('data', (d) => {
            out += d;
            const m = /serving on (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
            if (m) ok(m[1]);
          });
          child.once('exit', (c) => fail(new Error(`exited ${c}: ${out}`)));
        });
        expect(new URL(url).searchParams.get('token')).toBe(token);
        const r = await fetch(new URL('/api/status', url), { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: '{}' });
        expect(r.status).toBe(200);
      } finally {
        child.kill('SIGTERM');
      }
    }, 120_000);
  });

  it('answers API calls as JSON and opens a path', async () => {
    expect((await status()).state).toBe('empty');
    await api('openPath', { path: FIXTURE });
    await s.session.whenSettled();
    expect((await status()).state).toBe('ready');
    const sum = (await api('summary', {})).body as Summary;
    expect(sum.name).toBe('tcp-clean-close.pcap');
    expect((await api('flows', { limit: 2 })).body.rows.length).toBeGreaterThan(0);
  });

  describe('uploads', () => {
    it('opens an upload streamed in the request body', async () => {
      const r = await fetch(`${s.url}api/upload?name=${encodeURIComponent('up load.pcapng')}`, { method: 'POST', headers: auth, body: SAMPLE });
      const st = (await r.json()) as SessionStatus;
      expect(r.status).toBe(200);
      expect(st.state).toBe('ready');
      expect(st.name).toBe('up load.pcapng');
    });

    it('keeps an upload re-readable: its frames read back from the spool, a second upload replaces (and removes) it', async () => {
      await fetch(`${s.url}api/upload?name=a.pcapng`, { method: 'POST', headers: auth, body: SAMPLE });
      const a = s.session.query!.analysis;
      const src = (await s.session.frameSource())!;
      const f = (await readFrame(a, src, a.packets))!;
      const off = a.columns.dataOffset[a.packets - 1];
      expect(f.bytes).toEqual(new Uint8Array(SAMPLE.subarray(off, off + f.bytes.length)));
      const again = await s.session.reopen();
      let n = 0;
      for await (const c of again.source) n += c.length;
      expect(n).toBe(SAMPLE.length);
      await fetch(`${s.url}api/upload?name=b.pcapng`, { method: 'POST', headers: auth, body: SAMPLE });
      await expect(readFrame(a, src, 1)).rejects.toThrow(/closed/);
    });

    it('filters and follows an uploaded capture from its spool, as a file opened by path', async () => {
      const call = async (name: string, body: unknown): Promise<unknown> => {
        const r = await fetch(`${s.url}api/${name}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(r.status, name).toBe(200);
        return r.json();
      };
      await fetch(`${s.url}api/upload?name=up.pcapng`, { method: 'POST', headers: auth, body: SAMPLE });
      const up = (await call('packets', { filter: 'tcp.flags.syn == 1', limit: 1000 })) as { total: number; rows: { frame: number }[] };
      const stream = (await call('followStream', { flow: s.session.query!.analysis.flows.flows.find((f) => f.transport === 'tcp')!.id })) as { tcp: { bytes: number[] } };
      await s.session.openPath({ path: SAMPLE_PATH });
      await s.session.whenSettled();
      const byPath = (await call('packets', { filter: 'tcp.flags.syn == 1', limit: 1000 })) as typeof up;
      expect(up.total).toBeGreaterThan(0);
      expect(up.rows.map((r) => r.frame)).toEqual(byPath.rows.map((r) => r.frame));
      expect(stream.tcp.bytes[0] + stream.tcp.bytes[1]).toBeGreaterThan(0);
    });

    it('refuses one larger than --max-upload with 413: at once when its length says so, else when the count passes it', async () => {
      const before = await status();
      const big = oneFlowPerPacket(2000, 'udp'); // 116 KiB of capture
      const early = await raw(`${s.url}api/upload?name=big.pcapng`, { method: 'POST', headers: { ...auth, 'Content-Length': big.length }, body: big });
      expect(early.status).toBe(413);
      expect(JSON.parse(early.body).error).toBe(`the upload is larger than the server's limit of ${64 << 10} bytes (stateline serve --max-upload)`);
      expect((await status()).generation).toBe(before.generation); // nothing was opened
      // Chunked, no length given: read up to the limit, then refused.
      const chunked = await raw(`${s.url}api/upload?name=big.pcapng`, { method: 'POST', headers: { ...auth, 'Transfer-Encoding': 'chunked' }, body: big });
      expect(chunked.status).toBe(413);
      const st = JSON.parse(chunked.body) as SessionStatus;
      expect(st.state).toBe('error');
      expect(st.error!.message).toMatch(/larger than the server's limit/);
    });

    it('cancel aborts an upload that stalls', async () => {
      const up = raw(`${s.url}api/upload?name=slow.pcapng`, { method: 'POST', headers: { ...auth, 'Content-Length': SAMPLE.length }, body: SAMPLE.subarray(0, 3000), end: false });
      for (let i = 0; i < 100 && (await status()).name !== 'slow.pcapng'; i++) await new Promise((r) => setTimeout(r, 20));
      expect((await status()).state).toBe('loading');
      const t = Date.now();
      await api('cancel', {});
      await s.session.whenSettled();
      expect((await status()).state).toBe('cancelled');
      expect(Date.now() - t).toBeLessThan(2000);
      await expect(up).rejects.toThrow(); // the server let go of the request
    });
  });

  describe('paths a client names', () => {
    it('a file that is not a capture: an error that quotes none of its bytes', async () => {
      const secret = join(TMP, 'shadow');
      writeFileSync(secret, 'root:$6$hash:19000:0:99999:7:::\n');
      await api('openPath', { path: secret });
      await s.session.whenSettled();
      const st = await status();
      expect(st.state).toBe('error');
      expect(st.error!.message).toBe('not a capture file: no pcap, pcapng or gzip signature at offset 0');
    });

    it('FIFOs and devices are refused at once, and do not hold up later opens', async () => {
      const fifo = join(TMP, 'fifo');
      execFileSync('mkfifo', [fifo]);
      for (let i = 0; i < 4; i++) {
        await api('openPath', { path: fifo });
        expect((await status()).error!.message).toBe(`${fifo} is a FIFO, not a regular file`);
      }
      await api('openPath', { path: '/dev/zero' });
      expect((await status()).error!.message).toBe('/dev/zero is a device, not a regular file');
      const k = await api('openPath', { path: FIXTURE, keylogPath: '/dev/zero' });
      expect(k.body.error).toBe('/dev/zero is a device, not a regular file');
      await api('openPath', { path: FIXTURE });
      await s.session.whenSettled();
      expect((await status()).state).toBe('ready');
    });
  });

  it('refuses bad calls', async () => {
    expect((await api('flows', { limit: 'all' })).status).toBe(400);
    expect((await api('nope', {})).status).toBe(404);
    const text = await fetch(`${s.url}api/status`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/plain' }, body: '{}' });
    expect(text.status).toBe(415);
    expect((await api('status', {}, { ...auth, Origin: 'http://evil.example' })).status).toBe(403);
    const get = await fetch(`${s.url}api/status`, { headers: auth });
    expect(get.status).toBe(405);
    const host = await raw(`${s.url}api/status`, { method: 'POST', headers: { ...auth, Host: 'evil.example', 'Content-Type': 'application/json' } });
    expect(host.status).toBe(421);
  });

  it('serves only its own files, with a CSP', async () => {
    const r = await fetch(`${s.url}%2e%2e/%2e%2e/package.json`, { headers: auth });
    expect(r.status).toBe(404);
    const idx = await fetch(s.url, { headers: auth });
    if (idx.status === 200) expect(idx.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('parses its arguments', () => {
    expect(parseServe(['x.pcap', '--port', '0', 'y.pcap'])).toEqual({ file: 'x.pcap', more: ['y.pcap'], port: 0, keylog: null, maxUpload: DEFAULT_MAX_UPLOAD });
    expect(parseServe(['--max-upload', '512M']).maxUpload).toBe(512 << 20);
    expect(parseServe(['--max-upload=2G']).maxUpload).toBe(2 * 2 ** 30);
    expect(parseServe(['--max-upload', '1000']).maxUpload).toBe(1000);
    for (const bad of [['--port', 'abc'], ['--bogus'], ['--max-upload', '0'], ['--max-upload', 'lots'], ['--max-upload']]) expect(() => parseServe(bad)).toThrow();
  });
});

describe("the renderer's HTTP client against stateline serve", () => {
  let s: Served;
  beforeAll(async () => {
    s = await startServer({ port: 0, build: false, log: () => {}, maxUpload: 20_000 });
  });
  afterAll(() => s.close());
  // As in the browser, where the cookie goes with every same-origin request.
  const withToken = (token: string): typeof fetch => (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), Authorization: `Bearer ${token}` } });

  it('reports an upload the server refuses (too large, no token) and otherwise opens it', async () => {
    const client = httpClient(s.url.slice(0, -1), withToken(s.token));
    await expect(client.openFile(new File([oneFlowPerPacket(1000, 'udp') as Uint8Array<ArrayBuffer>], 'big.pcap'))).rejects.toThrow(/larger than the server's limit of 20000 bytes/);
    await client.openFile(new File([SAMPLE], 'small.pcapng'));
    expect((await client.status()).name).toBe('small.pcapng');
    const stranger = httpClient(s.url.slice(0, -1), withToken('not-the-token-0123456789'));
    await expect(stranger.status()).rejects.toThrow(/missing or wrong token/);
    await expect(stranger.openFile(new File([SAMPLE], 'x.pcapng'))).rejects.toThrow(/missing or wrong token/);
  });
});
