// tshark as the oracle of the frame bytes and the layer tree: `tshark -T json -x` gives
// every field with its raw bytes and their position ([hex, start, length, bitmask,
// type] in `<field>_raw`). Tests skip with a message when tshark is absent.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const TSHARK = process.env.STATELINE_TSHARK ?? '/usr/bin/tshark';
export const HAVE_TSHARK = existsSync(TSHARK);

export function warnIfNoTshark(): void {
  if (!HAVE_TSHARK) console.warn(`\n[tshark] SKIPPED: ${TSHARK} is absent (apt-get install -y tshark)\n`);
}

/** One frame as tshark's JSON shows it: the `layers` object. */
export type TsharkLayers = Record<string, unknown>;

/** Every frame of `file` as tshark decodes it (`-T json -x`), optionally with a TLS key log. */
export function tsharkFrames(file: string, opts: { keylog?: string; decodeAs?: string[] } = {}): TsharkLayers[] {
  const args = ['-r', file, '-T', 'json', '-x', '-n', '--no-duplicate-keys'];
  if (opts.keylog) args.push('-o', `tls.keylog_file:${opts.keylog}`);
  for (const d of opts.decodeAs ?? []) args.push('-d', d);
  const out = execFileSync(TSHARK, args, { maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
  return (JSON.parse(out) as { _source: { layers: TsharkLayers } }[]).map((p) => p._source.layers);
}

/** The frame's bytes as tshark shows them (frame_raw). */
export function tsharkFrameBytes(layers: TsharkLayers): Uint8Array {
  const raw = layers['frame_raw'] as [string, number, number];
  return Uint8Array.from(Buffer.from(raw[0], 'hex'));
}

/** A field tshark decoded: its value as shown, and its bytes' range in the frame. */
export interface TsharkField {
  name: string;
  value: string;
  start: number;
  end: number;
}

/**
 * Every field of a frame with a position, flattened (the same name may occur more than
 * once: two IP headers in an ICMP error, several DNS answers), in tshark's order.
 */
export function tsharkFields(layers: TsharkLayers): TsharkField[] {
  const out: TsharkField[] = [];
  const walk = (o: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(o)) {
      // A field named like another's raw (tcp.seq_raw, the raw value of tcp.seq): the JSON
      // keeps one "tcp.seq_raw" key, the field's; tcp.seq lies at the same bytes as it.
      const twin = o[`${k}_raw_raw`];
      if (typeof v === 'string' && typeof o[`${k}_raw`] === 'string' && Array.isArray(twin) && typeof twin[1] === 'number')
        out.push({ name: k, value: v, start: twin[1] as number, end: (twin[1] as number) + (twin[2] as number) });
      if (k.endsWith('_raw')) {
        const name = k.slice(0, -4);
        // [hex, start, len, …], a list of them (a repeated field), or — where a field is
        // named like another's raw (tcp.seq_raw) — both merged in one list
        const raws = (Array.isArray(v) && typeof v[1] === 'number' ? [v] : Array.isArray(v) ? v.filter((x) => Array.isArray(x) && typeof x[1] === 'number') : []) as [string, number, number][];
        const vals = o[name];
        const valList = Array.isArray(vals) ? vals : [vals];
        raws.forEach((r, i) => {
          const val = valList[i];
          out.push({ name, value: typeof val === 'string' ? val : '', start: r[1], end: r[1] + r[2] });
        });
        continue;
      }
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>);
      else if (Array.isArray(v)) for (const x of v) if (x && typeof x === 'object' && !Array.isArray(x)) walk(x as Record<string, unknown>);
    }
  };
  walk(layers);
  return out;
}
