/** `sofa-ops explain "TEXT"`: an alert, a log line or a few words → what the guide says about it. */
import * as path from 'path';
import { parseArgs } from 'util';
import { loadCatalog } from '../core/catalog/catalogLoader';
import { formatProblem } from '../core/sourceProblem';
import { listRunbooks } from '../core/catalog/runbookFiles';
import { flattenLanguage, pick } from '../core/catalog/text';
import type { Lang } from '../core/catalog/types';
import { componentEquivalence } from '../core/checks/checkPlan';
import { withSections } from '../core/checks/runbookLinks';
import { loadInventory } from '../core/inventory/inventory';
import { TriageIndex, type TriageResult } from '../core/triage/triageIndex';
import { translator } from '../core/l10n';
import { cliLang, type CliIO, say, UsageError } from './io';

export const explainUsage = `Usage: sofa-ops explain "TEXT"|- [--json] [--lang zh|en] [--inventory FILE] [--limit N] [--catalog DIR]

Explains an alert, a pasted log line or a few words with the operations guide: the catalog
entries that match, best first (a log line the guide knows comes first, marked "exact"), each
with its component, guide section, explanation, action, related checks and runbooks.
TEXT "-" reads the text from stdin (several lines are fine).
  --json            machine-readable output (both languages unless --lang is given)
  --lang zh|en      language of the text (default: en, or zh when LANG starts with zh)
  --inventory FILE  recognise the inventory's hosts (names, addresses) in the text
  --limit N         at most N results (default 5)
  --catalog DIR     read the catalog from DIR instead of the bundled runbooks/
Exit code: 0 results, 1 nothing matched, 2 usage, catalog or inventory error.
`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function explainCommand(args: string[], io: CliIO, defaultCatalogDir: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      lang: { type: 'string' },
      inventory: { type: 'string' },
      limit: { type: 'string', default: '5' },
      catalog: { type: 'string', default: defaultCatalogDir },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(say(io, values.lang, explainUsage));
    return 0;
  }
  if (values.lang !== undefined && values.lang !== 'zh' && values.lang !== 'en') throw new UsageError('--lang must be zh or en, not "{0}"', values.lang);
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive whole number, not "{0}"', values.limit);
  if (!positionals.length) throw new UsageError('expected the TEXT to explain (or - to read it from stdin)');
  const text = positionals.length === 1 && positionals[0] === '-' ? await readStdin() : positionals.join(' ');
  if (!text.trim()) throw new UsageError('the TEXT to explain is empty');

  const roots = [values.catalog!];
  const [{ catalog, problems }, runbookRefs] = await Promise.all([loadCatalog(roots), listRunbooks(roots)]);
  if (problems.length) {
    for (const problem of problems) io.err(`${formatProblem({ ...problem, file: path.relative(process.cwd(), problem.file) || problem.file })}\n`);
    io.err(`sofa-ops: the catalog in ${values.catalog} has ${problems.length} problem(s)\n`);
    return 2;
  }
  let inventory;
  if (values.inventory) {
    const loaded = await loadInventory(path.resolve(values.inventory));
    if (loaded.problems.length) {
      for (const p of loaded.problems) io.err(`${formatProblem(p)}\n`);
      io.err(`sofa-ops: the inventory ${values.inventory} has ${loaded.problems.length} problem(s)\n`);
      return 2;
    }
    inventory = loaded.inventory;
  }
  const equivalence = componentEquivalence(catalog);
  const index = new TriageIndex(catalog, { runbooks: await withSections(runbookRefs), sameComponent: (a, b) => a === b || (equivalence.get(a)?.has(b) ?? false) });
  const started = performance.now();
  const answer = index.query(text, { limit, ...(inventory ? { inventory } : {}) });
  const queryMs = performance.now() - started - (answer.builtInMs ?? 0);

  const explicitLang = (values.lang ?? io.lang) as Lang | undefined;
  if (values.json) {
    const data = { text, hosts: answer.hosts, results: answer.results, buildMs: round(index.buildTimeMs ?? 0), queryMs: round(queryMs) };
    io.out(JSON.stringify(explicitLang ? flattenLanguage(data, explicitLang) : data, null, 2) + '\n');
    return answer.results.length ? 0 : 1;
  }
  if (!answer.results.length) {
    io.err('sofa-ops explain: nothing in the guide matches this text\n');
    return 1;
  }
  const lang: Lang = cliLang(io, explicitLang);
  io.out(answer.results.map((r, i) => describe(r, i + 1, lang)).join('\n'));
  return 0;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function describe(r: TriageResult, n: number, lang: Lang): string {
  const t = (text: Parameters<typeof pick>[0]) => pick(text, lang);
  const ui = translator(lang);
  const lines = [`${n}. [${ui(r.kind)}${r.severity ? ` ${ui(r.severity)}` : ''}] ${t(r.title)}${r.exact ? `  ${ui('(exact match)')}` : ''}  [§${r.section}]`];
  lines.push(`   ${[r.product, r.components.join(', ')].filter(Boolean).join(' / ')}${r.host ? `  · ${ui('host {0} ({1})', r.host.name, r.host.address)}` : ''}`);
  if (r.explanation) lines.push(`   ${t(r.explanation).replace(/\n/g, '\n   ')}`);
  if (r.action) lines.push(`   ${r.actionFrom ? ui('Action (check {0}): {1}', r.actionFrom, t(r.action)) : ui('Action: {0}', t(r.action))}`.replace(/\n/g, '\n   '));
  if (r.checks.length) lines.push(`   ${ui('Checks: {0}', r.checks.map((c) => `${c.id} (§${c.section})`).join(', '))}`);
  if (r.runbooks.length) lines.push(`   ${ui('Runbooks: {0}', r.runbooks.map((b) => path.relative(process.cwd(), b.file) || b.file).join(', '))}`);
  return lines.join('\n') + '\n';
}
