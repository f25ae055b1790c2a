/** `sofa-ops runbook fmt --check FILE…`: proves a runbook reads back byte-identical and has no problems. */
import { promises as fs } from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { formatProblem } from '../core/sourceProblem';
import { parseRunbook } from '../core/runbook/runbookParser';
import { serializeRunbook } from '../core/runbook/runbookSerializer';
import { type CliIO, say, UsageError } from './io';

export const runbookUsage = `Usage: sofa-ops runbook fmt --check FILE...

Checks *.runbook.md files: front matter, cell options and {{parameters}} are valid, and reading
then writing the file gives back the same bytes (what the notebook editor does on save).
Exit code: 0 all files are fine, 1 problems (printed as file:line: message), 2 usage error.
`;

export async function runbookCommand(args: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    io.out(say(io, undefined, runbookUsage));
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'fmt') throw new UsageError('unknown runbook command "{0}"', sub);
  const { values, positionals } = parseArgs({
    args: rest,
    options: { check: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(say(io, undefined, runbookUsage));
    return 0;
  }
  // Serializing an unchanged runbook is the identity, so rewriting files would change nothing.
  if (!values.check) throw new UsageError('fmt only checks for now: add --check');
  if (!positionals.length) throw new UsageError('no runbook files given');
  let failed = 0;
  for (const file of positionals) {
    const shown = path.relative(process.cwd(), file) || file;
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch (err) {
      io.err(`${shown}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      failed++;
      continue;
    }
    const { runbook, problems } = parseRunbook(bytes.toString('utf8'), shown);
    for (const problem of problems) io.err(`${formatProblem(problem)}\n`);
    const written = Buffer.from(serializeRunbook(runbook), 'utf8');
    const line = written.equals(bytes) ? 0 : firstDifferentLine(bytes, written);
    if (line) io.err(`${shown}:${line}: not byte-identical at line ${line} after reading and writing${bytes.includes(Buffer.from([0xef, 0xbf, 0xbd])) || !isUtf8(bytes) ? ' (the file is not valid UTF-8)' : ''}\n`);
    if (problems.length || line) failed++;
  }
  if (failed) {
    io.err(`sofa-ops: ${failed} of ${positionals.length} runbook file(s) have problems\n`);
    return 1;
  }
  io.out(`${positionals.length} runbook file(s) ok: valid, and byte-identical after reading and writing\n`);
  return 0;
}

function firstDifferentLine(a: Buffer, b: Buffer): number {
  let line = 1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return line;
    if (a[i] === 0x0a) line++;
  }
  return line;
}

function isUtf8(bytes: Buffer): boolean {
  return Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}
