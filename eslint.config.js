// Lint keeps the import direction of ../shared/docs/DESIGN.md:
//   parsers/  imports nothing of ours
//   analysis/ imports parsers/
//   cli/      imports parsers/, analysis/
//   electron/ imports analysis/ (and parsers/ through it)
//   renderer/ imports only the API and model types, never Node or Electron
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'zlib', 'stream', 'worker_threads', 'crypto', 'url', 'util', 'buffer', 'events', 'readline'];
const nodeBan = [
  { group: ['node:*'], message: 'The core and the renderer stay free of Node APIs.' },
  ...NODE_BUILTINS.map((n) => ({ group: [n, `${n}/*`], message: 'The core and the renderer stay free of Node APIs.' })),
  { group: ['electron', 'electron/*'], message: 'Only electron/ may use Electron.' },
];
const layer = (banned, extra = []) => ({
  'no-restricted-imports': ['error', {
    patterns: [
      ...banned.map((d) => ({ group: [`**/${d}`, `**/${d}/*`, `**/${d}/**`], message: `DESIGN.md: this layer must not import ${d}/.` })),
      ...extra,
    ],
  }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'bench-data/**', 'fixtures/**/*.pcap*'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  { files: ['parsers/**/*.ts'], ignores: ['**/*.test.ts'], rules: layer(['analysis', 'cli', 'electron', 'renderer', 'test'], [...nodeBan, { group: ['react', 'react-dom', 'react/*'], message: 'No UI in the core.' }]) },
  { files: ['analysis/**/*.ts'], ignores: ['**/*.test.ts'], rules: layer(['cli', 'electron', 'renderer', 'test'], [...nodeBan, { group: ['react', 'react-dom', 'react/*'], message: 'No UI in the core.' }]) },
  { files: ['cli/**/*.ts'], rules: layer(['electron', 'renderer', 'test'], [{ group: ['electron'], message: 'The CLI does not use Electron.' }]) },
  { files: ['electron/**/*.ts'], rules: layer(['renderer', 'cli', 'test']) },
  { files: ['renderer/**/*.ts', 'renderer/**/*.tsx'], rules: layer(['parsers', 'cli', 'electron', 'test'], nodeBan) },
);
