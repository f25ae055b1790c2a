/** `sofa-ops audit verify FILE`: checks an audit trail's signatures, chain and anchored head. */
import { verifyAuditTrail } from '../core/audit/auditTrail';
import { AuditKeyError } from '../core/audit/auditKey';
import { type CliIO, say, UsageError } from './io';

export const auditUsage = `Usage: sofa-ops audit verify FILE

Checks an audit trail (.sofa-ops/audit.jsonl) against this user's audit key and the trail's head
anchor (both in ~/.sofa-ops, or $SOFA_OPS_HOME): every record's signature (HMAC-SHA256) and its
link to the previous record, and that the last record is the one the anchor names. So an edited,
deleted, inserted or reordered record, records cut off the end, an emptied file, and records
added or rewritten without the key are found. It cannot prove anything against someone who can
read this user's key (the user themself, root); for that, forward records to syslog.
Exit code: 0 intact, 1 tampered, truncated or not provable (unsigned records, no anchor; each
problem printed as FILE:LINE: message), 2 usage or unreadable.
`;

export async function auditCommand(args: string[], io: CliIO): Promise<number> {
  const [sub, file, ...rest] = args;
  if (sub === '--help' || sub === '-h') {
    io.out(say(io, undefined, auditUsage));
    return 0;
  }
  if (sub !== 'verify' || !file || rest.length) throw new UsageError('expected: audit verify FILE');
  let report;
  try {
    report = await verifyAuditTrail(file);
  } catch (err) {
    io.err(err instanceof AuditKeyError ? `sofa-ops: ${err.message}\n` : `sofa-ops: cannot read ${file}: ${(err as Error).message}\n`);
    return 2;
  }
  for (const p of report.problems) io.err(p.line ? `${file}:${p.line}: ${p.message}\n` : `${file}: ${p.message}\n`);
  if (report.truncatedLastLine) io.err(`${file}: the last line is cut short (a writer was killed mid-record)\n`);
  if (report.unkeyed) {
    io.err(`${file}: ${report.unkeyed} of ${report.records} record(s) are unsigned (written before audit records were signed): anyone can recompute their hashes, so they prove nothing against an edit\n`);
  }
  for (const note of report.notes) io.err(`${file}: note: ${note}\n`);
  if (report.ok) io.out(`${file}: ${report.records} records, chain intact (signed, head anchored)\n`);
  else if (!report.problems.length && !report.truncatedLastLine && report.unkeyed) io.out(`${file}: ${report.records} records, UNKEYED: chain consistent but not signed, not proven intact\n`);
  else {
    const what = [`${report.problems.length} problem(s)`, report.truncatedLastLine ? 'truncated last line' : '', report.unkeyed ? `${report.unkeyed} unsigned record(s)` : ''].filter(Boolean).join(', ');
    io.out(`${file}: NOT intact (${what})\n`);
  }
  return report.ok ? 0 : 1;
}
