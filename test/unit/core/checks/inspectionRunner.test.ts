/**
 * The runner end to end on this machine: the host script really runs in bash (so its sections,
 * markers and the catalog's commands are exercised), ports and HTTP go to real local listeners,
 * and an unreachable host comes back ERROR, never FAIL.
 */
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { Catalog, Check } from '../../../../src/core/catalog/types';
import { planInspection } from '../../../../src/core/checks/checkPlan';
import { buildHostScript, parseHostScript, remoteLogPath } from '../../../../src/core/checks/hostScript';
import { runInspection, type InspectionTransport } from '../../../../src/core/checks/inspectionRunner';
import type { ExecResult } from '../../../../src/core/ssh/remoteExec';
import { SshError } from '../../../../src/core/ssh/sshErrors';
import { bi, catalogWith, check, closedLoopbackPort, host } from './checkFixtures';



/** Runs the script in a local bash, as sshd would run `bash -s`. */
function localExec(command: string, stdin: string): Promise<ExecResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ outcome: code === 0 ? 'ok' : 'exit', exitCode: code, signal: null, stdout, stderr, stdoutDropped: 0, stderrDropped: 0, durationMs: Date.now() - started }));
    child.stdin.end(stdin);
  });
}

describe('inspection runner (local bash, local listeners)', function () {
  this.timeout(20_000);
  let dir: string;
  let server: http.Server;
  let httpPort: number;
  let closedPort: number;
  let body = '{"success":true}';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-inspect-'));
    fs.mkdirSync(path.join(dir, 'app'));
    fs.writeFileSync(path.join(dir, 'app', 'app.log'), ['ok 1', 'BOOM one', 'ok 2', 'BOOM two', 'ok 3'].join('\n') + '\n');
    server = http.createServer((_req, res) => res.end(body));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    httpPort = (server.address() as net.AddressInfo).port;
    closedPort = await closedLoopbackPort();
  });
  after(() => {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const transport = (down: Set<string> = new Set()): InspectionTransport => ({
    exec: async (h, command, options) => {
      if (down.has(h.name)) return { outcome: 'unreachable', exitCode: null, signal: null, stdout: '', stderr: '', stdoutDropped: 0, stderrDropped: 0, durationMs: 1, message: `${h.name} is unreachable: connect ECONNREFUSED` };
      assert.strictEqual(command, 'bash -s');
      return localExec(command, String(options.stdin));
    },
    forwarder: async (h) => {
      if (down.has(h.name)) throw new SshError('unreachable', h.name, `${h.name} is unreachable`);
      return (address, port) =>
        new Promise((resolve, reject) => {
          const socket = net.connect(port, address);
          socket.once('connect', () => resolve(socket));
          socket.once('error', reject);
        });
    },
  });

  function checks(): Check[] {
    return [
      check('cpu', { kind: 'resource', resource: 'cpu', threshold: { op: '>', value: 1000, unit: '%', text: bi('>1000%') } }),
      check('mem', { kind: 'resource', resource: 'memory', threshold: { op: '>', value: 1000, unit: '%', text: bi('x') } }),
      check('disk', { kind: 'resource', resource: 'disk', threshold: { op: '>', value: -1, unit: '%', text: bi('x') } }),
      check('load', { kind: 'resource', resource: 'load5', threshold: { op: '>', value: 1e6, text: bi('x') } }),
      check('listen', { command: "echo 'tcp6 0 0 :::9529 :::* LISTEN'", expect: { contains: 'LISTEN' } }),
      check('check-service', { command: "printf 'db: passed:true\\nmq: false\\n' | grep false", expect: { notContains: 'false' } }),
      check('missing-tool', { command: 'no-such-tool-xyz -an', expect: { contains: 'LISTEN' } }),
      check('proc-node', { kind: 'process', process: 'node' }),
      check('proc-none', { kind: 'process', process: 'no-such-process-xyz' }),
      check('log', { kind: 'log', log: { logId: 'app-log', pattern: 'boom', maxCount: 0, lastLines: 100 }, action: undefined }),
      check('ports', { kind: 'port', ports: [httpPort, closedPort] }),
      check('health', { kind: 'http', http: { port: httpPort, path: '/health/check', expectBody: '"success":true' } }),
      check('alive', { kind: 'composite', rule: 'majority-alive', components: ['other'] }),
      check('by-hand', { kind: 'manual' }),
    ];
  }

  it('judges every kind on a reachable host, with the measured value and the guide action for a FAIL', async () => {
    const catalog = catalogWith(checks());
    const plan = planInspection(catalog, [host('app-1', dir)]);
    const inspection = await runInspection(catalog, plan, transport());
    const by = new Map(inspection.results.map((r) => [r.checkId, r]));
    const status = (id: string) => by.get(id)?.status;
    assert.strictEqual(status('cpu'), 'pass');
    assert.match(by.get('cpu')!.value!, /^\d+(\.\d)?%$/);
    assert.strictEqual(status('mem'), 'pass');
    assert.strictEqual(status('disk'), 'fail');
    assert.match(by.get('disk')!.value!, /^\d+% \(\//);
    assert.deepStrictEqual(by.get('disk')!.action, bi('fix disk'));
    assert.strictEqual(status('load'), 'pass');
    assert.strictEqual(status('listen'), 'pass');
    assert.strictEqual(status('check-service'), 'fail');
    assert.match(by.get('check-service')!.message, /mq: false/);
    assert.strictEqual(status('missing-tool'), 'error', 'a command the host lacks could not check: ERROR, not FAIL');
    assert.strictEqual(status('proc-node'), 'pass');
    assert.strictEqual(status('proc-none'), 'fail');
    assert.strictEqual(status('log'), 'fail');
    assert.strictEqual(by.get('log')!.value, '2 of 5 lines');
    assert.deepStrictEqual(by.get('log')!.action, bi('pattern action'), 'no action on the check: the pattern\'s');
    assert.strictEqual(by.get('log')!.logId, 'app-log');
    assert.strictEqual(status('ports'), 'fail');
    assert.match(by.get('ports')!.value!, new RegExp(`^${closedPort}: .*refused`));
    assert.strictEqual(status('health'), 'pass');
    // "other" shares an alias with app (the same deployed app); a node whose own port or process
    // checks fail does not count as alive.
    assert.deepStrictEqual([status('alive'), by.get('alive')!.value, by.get('alive')!.host], ['fail', '0/1 alive', undefined]);
    assert.match(by.get('alive')!.message, /down: app-1/);
    assert.strictEqual(status('by-hand'), 'manual');
    assert.deepStrictEqual(inspection.hosts, ['app-1']);
  });

  it('FAILs a health check whose body says so, and one whose port is closed', async () => {
    body = '{"success":false,"message":"raftStatus:Candidate"}';
    try {
      const catalog = catalogWith([check('health', { kind: 'http', http: { port: httpPort, path: '/', expectBody: '"success":true' } }), check('closed', { kind: 'http', http: { port: closedPort, path: '/' } })]);
      const inspection = await runInspection(catalog, planInspection(catalog, [host('app-1', dir)]), transport());
      assert.deepStrictEqual(inspection.results.map((r) => [r.checkId, r.status, r.value]), [['health', 'fail', 'HTTP 200, success:false'], ['closed', 'fail', inspection.results[1].value]]);
    } finally {
      body = '{"success":true}';
    }
  });

  it('makes every check of an unreachable host ERROR, and the majority rule counts it as down', async () => {
    const catalog = catalogWith(checks().filter((c) => !['missing-tool', 'ports', 'proc-none'].includes(c.id)));
    const plan = planInspection(catalog, [host('app-1', dir), host('app-2', dir), host('app-3', dir)]);
    const inspection = await runInspection(catalog, plan, transport(new Set(['app-2', 'app-3'])));
    const onDown = inspection.results.filter((r) => r.host === 'app-2');
    assert.ok(onDown.length > 5);
    assert.ok(onDown.every((r) => r.status === 'error' && /unreachable/.test(r.message)), JSON.stringify(onDown.map((r) => [r.checkId, r.status])));
    const alive = inspection.results.find((r) => r.checkId === 'alive')!;
    assert.deepStrictEqual([alive.status, alive.value], ['fail', '1/3 alive']);
  });
});

describe('inspection runner: the rule model', function () {
  this.timeout(20_000);
  let dir: string;
  let server: http.Server;
  let httpPort: number;
  let leaders = 1;
  let answered = 0;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-rules-'));
    fs.mkdirSync(path.join(dir, 'app'));
    // Each host asking is one node: the first `leaders` to ask say Leader.
    server = http.createServer((_req, res) => res.end(`{"success":true,"message":"raftStatus:${answered++ < leaders ? 'Leader' : 'Follower'}"}`));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    httpPort = (server.address() as net.AddressInfo).port;
  });
  after(() => {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const transport: InspectionTransport = {
    exec: (_h, command, options) => localExec(command, String(options.stdin)),
    forwarder: async () => (address, port) =>
      new Promise((resolve, reject) => {
        const socket = net.connect(port, address);
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      }),
  };

  /** Heartbeat lines `every` seconds over the last five minutes, in this machine's local time (the host's clock here). */
  function writeBeats(every: number): void {
    const now = Date.now();
    const lines: string[] = [];
    for (let t = now - 300_000; t <= now - 1000; t += every * 1000) {
      const d = new Date(t);
      const p2 = (n: number) => String(n).padStart(2, '0');
      lines.push(`${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())},000 - heartbeat OK`);
    }
    fs.writeFileSync(path.join(dir, 'app', 'beat.log'), lines.join('\n') + '\n');
  }

  function rules(): Catalog {
    const catalog = catalogWith([
      check('beats', { kind: 'log', log: { logId: 'beat-log', pattern: 'heartbeat OK' }, condition: { window: '1m', op: '<', value: 6 } }),
      check('old-layout', { kind: 'process', process: 'no-such-legacy-app', appliesTo: [{ of: 'p', range: '<1.0' }] }),
      check('one-leader', { kind: 'composite', rule: 'count-hosts', http: { port: httpPort, path: '/health/check' }, condition: { hosts: { field: 'raftStatus', equals: 'Leader' }, op: '!=', value: 1 } }),
    ]);
    catalog.products[0].logs.push({ id: 'beat-log', section: '1.3', components: ['app'], name: 'beat.log', path: '/home/admin/logs/app/beat.log', records: bi('beats') });
    return catalog;
  }

  it('counts log lines per minute on the host\'s clock: 12 a minute pass, 3 a minute FAIL', async () => {
    const catalog = rules();
    for (const [every, want] of [[5, 'pass'], [20, 'fail']] as const) {
      writeBeats(every);
      const inspection = await runInspection(catalog, planInspection(catalog, [host('app-1', dir)]), transport);
      const r = inspection.results.find((x) => x.checkId === 'beats')!;
      assert.strictEqual(r.status, want, r.message);
      assert.match(r.value!, /^lines\/1m \d+$/);
      assert.ok(r.measured!['lines/1m'] >= (every === 5 ? 11 : 2) && r.measured!['lines/1m'] <= (every === 5 ? 12 : 3), JSON.stringify(r.measured));
    }
  });

  it('is N/A for a version the check is not written for; without versions it runs and says so', async () => {
    writeBeats(5);
    const catalog = rules();
    const modern = { ...host('app-1', dir), versions: { p: '2.0' } };
    const na = (await runInspection(catalog, planInspection(catalog, [modern]), transport)).results.find((x) => x.checkId === 'old-layout')!;
    assert.deepStrictEqual([na.status, na.message], ['na', 'does not apply: for p <1.0; this site runs p 2.0']);
    const unknown = (await runInspection(catalog, planInspection(catalog, [host('app-1', dir)]), transport)).results;
    const ran = unknown.find((x) => x.checkId === 'old-layout')!;
    assert.deepStrictEqual([ran.status, /applies to p <1\.0; the inventory gives no version, so it ran/.test(ran.message)], ['fail', true]);
    // Its missing process does not make the host's logs "not current".
    assert.strictEqual(unknown.find((x) => x.checkId === 'beats')!.status, 'pass');
  });

  it('counts the hosts of a component: one Leader passes, two FAIL and are named', async () => {
    const catalog = rules();
    const hosts = [host('app-1', dir), host('app-2', dir), host('app-3', dir)];
    for (const [n, want] of [[1, 'pass'], [2, 'fail']] as const) {
      leaders = n;
      answered = 0;
      const r = (await runInspection(catalog, planInspection(catalog, hosts), transport)).results.find((x) => x.checkId === 'one-leader')!;
      assert.deepStrictEqual([r.status, r.value, r.host], [want, `${n} of 3 hosts raftStatus=Leader`, undefined], r.message);
    }
  });
});

describe('host script', () => {
  it('keeps sections apart even when a command prints no newline or a fake marker', () => {
    const out = parseHostScript('\n@@t@@ cmd c0\nno newline\n@@t@@ rc c0 0\n\n@@t@@ cmd c1\n@@x@@ rc c1 9\n\n@@t@@ rc c1 1\n\n@@t@@ end\n', 't');
    assert.strictEqual(out.sections.get('cmd c0'), 'no newline');
    assert.strictEqual(out.sections.get('cmd c1'), '@@x@@ rc c1 9\n');
    assert.deepStrictEqual([...out.exitCodes], [['c0', 0], ['c1', 1]]);
    assert.ok(out.complete);
    assert.ok(!parseHostScript('\n@@t@@ cmd c0\npartial', 't').complete);
  });

  it('only samples the CPU when a resource check asks, so command-only hosts do not wait', () => {
    const script = buildHostScript({ resources: false, processes: false, logRoot: '/home/admin/logs', commands: [{ id: 'c0', command: "netstat -an | grep 'x'" }], logs: [] }, 'tok');
    assert.ok(!script.includes('sleep'));
    assert.ok(script.includes(`bash -c 'netstat -an | grep '\\''x'\\'''`));
  });

  it('finds logs under the host\'s log root when the inventory moves it', () => {
    assert.strictEqual(remoteLogPath('/home/admin/logs/drmdata/push.log', '/home/admin/logs'), '/home/admin/logs/drmdata/push.log');
    assert.strictEqual(remoteLogPath('/home/admin/logs/drmdata/push.log', '/data/my logs'), "'/data/my logs/drmdata/push.log'");
    assert.strictEqual(remoteLogPath('logs/auth-audit.log', '/data/logs'), '/data/logs/auth-audit.log');
    assert.strictEqual(remoteLogPath('~/logs/a.log', '/home/admin/logs'), '"$HOME"/logs/a.log');
  });
});
