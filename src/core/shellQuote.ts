/**
 * POSIX shell quoting for values substituted into remote commands. Everything becomes one
 * single-quoted word, so `$(…)`, backticks, `;`, globs and newlines stay literal.
 */
export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * argv after `--` → one command line. A single argument is taken as a shell command (like
 * `ssh host 'a | b'`); several are quoted one by one so `-- ls "/dir with space"` means what it says.
 */
export function commandFromArgv(argv: string[]): string {
  return argv.length === 1 ? argv[0] : argv.map(shellQuote).join(' ');
}
