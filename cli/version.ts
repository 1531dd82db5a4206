// `stateline --version` and `--help`/`-h` on every command: the version is package.json's
// (read next to the sources, or the bundle in cli/), and each command's usage is its own.
import { readFileSync } from 'node:fs';

export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Whether the arguments after a command ask for its help or the version (a bare `-h`,
 * `--help` or `--version`, not the value of an option such as `--filter`): answered
 * before the command parses anything, so `stateline analyze --help` needs no file.
 */
export function helpOrVersion(args: readonly string[]): 'help' | 'version' | null {
  for (const a of args) {
    if (a === '-h' || a === '--help') return 'help';
    if (a === '--version') return 'version';
  }
  return null;
}
