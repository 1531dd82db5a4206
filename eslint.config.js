// Lint keeps the import direction of ../shared/docs/DESIGN.md:
//   parsers/  imports nothing of ours
//   analysis/ imports parsers/
//   cli/      imports parsers/, analysis/
//   electron/ imports analysis/ (and parsers/ through it), and cli/file-source (the Node file host)
//   renderer/ imports only the API and model types, never Node or Electron
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
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'bench-data/**', 'fixtures/**/*.pcap*', 'cli/main.bundle.mjs*', 'electron/*.bundle.mjs*'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  { files: ['parsers/**/*.ts'], ignores: ['**/*.test.ts'], rules: layer(['analysis', 'cli', 'electron', 'renderer', 'test'], [...nodeBan, { group: ['react', 'react-dom', 'react/*'], message: 'No UI in the core.' }], nodeBanPaths) },
  { files: ['analysis/**/*.ts'], ignores: ['**/*.test.ts'], rules: layer(['cli', 'electron', 'renderer', 'test'], [...nodeBan, { group: ['react', 'react-dom', 'react/*'], message: 'No UI in the core.' }], nodeBanPaths) },
  { files: ['cli/**/*.ts'], rules: layer(['electron', 'renderer', 'test'], [{ group: ['electron'], message: 'The CLI does not use Electron.' }]) },
  // The one Node helper the Electron worker shares with `stateline serve`: the file host.
  { files: ['electron/**/*.ts'], rules: layer(['renderer', 'cli', 'test'], [], [], ['**/cli/file-source']) },
  // The sandboxed preload is CommonJS and may only require('electron').
  { files: ['electron/**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['renderer/**/*.ts', 'renderer/**/*.tsx'], rules: layer(['parsers', 'cli', 'electron', 'test'], nodeBan, nodeBanPaths) },
);
