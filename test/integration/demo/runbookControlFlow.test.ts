/**
 * Runbook control flow on the demo site, through the built CLI over real SSH: with the
 * meta-leader-lost fault on one of three meta nodes, "restart only the abnormal nodes" acts on
 * exactly that node, says why it skipped the others, and records the skips in the audit trail;
 * the version upgrade, whose meta health check then fails on that node, leaves push closed.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { requireRoot } from '../fixtures/sshd';
import { BIN, demoDir, startDemo, type RunningDemo } from './demoProcess';

const RUNBOOK = path.resolve(__dirname, '../../../runbooks/registry/restart-abnormal-meta.runbook.md');
const UPGRADE = path.resolve(__dirname, '../../../runbooks/registry/version-upgrade.runbook.md');

describe('runbook control flow on the demo site (when=, skips in CLI, report and audit)', function () {
  this.timeout(60_000);
  let demo: RunningDemo;
  let dir: string;
  let work: string;

  before(async () => {
    requireRoot();
    assert.ok(fs.existsSync(path.resolve(__dirname, '../../../dist/cli-run.js')), 'run `npm run build` first');
    dir = demoDir();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-flow-'));
    demo = await startDemo(dir, ['--faults', 'meta-leader-lost@registry-meta-2']);
  });
  after(async () => {
    await demo?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const run = (extra: string[], runbook = RUNBOOK) =>
    spawnSync(process.execPath, [BIN, 'run', runbook, '--inventory', demo.ready.inventory, '--known-hosts', demo.ready.knownHosts, '--audit', path.join(work, 'audit.jsonl'), ...extra], {
      encoding: 'utf8',
      env: { ...process.env, HOME: work, SOFA_OPS_HOME: path.join(work, '.sofa-ops'), SSH_AUTH_SOCK: '' },
      input: '',
      timeout: 60_000,
    });

  it('--dry-run says which cells are conditional and on what', () => {
    const r = run(['--dry-run']);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /## abnormal-node\n {2}skipped on every host where when=check-health\.failed does not hold \(decided per host at run time\)/);
  });

  it('acts on exactly the abnormal node (fault on one of three) and records the skips', () => {
    const report = path.join(work, 'report.json');
    // No terminal: the manual restart step is not ticked done, so the run stops there (exit 1).
    const r = run(['--report', 'json', '--out', report]);
    assert.strictEqual(r.status, 1, r.stderr);
    const result = JSON.parse(fs.readFileSync(report, 'utf8')) as { cells: Array<{ name: string; status: string; hosts: Array<{ host: string; stdout: string; expectFailed?: string }>; skippedHosts?: Array<{ host: string }>; skip?: { by: string; reason: string } }> };
    const cell = (name: string) => result.cells.find((c) => c.name === name)!;
    const check = cell('check-health');
    assert.deepStrictEqual(check.hosts.filter((h) => h.expectFailed).map((h) => h.host), ['registry-meta-2']);
    const abnormal = cell('abnormal-node');
    assert.strictEqual(abnormal.status, 'ok');
    assert.deepStrictEqual(abnormal.hosts.map((h) => h.host), ['registry-meta-2']);
    assert.match(abnormal.hosts[0].stdout, /^registry-meta-2 is abnormal/);
    assert.deepStrictEqual(abnormal.skippedHosts?.map((h) => h.host), ['registry-meta-1', 'registry-meta-3']);
    assert.match(r.stderr, /skipped on registry-meta-1: when=check-health\.failed does not hold on registry-meta-1/);
    assert.match(r.stderr, /⏭ recheck-health: skipped: not run: "restart-in-yunyou" failed and stopped the run/);
    const audit = fs.readFileSync(path.join(work, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; cell?: string; note?: string; results?: Array<{ host: string; outcome: string }> });
    const ran = audit.find((a) => a.kind === 'cell' && a.cell === 'abnormal-node')!;
    assert.deepStrictEqual(ran.results?.map((x) => `${x.host}:${x.outcome}`), ['registry-meta-2:ok', 'registry-meta-1:skipped', 'registry-meta-3:skipped']);
    assert.ok(audit.some((a) => a.kind === 'cell-skipped' && a.cell === 'recheck-health' && /stopped the run/.test(a.note ?? '')));
  });

  it('the version upgrade with a failing verification (meta-2 not healthy) leaves push closed and says so', () => {
    const report = path.join(work, 'upgrade.json');
    // Manual steps (import, release in 云游, watch pubs/subs) ticked by --manual done; one health try per node.
    const r = run(['--param', 'ticket=CHG-7', '--param', 'healthTries=1', '--yes', '--manual', 'done', '--report', 'json', '--out', report], UPGRADE);
    assert.strictEqual(r.status, 1, r.stderr);
    const result = JSON.parse(fs.readFileSync(report, 'utf8')) as { cells: Array<{ name: string; status: string; message?: string; hosts: Array<{ host: string; expectFailed?: string }> }> };
    const cell = (name: string) => result.cells.find((c) => c.name === name)!;
    assert.strictEqual(cell('close-push').status, 'ok');
    assert.deepStrictEqual(cell('meta-health').hosts.filter((h) => h.expectFailed).map((h) => h.host), ['registry-meta-2']);
    assert.strictEqual(cell('reopen-push').status, 'skipped');
    assert.match(cell('reopen-push').message ?? '', /^push stays closed .*"meta-health" failed/);
    assert.match(r.stderr, /reopen-push: skipped: push stays closed/);
    // On the site itself: the switch is still closed, seen over SSH with the real OpenSSH client.
    const state = spawnSync(process.execPath, [BIN, 'exec', '--inventory', demo.ready.inventory, '--known-hosts', demo.ready.knownHosts, '--target', 'registry-meta-1', '--', 'curl -sS http://localhost:9615/digest/pushSwitch'], {
      encoding: 'utf8',
      env: { ...process.env, HOME: work, SOFA_OPS_HOME: path.join(work, '.sofa-ops'), SSH_AUTH_SOCK: '' },
      timeout: 60_000,
    });
    assert.match(state.stdout, /"pushSwitch":"closed"/, state.stderr);
    // Who ticked the manual steps is on record: the option, not a person.
    const audit = fs.readFileSync(path.join(work, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; cell?: string; note?: string });
    const ticked = audit.filter((a) => a.kind === 'manual-step' && a.cell === 'import-solution');
    assert.strictEqual(ticked.length, 1);
    assert.match(ticked[0].note ?? '', /^done: ticked done by --manual done: no person confirmed it/);
  });
});
