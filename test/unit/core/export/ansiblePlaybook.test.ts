/** What the Ansible export refuses (with file:line and why) and what it promises in every playbook. */
import * as assert from 'assert';
import { parse } from 'yaml';
import { exportRunbookToAnsible } from '../../../../src/core/export/ansiblePlaybook';
import { parseRunbook } from '../../../../src/core/runbook/runbookParser';

function exportText(text: string) {
  const { runbook, problems } = parseRunbook(text, 'x.runbook.md');
  return exportRunbookToAnsible(runbook, problems, 'x.runbook.md');
}

const fence = (info: string, body = 'echo hi') => `\`\`\`sh {${info}}\n${body}\n\`\`\`\n\n`;

describe('exportRunbookToAnsible', () => {
  it('refuses each cell it cannot map exactly, naming its line and why, and writes no playbook', () => {
    const text =
      fence('name=a target=all') + // line 1
      fence('name=b target=registry-meta when=a.failed') + // 5: a targets all, b registry-meta
      fence('name=c target=all when="a.outcome == timeout"') + // 9
      fence('name=d target=all timeout=1.5') + // 13
      fence('name=e target=all expect=/(?<=x)y/') + // 17
      fence("name=f target=all expect='$.v==null'") + // 21
      fence('name=g target=all when=a.ok confirm'); // 25
    const r = exportText(text);
    assert.strictEqual(r.playbook, undefined);
    assert.deepStrictEqual(
      r.refusals.map((p) => [p.line, p.message.replace(/:.*/s, '')]),
      [[5, 'cell "b"'], [9, 'cell "c"'], [13, 'cell "d"'], [17, 'cell "e"'], [21, 'cell "f"'], [25, 'cell "g"']],
    );
    const why = r.refusals.map((p) => p.message).join('\n');
    for (const reason of [/targets all and this cell registry-meta/, /outcome field/, /whole seconds/, /lookbehind/, /JSON null/, /confirm together with when=/]) assert.match(why, reason);
  });

  it('refuses a runbook SOFA Ops would not run (its parse problems), and a parameter Ansible owns', () => {
    const r = exportText(`---\nparameters:\n  hostvars: { type: string }\n---\n${fence('name=a target=all', 'echo {{nope}}')}`);
    assert.strictEqual(r.playbook, undefined);
    assert.ok(r.refusals.some((p) => /\{\{nope\}\} is not a declared parameter/.test(p.message)));
    assert.ok(r.refusals.some((p) => /parameter "hostvars" is a name Ansible sets/.test(p.message)));
  });

  it('exports finally as an always: block, secrets only as no_log prompts, and cell text that Ansible never templates', () => {
    const text = `---\ntitle: T {{ lookup('pipe', 'id') }}\nproduct: registry\nsection: "7.4.1"\nparameters:\n  token: { type: string, secret: true }\n---\n# Close {{token}}\n\n${fence('name=close target=all', 'echo {{token}} {{.State}}')}${fence('name=reopen target=all finally', 'echo open')}`;
    const r = exportText(text);
    assert.deepStrictEqual(r.refusals, []);
    assert.match(r.playbook!, /sofa_ops_cmd: !unsafe .*\{\{\.State\}\}/);
    const [play] = parse(r.playbook!, { customTags: [{ tag: '!unsafe', resolve: (s: string) => s }] }) as Array<{ name: string; vars_prompt: Array<{ name: string; private: boolean }>; tasks: Array<Record<string, unknown>> }>;
    assert.deepStrictEqual(play.vars_prompt, [{ name: 'token', prompt: 'token [secret]', private: true }]);
    const block = play.tasks.find((t) => 'block' in t) as { block: Array<Record<string, unknown>>; always: Array<Record<string, unknown>> };
    // Names are templated by Ansible: a title or heading with {{ … }} stays text.
    assert.strictEqual(play.name, "Runbook T { { lookup('pipe', 'id') }} [guide §7.4.1] · x.runbook.md");
    assert.match(String(block.block[0].name), /^Run close · Close \{ \{token\}\} · x\.runbook\.md:\d+$/);
    assert.strictEqual(block.block[0].no_log, true, 'a task carrying a secret hides its result');
    assert.match(String(block.always[0].name), /^Run reopen/);
    assert.deepStrictEqual(block.always[0].when?.toString().includes('sofa_ops_stopped'), false, 'a cleanup does not stop with the run');
    assert.ok((block.block[0].when as string[])[0] === 'not sofa_ops_stopped');
  });
});

