/** `sofa-ops export ansible`: runbooks as playbooks and the inventory as an Ansible inventory, for AWX. */
import { promises as fs } from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { formatProblem, type SourceProblem } from '../core/sourceProblem';
import { exportRunbookToAnsible } from '../core/export/ansiblePlaybook';
import { exportInventoryToAnsible } from '../core/export/ansibleInventoryExport';
import { exportReadme, type ExportedEntry } from '../core/export/exportReadme';
import { sofaOpsFilterPlugin } from '../core/export/filterPlugin';
import { loadCatalog } from '../core/catalog/catalogLoader';
import { componentEquivalence } from '../core/checks/checkPlan';
import { planFor } from '../core/checks/inspect';
import type { InspectionScope } from '../core/checks/types';
import { exportInspectionToAnsible, InspectionExportError } from '../core/export/ansibleInspection';
import { loadInventory } from '../core/inventory/inventory';
import { SelectorError } from '../core/inventory/selectors';
import { selectorText } from '../core/inventory/selectorText';
import { parseRunbook } from '../core/runbook/runbookParser';
import { translator } from '../core/l10n';
import { cliLang, type CliIO, say, UsageError } from './io';

export const exportUsage = `Usage: sofa-ops export ansible RUNBOOK... [--out DIR]
       sofa-ops export ansible --inventory FILE [--out DIR]
       sofa-ops export ansible --inspection --inventory FILE [--product ID] [--out DIR]

Writes each runbook as an Ansible playbook (DIR/NAME.yml) that ansible-playbook and AWX run with
SOFA Ops' semantics (finally, when=, after=, confirm, manual, expect, secrets), the filter plugin
they need (DIR/filter_plugins/sofa_ops.py) and DIR/README.md with the mapping. A cell that cannot
be exported exactly is refused with file:line and why; its runbook is not written.
  --inventory FILE   also write FILE (SOFA Ops YAML or Ansible) as DIR/inventory.yml
  --raw-fallback     give every cell a raw variant too: hosts whose Ansible inventory (or AWX host
                     vars) set sofa_ops_no_python: true run the cells with raw, without Python
  --inspection       write DIR/inspection.yml: the daily inspection's data gathering for the
                     inventory's hosts (raw, no Python needed there), which writes results.json for
                     sofa-ops inspect --from-ansible (needs --inventory; --product, --component,
                     --target narrow it as in sofa-ops inspect)
  --out DIR          where to write (default ./ansible)
Exit code: 0 everything exported, 1 some runbooks refused (the others are written), 2 usage or
an unreadable inventory.
`;

/**
 * ansible-lint's rules the generated playbooks break on purpose: expressions are long, cell text
 * tagged !unsafe is not a template (jinja[spacing] reads `{{node}}` in it as one), and a confirm or
 * manual step is asked once for the play (run_once with the linear strategy).
 */
const ansibleLintConfig = `# Written by sofa-ops export ansible.
skip_list:
  - yaml[line-length]   # generated when:/failed_when: expressions
  - jinja[spacing]      # {{param}} inside !unsafe cell text is runbook text, not a template
  - run-once[task]      # confirm/manual answers are asked once per play, as in SOFA Ops
`;

