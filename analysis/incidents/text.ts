// How the incidents word their numbers: counts with the right plural, durations in a
// readable unit, frame lists and port ranges kept short.

/** "1 connection", "2 connections" (`many` when the plural is not word + s). */
export function count(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** A duration: "64 µs", "437 ms", "1.98 s", "2 min 5 s". */
export function dur(x: number): string {
  if (!(x >= 0)) return '?';
  if (x < 0.001) return `${Math.round(x * 1e6)} µs`;
  if (x < 1) return `${(x * 1000).toFixed(x < 0.01 ? 2 : x < 0.1 ? 1 : 0)} ms`;
  if (x < 120) return `${x.toFixed(x < 10 ? 2 : 1)} s`;
  return `${Math.floor(x / 60)} min ${Math.round(x % 60)} s`;
}

/** "frame 43", "frames 43, 45 and 47", "12 frames from 43 to 97" (sorted, each once). */
export function framesText(frames: readonly number[]): string {
  const f = [...new Set(frames)].sort((a, b) => a - b);
  if (f.length === 1) return `frame ${f[0]}`;
  if (f.length <= 5) return `frames ${f.slice(0, -1).join(', ')} and ${f[f.length - 1]}`;
  return `${f.length} frames from ${f[0]} to ${f[f.length - 1]}`;
}

/** Ports as ranges: "20–69", "22, 25, 53", "8080" (sorted, each once). */
export function portsText(ports: readonly number[]): string {
  const p = [...new Set(ports)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < p.length; i++) {
    let j = i;
    while (j + 1 < p.length && p[j + 1] === p[j] + 1) j++;
    out.push(j - i >= 2 ? `${p[i]}–${p[j]}` : j > i ? `${p[i]}, ${p[j]}` : `${p[i]}`);
    i = j;
  }
  return out.join(', ');
}

/** "a", "a and b", "a, b and c", "a, b, c and 4 more". */
export function listText(items: readonly string[], max = 4): string {
  if (items.length <= 1) return items[0] ?? '';
  if (items.length > max) return `${items.slice(0, max - 1).join(', ')} and ${items.length - max + 1} more`;
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The host of an endpoint text ("10.0.0.1:53" → "10.0.0.1", "[fd00::1]:53" → "[fd00::1]"). */
export function hostOf(endpoint: string): string {
  return endpoint.replace(/:\d+$/, '');
}

/** The port of an endpoint text. */
export function portOf(endpoint: string): number {
  const m = /:(\d+)$/.exec(endpoint);
  return m ? Number(m[1]) : -1;
}
