/** The README.md written into an export folder: how each runbook feature became Ansible, and what was refused. */
import type { SourceProblem } from '../sourceProblem';
import type { InspectionScope } from '../checks/types';

export interface ExportedEntry {
  runbook: string;
  playbook: string;
  parameters: string[];
  secrets: string[];
  /** Cells of the rollback section, which a run never includes. */
  rollback: number;
}

export interface ExportedInspection {
  file: string;
  hosts: number;
  scope: InspectionScope;
}

/** How to run the exported inspection and judge what it gathered. */
function inspectionSection(i: ExportedInspection, inventory?: string): string[] {
  const scope = [i.scope.product && `--product ${i.scope.product}`, i.scope.component && `--component ${i.scope.component}`, i.scope.target && `--target ${i.scope.target}`].filter(Boolean).join(' ');
  return [
    '## The daily inspection (巡检)',
    '',
    `\`${i.file}\` gathers, on ${i.hosts} host(s)${scope ? ` (${scope})` : ''}, the data \`sofa-ops inspect\` gathers, and judges nothing itself:`,
    '',
    `    ansible-playbook -i ${inventory ?? 'inventory.yml'} ${i.file}              # writes results.json beside it (-e sofa_ops_results=PATH elsewhere)`,
    '    sofa-ops inspect --from-ansible results.json --inventory INVENTORY --report junit --out inspection.xml',
    '',
    '- One `ansible.builtin.raw` task per host, so the hosts need no Python (and no collection is needed: only',
    '  ansible-core\'s `raw` and, on localhost, `copy`): the same check script as `sofa-ops inspect`\'s one round trip,',
    '  fed to `bash -s` on stdin, then the port and HTTP checks, made from inside the host with bash\'s `/dev/tcp`',
    '  (`sofa-ops inspect` opens them as SSH direct-tcpip channels to 127.0.0.1: the same connection, seen from',
    '  the same place). The hosts need bash and timeout, as for `sofa-ops inspect`, and base64. One difference: a',
    '  host whose sshd forbids TCP forwarding has its port and HTTP checks ERROR in `sofa-ops inspect`, checked here.',
    '- A last play on localhost writes what each host answered (stdout, stderr, rc, failed, unreachable) to',
    '  `results.json`; a host that failed or could not be reached is written too and judged ERROR, never PASS.',
    '- `sofa-ops inspect --from-ansible` judges it with the catalog\'s rules: the same checks, reports (md, html,',
    '  junit, json), history and exit codes as `sofa-ops inspect`. Give it the inventory the export was made',
    '  from: it re-derives what each host was asked and refuses results gathered for another catalog, inventory',
    '  or scope (re-export then). Timings in the report are 0: Ansible does not say how long each part took.',
    '- With `--limit`, keep `localhost` in it (`--limit \'registry-meta:localhost\'`): that play writes the file; hosts',
    '  left out are written as not reached (ERROR). In AWX the job\'s folder is thrown away after the run: set',
    '  `-e sofa_ops_results=PATH` to storage that stays (a mounted volume) and judge the file from there.',
    '- The check script and the marker its output is cut by are in this playbook (base64, on the host\'s',
    '  command line while it runs): treat the playbook like the inventory.',
    '',
  ];
}

