/**
 * The registry inspection exported to Ansible, gathered by the real ansible-playbook (raw, no
 * Python used on the hosts) on the demo site with faults injected, and judged by
 * `sofa-ops inspect --from-ansible`: the same PASS/FAIL per host and check as `sofa-ops inspect`
 * on the same site, and the same exit code; a tampered results.json is a clear error. And a runbook
 * exported with --raw-fallback runs on hosts marked sofa_ops_no_python with raw, with the same
 * per-host outcomes as `sofa-ops run`.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { ansibleOutcomes, sofaOutcomes } from '../fixtures/runOutcomes';
import { requireRoot } from '../fixtures/sshd';
import type { Inspection } from '../../../src/core/checks/types';
import { ansibleDemoEnv, requireAnsibleAndBuild } from './ansibleDemo';
import { BIN, demoDir, startDemo, type RunningDemo } from './demoProcess';

const FAULTS = 'meta-leader-lost,service-down@registry-session-1,disk-full';

describe('exported inspection on the demo site: ansible-playbook + inspect --from-ansible = sofa-ops inspect', function () {
  this.timeout(240_000);
  let demo: RunningDemo;
  let dir: string;
  let work: string;

  before(async function () {
    requireRoot();
    requireAnsibleAndBuild();
    dir = demoDir();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-ansible-insp-'));
    demo = await startDemo(dir, ['--faults', FAULTS]);
  });
  after(async () => {
    await demo?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const sofa = (args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, HOME: work, SOFA_OPS_HOME: path.join(work, '.sofa-ops'), SSH_AUTH_SOCK: '' }, input: '' });

  // No Python on the hosts is needed: a wrong interpreter there would make any module fail.
  const ansibleEnv = (): NodeJS.ProcessEnv => ansibleDemoEnv(work, demo.ready.knownHosts, { ANSIBLE_PYTHON_INTERPRETER: '/nonexistent/python3' });

  /** check @ host → status, for every check that ran (manual and N/A left out). */
  const statuses = (inspection: Inspection) =>
    Object.fromEntries(inspection.results.filter((r) => r.status !== 'manual' && r.status !== 'na').map((r) => [`${r.checkId} @ ${r.host ?? r.component}`, r.status]));

  let results: string;

  it('judges what Ansible gathered exactly as sofa-ops inspect judges the live site (same statuses, same exit code)', () => {
    const liveOut = path.join(work, 'live.json');
    let t = Date.now();
    const live = sofa(['inspect', '--inventory', demo.ready.inventory, '--known-hosts', demo.ready.knownHosts, '--product', 'registry', '--report', 'json', '--out', liveOut]);
    assert.strictEqual(live.status, 1, live.stderr);
    const liveMs = Date.now() - t;

    const out = path.join(work, 'ansible');
    const exp = sofa(['export', 'ansible', '--inspection', '--product', 'registry', '--inventory', demo.ready.inventory, '--out', out]);
    assert.strictEqual(exp.status, 0, exp.stderr);
    assert.match(fs.readFileSync(path.join(out, 'README.md'), 'utf8'), /inspect --from-ansible results\.json/);
    fs.writeFileSync(path.join(work, 'ansible.cfg'), '');
    // The results play runs on Ansible's implicit localhost, with the controller's own Python.
    t = Date.now();
    const ans = spawnSync('ansible-playbook', ['-i', 'inventory.yml', 'inspection.yml', '-f', '8'], { cwd: out, encoding: 'utf8', env: ansibleEnv() });
    const ansMs = Date.now() - t;
    assert.strictEqual(ans.status, 0, ans.stdout + ans.stderr);
    results = path.join(out, 'results.json');
    assert.ok(fs.existsSync(results), ans.stdout);

    const fromOut = path.join(work, 'from-ansible.json');
    t = Date.now();
    const judged = sofa(['inspect', '--from-ansible', results, '--inventory', demo.ready.inventory, '--report', 'json', '--out', fromOut]);
    // Not an assertion: the README's numbers (one run each; the machine may be loaded).
    console.log(`      timing, registry inspection on 8 demo containers: sofa-ops inspect ${liveMs} ms, ansible-playbook -f 8 ${ansMs} ms + inspect --from-ansible ${Date.now() - t} ms`);
    assert.strictEqual(judged.status, live.status, judged.stderr);
    const ours = statuses(JSON.parse(fs.readFileSync(liveOut, 'utf8')) as Inspection);
    const theirs = statuses(JSON.parse(fs.readFileSync(fromOut, 'utf8')) as Inspection);
    // CPU and load are the moment's: both measured, not necessarily alike on a shared machine.
    const moment = (k: string) => /^registry-basic-(cpu|load5) @/.test(k);
    for (const k of Object.keys(theirs).filter(moment)) assert.notStrictEqual(theirs[k], 'error', `${k} was not measured from the Ansible data`);
    const strip = (s: Record<string, string>) => Object.fromEntries(Object.entries(s).filter(([k]) => !moment(k)));
    assert.deepStrictEqual(strip(theirs), strip(ours));
    // The faults are seen, by both: the lost leader's health, the stopped session, the full disk.
    assert.strictEqual(theirs['registry-meta-health @ registry-meta-1'], 'fail');
    assert.strictEqual(theirs['registry-basic-port-session-9600 @ registry-session-1'], 'fail');
    assert.strictEqual(theirs['registry-java-process @ registry-session-1'], 'fail');
    assert.strictEqual(theirs['registry-basic-disk @ registry-data-1'], 'fail');
    assert.strictEqual(theirs['registry-meta-health @ registry-meta-2'], 'pass');
    assert.strictEqual(theirs['registry-meta-one-leader @ registry-meta'], ours['registry-meta-one-leader @ registry-meta']);

    const junit = sofa(['inspect', '--from-ansible', results, '--inventory', demo.ready.inventory, '--report', 'junit']);
    assert.strictEqual(junit.status, 1);
    assert.match(junit.stdout, /<testsuites[\s\S]*registry-meta-health[\s\S]*<failure/);
  });

  it('refuses a tampered or foreign results.json with the file and the host or field, no stack trace', () => {
    const good = JSON.parse(fs.readFileSync(results, 'utf8')) as { sofa_ops: { digests: Record<string, string> }; hosts: Record<string, Record<string, unknown>> };
    const cases: Array<[string, (r: typeof good) => unknown, RegExp]> = [
      ['not json', () => '{"sofa_ops": ', /bad\.json: not JSON/],
      ['an array', () => [], /bad\.json: the file: expected a JSON object/],
      ['rc a string', (r) => ((r.hosts['registry-meta-1'].rc = 'zero'), r), /bad\.json: host registry-meta-1, field rc: expected a whole number/],
      ['stdout an object', (r) => ((r.hosts['registry-data-2'].stdout = { a: 1 }), r), /bad\.json: host registry-data-2, field stdout: expected a string/],
      ['another script', (r) => ((r.sofa_ops.digests['registry-meta-3'] = 'a'.repeat(64)), r), /bad\.json: host registry-meta-3: the playbook asked it other checks/],
    ];
    for (const [what, mutate, error] of cases) {
      const bad = path.join(work, 'bad.json');
      const value = mutate(JSON.parse(JSON.stringify(good)) as typeof good);
      fs.writeFileSync(bad, typeof value === 'string' ? value : JSON.stringify(value));
      const r = sofa(['inspect', '--from-ansible', bad, '--inventory', demo.ready.inventory]);
      assert.strictEqual(r.status, 2, `${what}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, error, what);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: a stack trace`);
    }
    // A host Ansible really cannot reach (its SSH port closed in Ansible's inventory) is written
    // to results.json by the engine and judged ERROR, never PASS; the other hosts still count.
    const out = path.join(work, 'ansible');
    const inventory = parse(fs.readFileSync(path.join(out, 'inventory.yml'), 'utf8')) as { all: { hosts: Record<string, { ansible_port: number }> } };
    inventory.all.hosts['registry-data-3'].ansible_port = 1;
    fs.writeFileSync(path.join(out, 'dead.yml'), stringify(inventory));
    const file = path.join(work, 'unreachable.json');
    const ans = spawnSync('ansible-playbook', ['-i', 'dead.yml', 'inspection.yml', '-f', '8', '-e', `sofa_ops_results=${file}`], { cwd: out, encoding: 'utf8', env: ansibleEnv() });
    assert.strictEqual(ans.status, 0, ans.stdout + ans.stderr);
    assert.match(ans.stdout, /fatal: \[registry-data-3\]: UNREACHABLE!/);
    const report = path.join(work, 'unreachable-report.json');
    const r = sofa(['inspect', '--from-ansible', file, '--inventory', demo.ready.inventory, '--report', 'json', '--out', report]);
    assert.strictEqual(r.status, 1, r.stderr);
    const judged = (JSON.parse(fs.readFileSync(report, 'utf8')) as Inspection).results;
    const mine = judged.filter((x) => x.host === 'registry-data-3' && x.status !== 'na');
    assert.ok(mine.length > 3);
    assert.ok(mine.every((x) => x.status === 'error'), JSON.stringify(mine.map((x) => [x.checkId, x.status])));
    assert.match(mine[0].message, /Ansible could not reach it: .*(refused|connect)/i);
    assert.strictEqual(judged.find((x) => x.checkId === 'registry-data-health' && x.host === 'registry-data-2')?.status, 'pass');
  });

  it('a runbook exported with --raw-fallback runs with raw on sofa_ops_no_python hosts: same outcomes as sofa-ops run (a failure stops, finally runs)', () => {
    const runbook = path.join(work, 'raw.runbook.md');
    fs.writeFileSync(
      runbook,
      [
        '```sh {name=name-check target=registry-meta expect=/registry-meta-[23]/}',
        'hostname',
        '```',
        '```sh {name=never target=registry-meta}',
        'echo not reached',
        '```',
        '```sh {name=cleanup target=registry-meta finally}',
        "printf 'cleaned %s\\n' \"$(hostname)\"",
        '```',
        '',
      ].join('\n'),
    );
    const report = path.join(work, 'raw-run.json');
    const run = sofa(['run', runbook, '--inventory', demo.ready.inventory, '--known-hosts', demo.ready.knownHosts, '--audit', path.join(work, 'audit.jsonl'), '--report', 'json', '--out', report]);
    assert.strictEqual(run.status, 1, run.stderr);
    const ours = sofaOutcomes(fs.readFileSync(report, 'utf8'));
    const out = path.join(work, 'ansible-raw');
    const exp = sofa(['export', 'ansible', runbook, '--raw-fallback', '--inspection', '--product', 'registry', '--inventory', demo.ready.inventory, '--out', out]);
    assert.strictEqual(exp.status, 0, exp.stderr);
    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    assert.match(readme, /sofa_ops_no_python: true/);
    assert.match(readme, /## The daily inspection/);
    if (spawnSync('sh', ['-c', 'command -v ansible-lint']).status === 0) {
      const lint = spawnSync('ansible-lint', ['--offline', '--nocolor', '-p', 'raw.yml', 'inspection.yml'], { cwd: out, encoding: 'utf8', env: ansibleEnv() });
      assert.strictEqual(lint.status, 0, lint.stdout + lint.stderr);
      assert.match(lint.stdout + lint.stderr, /Passed with production profile: 0 failure\(s\), 0 warning\(s\) on 2 files/);
    } else console.log('      ansible-lint: NOT INSTALLED, raw.yml and inspection.yml not linted');
    // Every host without Python (the interpreter Ansible is told of does not exist): raw or nothing.
    const ans = spawnSync('ansible-playbook', ['-i', 'inventory.yml', 'raw.yml', '-e', 'sofa_ops_no_python=true'], { cwd: out, encoding: 'utf8', env: ansibleEnv() });
    assert.strictEqual(ans.status, 2, ans.stdout + ans.stderr);
    assert.deepStrictEqual(ansibleOutcomes(ans.stdout), ours);
    assert.deepStrictEqual(ours, {
      'name-check': { 'registry-meta-1': 'failed', 'registry-meta-2': 'ok', 'registry-meta-3': 'ok' },
      cleanup: { 'registry-meta-1': 'ok', 'registry-meta-2': 'ok', 'registry-meta-3': 'ok' },
    });
    // The outcomes came from the raw tasks: the command tasks were skipped everywhere.
    const block = (task: string) => ans.stdout.split('\nTASK [').find((b) => b.startsWith(task)) ?? '';
    assert.match(block('Run cleanup · raw.runbook.md:7 (raw, no Python)]'), /\nchanged: \[registry-meta-2\]/);
    assert.doesNotMatch(block('Run cleanup · raw.runbook.md:7]'), /\n(ok|changed): /);
    assert.doesNotMatch(block('Run never · raw.runbook.md:4 (raw, no Python)]'), /\n(ok|changed): /);
  });
});
