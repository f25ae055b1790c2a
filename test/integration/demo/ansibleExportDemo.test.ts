/**
 * A shipped runbook exported to Ansible and run by the real ansible-playbook against the demo site
 * (every container of the site, one meta node with its leader lost), next to `sofa-ops run` of the same runbook:
 * "restart only the abnormal meta nodes" must check every meta node, act on exactly the faulty one
 * and stop at the manual restart nobody ticked, on the same hosts in both.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ansibleOutcomes, sofaOutcomes } from '../fixtures/runOutcomes';
import { requireRoot } from '../fixtures/sshd';
import { ansibleDemoEnv, requireAnsibleAndBuild } from './ansibleDemo';
import { BIN, demoDir, startDemo, type RunningDemo } from './demoProcess';

const RUNBOOK = path.resolve(__dirname, '../../../runbooks/registry/restart-abnormal-meta.runbook.md');

describe('exported runbook on the demo site: ansible-playbook = sofa-ops run, per host', function () {
  this.timeout(180_000);
  let demo: RunningDemo;
  let dir: string;
  let work: string;

  before(async function () {
    requireRoot();
    requireAnsibleAndBuild();
    dir = demoDir();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-ansible-demo-'));
    demo = await startDemo(dir, ['--faults', 'meta-leader-lost@registry-meta-2']);
  });
  after(async () => {
    await demo?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const ansibleEnv = (): NodeJS.ProcessEnv =>
    ansibleDemoEnv(work, demo.ready.knownHosts, {
      ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
      // Modules piped to python3 on the exec channel: the demo's SSH server has no sftp.
      ANSIBLE_PIPELINING: 'True',
    });

  it('checks every meta node, acts on the faulty one only, and stops at the unticked manual step, in both', () => {
    const report = path.join(work, 'report.json');
    let t = Date.now();
    const sofa = spawnSync(process.execPath, [BIN, 'run', RUNBOOK, '--inventory', demo.ready.inventory, '--known-hosts', demo.ready.knownHosts, '--audit', path.join(work, 'audit.jsonl'), '--report', 'json', '--out', report], {
      encoding: 'utf8',
      env: { ...process.env, HOME: work, SOFA_OPS_HOME: path.join(work, '.sofa-ops'), SSH_AUTH_SOCK: '' },
      input: '',
    });
    const sofaMs = Date.now() - t;
    assert.strictEqual(sofa.status, 1, sofa.stderr);
    const ours = sofaOutcomes(fs.readFileSync(report, 'utf8'));

    const out = path.join(work, 'ansible');
    const exp = spawnSync(process.execPath, [BIN, 'export', 'ansible', RUNBOOK, '--inventory', demo.ready.inventory, '--out', out], { encoding: 'utf8' });
    assert.strictEqual(exp.status, 0, exp.stderr);
    fs.writeFileSync(path.join(work, 'ansible.cfg'), '');
    t = Date.now();
    const ans = spawnSync('ansible-playbook', ['-i', 'inventory.yml', 'restart-abnormal-meta.yml'], {
      cwd: out,
      encoding: 'utf8',
      input: '',
      env: ansibleEnv(),
    });
    const ansMs = Date.now() - t;
    // Not an assertion: the README's number (one run each; the machine may be loaded).
    console.log(`      timing, restart-abnormal-meta on the ${demo.ready.hosts.length}-container demo: sofa-ops run ${sofaMs} ms, ansible-playbook ${ansMs} ms (${(ansMs / sofaMs).toFixed(1)}×)`);
    assert.strictEqual(ans.status, 2, ans.stdout + ans.stderr);
    const theirs = ansibleOutcomes(ans.stdout);
    assert.deepStrictEqual(theirs, ours);
    assert.deepStrictEqual(theirs, {
      'check-health': { 'registry-meta-1': 'ok', 'registry-meta-2': 'failed', 'registry-meta-3': 'ok' },
      'abnormal-node': { 'registry-meta-2': 'ok' },
    });
    assert.match(ans.stdout, /the operator did not mark this step done/);
    // AWX job output points back to the guide: section and runbook path in the task names.
    assert.match(ans.stdout, /TASK \[Run check-health · .*§7\.8.* · runbooks\/registry\/restart-abnormal-meta\.runbook\.md:\d+\]/);
  });

  it('a one-cell runbook on all the containers: ok everywhere in both (and the timing for the README)', () => {
    const runbook = path.join(work, 'uptime.runbook.md');
    fs.writeFileSync(runbook, '```sh {name=uptime target=all}\nhostname; uptime\n```\n');
    const report = path.join(work, 'uptime.json');
    let t = Date.now();
    const sofa = spawnSync(process.execPath, [BIN, 'run', runbook, '--inventory', demo.ready.inventory, '--known-hosts', demo.ready.knownHosts, '--audit', path.join(work, 'audit.jsonl'), '--report', 'json', '--out', report], {
      encoding: 'utf8',
      env: { ...process.env, HOME: work, SOFA_OPS_HOME: path.join(work, '.sofa-ops'), SSH_AUTH_SOCK: '' },
    });
    const sofaMs = Date.now() - t;
    assert.strictEqual(sofa.status, 0, sofa.stderr);
    const out = path.join(work, 'ansible-uptime');
    assert.strictEqual(spawnSync(process.execPath, [BIN, 'export', 'ansible', runbook, '--inventory', demo.ready.inventory, '--out', out]).status, 0);
    t = Date.now();
    const ans = spawnSync('ansible-playbook', ['-i', 'inventory.yml', 'uptime.yml', '-f', String(demo.ready.hosts.length)], { cwd: out, encoding: 'utf8', env: ansibleEnv() });
    const ansMs = Date.now() - t;
    assert.strictEqual(ans.status, 0, ans.stdout + ans.stderr);
    const ours = sofaOutcomes(fs.readFileSync(report, 'utf8'));
    assert.deepStrictEqual(ansibleOutcomes(ans.stdout), ours);
    assert.strictEqual(Object.keys(ours.uptime).length, demo.ready.hosts.length);
    console.log(`      timing, one cell on all ${demo.ready.hosts.length} demo containers: sofa-ops run ${sofaMs} ms, ansible-playbook -f ${demo.ready.hosts.length} ${ansMs} ms (${(ansMs / sofaMs).toFixed(1)}×)`);
  });
});
