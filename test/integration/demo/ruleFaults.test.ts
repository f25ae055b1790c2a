/**
 * The guide's rules at full strength on the real demo site: a send volume that drops (§2.2.1.2:
 * down on yesterday AND on the previous 5 minutes AND more than 10), a broker whose heartbeat
 * slows below 6 a minute (§4.2.1.2) while its port and process stay up, and two registry meta
 * Leaders (split brain, §7.7.2) while every node's own health check still says success:true.
 * Healthy, each rule passes and the checks written for other versions are N/A; with the faults,
 * exactly these three rules FAIL. "Yesterday" is the healthy run, kept in the inspection history
 * as if it had run 24 hours earlier, as a site's daily inspection would have.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lineCounter } from '../../../src/core/checks/logCount';
import { LogWindows } from '../../../src/core/checks/ruleInputs';
import { historyFileName } from '../../../src/core/checks/history';
import type { CheckResult, Inspection } from '../../../src/core/checks/types';
import { loadCatalog } from '../../../src/core/catalog/catalogLoader';
import { requireRoot } from '../fixtures/sshd';
import { BIN, demoDir, eventually, startDemo, type RunningDemo } from './demoProcess';

const RULES = ['microservice-scheduler-msg-sent-drop@antscheduler-1', 'mq-broker-heartbeat-rate@msgbroker-1', 'registry-meta-one-leader@registry-meta'];

describe('the new rules on the demo site: baseline drop, missing heartbeats, split brain', function () {
  this.timeout(300_000);
  let demo: RunningDemo;
  let dir: string;
  let work: string;

  before(async () => {
    requireRoot();
    dir = demoDir();
    demo = await startDemo(dir);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-rules-'));
  });
  after(async () => {
    await demo?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  let runs = 0;
  function inspect(history: string): { status: number | null; stderr: string; inspection: Inspection } {
    const out = path.join(work, `report-${++runs}.json`);
    const home = path.join(work, 'home');
    const r = spawnSync(process.execPath, [BIN, 'inspect', '--inventory', demo.ready.inventory, '--known-hosts', demo.ready.knownHosts, '--report', 'json', '--out', out, '--history', history], {
      encoding: 'utf8',
      env: { ...process.env, HOME: home, SOFA_OPS_HOME: path.join(home, '.sofa-ops'), SSH_AUTH_SOCK: '' },
      timeout: 120_000,
    });
    assert.ok(fs.existsSync(out), `inspect wrote no report (exit ${r.status}): ${r.stderr}`);
    return { status: r.status, stderr: r.stderr, inspection: JSON.parse(fs.readFileSync(out, 'utf8')) as Inspection };
  }
  const key = (r: CheckResult) => `${r.checkId}@${r.host ?? r.component}`;
  const byKey = (results: CheckResult[]) => new Map(results.map((r) => [key(r), r]));

  /** Lines of a container's log in the last window, counted as inspection counts them (on this machine's clock: the demo's). */
  async function logRate(container: string, logId: string, pattern: string, windowMs: number, offset = 0): Promise<number> {
    const { catalog } = await loadCatalog(path.resolve(__dirname, '../../../runbooks'));
    const log = catalog.products.flatMap((p) => p.logs).find((l) => l.id === logId)!;
    const file = path.join(dir, '.demo', 'containers', container, 'home', log.path.replace(/^\/home\//, ''));
    const counter = lineCounter(catalog, { logId, pattern });
    const text = fs.readFileSync(file, 'utf8');
    return new LogWindows(text, (l) => counter.matches(l), { nowMs: Date.now(), offsetMinutes: -new Date().getTimezoneOffset() }, Number.MAX_SAFE_INTEGER).count(windowMs, offset).count;
  }

  it('passes them on the healthy site (N/A for other versions), and FAILs exactly them with the faults on', async () => {
    const today = path.join(work, 'history-today');
    const healthy = inspect(today);
    assert.strictEqual(healthy.status, 0, healthy.stderr);
    const h = byKey(healthy.inspection.results);
    for (const k of RULES) assert.strictEqual(h.get(k)?.status, 'pass', `${k}: ${h.get(k)?.message}`);
    assert.strictEqual(h.get('mq-broker-heartbeat-rate@msgbroker-2')?.status, 'pass');
    assert.match(h.get('registry-meta-one-leader@registry-meta')!.value!, /^1 of 3 hosts raftStatus=Leader$/);
    assert.strictEqual(h.get('registry-push-switch-open@registry-meta-1')?.status, 'pass', 'registry 1.5.3: the push API check applies');
    // The demo plays ACVIP 0.7.2: the two apps of ACVIP < 0.7.0 are N/A, not PASS.
    for (const app of ['antvip', 'cloudinc']) {
      const r = h.get(`acvip-${app}-process@acvip-1`)!;
      assert.deepStrictEqual([r.status, r.message], ['na', 'does not apply: for acvip <0.7.0; this site runs acvip 0.7.2']);
    }
    const notGreen = healthy.inspection.results.filter((r) => !['pass', 'warn', 'manual', 'na'].includes(r.status));
    assert.deepStrictEqual(notGreen.map((r) => `${key(r)}: ${r.status} ${r.message}`), []);
    // A MANUAL rule says why and shows the guide's rule.
    const backlog = healthy.inspection.results.find((r) => r.checkId === 'dtx-tx-backlog-check')!;
    assert.match(backlog.message, /SSH inspection cannot read it\. .*; the guide's rule: 事务积压数量 > 10 \(major\); 事务积压数量 > 6 \(minor\)$/);

    // Yesterday's inspection: the healthy run, as if it had started 24 hours earlier.
    const yesterdayDir = path.join(work, 'history-yesterday');
    fs.mkdirSync(yesterdayDir);
    const yesterday: Inspection = { ...healthy.inspection, startedAt: new Date(Date.parse(healthy.inspection.startedAt) - 86_400_000).toISOString() };
    fs.writeFileSync(path.join(yesterdayDir, historyFileName(yesterday)), JSON.stringify(yesterday));
    const noBaseline = path.join(work, 'history-none');

    const before = (demo.stderr().match(/faults now:/g) ?? []).length;
    fs.writeFileSync(path.join(dir, '.demo', 'faults'), 'meta-split-brain,scheduler-send-drop,broker-heartbeat-slow\n');
    assert.ok(await eventually(() => (demo.stderr().match(/faults now:/g) ?? []).length > before, 30_000, 200), demo.stderr());
    // The rates take their windows to fall: wait for the logs themselves (> 25% down in 5 minutes, < 6 heartbeats in the last minute).
    let rates = '';
    const fell = async () => {
      const recent = await logRate('antscheduler-1', 'antscheduler-job-msg', 'microservice-antscheduler-msg-sent', 300_000);
      const previous = await logRate('antscheduler-1', 'antscheduler-job-msg', 'microservice-antscheduler-msg-sent', 300_000, 1);
      const beats = await logRate('msgbroker-1', 'msgbroker-msgbroker-ha-heartbeat', 'mq-broker-ha-heartbeat-ok', 60_000);
      rates = `sent ${recent} vs ${previous}, heartbeats ${beats}/min`;
      return recent < previous * 0.75 && beats < 5;
    };
    const until = Date.now() + 150_000;
    while (!(await fell()) && Date.now() < until) await new Promise((r) => setTimeout(r, 2000));
    assert.ok(await fell(), `the faults did not show in the logs: ${rates}`);

    const faulty = inspect(yesterdayDir);
    assert.strictEqual(faulty.status, 1, faulty.stderr);
    const failed = faulty.inspection.results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => `${key(r)}: ${r.status}`);
    assert.deepStrictEqual(failed.sort(), RULES.map((k) => `${k}: fail`).sort(), faulty.stderr);
    const f = byKey(faulty.inspection.results);
    const split = f.get('registry-meta-one-leader@registry-meta')!;
    assert.deepStrictEqual([split.value, /raftStatus=Leader: registry-meta-1, registry-meta-2/.test(split.message)], ['2 of 3 hosts raftStatus=Leader', true], split.message);
    // Each node's own health check still passes: only the rule over the hosts sees the split.
    for (const n of [1, 2, 3]) assert.strictEqual(f.get(`registry-meta-health@registry-meta-${n}`)?.status, 'pass');
    const beat = f.get('mq-broker-heartbeat-rate@msgbroker-1')!;
    assert.match(beat.message, /lines\/1m [0-5] < 6: yes/);
    assert.strictEqual(f.get('mq-broker-heartbeat-rate@msgbroker-2')?.status, 'pass', 'the other broker beats as before');
    assert.strictEqual(f.get('mq-msgbroker-ports@msgbroker-1')?.status, 'pass', 'its port stays up: only the rate shows it');
    const drop = f.get('microservice-scheduler-msg-sent-drop@antscheduler-1')!;
    assert.match(drop.message, /vs the same time yesterday \d+ \(-\d+%, alarm at -20%\): yes; .*vs the 5m before \d+ \(-\d+%, alarm at -20%\): yes; lines\/5m \d+ > 10: yes/, drop.message);
    assert.match(faulty.stderr, /FAIL {2}microservice\/microservice-scheduler-msg-sent-drop @ antscheduler-1: .*\[§2\.2\.1\.2\]\n {6}action: Message-based tasks send messages through MQ/);

    // Without yesterday's run the drop cannot be judged: ERROR (cannot tell), never PASS.
    const blind = byKey(inspect(noBaseline).inspection.results).get('microservice-scheduler-msg-sent-drop@antscheduler-1')!;
    assert.deepStrictEqual([blind.status, /cannot tell: .*the same time yesterday: no baseline/.test(blind.message)], ['error', true], blind.message);
  });
});
