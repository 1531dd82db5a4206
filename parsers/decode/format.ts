// Address text: dotted quad for IPv4, RFC 5952 canonical text for IPv6.

const HEX = '0123456789abcdef';

function hex16(v: number): string {
  // No leading zeros (RFC 5952 4.1), lowercase (4.3).
  if (v < 0x10) return HEX[v];
  if (v < 0x100) return HEX[v >> 4] + HEX[v & 15];
  if (v < 0x1000) return HEX[v >> 8] + HEX[(v >> 4) & 15] + HEX[v & 15];
  return HEX[v >> 12] + HEX[(v >> 8) & 15] + HEX[(v >> 4) & 15] + HEX[v & 15];
}

/**
 * The address at data[off..off+4) (IPv4) or data[off..off+16) (IPv6) as text:
 * "10.0.0.1"; "2001:db8::1" (RFC 5952: lowercase, no leading zeros, the longest run of
 * two or more zero groups — the first one on a tie — as "::"); IPv4-mapped addresses as
 * "::ffff:192.0.2.1". Returns "?" when the bytes are not all inside `data`.
 */
export function formatIp(data: Uint8Array, off: number, version: 4 | 6): string {
  if (version === 4) {
    if (off < 0 || off + 4 > data.length) return '?';
    return `${data[off]}.${data[off + 1]}.${data[off + 2]}.${data[off + 3]}`;
  }
  if (off < 0 || off + 16 > data.length) return '?';
  // IPv4-mapped ::ffff:a.b.c.d (RFC 5952 section 5).
  let zeros10 = true;
  for (let i = 0; i < 10; i++) {
    if (data[off + i] !== 0) {
      zeros10 = false;
      break;
    }
  }
  if (zeros10 && data[off + 10] === 0xff && data[off + 11] === 0xff) {
    return `::ffff:${data[off + 12]}.${data[off + 13]}.${data[off + 14]}.${data[off + 15]}`;
  }
  // Longest run of zero groups (length >= 2; first on a tie).
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let g = 0; g < 8; g++) {
    const zero = data[off + 2 * g] === 0 && data[off + 2 * g + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = g;
      const len = g - runStart + 1;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
    } else runStart = -1;
  }
  if (bestLen < 2) bestStart = -1;
  let s = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      s += '::';
      g += bestLen - 1;
      continue;
    }
    if (s.length > 0 && !s.endsWith(':')) s += ':';
    s += hex16((data[off + 2 * g] << 8) | data[off + 2 * g + 1]);
  }
  return s;
}

/** "10.0.0.1:80" for IPv4, "[2001:db8::1]:53" for IPv6. */
export function formatEndpoint(data: Uint8Array, off: number, version: 4 | 6, port: number): string {
  const ip = formatIp(data, off, version);
  return version === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}
