/** The README.md written into an export folder: how each runbook feature became Ansible, and what was refused. */
import type { SourceProblem } from '../catalog/problems';

export interface ExportedEntry {
  runbook: string;
  playbook: string;
  parameters: string[];
  secrets: string[];
  /** Cells of the rollback section, which a run never includes. */
  rollback: number;
}

export function exportReadme(exported: ExportedEntry[], refused: Array<{ runbook: string; refusals: SourceProblem[] }>, inventory?: string): string {
  const lines = [
    '# SOFA Ops runbooks as Ansible playbooks',
    '',
    'Written by `sofa-ops export ansible`; re-export instead of editing. Run a playbook with the inventory',
    `${inventory ? `exported beside it (\`${inventory}\`)` : 'from `sofa-ops export ansible --inventory FILE`'} (groups = SOFA Ops component and product names, tags as \`sofa_tags\`):`,
    '',
    '    ansible-playbook -i inventory.yml PLAYBOOK.yml -e node=0',
    '',
    '`filter_plugins/sofa_ops.py` must stay beside the playbooks (ansible-playbook and AWX load it from there).',
    'The hosts need Python (the `command` module; `raw` cannot carry stdin, timeouts or results).',
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
  if (refused.length) {
    lines.push('## Refused (not exported: a step would not mean the same in Ansible)', '');
    for (const r of refused) for (const p of r.refusals) lines.push(`- ${r.runbook}:${p.line}: ${p.message}`);
    lines.push('');
  }
  return lines.join('\n');
}
