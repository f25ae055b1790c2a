/** `sofa-ops explain` as a user runs it: the built CLI, the bundled catalog, a real inventory file. */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { CLI_BIN as bin, cliEnv } from '../fixtures/cliSite';

// A line the demo's antscheduler writes to its rpc-server log, with the host's address in it.
const LINE = '2026-11-02 03:14:16,589 ERROR [SchedulerRpc-2] c.a.a.rpc.RegisterHandler - client[pay-gateway@127.0.1.12] has no auth, client register failed';

describe('sofa-ops explain (built CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  let inventory: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-explain-'));
    inventory = path.join(dir, 'inventory.yaml');
    writeFileSync(inventory, 'defaults: { port: 2022, user: admin }\nproducts:\n  microservice:\n    antscheduler:\n      - { name: antscheduler-1, host: 127.0.1.12 }\n      - { name: antscheduler-2, host: 127.0.1.13 }\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[], input?: string) => spawnSync(process.execPath, [bin, 'explain', ...args], { encoding: 'utf8', env: cliEnv(dir, { LANG: 'C' }), input });

  it('explains a pasted log line: the exact pattern first, with action, runbook and the host', () => {
    const r = run([LINE, '--inventory', inventory]);
    assert.strictEqual(r.status, 0, r.stderr);
    const first = r.stdout.split('\n\n')[0];
    assert.match(first, /^1\. \[pattern error\] .*has no auth.*\(exact match\)\s+\[§2\.3\.2\]/);
    assert.match(first, /microservice \/ antscheduler {2}· host antscheduler-1 \(127\.0\.1\.12:2022\)/);
    assert.match(first, /Action: Check that the client's accessKey/);
    assert.match(first, /Runbooks: .*microservice\/service-exception-emergency\.runbook\.md/);
  });

  it('prints JSON in one language with timings, and reads the text from stdin', () => {
    const r = run(['-', '--json', '--lang', 'zh', '--limit', '3'], '心跳\n');
    assert.strictEqual(r.status, 0, r.stderr);
    const data = JSON.parse(r.stdout) as { results: Array<{ kind: string; id: string; title: unknown; exact: boolean }>; buildMs: number; queryMs: number };
    assert.ok(data.results.length > 0 && data.results.length <= 3);
    assert.ok(data.results.some((x) => x.id === 'mq-broker-heartbeat-health'), JSON.stringify(data.results.map((x) => x.id)));
    assert.strictEqual(typeof data.results[0].title, 'string', '--lang zh flattens the bilingual text');
    assert.ok(data.buildMs > 0 && data.queryMs >= 0);
  });

  it('exits 1 when nothing matches and 2 on usage errors, without a stack trace', () => {
    const none = run(['zzqqxxv']);
    assert.strictEqual(none.status, 1);
    assert.match(none.stderr, /nothing in the guide matches/);
    for (const args of [[], ['x', '--lang', 'fr'], ['x', '--limit', '0'], ['x', '--bogus']]) {
      const bad = run(args);
      assert.strictEqual(bad.status, 2, `${args.join(' ')}: ${bad.stderr}`);
      assert.match(bad.stderr, /Usage: sofa-ops explain/);
      assert.doesNotMatch(bad.stderr, /\n\s+at /);
    }
    const missing = run(['x', '--inventory', path.join(dir, 'nope.yaml')]);
    assert.strictEqual(missing.status, 2);
    assert.match(missing.stderr, /cannot read inventory/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /);
  });
});
