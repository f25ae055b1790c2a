/** The `sofa-ops` CLI: the same core as the extension, for shells, cron and CI. */
import * as path from 'path';
import { auditCommand, auditUsage } from './auditCommand';
import { catalogCommand, catalogUsage } from './catalogCommand';
import { execCommand, execUsage } from './execCommand';
import { type CliIO, processIO, UsageError } from './io';

/** The bundled catalog sits next to dist/ in the package. */
export const bundledCatalogDir = path.join(__dirname, '..', 'runbooks');

const usage = `Usage: sofa-ops <command> [options]

Commands:
  catalog   print the operations guide as data (products, ports, logs, patterns, checks, plans)
  exec      run a command on inventory targets over SSH (strict host keys, per-host results)
  audit     verify the hash chain of a runbook audit trail

Run \`sofa-ops <command> --help\` for a command's options.
`;

export async function main(argv: string[], io: CliIO = processIO, catalogDir = bundledCatalogDir): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'catalog':
        return await catalogCommand(rest, io, catalogDir);
      case 'exec':
        return await execCommand(rest, io);
      case 'audit':
        return await auditCommand(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(usage);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`sofa-ops: ${(err as Error).message}\n${command === 'catalog' ? catalogUsage : command === 'exec' ? execUsage : command === 'audit' ? auditUsage : usage}`);
      return 2;
    }
    throw err;
  }
}
