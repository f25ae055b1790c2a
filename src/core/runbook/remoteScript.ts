/**
 * What goes over SSH for a runbook cell. The exec string is constant and holds no value (`exec sh
 * -s` or `exec bash -s`, by the cell's language), so nothing secret shows in the remote `ps` and no
 * value size limit (E2BIG, 128 KiB per argument) applies. The script comes on stdin: the values
 * assigned to shell variables, then the cell, all inside one `{ …; }` group read from /dev/null.
 * The shell parses the whole group before running any of it, so the cell cannot read the rest of
 * the script, and commands reading stdin see EOF as before.
 *
 * The variables are not exported: they are expanded by the shell itself, so they do not sit in
 * the environment of every program the cell starts (`/proc/PID/environ`), and a large value does
 * not make every exec fail with E2BIG.
 */
import { shellQuote } from '../shellQuote';
import type { CellShell } from './shellParser';

export interface RemoteScript {
  /** The SSH exec request: constant text. */
  exec: string;
  /** The script written to the remote shell's stdin, then EOF. */
  stdin: string;
}

export function remoteScript(command: string, env: Record<string, string>, shell: CellShell): RemoteScript | { error: string } {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return { error: `"${name}" is not a shell variable name` };
    // Messages name the parameter only: the value may be a secret.
    if (value.includes('\0')) return { error: `the value of ${name} contains a NUL byte, which a shell cannot hold` };
    lines.push(`${name}=${shellQuote(value)}`);
  }
  // The newline before `}` ends a last line that is a comment or a heredoc delimiter.
  const stdin = `{\n${lines.join('\n')}${lines.length ? '\n' : ''}${command}\n} </dev/null\n`;
  return { exec: shell === 'bash' ? 'exec bash -s' : 'exec sh -s', stdin };
}
