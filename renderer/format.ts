// Small formatting helpers of the UI.

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${u[i]}`;
}

export function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Seconds as a duration: 12 µs, 3.4 ms, 1.234 s, 2 min 3 s. */
export function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '—';
  if (s === 0) return '0 s';
  if (s < 1e-3) return `${(s * 1e6).toFixed(0)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(s < 0.01 ? 2 : 1)} ms`;
  if (s < 120) return `${s.toFixed(3)} s`;
  const m = Math.floor(s / 60);
  return m < 120 ? `${m} min ${Math.round(s - m * 60)} s` : `${(s / 3600).toFixed(1)} h`;
}

/** Seconds since the capture's first packet, Wireshark's default time column. */
export function fmtRel(t: number, base: number, digits = 6): string {
  return (t - base).toFixed(digits);
}

/**
 * A capture time as UTC. Dates end at ±8.64e15 ms (years -271821 and 275760); a pcapng
 * timestamp can lie far past that, and is then shown in seconds rather than throwing.
 */
export function fmtDate(t: number | null): string {
  if (t === null) return '—';
  const d = new Date(t * 1000);
  if (!Number.isFinite(d.getTime())) return `${t} s since 1970-01-01 UTC (${t < 0 ? 'before year -271821' : 'past year 275760'})`;
  return d.toISOString().replace('T', ' ').replace('Z', ' UTC');
}

const LINK_TYPES: Record<number, string> = {
  0: 'BSD loopback',
  1: 'Ethernet',
  9: 'PPP',
  12: 'raw IP',
  14: 'raw IP',
  101: 'raw IP',
  108: 'OpenBSD loopback',
  113: 'Linux cooked (SLL)',
  228: 'raw IPv4',
  229: 'raw IPv6',
  276: 'Linux cooked v2 (SLL2)',
};

export function linkTypeName(lt: number): string {
  return LINK_TYPES[lt] ? `${LINK_TYPES[lt]} (${lt})` : `link type ${lt}`;
}
