/**
 * Checks fail closed: a check whose service is down, whose command could not connect or run, or
 * which has nothing to judge is FAIL or ERROR, never PASS. The command rules as a table, then the
 * runner over a real local bash (curl and nc against a closed port) and over crafted host output.
 */
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { Check } from '../../../../src/core/catalog/types';
import { planInspection } from '../../../../src/core/checks/checkPlan';
import { connectError, judgeCommand, missingTool } from '../../../../src/core/checks/conditions';
import { runInspection, type InspectionTransport } from '../../../../src/core/checks/inspectionRunner';
import type { ExecResult } from '../../../../src/core/ssh/remoteExec';
import { bi, catalogWith, check, host } from './checkFixtures';



function result(stdout: string, code = 0): ExecResult {
  return { outcome: code === 0 ? 'ok' : 'exit', exitCode: code, signal: null, stdout, stderr: '', stdoutDropped: 0, stderrDropped: 0, durationMs: 1 };
}

function localBash(stdin: string): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-s'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    child.on('close', (code) => resolve(result(stdout, code ?? 1)));
    child.stdin.end(stdin);
  });
}

/** A forwarder over real local TCP (as the container's sshd would open it). */
const localForward = async () => (address: string, port: number) =>
  new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect(port, address);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });

describe('checks fail closed: the command rules', () => {
  const T = 10;
  const curl7 = "curl: (7) Failed to connect to 127.0.0.1 port 9500 after 0 ms: Couldn't connect to server\n";

  it('a curl that cannot connect is FAIL even when the expectation is only "no false"', () => {
    // The guide's `curl 127.0.0.1:9500/checkService | grep false`: grep exits 1, curl's error is all there is.
    const j = judgeCommand({ notContains: 'false' }, curl7, 1, T);
    assert.deepStrictEqual([j.status, j.value], ['fail', 'cannot connect']);
    assert.match(j.message, /could not connect \(exit 1\): curl: \(7\) Failed to connect/);
    assert.strictEqual(judgeCommand({ notContains: 'false' }, 'curl: (28) Connection timed out after 5001 milliseconds\n', 28, T).status, 'fail');
    assert.strictEqual(judgeCommand({ notContains: 'false' }, 'curl: (52) Empty reply from server\n', 52, T).status, 'fail');
    assert.strictEqual(judgeCommand(undefined, 'nc: connect to 127.0.0.1 port 9529 (tcp) failed: Connection refused\n', 1, T).status, 'fail');
    assert.strictEqual(judgeCommand({ contains: 'x' }, 'telnet: Unable to connect to remote host: Connection refused\n', 1, T).status, 'fail');
  });

  it('no output never meets an expectation, a negative one included', () => {
    for (const expect of [{ notContains: 'false' }, { contains: 'LISTEN' }, { regex: '.*' }]) {
      const j = judgeCommand(expect, '', 1, T);
      assert.strictEqual(j.status, 'fail', JSON.stringify(expect));
      assert.match(j.message, /^no output \(exit 1\)/);
      assert.strictEqual(judgeCommand(expect, ' \n\n', 0, T).status, 'fail', 'blank lines are no output');
    }
  });

  it('a command that could not run is ERROR: timeout, exit 126/127, a tool the host lacks', () => {
    assert.deepStrictEqual([judgeCommand({ contains: 'x' }, '', 124, T).status, judgeCommand({ contains: 'x' }, '', 124, T).message], ['error', 'timed out after 10 s']);
    assert.strictEqual(judgeCommand({ contains: 'x' }, 'bash: line 1: /opt/x: Permission denied\n', 126, T).status, 'error');
    assert.strictEqual(judgeCommand(undefined, 'bash: line 1: foo: command not found\n', 127, T).status, 'error');
    // In a pipeline the exit code is grep's: the missing tool is seen in the output.
    const piped = judgeCommand({ notContains: 'false' }, 'bash: line 1: netstat: command not found\n', 1, T);
    assert.deepStrictEqual([piped.status, piped.message], ['error', 'cannot run on the host: netstat is not installed there (bash: line 1: netstat: command not found)']);
    assert.strictEqual(missingTool('sh: 1: netstat: not found\n'), 'netstat');
    assert.strictEqual(missingTool('config: not found\n'), undefined, 'an answer that says "not found" is data, not a missing tool');
  });

  it('passes only what is there: the answer holds no "false", the LISTEN line is present, exit 0 without an expectation', () => {
    assert.strictEqual(judgeCommand({ notContains: 'false' }, 'db: passed:true\nmq: passed:true\n', 0, T).status, 'pass');
    assert.strictEqual(judgeCommand({ notContains: 'false' }, 'db: passed:true\nmq: passed:false\n', 0, T).status, 'fail');
    assert.strictEqual(judgeCommand({ regex: '[:.]9529\\s[^\\n]*LISTEN' }, 'tcp6 0 0 :::9529 :::* LISTEN\n', 0, T).status, 'pass');
    assert.strictEqual(judgeCommand({ regex: '[:.]80\\s[^\\n]*LISTEN' }, 'tcp 0 0 0.0.0.0:8080 0.0.0.0:* LISTEN\n', 0, T).status, 'fail', 'port 8080 is not port 80');
    assert.strictEqual(judgeCommand(undefined, '', 0, T).status, 'pass');
    assert.strictEqual(judgeCommand(undefined, 'x\n', 3, T).status, 'fail');
    assert.strictEqual(connectError('tcp 0 0 127.0.0.1:9003 127.0.0.1:41000 ESTABLISHED\n'), undefined);
  });
});

