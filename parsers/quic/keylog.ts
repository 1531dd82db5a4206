// NSS key log format (SSLKEYLOGFILE): `LABEL <client random hex> <secret hex>` per line,
// `#` comments. Only the TLS 1.3 labels QUIC needs are kept.

export interface TlsSecrets {
  clientHandshake?: Uint8Array;
  serverHandshake?: Uint8Array;
  client0?: Uint8Array;
  server0?: Uint8Array;
  clientEarly?: Uint8Array;
}

const LABELS: Record<string, keyof TlsSecrets> = {
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'clientHandshake',
  SERVER_HANDSHAKE_TRAFFIC_SECRET: 'serverHandshake',
  CLIENT_TRAFFIC_SECRET_0: 'client0',
  SERVER_TRAFFIC_SECRET_0: 'server0',
  CLIENT_EARLY_TRAFFIC_SECRET: 'clientEarly',
};

function bytes(s: string): Uint8Array | null {
  if (!/^[0-9a-fA-F]+$/.test(s) || s.length % 2) return null;
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

/** Parse key log text into a map keyed by the lower-case client random. */
export function parseKeylog(text: string, into: Map<string, TlsSecrets> = new Map()): Map<string, TlsSecrets> {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [label, random, secret] = line.split(/\s+/);
    const key = LABELS[label];
    if (!key || !random || !secret) continue;
    const s = bytes(secret);
    if (!s) continue;
    const r = random.toLowerCase();
    let e = into.get(r);
    if (!e) into.set(r, (e = {}));
    e[key] = s;
  }
  return into;
}

/** pcapng Decryption Secrets Block type for an NSS key log ('TLSK'). */
export const SECRETS_TYPE_TLS_KEYLOG = 0x544c534b;
