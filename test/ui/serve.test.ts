// `stateline serve`'s HTTP transport: the same API, validated; uploads; the host checks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionStatus, Summary } from '../../analysis/api';
import { parseServe, startServer, type Served } from '../../cli/serve';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(ROOT, 'fixtures', 'tcp-clean-close.pcap');

describe('stateline serve (HTTP)', () => {
  let s: Served;
  const api = async (method: string, body: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(`${s.url}api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: r.status, body: await r.json() };
  };
  beforeAll(async () => {
    s = await startServer({ port: 0, build: false, log: () => {} });
  });
  afterAll(() => s.close());

  it('answers API calls as JSON and opens a path', async () => {
    expect((await api('status', {})).body.state).toBe('empty');
    await api('openPath', { path: FIXTURE });
    await s.session.whenSettled();
    const st = (await api('status', {})).body as SessionStatus;
    expect(st.state).toBe('ready');
    const sum = (await api('summary', {})).body as Summary;
    expect(sum.name).toBe('tcp-clean-close.pcap');
    expect((await api('flows', { limit: 2 })).body.rows.length).toBeGreaterThan(0);
  });

  it('opens an upload streamed in the request body', async () => {
    const r = await fetch(`${s.url}api/upload?name=${encodeURIComponent('up load.pcapng')}`, { method: 'POST', body: readFileSync(join(ROOT, 'fixtures', 'sample.pcapng')) });
    const st = (await r.json()) as SessionStatus;
    expect(st.state).toBe('ready');
    expect(st.name).toBe('up load.pcapng');
  });

  it('refuses bad calls', async () => {
    expect((await api('flows', { limit: 'all' })).status).toBe(400);
    expect((await api('nope', {})).status).toBe(404);
    const text = await fetch(`${s.url}api/status`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    expect(text.status).toBe(415);
    expect((await api('status', {}, { Origin: 'http://evil.example' })).status).toBe(403);
    const get = await fetch(`${s.url}api/status`);
    expect(get.status).toBe(405);
  });

  it('serves only its own files, with a CSP', async () => {
    const r = await fetch(`${s.url}%2e%2e/%2e%2e/package.json`);
    expect(r.status).toBe(404);
    const idx = await fetch(s.url);
    if (idx.status === 200) expect(idx.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('parses its arguments', () => {
    expect(parseServe(['x.pcap', '--port', '0'])).toEqual({ file: 'x.pcap', port: 0, keylog: null });
    expect(() => parseServe(['--port', 'abc'])).toThrow();
    expect(() => parseServe(['--bogus'])).toThrow();
  });
});
