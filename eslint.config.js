// Lint keeps the import direction of ../shared/docs/DESIGN.md:
//   parsers/  imports nothing of ours
//   analysis/ imports parsers/
//   host/     imports parsers/, analysis/ (the Node host: file access, dns-packet)
//   cli/      imports parsers/, analysis/, host/
//   electron/ imports analysis/ (and parsers/ through it) and host/, never cli/
//   renderer/ imports only types from analysis/ (the API and the model), never Node or Electron
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'zlib', 'stream', 'worker_threads', 'crypto', 'url', 'util', 'buffer', 'events', 'readline'];
const NODE_MSG = 'The core and the renderer stay free of Node APIs.';
// Exact module names (not path patterns), so our own ./events or ./stream stay allowed.
const nodeBanPaths = [
  ...NODE_BUILTINS.map((name) => ({ name, message: NODE_MSG })),
  { name: 'electron', message: 'Only electron/ may use Electron.' },
];
const nodeBan = [
  { group: ['node:*'], message: NODE_MSG },
  ...NODE_BUILTINS.map((n) => ({ group: [`${n}/*`, `!./**`, `!../**`], message: NODE_MSG })),
  { group: ['electron/*'], message: 'Only electron/ may use Electron.' },
];
const layer = (banned, extra = [], paths = [], allowed = []) => ({
  'no-restricted-imports': ['error', {
    paths,
    patterns: [
      ...banned.map((d) => ({ group: allowed.length ? [`**/${d}/*`, ...allowed.map((a) => `!${a}`)] : [`**/${d}`, `**/${d}/*`, `**/${d}/**`], message: `DESIGN.md: this layer must not import ${d}/.` })),
      ...extra,
    ],
  }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'bench-data/**', 'fixtures/**/*.pcap*', 'cli/main.bundle.mjs*', 'electron/*.bundle.mjs*', 'host/*.bundle.mjs*'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  { files: ['parsers/**/*.ts'], ignores: ['**/*.test.ts'], rules: layer(['analysis', 'host', 'cli', 'electron', 'renderer', 'test'], [...nodeBan, { group: ['react', 'react-dom', 'react/*'], message: 'No UI in the core.' }], nodeBanPaths) },
  { files: ['analysis/**/*.ts'], ignores: ['**/*.test.ts'], rules: layer(['host', 'cli', 'electron', 'renderer', 'test'], [...nodeBan, { group: ['react', 'react-dom', 'react/*'], message: 'No UI in the core.' }], nodeBanPaths) },
  { files: ['host/**/*.ts'], rules: layer(['cli', 'electron', 'renderer', 'test'], [{ group: ['electron'], message: 'The Node host does not use Electron.' }]) },
  { files: ['cli/**/*.ts'], rules: layer(['electron', 'renderer', 'test'], [{ group: ['electron'], message: 'The CLI does not use Electron.' }]) },
  // What the Electron worker shares with `stateline serve` lives in host/, not cli/.
  { files: ['electron/**/*.ts'], rules: layer(['renderer', 'cli', 'test']) },
  // The sandboxed preload is CommonJS and may only require('electron').
  { files: ['electron/**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      ...layer(['parsers', 'host', 'cli', 'electron', 'test'], nodeBan, nodeBanPaths),
      // the analysis runs in the hosts: the renderer takes its types (the API, the model), no code
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['**/analysis', '**/analysis/*', '**/analysis/**'], allowTypeImports: true, message: 'DESIGN.md: the renderer imports only types from analysis/ (import type …).' }],
      }],
    },
  },
);
