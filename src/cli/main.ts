/** The `sofa-ops` CLI: the same core as the extension, for shells, cron and CI. */
import * as path from 'path';
import type { Lang } from '../core/catalog/types';
import { cliLanguage, translator } from '../core/l10n';
import { type CliIO, processIO, say, UsageError } from './io';

/** The bundled catalog sits next to dist/ in the package. */
export const bundledCatalogDir = path.join(__dirname, '..', 'runbooks');

interface CommandModule {
  run(args: string[], io: CliIO, catalogDir: string): Promise<number>;
  usage: string;
  /** The usage in a language, when it is more than the bundle's translation of `usage` (the demo's fault list). */
  usageIn?(lang: Lang): string;
}

/**
 * Each command loads its module on first use: `logs scan` or `catalog` should not pay for
 * evaluating ssh2 and its crypto at start-up (esbuild evaluates a require()d module only when it is first required).
 */
const commands: Record<string, { summary: string; load(): Promise<CommandModule> }> = {
  catalog: { summary: 'print the operations guide as data (products, ports, logs, patterns, checks, plans)', load: async () => { const m = require('./catalogCommand') as typeof import('./catalogCommand'); return { run: m.catalogCommand, usage: m.catalogUsage }; } },
  explain: { summary: 'explain an alert or a pasted log line with the guide: component, action, checks, runbooks', load: async () => { const m = require('./explainCommand') as typeof import('./explainCommand'); return { run: m.explainCommand, usage: m.explainUsage }; } },
  logs: { summary: 'known lines of a log explained (logs scan), search across hosts (logs grep), incident timeline (logs timeline)', load: async () => { const m = require('./logsCommand') as typeof import('./logsCommand'); return { run: (a, io, dir) => m.logsCommand(a, io, dir), usage: m.logsUsage }; } },
  exec: { summary: 'run a command on inventory targets over SSH (strict host keys, per-host results)', load: async () => { const m = require('./execCommand') as typeof import('./execCommand'); return { run: (a, io) => m.execCommand(a, io), usage: m.execUsage }; } },
  run: { summary: 'run a *.runbook.md on inventory targets (guards, finally, expect, audit, reports)', load: async () => { const m = require('./runCommand') as typeof import('./runCommand'); return { run: (a, io) => m.runCommand(a, io), usage: m.runUsage }; } },
  runbook: { summary: 'check runbook files: `sofa-ops runbook fmt --check FILE...`', load: async () => { const m = require('./runbookCommand') as typeof import('./runbookCommand'); return { run: (a, io) => m.runbookCommand(a, io), usage: m.runbookUsage }; } },
  audit: { summary: 'verify the hash chain of a runbook audit trail', load: async () => { const m = require('./auditCommand') as typeof import('./auditCommand'); return { run: (a, io) => m.auditCommand(a, io), usage: m.auditUsage }; } },
  inspect: { summary: 'run the guide\'s inspection checks (巡检) on inventory hosts: md/html/junit/json reports, history', load: async () => { const m = require('./inspectCommand') as typeof import('./inspectCommand'); return { run: m.inspectCommand, usage: m.inspectUsage }; } },
  export: { summary: 'write runbooks and the daily inspection as Ansible playbooks, the inventory as an Ansible inventory (AWX)', load: async () => { const m = require('./exportCommand') as typeof import('./exportCommand'); return { run: (a, io, c) => m.exportCommand(a, io, c), usage: m.exportUsage }; } },
  demo: { summary: 'run a small SOFAStack demo site on loopback and write a workspace for it', load: async () => { const m = require('./demoCommand') as typeof import('./demoCommand'); return { run: m.demoCommand, usage: m.demoUsage, usageIn: m.demoUsageIn }; } },
};

function usage(lang: Lang): string {
  const t = translator(lang);
  return t('Usage: sofa-ops [--lang zh|en] <command> [options]\n\nCommands:\n{0}\n\nRun `sofa-ops <command> --help` for a command\'s options.\n', Object.entries(commands).map(([name, c]) => `  ${name.padEnd(9)} ${t(c.summary)}`).join('\n'));
}

/**
 * `--lang zh|en` before the command (or anywhere before `--`) sets every command's language; a
 * command that has its own --lang still sees it. Without it, the locale decides (LANG=zh_CN.UTF-8).
 */
const OWN_LANG = new Set(['catalog', 'explain', 'logs', 'inspect']);

function takeLang(argv: string[]): { argv: string[]; lang?: string } {
  const end = argv.indexOf('--') < 0 ? argv.length : argv.indexOf('--');
  const at = argv.slice(0, end).findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  // A command with its own --lang reads it itself (its --json output depends on it).
  if (at < 0 || (at > 0 && OWN_LANG.has(argv[0]))) return { argv };
  const inline = argv[at].startsWith('--lang=');
  const lang = inline ? argv[at].slice('--lang='.length) : argv[at + 1];
  return { argv: [...argv.slice(0, at), ...argv.slice(at + (inline ? 1 : 2))], lang };
}

export async function main(argvIn: string[], ioIn: CliIO = processIO, catalogDir = bundledCatalogDir): Promise<number> {
  const { argv, lang: flag } = takeLang(argvIn);
  if (flag !== undefined && flag !== 'zh' && flag !== 'en') {
    ioIn.err(say(ioIn, undefined, 'sofa-ops: --lang must be zh or en, not "{0}"\n', flag ?? ''));
    return 2;
  }
  const io: CliIO = { ...ioIn, lang: (flag as Lang | undefined) ?? ioIn.lang };
  const lang = cliLanguage(io.lang);
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.out(usage(lang));
    return name === undefined ? 2 : 0;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) {
    io.err(`${translator(lang)('sofa-ops: unknown command "{0}"', name)}\n${usage(lang)}`);
    return 2;
  }
  const command = await entry.load();
  try {
    return await command.run(rest, io, catalogDir);
  } catch (err) {
    if (err instanceof UsageError || (err as Error | undefined)?.name === 'UsageError' || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      const usageError = err as Partial<UsageError> & Error;
      const message = usageError.template !== undefined ? translator(lang)(usageError.template, ...(usageError.args ?? [])) : usageError.message;
      io.err(`sofa-ops: ${message}\n${command.usageIn?.(lang) ?? translator(lang)(command.usage)}`);
      return 2;
    }
    // The one place an unexpected error reaches the user: one line naming what failed, never a
    // stack trace (bad input must read as an error in the input, not as a crash).
    io.err(`sofa-ops ${name}: ${errorText(err)}\n`);
    if (process.env.SOFA_OPS_DEBUG) io.err(`${(err as Error)?.stack ?? err}\n`);
    return 2;
  }
}

/** An error for a user: its message (errno errors name their path; a list the message carries stays), never its stack. */
export function errorText(err: unknown): string {
  if (err instanceof RangeError && /call stack|Invalid (string|array) length|allocation/i.test(err.message)) {
    return `the input is too large or too deeply nested to process (${err.message})`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return message.trimEnd() || String(err);
}