export async function exportCommand(args: string[], io: CliIO, catalogDir = ''): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      inventory: { type: 'string' },
      out: { type: 'string', default: 'ansible' },
      inspection: { type: 'boolean', default: false },
      'raw-fallback': { type: 'boolean', default: false },
      product: { type: 'string' },
      component: { type: 'string' },
      target: { type: 'string' },
      catalog: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(say(io, undefined, exportUsage));
    return 0;
  }
  const [format, ...runbooks] = positionals;
  if (format !== 'ansible') throw new UsageError(format === undefined ? 'say what to export to: sofa-ops export ansible …' : 'unknown export format "{0}" (only ansible)', format);
  if (!runbooks.length && !values.inventory) throw new UsageError('expected RUNBOOK files, --inventory FILE, or both');
  if (values.inspection && !values.inventory) throw new UsageError('--inspection needs --inventory FILE (the hosts to inspect)');
  if (!values.inspection && (values.product || values.component || values.target)) throw new UsageError('--product, --component and --target go with --inspection');
  const out = values.out!;
  const t = translator(cliLang(io));

  let inventoryFile: string | undefined;
  let inspection: { file: string; hosts: number; checks: number; scope: InspectionScope } | undefined;
  if (values.inventory) {
    // Loaded as sofa-ops inspect loads it, so both plan the same checks for the same hosts.
    const catalog = values.inspection ? (await loadCatalog(values.catalog ?? catalogDir)).catalog : undefined;
    const knownComponents = catalog ? new Map(catalog.products.flatMap((p) => p.components.map((c) => [c.id, p.product.id] as const))) : undefined;
    const { inventory, problems } = await loadInventory(path.resolve(values.inventory), knownComponents ? { knownComponents } : undefined);
    if (problems.length) {
      for (const p of problems) io.err(`${formatProblem(p)}\n`);
      return 2;
    }
    if (catalog) {
      if (values.product && !catalog.products.some((p) => p.product.id === values.product)) throw new UsageError('no product "{0}"; products: {1}', values.product!, catalog.products.map((p) => p.product.id).join(', '));
      if (values.component && !componentEquivalence(catalog).has(values.component)) throw new UsageError('no component "{0}" in the catalog', values.component!);
      const scope: InspectionScope = { product: values.product, component: values.component, target: values.target };
      let plan;
      try {
        plan = planFor(catalog, inventory, scope);
      } catch (err) {
        if (err instanceof SelectorError) {
          io.err(`sofa-ops: ${selectorText(t, err.message)}\n`);
          return 2;
        }
        throw err;
      }
      let result;
      try {
        result = await exportInspectionToAnsible(catalog, plan, scope, path.basename(values.inventory));
      } catch (err) {
        if (!(err instanceof InspectionExportError)) throw err;
        io.err(`sofa-ops export: ${err.message}\n`);
        return 2;
      }
      await fs.mkdir(out, { recursive: true });
      await fs.writeFile(path.join(out, 'inspection.yml'), result.playbook);
      inspection = { file: 'inspection.yml', hosts: result.hosts, checks: result.checks, scope };
      io.out(`${t('inspection: {0} host(s) to gather from → {1}', result.hosts, path.join(out, 'inspection.yml'))}\n`);
    }
    const result = exportInventoryToAnsible(inventory);
    inventoryFile = 'inventory.yml';
    await fs.mkdir(out, { recursive: true });
    await fs.writeFile(path.join(out, inventoryFile), result.yaml);
    for (const l of result.left) io.err(`${t('sofa-ops export: left out {0}', l)}\n`);
    io.out(`${t('inventory: {0} host(s), {1} group(s) → {2}', result.hosts, result.groups, path.join(out, inventoryFile))}\n`);
  }

  const exported: ExportedEntry[] = [];
  const refused: Array<{ runbook: string; refusals: SourceProblem[] }> = [];
  const used = new Set<string>();
  if (runbooks.length) await fs.mkdir(out, { recursive: true });
  for (const file of runbooks) {
    const text = await fs.readFile(file, 'utf8').catch((err: Error) => {
      throw new UsageError('cannot read {0}: {1}', file, err.message);
    });
    // Task names carry the runbook's path for AWX job output: relative to here, or from its runbooks/ folder.
    let display = path.relative(process.cwd(), path.resolve(file)).split(path.sep).join('/');
    if (display.startsWith('../')) display = /(?:^|\/)(runbooks\/.*)$/.exec(display)?.[1] ?? path.basename(file);
    const { runbook, problems } = parseRunbook(text, file);
    const result = exportRunbookToAnsible(runbook, problems, display, { rawFallback: values['raw-fallback'] });
    if (!result.playbook) {
      refused.push({ runbook: display, refusals: result.refusals });
      for (const p of result.refusals) io.err(`${formatProblem(p)}\n`);
      continue;
    }
    // Two runbooks may share a base name (business-checks in every product): prefix the folder.
    let name = path.basename(file).replace(/\.runbook\.md$|\.md$/, '');
    if (used.has(name)) name = `${path.basename(path.dirname(path.resolve(file)))}-${name}`;
    used.add(name);
    await fs.writeFile(path.join(out, `${name}.yml`), result.playbook);
    exported.push({ runbook: display, playbook: `${name}.yml`, parameters: result.parameters, secrets: result.secrets, rollback: result.rollbackSkipped });
  }
  if (runbooks.length || inspection) {
    await fs.writeFile(path.join(out, 'README.md'), exportReadme(exported, refused, inventoryFile, inspection, values['raw-fallback']));
    await fs.writeFile(path.join(out, '.ansible-lint'), ansibleLintConfig);
  }
  if (runbooks.length) {
    await fs.mkdir(path.join(out, 'filter_plugins'), { recursive: true });
    await fs.writeFile(path.join(out, 'filter_plugins', 'sofa_ops.py'), sofaOpsFilterPlugin);
    io.out(`${t('exported {0} of {1} runbook(s) to {2}', exported.length, runbooks.length, out)}${refused.length ? t('; refused {0} (reasons above and in {1})', refused.length, path.join(out, 'README.md')) : ''}\n`);
  }
  return refused.length ? 1 : 0;
}