describe('exportRunbookToAnsible: mode: check', () => {
  it('lets every check run (ignore_errors) and fails a host at the end when one of its checks failed, except continueOnError ones', () => {
    const r = exportText(`---\ntitle: C\nproduct: registry\nmode: check\n---\n${fence('name=a target=all')}${fence('name=b target=all continueOnError')}`);
    assert.deepStrictEqual(r.refusals, []);
    const [play] = parse(r.playbook!, { customTags: [{ tag: '!unsafe', resolve: (s: string) => s }] }) as Array<{ tasks: Array<Record<string, unknown>> }>;
    const runs = play.tasks.filter((t) => String(t.name).startsWith('Run '));
    assert.deepStrictEqual(runs.map((t) => [t.ignore_errors, t.changed_when]), [[true, false], [true, false]]);
    const verdict = play.tasks[play.tasks.length - 1] as { name: string; 'ansible.builtin.assert': { that: string[] } };
    assert.match(verdict.name, /^Every check passed on this host/);
    assert.deepStrictEqual(verdict['ansible.builtin.assert'].that, ['not (sofa_ops_r0.failed | default(false))']);
  });
});

describe('exportRunbookToAnsible: raw fallback', () => {
  const tasksOf = (text: string, rawFallback: boolean) => {
    const { runbook, problems } = parseRunbook(text, 'x.runbook.md');
    const r = exportRunbookToAnsible(runbook, problems, 'x.runbook.md', { rawFallback });
    assert.deepStrictEqual(r.refusals, []);
    const [play] = parse(r.playbook!, { customTags: [{ tag: '!unsafe', resolve: (s: string) => s }] }) as Array<{ tasks: Array<Record<string, unknown>> }>;
    return play.tasks.filter((t) => !String(t.name).includes('arameters'));
  };

  it('adds, per cell, raw for sofa_ops_no_python hosts whose result becomes the cell\'s, with the same expect; none without the option', () => {
    const text = fence('name=a target=all expect="ok"', 'echo ok');
    assert.deepStrictEqual(tasksOf(text, false).map((t) => t.name), ['Run a · x.runbook.md:1']);
    const [command, raw, copy, stop] = tasksOf(text, true);
    assert.ok((command.when as string[]).includes('not (sofa_ops_no_python | default(false) | bool)'));
    assert.match(String(raw['ansible.builtin.raw']), /^printf %s \{\{ \(sofa_ops_cmd \| sofa_ops_script\(.*\)\) \| b64encode \}\} \| base64 -d \| sh -s$/);
    assert.strictEqual(raw.register, 'sofa_ops_r0_raw');
    assert.strictEqual(raw.failed_when, String(command.failed_when).replace(/sofa_ops_r0\b/g, 'sofa_ops_r0_raw'));
    assert.deepStrictEqual(copy['ansible.builtin.set_fact'], { sofa_ops_r0: '{{ sofa_ops_r0_raw }}' });
    assert.deepStrictEqual(stop.when, ['(sofa_ops_no_python | default(false) | bool)', 'sofa_ops_r0_raw is failed']);
  });

  it('does not put a secret on a host\'s command line: the raw variant of a secret cell fails, naming it', () => {
    const text = `---\ntitle: S\nproduct: registry\nparameters:\n  token: { type: string, secret: true }\n---\n${fence('name=login target=all', 'echo {{token}}')}`;
    const raw = tasksOf(text, true).filter((t) => String(t.name).endsWith('(raw, no Python)'));
    assert.strictEqual(raw.length, 1);
    assert.match(String((raw[0]['ansible.builtin.fail'] as { msg: string }).msg), /cell "login" carries a secret/);
  });
});
