/** `sofa-ops audit verify FILE`: checks an audit trail's signatures, chain and anchored head. */
import { verifyAuditTrail } from '../core/audit/auditTrail';
import { AuditKeyError } from '../core/audit/auditKey';
import { translateKnown, translator } from '../core/l10n';
import { cliLang, type CliIO, say, UsageError } from './io';

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

/** What verifyAuditTrail (core/audit) reports, as it words it: the CLI says it in the user's language. */
export const VERIFY_TEXTS = [
  'not a JSON record (edited or corrupted)',
  'record {0} is not signed but follows signed records: added without the audit key',
  'record {0} was modified (its hash does not match its content)',
  'record {0} was modified or made without the audit key (its signature does not match its content)',
  "record {0} is signed with another audit key ({1}) than this user's ({2}): verify it as the user who wrote it",
  'record {0} does not follow the previous record (a record was deleted, inserted or moved before it)',
  'expected record {0}, found {1}',
  'there is no audit key at {0}: the {1} signed record(s) cannot be checked here (verify as the user who wrote them)',
  'the head anchor {0} belongs to {1}, not to this trail',
  'the trail is empty, but its head anchor says {0} record(s) were written: emptied or replaced',
  'the trail ends at record {0}, but its head anchor says {1} records were written: record(s) {2}–{3} were removed',
  'record {0} is not the record the head anchor names (rewritten)',
  '{0} record(s) after the anchored head (record {1}): written by another user, or by a writer stopped between its record and its anchor; they are checked by their signatures',
  'no head anchor for this trail in {0}: records cut off its end cannot be ruled out (was the trail moved, or written by another user?)',
  'no records and no head anchor: nothing to verify',
  'cannot read the head anchor {0}: {1}',
];

export async function auditCommand(args: string[], io: CliIO): Promise<number> {
  const [sub, file, ...rest] = args;
  if (sub === '--help' || sub === '-h') {
    io.out(say(io, undefined, auditUsage));
    return 0;
  }
  if (sub !== 'verify' || !file || rest.length) throw new UsageError('expected: audit verify FILE');
  const t = translator(cliLang(io));
  const local = (text: string) => translateKnown(t, text, VERIFY_TEXTS);
  let report;
  try {
    report = await verifyAuditTrail(file);
  } catch (err) {
    io.err(err instanceof AuditKeyError ? `sofa-ops: ${err.message}\n` : `${t('sofa-ops: cannot read {0}: {1}', file, (err as Error).message)}\n`);
    return 2;
  }
  for (const p of report.problems) io.err(p.line ? `${file}:${p.line}: ${local(p.message)}\n` : `${file}: ${local(p.message)}\n`);
  if (report.truncatedLastLine) io.err(`${file}: ${t('the last line is cut short (a writer was killed mid-record)')}\n`);
  if (report.unkeyed) {
    io.err(`${file}: ${t('{0} of {1} record(s) are unsigned (written before audit records were signed): anyone can recompute their hashes, so they prove nothing against an edit', report.unkeyed, report.records)}\n`);
  }
  for (const note of report.notes) io.err(`${file}: ${t('note: {0}', local(note))}\n`);
  if (report.ok) io.out(`${file}: ${t('{0} records, chain intact (signed, head anchored)', report.records)}\n`);
  else if (!report.problems.length && !report.truncatedLastLine && report.unkeyed) io.out(`${file}: ${t('{0} records, UNKEYED: chain consistent but not signed, not proven intact', report.records)}\n`);
  else {
    const what = [t('{0} problem(s)', report.problems.length), report.truncatedLastLine ? t('truncated last line') : '', report.unkeyed ? t('{0} unsigned record(s)', report.unkeyed) : ''].filter(Boolean).join(t(', '));
    io.out(`${file}: ${t('NOT intact ({0})', what)}\n`);
  }
  return report.ok ? 0 : 1;
}
