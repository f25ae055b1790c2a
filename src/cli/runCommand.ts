/** `sofa-ops run`: a runbook headless, with the editor's semantics (guards, finally, expect, audit). */
import { promises as fs } from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import { parseArgs } from 'util';
import { AuditTrail } from '../core/audit/auditTrail';
import { parseSyslogTarget, type SyslogTarget } from '../core/audit/syslogForwarder';
import { formatProblem } from '../core/sourceProblem';
import { loadInventoryCached } from '../core/inventory/inventoryCache';
import { defaultCacheDir } from '../core/cacheDir';
import { selectTargets } from '../core/inventory/selectors';
import { selectorText } from '../core/inventory/selectorText';
import { translator } from '../core/l10n';
import { cellMessage, parameterText, renderReport, runText, type ReportFormat } from '../core/runbook/runReport';
import { runbookParameters, type CodeCell, type ParameterValue } from '../core/runbook/runbookFormat';
import { parseRunbook } from '../core/runbook/runbookParser';
import { AuditUnavailableError, cellName, ParameterError, runRunbook, type RunHooks } from '../core/runbook/runbookRunner';
import { formatPlan, planRun } from '../core/runbook/runPlan';
import { resolveParameters } from '../core/runbook/parameters';
import { inventoryTargets, sshCellExecutor } from '../core/runbook/sshCellExecutor';
import { openCliPool } from './cliSsh';
import { type CliIO, cliLang, say, UsageError } from './io';
import { terminalPrompter } from './prompter';

export const runUsage = `Usage: sofa-ops run RUNBOOK --inventory FILE [options]

Runs a *.runbook.md headless with the editor's semantics: stops at the first failure, always runs
\`finally\` cells, checks \`expect\`, asks before \`confirm\` steps, records every step in the audit trail.
  --inventory FILE        SOFA Ops YAML or Ansible inventory
  --param NAME=VALUE      a runbook parameter (repeatable); secrets also from env SOFA_OPS_PARAM_<NAME>
  --yes                   confirm every \`confirm\` step (manual steps still need a person)
  --manual ask|done       manual steps: ask on the terminal (default), or tick every one done
                          without asking (drills, CI); the audit records who ticked it
  --dry-run               print each cell's rendered command per host; connect nowhere
  --report md|junit|json  write a run report (to --out, or stdout)
  --out FILE              where the report goes
  --rollback-on-failure   run the rollback section (heading 回滚/Rollback) when the run fails
  --audit FILE            audit trail (default .sofa-ops/audit.jsonl)
  --audit-syslog URL      also send each audit record to a syslog collector, tcp://HOST:PORT or
                          udp://HOST:PORT (RFC 5424; default $SOFA_OPS_AUDIT_SYSLOG)
  --known-hosts FILE      extra known_hosts (repeatable); --accept-new accepts unknown host keys
Exit code: 0 the run passed, 1 it failed, was cancelled or its audit trail broke mid-run (finally steps
still ran), 2 usage, runbook, inventory or parameter error, or an audit trail that cannot be written
(then nothing ran).
`;