describe('checks fail closed: the runner', function () {
  this.timeout(20_000);
  let dir: string;
  let closedPort: number;
  let server: http.Server;
  let httpPort: number;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-failclosed-'));
    fs.mkdirSync(path.join(dir, 'app'));
    fs.writeFileSync(path.join(dir, 'app', 'app.log'), 'ok 1\nok 2\n');
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    server = http.createServer((_req, res) => res.writeHead(404).end('{"status":404}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    httpPort = (server.address() as net.AddressInfo).port;
  });
  after(() => {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const local: InspectionTransport = { exec: (_h, _c, o) => localBash(String(o.stdin)), forwarder: localForward };

  async function run(checks: Check[], transport: InspectionTransport = local) {
    const catalog = catalogWith(checks);
    const inspection = await runInspection(catalog, planInspection(catalog, [host('app-1', dir)]), transport);
    return new Map(inspection.results.map((r) => [r.checkId, r]));
  }

  it('FAILs the guide\'s curl | grep false and nc -z against a port nothing listens on (real bash, real curl)', async () => {
    const by = await run([
      check('check-service', { command: `curl 127.0.0.1:${closedPort}/checkService | grep false`, expect: { notContains: 'false' } }),
      check('check-service-quiet', { command: `curl -sS 127.0.0.1:${closedPort}/checkService`, expect: { notContains: 'false' } }),
      check('nc', { command: `nc -z 127.0.0.1 ${closedPort}` }),
      // A grep that finds nothing: a listener on the closed port (a bare port number also matched
      // other sockets' ports and addresses now and then, which made this check pass).
      check('grep-nothing', { command: `netstat -an | grep -E '127\\.0\\.0\\.1:${closedPort}[[:space:]].*LISTEN'`, expect: { notContains: 'CLOSE_WAIT' } }),
    ]);
    for (const id of ['check-service', 'check-service-quiet']) {
      assert.strictEqual(by.get(id)!.status, 'fail', `${id}: ${by.get(id)!.message}`);
      assert.match(by.get(id)!.message, /could not connect .*curl: \(7\)/);
      assert.deepStrictEqual(by.get(id)!.action, bi(`fix ${id}`));
    }
    assert.strictEqual(by.get('nc')!.status, 'fail', by.get('nc')!.message);
    assert.strictEqual(by.get('grep-nothing')!.status, 'fail', 'no line at all is no evidence that nothing is wrong');
  });

  it('ERRORs a port check without ports and a process check without a name or without a working ps', async () => {
    const by = await run([check('no-ports', { kind: 'port', ports: [] }), check('no-name', { kind: 'process', process: ' ' })]);
    assert.deepStrictEqual([by.get('no-ports')!.status, by.get('no-ports')!.message], ['error', 'the check names no port']);
    assert.deepStrictEqual([by.get('no-name')!.status, by.get('no-name')!.message], ['error', 'the check names no process']);
    const noPs: InspectionTransport = {
      exec: async (_h, _c, o) => {
        const token = /^T=(\w+)/m.exec(String(o.stdin))![1];
        return result(`\n@@${token}@@ ps\nbash: line 3: ps: command not found\n\n@@${token}@@ end\n`);
      },
      forwarder: localForward,
    };
    const ps = (await run([check('java', { kind: 'process', process: 'java' })], noPs)).get('java')!;
    assert.deepStrictEqual([ps.status, ps.message], ['error', 'cannot list processes: ps is not installed there']);
  });

  it('ERRORs a CPU check whose counters stand still between the two samples (no measurement is not 0%)', async () => {
    const frozen: InspectionTransport = {
      exec: async (_h, _c, o) => {
        const token = /^T=(\w+)/m.exec(String(o.stdin))![1];
        const stat = 'cpu  45073 0 14016 481431 703 0 0 0 0 0\n';
        return result(`\n@@${token}@@ stat1\n${stat}\n@@${token}@@ stat2\n${stat}\n@@${token}@@ end\n`);
      },
      forwarder: localForward,
    };
    const cpu = (await run([check('cpu', { kind: 'resource', resource: 'cpu', threshold: { op: '>', value: 80, unit: '%', text: bi('> 80%') } })], frozen)).get('cpu')!;
    assert.deepStrictEqual([cpu.status, cpu.message], ['error', 'the CPU counters of /proc/stat did not move in 1 s']);
  });

  it('makes a clean log check ERROR when the host\'s service is down (port, process, HTTP or a liveness command failed)', async () => {
    const log = check('errors', { kind: 'log', log: { logId: 'app-log', pattern: 'boom', maxCount: 0 } });
    const up = await run([log, check('port', { kind: 'port', ports: [httpPort] })]);
    assert.strictEqual(up.get('errors')!.status, 'pass', 'service up: the clean log passes');
    const down = await run([log, check('port', { kind: 'port', ports: [closedPort] })]);
    assert.strictEqual(down.get('errors')!.status, 'error');
    assert.match(down.get('errors')!.message, new RegExp(`^no "BOOM", but the service is down here \\(port: not listening: ${closedPort}: .*\\): the log is not current$`));
    assert.strictEqual(down.get('errors')!.action, undefined);
    const process = await run([log, check('proc', { kind: 'process', process: 'no-such-process-xyz' })]);
    assert.strictEqual(process.get('errors')!.status, 'error');
    const noHttp = await run([log, check('health', { kind: 'http', http: { port: closedPort, path: '/health/check' } })]);
    assert.strictEqual(noHttp.get('errors')!.status, 'error');
    const liveness = await run([log, check('listen', { command: 'true', liveness: true, expect: { regex: 'LISTEN' } })]);
    assert.strictEqual(liveness.get('errors')!.status, 'error');
    // An HTTP check that got an answer, and a command that is not about the service itself, leave the log alone.
    const other = await run([log, check('health', { kind: 'http', http: { port: httpPort, path: '/' } }), check('peer', { command: 'true', expect: { regex: 'ESTABLISHED' } })]);
    assert.deepStrictEqual([other.get('health')!.status, other.get('peer')!.status, other.get('errors')!.status], ['fail', 'fail', 'pass']);
  });

  it('FAILs the OSP address rule when OSP does not answer, ERRORs it when OSP cannot be reached, leaves it to the console when OSP answers without a list', async () => {
    const osp = [check('addresses', { kind: 'composite', rule: 'at-least-two-per-service' })];
    const refused: InspectionTransport = { exec: local.exec, forwarder: async () => () => Promise.reject(new Error('(SSH) Channel open failure: Connection refused')) };
    const down = (await run(osp, refused)).get('addresses')!;
    assert.deepStrictEqual([down.status, down.message], ['fail', 'OSP gives no answer on :80 (app-1: connection refused)']);
    const unreachable: InspectionTransport = { exec: local.exec, forwarder: () => Promise.reject(new Error('app-1 is unreachable')) };
    assert.strictEqual((await run(osp, unreachable)).get('addresses')!.status, 'error');
    const answers: InspectionTransport = { exec: local.exec, forwarder: async () => { const f = await localForward(); return (a: string) => f(a, httpPort); } };
    assert.strictEqual((await run(osp, answers)).get('addresses')!.status, 'manual');
  });
});
