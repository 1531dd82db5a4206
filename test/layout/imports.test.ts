// The source folders import one way (DESIGN.md) and no module imports itself back
// through others: every relative import among parsers/, analysis/, host/, cli/,
// electron/ and renderer/ (type-only imports too) forms a graph without cycles.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const FOLDERS = ['parsers', 'analysis', 'host', 'cli', 'electron', 'renderer'];

function sources(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|tsx)$/.test(e) && !e.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const f of FOLDERS) if (existsSync(join(root, f))) walk(join(root, f));
  return out;
}

function resolveImport(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec.replace(/\.js$/, ''));
  for (const c of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}

export function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/g;
  for (const f of sources()) {
    const text = readFileSync(f, 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(re)) {
      const r = resolveImport(f, m[1]);
      if (r) deps.push(r);
    }
    g.set(f, deps);
  }
  return g;
}

/** Every cycle found by a depth-first walk, as paths relative to the root. */
export function cycles(g: Map<string, string[]>): string[][] {
  const out: string[][] = [];
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 1);
    stack.push(n);
    for (const d of g.get(n) ?? []) {
      if (state.get(d) === 1) out.push([...stack.slice(stack.indexOf(d)), d].map((p) => relative(root, p)));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of g.keys()) if (!state.has(n)) visit(n);
  return out;
}

describe('import graph', () => {
  it('has no cycles', () => {
    const g = importGraph();
    expect(g.size).toBeGreaterThan(50);
    expect(cycles(g)).toEqual([]);
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    const a = join(root, 'a.ts'), b = join(root, 'b.ts'), c = join(root, 'c.ts');
    expect(cycles(new Map([[a, [b]], [b, [c]], [c, [a]]]))).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });
});