export async function runCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      inventory: { type: 'string' },
      param: { type: 'string', multiple: true, default: [] },
      yes: { type: 'boolean', default: false },
      manual: { type: 'string', default: 'ask' },
      'dry-run': { type: 'boolean', default: false },
      report: { type: 'string' },
      out: { type: 'string' },
      'rollback-on-failure': { type: 'boolean', default: false },
      audit: { type: 'string', default: path.join('.sofa-ops', 'audit.jsonl') },
      'audit-syslog': { type: 'string' },
      'known-hosts': { type: 'string', multiple: true, default: [] },
      'accept-new': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(say(io, undefined, runUsage));
    return 0;
  }
  const lang = cliLang(io);
  const t = translator(lang);
  let auditSyslog: SyslogTarget | undefined;
  try {
    const url = values['audit-syslog'] ?? process.env.SOFA_OPS_AUDIT_SYSLOG;
    auditSyslog = url ? parseSyslogTarget(url) : undefined;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.manual !== 'ask' && values.manual !== 'done') throw new UsageError('--manual must be ask or done, not "{0}"', values.manual);
  if (positionals.length !== 1) throw new UsageError('expected exactly one RUNBOOK file');
  if (!values.inventory) throw new UsageError('--inventory FILE is required');
  if (values.report && !['md', 'junit', 'json'].includes(values.report)) throw new UsageError('--report must be md, junit or json, not "{0}"', values.report);
  const file = positionals[0];
  const text = await fs.readFile(file, 'utf8').catch((err: Error) => {
    throw new UsageError('cannot read {0}: {1}', file, err.message);
  });
  const { runbook, problems } = parseRunbook(text, file);
  const { inventory, problems: invProblems } = await loadInventoryCached(path.resolve(values.inventory), {}, defaultCacheDir());
  if (problems.length || invProblems.length) {
    for (const p of [...problems, ...invProblems]) io.err(`${formatProblem(p)}\n`);
    return 2;
  }
  const decls = runbookParameters(runbook);
  const params: Record<string, ParameterValue | undefined> = {};
  for (const pair of values.param!) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError('--param expects NAME=VALUE, not "{0}"', pair);
    params[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  for (const name of Object.keys(decls)) params[name] ??= process.env[`SOFA_OPS_PARAM_${name.toUpperCase().replace(/-/g, '_')}`];
  const prompter = terminalPrompter();
  for (const [name, decl] of Object.entries(decls)) {
    if (params[name] === undefined && decl.required && decl.default === undefined && prompter) {
      params[name] = await prompter.prompt({ host: 'runbook', kind: 'password', message: `${name}${decl.description ? ` (${decl.description})` : ''}`, echo: !decl.secret });
    }
  }
  const resolved = resolveParameters(decls, params);
  if (resolved.errors.length) {
    for (const e of resolved.errors) io.err(`${t('sofa-ops: parameter: {0}', parameterText(t, e))}\n`);
    return 2;
  }
  const title = runbook.frontMatter?.meta?.title ?? path.basename(file);

  const resolveTargets = (selector: string) => selectTargets(inventory, selector).map((h) => h.name);
  if (values['dry-run']) {
    // A selector that matches nothing is said in the user's language, as exec says it.
    const plan = planRun(runbook, params, (selector) => {
      try {
        return resolveTargets(selector);
      } catch (err) {
        throw new Error(selectorText(t, (err as Error).message));
      }
    });
    io.out(formatPlan(plan, t));
    // A plan with a step that cannot run is not a plan: a script gating on `--dry-run` must see it.
    if (plan.problems) {
      io.err(`${plan.problems === 1 ? t('sofa-ops: dry run: {0} step would not run as written (see "error:" above)', plan.problems) : t('sofa-ops: dry run: {0} steps would not run as written (see "error:" above)', plan.problems)}\n`);
      return 2;
    }
    return 0;
  }

  const pool = await openCliPool(io, { knownHosts: values['known-hosts']!, acceptNew: values['accept-new']! });
  const abort = new AbortController();
  const onSigint = () => {
    io.err(`\n${t('sofa-ops: cancelling; finally steps still run')}\n`);
    abort.abort();
  };
  // A hang-up or a kill from a supervisor must still reopen what the run closed: cancel like Ctrl-C.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSigint);
  const hooks: RunHooks = {
    resolveTargets,
    execute: sshCellExecutor(pool, inventoryTargets(inventory), t),
    confirm: async (_cell, question, hosts, command) => (values.yes ? true : askYesNo(runText(t, question), `  ${t('on {0} host(s): {1}', hosts.length, hosts.join(', '))}\n${command.split('\n').map((l) => `    $ ${l}`).join('\n')}`)),
    manual: async (cell: CodeCell, instructions) => {
      const name = cell.options.name ?? t('line {0}', cell.line);
      if (values.manual === 'ask') return askYesNo(t('Manual step "{0}":\n{1}\nDone?', name, instructions));
      io.err(`${t('☑ manual step "{0}" ticked done by --manual done (nobody was asked)', name)}\n`);
      return { done: true, note: 'ticked done by --manual done: no person confirmed it' };
    },
    onCellStart: (index, cell, hosts) => io.err(`▶ ${cellName(cell, index)}${hosts.length ? t(' on {0}', hosts.join(', ')) : ''}\n`),
    onCellEnd: (r) => {
      const message = cellMessage(t, r);
      if (r.skip && !r.message) return io.err(`⏭ ${r.name}: ${t(r.status)}: ${runText(t, r.skip.reason)}\n`);
      if (r.skip) return io.err(`⏭ ${r.name}: ${t(r.status)}: ${message}\n`);
      io.err(`  ${t(r.status)}${message ? `: ${message}` : ''} (${t('{0} s', (r.durationMs / 1000).toFixed(1))})\n`);
      for (const h of r.skippedHosts ?? []) io.err(`  ${t('skipped on {0}: {1}', h.host, runText(t, h.reason))}\n`);
    },
  };
  const audit = new AuditTrail(path.resolve(values.audit!), undefined, { syslog: auditSyslog, onForwardError: (m) => io.err(`${t('sofa-ops: warning: {0}', m)}\n`) });
  try {
    let result = await runRunbook(runbook, hooks, { params, signal: abort.signal, audit, runbookName: file });
    if (!result.ok && values['rollback-on-failure'] && result.rollbackCells.length) {
      io.err(`▶ ${t('running the rollback section')}\n`);
      const rollback = await runRunbook(runbook, hooks, { params, only: result.rollbackCells, audit, runbookName: file }).catch((err: unknown) => {
        // The trail broke after the run: the rollback cannot be recorded, so it does not run.
        if (!(err instanceof AuditUnavailableError)) throw err;
        io.err(`${t('sofa-ops: rollback not run: {0}', runText(t, err.message))}\n`);
        return { ok: false, cancelled: false, cells: [], rollbackCells: [], auditErrors: [err.message] };
      });
      const auditErrors = [...(result.auditErrors ?? []), ...(rollback.auditErrors ?? [])];
      result = { ...result, cells: [...result.cells, ...rollback.cells], ...(auditErrors.length ? { auditErrors, ok: false } : {}) };
    }
    if (values.report) {
      const report = renderReport(values.report as ReportFormat, title, result, lang);
      if (values.out) await fs.writeFile(values.out, report);
      else io.out(report);
    }
    if (result.auditErrors?.length) {
      // Loud and last, so it is what the operator sees: these steps ran but are not in the trail.
      io.err(`${t('sofa-ops: AUDIT TRAIL INCOMPLETE: {0} record(s) could not be written to {1}:', result.auditErrors.length, audit.file)}\n${result.auditErrors.map((e) => `  ${e}\n`).join('')}`);
    }
    io.err(`${t(result.cancelled ? 'cancelled' : result.ok ? 'passed' : 'failed')}: ${title}\n`);
    return result.ok ? 0 : 1;
  } catch (err) {
    if (err instanceof ParameterError || err instanceof AuditUnavailableError) {
      io.err(`sofa-ops: ${err instanceof ParameterError ? err.errors.map((e) => parameterText(t, e)).join(t('; ')) : runText(t, err.message)}\n`);
      return 2;
    }
    throw err;
  } finally {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(signal, onSigint);
    audit.close();
    pool.dispose();
  }
}

/** y/N on the terminal; no terminal means no (a cron job never confirms a destructive step by itself). */
/** Asks on the terminal; `detail` (the hosts and the command) is shown above the question. No terminal: no. */
function askYesNo(question: string, detail?: string): Promise<boolean> {
  if (!process.stdin.isTTY) return Promise.resolve(false);
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    rl.question(`${detail ? `${detail}\n` : ''}${question} [y/N] `, (answer) => {
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
  });
}
