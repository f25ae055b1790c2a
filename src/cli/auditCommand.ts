/** `sofa-ops audit verify FILE`: checks the hash chain of an audit trail. */
import { verifyAuditTrail } from '../core/audit/auditTrail';
import { type CliIO, UsageError } from './io';

export const auditUsage = `Usage: sofa-ops audit verify FILE

Checks an audit trail (.sofa-ops/audit.jsonl): every record's hash and its link to the previous
record, so an edited, deleted, inserted or reordered record is found.
Exit code: 0 intact, 1 tampered or truncated (each problem printed as FILE:LINE: message), 2 usage.
`;

export async function auditCommand(args: string[], io: CliIO): Promise<number> {
  const [sub, file, ...rest] = args;
  if (sub === '--help' || sub === '-h') {
    io.out(auditUsage);
    return 0;
  }
  if (sub !== 'verify' || !file || rest.length) throw new UsageError('expected: audit verify FILE');
  let report;
  try {
    report = await verifyAuditTrail(file);
  } catch (err) {
    io.err(`sofa-ops: cannot read ${file}: ${(err as Error).message}\n`);
    return 2;
  }
  for (const p of report.problems) io.err(`${file}:${p.line}: ${p.message}\n`);
  if (report.truncatedLastLine) io.err(`${file}: the last line is cut short (a writer was killed mid-record)\n`);
  io.out(report.ok ? `${file}: ${report.records} records, chain intact\n` : `${file}: NOT intact (${report.problems.length} problem(s)${report.truncatedLastLine ? ', truncated last line' : ''})\n`);
  return report.ok ? 0 : 1;
}
