// The capture reader's modules import one another without a circle (issue 10): the
// parsers' contract lives in parser.ts, so pcap.ts and pcapng.ts need not import the
// reader that imports them.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const DIR = resolve(__dirname, '../../../parsers/capture');

describe('parsers/capture imports', () => {
  it('form no circle', () => {
    const deps = new Map<string, string[]>();
    for (const f of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
      const specs = ts.preProcessFile(readFileSync(join(DIR, f), 'utf8'), true, true).importedFiles.map((i) => i.fileName);
      deps.set(f, specs.filter((s) => s.startsWith('./')).map((s) => `${s.slice(2).replace(/\.js$/, '')}.ts`));
    }
    expect(deps.get('pcap.ts')).toContain('parser.ts');
    const circles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (path.includes(f)) return void circles.push([...path.slice(path.indexOf(f)), f].join(' → '));
      for (const d of deps.get(f) ?? []) visit(d, [...path, f]);
    };
    for (const f of deps.keys()) visit(f, []);
    expect(circles).toEqual([]);
  });
});
