/**
 * Run planning (the CLI's --dry-run, the editor's Preview Run) on a real parsed runbook and a real
 * inventory: each host's command with the run's values and secrets as ***, why a step cannot run,
 * and what decides the skips a plan cannot know; in English and in Chinese.
 */
import * as assert from 'assert';
import { parseInventory } from '../../../../src/core/inventory/inventory';
import { selectTargets } from '../../../../src/core/inventory/selectors';
import { translator } from '../../../../src/core/l10n';
import { formatPlan, planRun } from '../../../../src/core/runbook/runPlan';
import { parseRunbook } from '../../../../src/core/runbook/runbookParser';

const SECRET = 'hunter2-canary';
const INVENTORY = `products:
  registry:
    registry-meta:
      - { name: registry-meta-1, host: 10.0.0.1 }
      - { name: registry-meta-2, host: 10.0.0.2 }
`;
const RUNBOOK = `---
title: Plan me
product: registry
parameters:
  token: { type: string, secret: true }
  ticket: { type: string, required: true }
  node: { type: string, default: registry-meta-1 }
---
# Plan me

\`\`\`sh {name=check target=registry-meta}
echo {{ticket}} --token {{token}}
\`\`\`

\`\`\`sh {name=restart target={{node}} confirm}
systemctl restart registry
\`\`\`

\`\`\`sh {name=tell manual}
Tell the on-call that {{node}} restarts ({{ticket}}).
\`\`\`

\`\`\`sh {name=only-broken target=registry-meta when=check.failed}
echo fixing
\`\`\`

\`\`\`sh {name=untargeted}
echo where
\`\`\`

\`\`\`sh {name=reopen target=registry-meta[0] after=restart,check}
echo reopen
\`\`\`

## Rollback

\`\`\`sh {name=undo target=registry-meta[0]}
echo undo
\`\`\`
`;

function plan(params: Record<string, string>) {
  const { runbook, problems } = parseRunbook(RUNBOOK, 'plan.runbook.md');
  assert.deepStrictEqual(problems, []);
  const { inventory } = parseInventory('inventory.yaml', INVENTORY);
  return planRun(runbook, { token: SECRET, ...params }, (selector) => selectTargets(inventory, selector).map((h) => h.name));
}

describe('run plan', () => {
  it('renders each host its command with the values, secrets as ***', () => {
    const p = plan({ ticket: 'drill' });
    const check = p.cells.find((c) => c.name === 'check')!;
    assert.deepStrictEqual(check.hosts, [
      { host: 'registry-meta-1', command: 'echo drill --token ***' },
      { host: 'registry-meta-2', command: 'echo drill --token ***' },
    ]);
    assert.ok(!JSON.stringify(p).includes(SECRET), 'no secret anywhere in the plan');
    assert.deepStrictEqual(p.cells.find((c) => c.name === 'restart')!.hosts.map((h) => h.host), ['registry-meta-1']);
    assert.strictEqual(p.cells.find((c) => c.name === 'tell')!.manual, 'Tell the on-call that registry-meta-1 restarts (drill).');
  });

  it('names why a step cannot run: no target, a selector that matches nothing, a missing parameter', () => {
    const ok = plan({ ticket: 'drill' });
    assert.deepStrictEqual(ok.cells.filter((c) => c.error).map((c) => [c.name, c.error]), [['untargeted', 'no target']]);
    assert.strictEqual(ok.problems, 1);

    const elsewhere = plan({ ticket: 'drill', node: 'registry-meta-9' });
    assert.match(elsewhere.cells.find((c) => c.name === 'restart')!.error!, /registry-meta-9/);
    assert.strictEqual(elsewhere.problems, 2);

    const missing = plan({});
    assert.match(missing.parameterErrors.join(), /ticket/);
    assert.match(missing.cells.find((c) => c.name === 'check')!.error!, /ticket/);
    assert.match(missing.cells.find((c) => c.name === 'tell')!.error!, /ticket/);
  });

  it('prints what decides the skips it cannot know, in the order a reader needs', () => {
    const text = formatPlan(plan({ ticket: 'drill' }), translator('en'));
    assert.match(text, /^## check\n {2}registry-meta-1\$ echo drill/);
    assert.match(text, /## restart \[confirm\]\n {2}registry-meta-1\$ systemctl restart registry\n/);
    assert.match(text, /## tell \[manual\]\n {2}\(manual\) Tell the on-call/);
    assert.match(text, /## only-broken\n {2}skipped on every host where when=check\.failed does not hold \(decided per host at run time\)\n {2}registry-meta-1\$ echo fixing\n {2}registry-meta-2\$ echo fixing\n/);
    assert.match(text, /## untargeted\n {2}error: no target\n/);
    assert.match(text, /## reopen \[after=restart,check\]\n {2}skipped unless "restart" and "check" passed\n/);
    assert.match(text, /## undo \[rollback\]\n {2}skipped in a normal run: rollback section, offered when the run fails\n {2}registry-meta-1\$ echo undo\n$/);
  });

  it('speaks Chinese in zh, keeping names, hosts and commands as written', () => {
    const text = formatPlan(plan({ ticket: 'drill' }), translator('zh'));
    assert.match(text, /## untargeted\n {2}错误：没有目标主机\n/);
    assert.match(text, /除非 "restart" 和 "check" 通过，否则跳过/);
    assert.match(text, /正常运行时跳过：属于回滚部分/);
    assert.match(text, /（手工）Tell the on-call/);
    assert.match(text, /registry-meta-1\$ echo undo/);
    assert.ok(!/skipped|error:|manual\)/.test(text), text);
  });
});
