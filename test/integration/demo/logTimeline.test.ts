/**
 * `sofa-ops logs timeline` and `logs grep` (built CLI) against the demo site with two injected
 * faults (drmdata push failures, dbp slow SQL): the timeline shows both faults on their hosts,
 * merged in time order, bursts collapsed with counts, and every row points at the file and line
 * that really holds it (checked with the real OpenSSH client on the container); the cross-host
 * grep's line numbers are the ones `grep -n` prints on each container.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { logTime } from '../../../src/demo/logFormat';
import { requireRoot } from '../fixtures/sshd';
import { BIN, demoDir, sleep, ssh, startDemo, type RunningDemo } from './demoProcess';

interface Row {
  time: string;
  host: string;
  file: string;
  line: number;
  severity: string;
  pattern: string;
  count: number;
  lastTime: string;
  lastLine: number;
  text: string;
}

function sofaLogs(demo: RunningDemo, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-demo-home-'));
  const r = spawnSync(process.execPath, [BIN, 'logs', ...args, '--inventory', demo.ready.inventory, '--known-hosts', demo.ready.knownHosts], {
    encoding: 'utf8',
    env: { ...process.env, HOME: home, SOFA_OPS_HOME: path.join(home, '.sofa-ops'), SSH_AUTH_SOCK: '', LANG: 'C' },
    timeout: 60_000,
    maxBuffer: 64 << 20,
  });
  fs.rmSync(home, { recursive: true, force: true });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('logs timeline and logs grep on the demo site (built CLI, injected faults)', function () {
  this.timeout(120_000);
  let demo: RunningDemo;
  let dir: string;
  let since: string;
  let until: string;

  before(async () => {
    requireRoot();
    assert.ok(fs.existsSync(path.resolve(__dirname, '../../../dist/demo-agent.js')), 'run `npm run build` first');
    dir = demoDir();
    const started = new Date(Date.now() - 2000);
    demo = await startDemo(dir, ['--faults', 'drmdata-push-failure,dbp-slow-sql']);
    // The faults write a line every few seconds; give them time to make bursts.
    await sleep(12_000);
    since = logTime(started);
    until = logTime(new Date(Date.now() - 1000));
  });
  after(async () => {
    await demo?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('merges both faults across their hosts by time, bursts collapsed, each row at its real file line', () => {
    const r = sofaLogs(demo, ['timeline', '--host', 'drmdata,dbp-proxy,registry-session', '--since', since, '--until', until, '--json']);
    assert.strictEqual(r.status, 0, r.stderr);
    const rows = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
    const hosts = new Set(rows.map((x) => x.host));
    assert.ok(hosts.has('drmdata-1') && hosts.has('dbp-proxy-1'), `hosts: ${[...hosts].join(', ')}\n${r.stdout}`);
    const times = rows.map((x) => x.time);
    assert.deepStrictEqual(times, [...times].sort(), 'rows are in time order');
    for (const x of rows) assert.ok(x.time >= since.replace(',', '.') && x.lastTime < until.replace(',', '.'), `${x.time} in the window`);
    // The push failures come as a burst of one pattern on one host: one row with its count.
    const push = rows.filter((x) => x.host === 'drmdata-1' && x.file.endsWith('drmdata-push.log'));
    assert.ok(push.some((x) => x.count > 1), JSON.stringify(push));
    const events = rows.reduce((n, x) => n + x.count, 0);
    assert.ok(rows.length < events, `${rows.length} rows for ${events} lines`);
    // Every row's first and last line are those lines on the container.
    for (const x of rows.filter((row) => row.host !== 'registry-session-1' && row.host !== 'registry-session-2')) {
      const got = ssh(demo, x.host, `sed -n '${x.line}p' '${x.file}'`);
      assert.strictEqual(got.stdout.replace(/\n$/, ''), x.text, `${x.host}:${x.file}:${x.line}`);
      if (x.count > 1) assert.ok(ssh(demo, x.host, `sed -n '${x.lastLine}p' '${x.file}'`).stdout.startsWith(x.lastTime.slice(0, 19)), `${x.file}:${x.lastLine} at ${x.lastTime}`);
    }
    const md = sofaLogs(demo, ['timeline', '--host', 'drmdata,dbp-proxy', '--since', since, '--until', until, '--md']);
    assert.strictEqual(md.status, 0, md.stderr);
    assert.match(md.stdout, /^# Incident timeline /);
    assert.match(md.stdout, /\| Time \| Host \| File:line \|/);
    assert.match(md.stdout, /\| drmdata-1 \| `\/[^`]*drmdata-push\.log:\d+` \|/);
    const human = sofaLogs(demo, ['timeline', '--host', 'drmdata', '--since', since, '--until', until]);
    assert.match(human.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} {2}drmdata-1 {2}\/\S*drmdata-push\.log:\d+ {2}\[\w+\] \S+ ×\d+ \(to \d\d:\d\d:\d\d\.\d{3}, line \d+\) → \S/m, human.stdout);
  });

  it('greps one log on several containers with the line numbers grep -n prints on each', () => {
    const r = sofaLogs(demo, ['grep', 'INFO', '--host', 'registry-session', '--log', 'registry-session.log', '--until', until, '--json']);
    assert.strictEqual(r.status, 0, r.stderr);
    const all = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { host: string; file: string; line?: number; text: string; matches?: number });
    const lines = all.filter((l): l is typeof l & { line: number } => l.line !== undefined);
    assert.deepStrictEqual(all.filter((l) => l.matches !== undefined).map((l) => [l.host, l.matches]), ['registry-session-1', 'registry-session-2'].map((h) => [h, lines.filter((l) => l.host === h).length]));
    const hosts = [...new Set(lines.map((l) => l.host))];
    assert.deepStrictEqual(hosts, ['registry-session-1', 'registry-session-2']);
    for (const host of hosts) {
      const mine = lines.filter((l) => l.host === host);
      const last = mine[mine.length - 1].line;
      // The log keeps growing: compare up to the last line we got.
      const theirs = ssh(demo, host, `grep -n -F INFO '${mine[0].file}' | awk -F: '$1 <= ${last}'`).stdout.split('\n').filter(Boolean);
      assert.deepStrictEqual(mine.map((l) => `${l.line}:${l.text}`), theirs);
    }
  });
});
