/**
 * In Chinese mode the CLI's results are Chinese too, not only its help: the run report and a dry
 * run, audit verify, export, and the demo's fault list and fault errors. The outputs that need a
 * live host (run progress, exec, logs grep, host-key prompts) are in
 * test/integration/cli/zhOutput.test.ts. English mode is covered by the commands' own tests.
 */
import * as assert from 'assert';
import { readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import { main } from '../../src/cli/main';
import { AuditTrail, digestOutput } from '../../src/core/audit/auditTrail';
import { loadCatalog } from '../../src/core/catalog/catalogLoader';
import { renderReport } from '../../src/core/runbook/runReport';
import { parseRunbook } from '../../src/core/runbook/runbookParser';
import { runRunbook, type HostOutcome, type RunHooks } from '../../src/core/runbook/runbookRunner';
import { bundledCatalog, captureIO, tempTree } from './helpers';
import { ALLOW, assertChinese } from './zhWords';

/** One cell of every way a step ends: passed, failed (expect, exit code), skipped (when=, after=, a stop), declined, not done, no target. */
const RUNBOOK = `---
title: 重启注册中心 meta
product: registry
---
# 检查

\`\`\`sh {name=check target=web expect="READY" continueOnError}
check
\`\`\`

\`\`\`sh {name=fix target=web when=check.failed continueOnError}
fix
\`\`\`

\`\`\`sh {name=recheck target=web-1 when=check.failed continueOnError}
recheck
\`\`\`

\`\`\`sh {name=ask target=web confirm continueOnError}
ask
\`\`\`

\`\`\`sh {name=by-hand manual continueOnError}
在控制台确认
\`\`\`

\`\`\`sh {name=lost continueOnError}
lost
\`\`\`

\`\`\`sh {name=stop target=web-3}
stop
\`\`\`

\`\`\`sh {name=after-stop target=web}
after
\`\`\`

\`\`\`sh {name=gated target=web after=ask}
gated
\`\`\`

\`\`\`sh {name=cleanup target=web finally}
cleanup
\`\`\`

## 回滚

\`\`\`sh {name=undo target=web}
undo
\`\`\`
`;

/** Fake hosts: web-1 is ready, web-2 still booting, web-3 exits 3; confirms are declined, manual steps not done. */
const hooks: RunHooks = {
  resolveTargets: (selector) => (selector === 'web' ? ['web-1', 'web-2', 'web-3'] : [selector]),
  async execute({ cell, hosts }) {
    return hosts.map((host): HostOutcome => {
      const exit = host === 'web-3' && cell.options.name !== 'cleanup' ? 3 : 0;
      return { host, outcome: exit ? 'exit' : 'ok', exitCode: exit, stdout: host === 'web-1' ? 'READY\n' : 'booting\n', stderr: '', durationMs: 5 };
    });
  },
  confirm: async () => false,
  manual: async () => false,
};

/** What the runbook itself names: step names, hosts, the expected text. */
const NAMES = ['check.failed', 'meta', 'check', 'fix', 'recheck', 'ask', 'by-hand', 'lost', 'stop', 'after-stop', 'gated', 'cleanup', 'undo', 'web', 'READY', 'booting'];

describe('zh CLI output (no English words outside ids, paths, commands and names)', () => {
  it('the run report in Markdown: every status, skip reason, failure and the rollback offer', async () => {
    const { runbook, problems } = parseRunbook(RUNBOOK, 'restart.runbook.md');
    assert.deepStrictEqual(problems, []);
    const result = await runRunbook(runbook, hooks, {});
    const statuses = new Set(result.cells.map((c) => c.status));
    assert.deepStrictEqual([...statuses].sort(), ['declined', 'error', 'failed', 'not-done', 'ok', 'skipped'], `every status is worded: ${JSON.stringify(result.cells.map((c) => [c.name, c.status, c.message]))}`);
    assert.deepStrictEqual([...new Set(result.cells.flatMap((c) => (c.skip ? [c.skip.by] : [])))].sort(), ['after', 'stopped', 'when']);
    assert.ok(result.cells.some((c) => c.skippedHosts?.length), 'a when= that left hosts out');
    const md = renderReport('md', '重启注册中心 meta', { ...result, auditErrors: ['disk full'] }, 'zh');
    assertChinese('run report (md)', md, [...NAMES, 'disk full']);
    assert.match(md, /结果：\*\*失败\*\*/);
    assert.match(md, /web-2: 期望输出中有 "READY"，实际为：booting/, 'the failure names the host, the expectation and what came back');
    assert.match(md, /web-3: 非零退出（退出码 3）/);
    // Machine formats and English mode are as before.
    assert.match(renderReport('md', 'x', result), /Result: \*\*failed\*\*[\s\S]*web-2: expected "READY" in the output, found: booting/);
    assert.ok(!/失败|已跳过|未运行|未确认/.test(renderReport('junit', 'x', result) + renderReport('json', 'x', result)), 'JUnit and JSON stay English');
  });

  it('sofa-ops run --dry-run: the plan, its skips and a step that cannot run', async () => {
    const t = tempTree({ 'inventory.yaml': 'products:\n  registry:\n    registry-meta:\n      - { name: web-1, host: 127.0.0.1 }\n      - { name: web-3, host: 127.0.0.3 }\n', 'restart.runbook.md': RUNBOOK.replace(/target=web(?=[ }])/g, 'target=registry-meta') });
    try {
      const io = captureIO();
      const code = await main(['--lang', 'zh', 'run', path.join(t.dir, 'restart.runbook.md'), '--inventory', path.join(t.dir, 'inventory.yaml'), '--dry-run'], io, bundledCatalog);
      assert.strictEqual(code, 2, 'the cell without a target makes the plan fail');
      // The plan's flags are the fence's keywords (manual, confirm, finally) and the rollback mark.
      assertChinese('run --dry-run', io.stdout + io.stderr, [...NAMES, 'rollback']);
      assert.match(io.stdout, /错误：没有目标/);
      assert.match(io.stderr, /试运行：1 个步骤按现有写法无法运行/);
    } finally {
      t.cleanup();
    }
  });

  it('a target that selects nothing: exec and a dry run say why in Chinese, naming the selector and the groups', async () => {
    const t = tempTree({ 'inventory.yaml': 'products:\n  registry:\n    registry-meta:\n      - { name: web-1, host: 127.0.0.1 }\n', 'x.runbook.md': '---\ntitle: 试\nproduct: registry\n---\n# 试\n\n```sh {name=one target=registry-meta[3]}\ntrue\n```\n' });
    try {
      for (const [target, expected] of [['nope', /目标“nope”没有匹配任何组、主机名或标签；已知的组：all, /], ['web-1,registry-meta[2]', /“web-1,registry-meta\[2\]”中的目标“registry-meta\[2\]”超出范围：组“registry-meta”有 1 台主机/], ['meta[0]', /指向的组“meta”不存在/], [' , ', /目标选择器为空/]] as const) {
        const io = captureIO();
        assert.strictEqual(await main(['--lang', 'zh', 'exec', '--inventory', path.join(t.dir, 'inventory.yaml'), '--target', target, '--', 'true'], io, bundledCatalog), 2);
        assert.match(io.stderr, expected);
        assertChinese(`exec --target ${target}`, io.stderr, ['nope', 'meta', 'registry']);
      }
      const io = captureIO();
      assert.strictEqual(await main(['--lang', 'zh', 'run', path.join(t.dir, 'x.runbook.md'), '--inventory', path.join(t.dir, 'inventory.yaml'), '--dry-run'], io, bundledCatalog), 2);
      assert.match(io.stdout, /错误：目标“registry-meta\[3\]”超出范围/);
      assertChinese('run --dry-run, a target out of range', io.stdout + io.stderr, ['one', 'true', 'registry']);
    } finally {
      t.cleanup();
    }
  });

  it('sofa-ops run: bad parameters are named and explained in Chinese', async () => {
    const t = tempTree({ 'inventory.yaml': 'products:\n  registry:\n    registry-meta:\n      - { name: web-1, host: 127.0.0.1 }\n', 'x.runbook.md': '---\ntitle: 试\nproduct: registry\nparameters:\n  count: { type: number }\n  reason: { type: string, required: true }\n  mode: { type: string, allowed: [fast, safe] }\n---\n# 试\n\n```sh {name=one target=registry-meta}\necho {{count}} {{reason}} {{mode}}\n```\n' });
    try {
      const io = captureIO();
      const code = await main(['--lang', 'zh', 'run', path.join(t.dir, 'x.runbook.md'), '--inventory', path.join(t.dir, 'inventory.yaml'), '--dry-run', '--param', 'count=many', '--param', 'mode=slow', '--param', 'nope=1'], io, bundledCatalog);
      assert.strictEqual(code, 2, io.stdout);
      assert.match(io.stderr, /未知的参数“nope”/);
      assert.match(io.stderr, /参数“reason”是必填的/);
      assertChinese('run with bad parameters', io.stderr, ['count', 'reason', 'mode', 'many', 'slow', 'nope', 'fast', 'safe']);
    } finally {
      t.cleanup();
    }
  });

  it('sofa-ops audit verify: intact, tampered and emptied trails', async () => {
    const t = tempTree({});
    const file = path.join(t.dir, 'ws', '.sofa-ops', 'audit.jsonl');
    const home = path.join(t.dir, 'home');
    const trail = new AuditTrail(file, 'sre@test', { home });
    for (let i = 1; i <= 3; i++) await trail.append({ kind: 'cell', runbook: 'restart.runbook.md', cell: `step-${i}`, command: `echo ${i}`, targets: ['web-1'], results: [{ host: 'web-1', outcome: 'ok', exitCode: 0 }], outputDigest: digestOutput(`${i}\n`) });
    trail.close();
    const saved = process.env.SOFA_OPS_HOME;
    process.env.SOFA_OPS_HOME = home;
    const verify = async () => {
      const io = captureIO();
      const code = await main(['--lang', 'zh', 'audit', 'verify', file], io);
      assertChinese(`audit verify (exit ${code})`, io.stdout + io.stderr);
      return { code, text: io.stdout + io.stderr };
    };
    try {
      assert.match((await verify()).text, /3 条记录，链完整/);
      const lines = readFileSync(file, 'utf8').split('\n');
      writeFileSync(file, [lines[0], lines[1].replace('echo 2', 'echo 9'), lines[2].slice(0, 20)].join('\n'));
      const tampered = await verify();
      assert.strictEqual(tampered.code, 1);
      assert.match(tampered.text, /audit\.jsonl:2: 第 2 条记录被修改过/);
      assert.match(tampered.text, /不完整（/);
      writeFileSync(file, '');
      assert.match((await verify()).text, /审计记录为空，但其头部锚点表明已写入 3 条记录/);
    } finally {
      if (saved === undefined) delete process.env.SOFA_OPS_HOME;
      else process.env.SOFA_OPS_HOME = saved;
      t.cleanup();
    }
  });

  it('sofa-ops export ansible: what was written where', async () => {
    const t = tempTree({ 'inventory.yaml': 'products:\n  registry:\n    registry-meta:\n      - { name: web-1, host: 127.0.0.1 }\n      - { name: web-3, host: 127.0.0.3 }\n', 'restart.runbook.md': '---\ntitle: 重启\nproduct: registry\n---\n# 重启\n\n```sh {name=restart target=registry-meta}\necho restart\n```\n' });
    try {
      const io = captureIO();
      const code = await main(['--lang', 'zh', 'export', 'ansible', path.join(t.dir, 'restart.runbook.md'), '--inventory', path.join(t.dir, 'inventory.yaml'), '--out', path.join(t.dir, 'out')], io, bundledCatalog);
      assert.strictEqual(code, 0, io.stderr);
      assertChinese('export ansible', io.stdout + io.stderr);
      assert.match(io.stdout, /清单：2 台主机/);
      assert.match(io.stdout, /已把 1 个运行手册中的 1 个导出到/);
    } finally {
      t.cleanup();
    }
  });

  it('sofa-ops demo: an unknown or unaimed fault is explained with the fault list, in Chinese', async () => {
    // The fault summaries name the site's components by id.
    const { catalog } = await loadCatalog(bundledCatalog);
    const allow = new Set([...ALLOW, ...catalog.products.flatMap((p) => p.components.map((c) => c.id))]);
    const t = tempTree({});
    try {
      for (const faults of ['no-such-fault', 'service-down', 'service-down@nowhere']) {
        const io = captureIO();
        const code = await main(['--lang', 'zh', 'demo', '--dir', path.join(t.dir, 'demo'), '--faults', faults], io, bundledCatalog);
        assert.strictEqual(code, 2, io.stderr);
        assertChinese(`demo --faults ${faults}`, io.stderr, [faults, 'nowhere'], allow);
        assert.match(io.stderr, /故障“(no-such-fault|service-down)”|未知的故障/);
      }
    } finally {
      t.cleanup();
    }
  });
});