export function exportReadme(exported: ExportedEntry[], refused: Array<{ runbook: string; refusals: SourceProblem[] }>, inventory?: string, inspection?: ExportedInspection, rawFallback = false): string {
  if (!exported.length && !refused.length && inspection) {
    return ['# SOFA Ops inspection as an Ansible playbook', '', 'Written by `sofa-ops export ansible --inspection`; re-export instead of editing.', '', ...inspectionSection(inspection, inventory)].join('\n');
  }
  const lines = [
    '# SOFA Ops runbooks as Ansible playbooks',
    '',
    'Written by `sofa-ops export ansible`; re-export instead of editing. Run a playbook with the inventory',
    `${inventory ? `exported beside it (\`${inventory}\`)` : 'from `sofa-ops export ansible --inventory FILE`'} (groups = SOFA Ops component and product names, tags as \`sofa_tags\`):`,
    '',
    '    ansible-playbook -i inventory.yml PLAYBOOK.yml -e node=0',
    '',
    '`filter_plugins/sofa_ops.py` must stay beside the playbooks (ansible-playbook and AWX load it from there).',
    ...(rawFallback
      ? [
          'Hosts need Python (the `command` module), except those whose inventory or AWX host vars set',
          '`sofa_ops_no_python: true`: they run each cell with `ansible.builtin.raw` (exported with `--raw-fallback`).',
          'There the script goes base64-encoded on the command line into `sh -s` (raw has no stdin), so parameter',
          'values are visible in the host\'s `ps` while the cell runs, and a cell carrying a secret is not run there',
          '(it fails, naming the cell). Otherwise the same: expect, when=, after=, finally, timeout=, parallel=;',
          'raw output is not stripped of its final newline and has no pseudo-terminal (`ansible_ssh_use_tty: false`).',
        ]
      : ['The hosts need Python (the `command` module); export with `--raw-fallback` for hosts without it.']),
    '',
    '## Mapping',
    '',
    '| Runbook | Playbook |',
    '|---|---|',
    '| the runbook | one play, `hosts: all`, `gather_facts: false`; its title, guide section and path in the play name and every task name; tags `sofa-ops`, `runbook:PATH`, `guide:SECTION` |',
    '| `target=SELECTOR` | `when: inventory_hostname in (SELECTOR \\| sofa_ops_select(...))`: the selector (group, group[0], group[0:2], host, tag=, a,b) resolved exactly as SOFA Ops resolves it; a selector matching nothing fails the cell |',
    '| a cell | `ansible.builtin.command: argv [sh or bash, -s]` with the script on stdin: parameter values assigned to shell variables, then the cell, as `sofa-ops run` sends it; values never on a command line, never parsed as code |',
    '| stop at the first failure | every later non-cleanup task has `when: not sofa_ops_stopped` (a host left the play: failed or unreachable), so one failing host stops all hosts |',
    '| `finally` | the `always:` of a block around every task before it (one block per cleanup cell, so a failing cleanup does not skip the next) |',
    '| `after=CELL` | like finally, plus `when:` the named cells ran on some host and failed on none (registered results) |',
    '| `when=EXPR` | `when:` over earlier cells\' registered results on the same host (ok, failed, skipped, expect, exit, out, err); refused for `outcome` and for a cell read from another target |',
    '| `confirm` | `pause` with the question, then an assert that the answer is `yes`; pre-confirm for AWX with `-e sofa_ops_confirm=all` or a list of cell names |',
    '| `manual` | `pause` with the instructions (values shown quoted, secrets as `***`), then an assert that the answer is `done`; pre-tick with `-e sofa_ops_done=all` or a list of cell names |',
    '| `expect="text"` / `expect=/re/` | `failed_when: rc != 0 or` the text is not in stdout / stdout does not match; the regex rewritten for Python with JavaScript\'s meaning of `.`, `^`, `$`, `\\s`, `\\w`, `\\b` (or refused); stdout ends with `<sofa-ops:end>` so Ansible\'s stripping of final newlines changes nothing |',
    '| `expect=\'$.path==value\'` | `failed_when` on `stdout \\| trim \\| from_json`, walked key by key (a missing key is not an error); strings, true/false and whole numbers |',
    '| `continueOnError`, `mode: check` | `ignore_errors: true` (check mode: every cell, and a last task fails the host when a check failed) |',
    '| `timeout=N` | `timeout: N` (whole seconds; Ansible stops waiting, the remote process may go on) |',
    '| `parallel=N` | `throttle: N` |',
    '| parameters | extra-vars (`-e name=value`, AWX survey); required ones without default and secrets in `vars_prompt` (secrets private); checked and normalised by `sofa_ops_params` as SOFA Ops checks them before anything runs |',
    '| secrets | `no_log: true` on every task that carries one; never written into the playbook or this file |',
    '| rollback section (回滚 / Rollback) | not exported: it is not part of a run |',
    '',
    'Not the same: a cancelled `ansible-playbook` (Ctrl+C) stops at once and does not run the `always:` cleanups;',
    'cancel in SOFA Ops runs them. Stop an AWX job only where a cleanup is not needed, or re-run the cleanup.',
    '',
    '## Playbooks',
    '',
    ...exported.map((e) => `- \`${e.playbook}\` ← ${e.runbook}${e.parameters.length ? `; parameters: ${e.parameters.map((p) => (e.secrets.includes(p) ? `${p} (secret)` : p)).join(', ')}` : ''}${e.rollback ? `; its rollback section (${e.rollback} cell${e.rollback === 1 ? '' : 's'}) is not exported: run it with sofa-ops` : ''}`),
    ...(exported.length ? [] : ['(none)']),
    '',
  ];
  if (inspection) lines.push(...inspectionSection(inspection, inventory));
  if (refused.length) {
    lines.push('## Refused (not exported: a step would not mean the same in Ansible)', '');
    for (const r of refused) for (const p of r.refusals) lines.push(`- ${r.runbook}:${p.line}: ${p.message}`);
    lines.push('');
  }
  return lines.join('\n');
}
