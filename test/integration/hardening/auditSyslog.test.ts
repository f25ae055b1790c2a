/**
 * The audit trail's off-host copy against a real rsyslog (Debian `rsyslog`): a private instance
 * with its own config (imtcp + imudp on loopback ports, written to a temp file with the fields
 * rsyslog parsed; no system service, no /dev/log). Each record must arrive once and parse as
 * RFC 5424 (rsyslog reports protocol-version 1 only for messages its RFC 5424 parser took), with
 * the local record as its MSG. A collector that is down must cost no local record, be reported
 * once, and not keep the process from exiting.
 */
import * as assert from 'assert';
import { type ChildProcess, spawn, spawnSync } from 'child_process';
import * as dgram from 'dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as net from 'net';
import { tmpdir } from 'os';
import * as path from 'path';
import { type AuditRecord, AuditTrail, verifyAuditTrail } from '../../../src/core/audit/auditTrail';

const RSYSLOGD = '/usr/sbin/rsyslogd';
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const bin = path.join(repoRoot, 'bin', 'sofa-ops.js');

/** A free loopback port of the given kind (bound, then released for rsyslog to take). */
async function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  if (kind === 'tcp') {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

interface Parsed {
  pri: number;
  version: string;
  timestamp: string;
  hostname: string;
  app: string;
  procid: string;
  msgid: string;
  sd: string;
  msg: string;
}

class Rsyslog {
  private constructor(
    readonly dir: string,
    readonly tcpPort: number,
    readonly udpPort: number,
    private readonly child: ChildProcess,
  ) {}

  static async start(): Promise<Rsyslog> {
    if (!existsSync(RSYSLOGD)) throw new Error(`the syslog test needs ${RSYSLOGD}: apt-get install -y rsyslog (and add it to .ci/run)`);
    const dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-rsyslog-'));
    const [tcpPort, udpPort] = [await freePort('tcp'), await freePort('udp')];
    // One field per tab: what rsyslog's parser made of each message.
    writeFileSync(path.join(dir, 'rsyslog.conf'), `global(workDirectory="${dir}" maxMessageSize="64k")
module(load="imtcp")
module(load="imudp")
input(type="imtcp" port="${tcpPort}" address="127.0.0.1")
input(type="imudp" port="${udpPort}" address="127.0.0.1")
template(name="fields" type="string" string="%pri%\\t%protocol-version%\\t%timereported:::date-rfc3339%\\t%hostname%\\t%app-name%\\t%procid%\\t%msgid%\\t%structured-data%\\t%msg%\\n")
*.* action(type="omfile" file="${dir}/received.log" template="fields")
`);
    const child = spawn(RSYSLOGD, ['-n', '-f', path.join(dir, 'rsyslog.conf'), '-i', path.join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'inherit', 'inherit'] });
    const r = new Rsyslog(dir, tcpPort, udpPort, child);
    // Ready when a probe sent over each input comes out (a readiness loop, not a clock margin).
    for (const protocol of ['tcp', 'udp'] as const) {
      const probe = `probe-${protocol}`;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`rsyslogd exited ${child.exitCode}`);
        try {
          await r.sendRaw(protocol, `<13>1 - - sofa-ops-test - ${probe} - ready`);
        } catch {
          // not listening yet
        }
        if (r.lines().some((l) => l.msgid === probe)) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    return r;
  }

  private sendRaw(protocol: 'tcp' | 'udp', message: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (protocol === 'udp') {
        const s = dgram.createSocket('udp4');
        s.send(message, this.udpPort, '127.0.0.1', (err) => {
          s.close();
          if (err) reject(err);
          else resolve();
        });
        return;
      }
      const s = net.connect(this.tcpPort, '127.0.0.1', () => s.end(`${Buffer.byteLength(message)} ${message}`));
      s.on('error', reject);
      s.on('close', () => resolve());
    });
  }

  lines(): Parsed[] {
    const file = path.join(this.dir, 'received.log');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
      const [pri, version, timestamp, hostname, app, procid, msgid, sd, ...msg] = line.split('\t');
      return { pri: Number(pri), version, timestamp, hostname, app, procid, msgid, sd, msg: msg.join('\t').replace(/^\uFEFF/, '') };
    });
  }

  /** The sofa-ops messages received, once `count` of them are there. */
  async received(count: number, trail: string): Promise<Parsed[]> {
    for (;;) {
      const ours = this.lines().filter((l) => l.app === 'sofa-ops' && l.sd.includes(`trail="${trail}"`));
      if (ours.length >= count) return ours;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const event = (i: number) => ({ kind: 'cell', cell: `步骤-${i}`, command: `echo "quote\\" ] back\\\\slash" ${i}`, results: [{ host: 'registry-meta-1', outcome: 'ok', exitCode: 0 }] });

/**
 * A separate process that appends `count` records (`record` is JS over `i`) to a trail forwarding to
 * `syslog`, and never calls close(): it must still exit by itself once its records are written.
 */
async function appendInChild(file: string, home: string, syslog: string, count: number, record: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `require('tsx/cjs');const {AuditTrail}=require(${JSON.stringify(path.join(repoRoot, 'src/core/audit/auditTrail.ts'))});
    const t=new AuditTrail(${JSON.stringify(file)},'sre@test',{home:${JSON.stringify(home)},syslog:${JSON.stringify(syslog)},onForwardError:(m)=>process.stderr.write('FORWARD: '+m+'\\n')});
    (async()=>{for(let i=1;i<=${count};i++)await t.append(${record});process.stdout.write('appended\\n');})();`;
  const child = spawn(process.execPath, ['-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

describe('audit records forwarded to a real rsyslog (RFC 5424, loopback)', function () {
  this.timeout(120_000);
  let rsyslog: Rsyslog;
  let dir: string;

  before(async () => {
    rsyslog = await Rsyslog.start();
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-audit-syslog-'));
  });
  after(async () => {
    await rsyslog?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const protocol of ['tcp', 'udp'] as const) {
    it(`sends each record over ${protocol.toUpperCase()}; rsyslog parses it as RFC 5424 with the local record as its message`, async () => {
      const file = path.join(dir, `${protocol}.jsonl`);
      const home = path.join(dir, 'home');
      const errors: string[] = [];
      const port = protocol === 'tcp' ? rsyslog.tcpPort : rsyslog.udpPort;
      const trail = new AuditTrail(file, 'sre@test', { home, syslog: `${protocol}://127.0.0.1:${port}`, onForwardError: (m) => errors.push(m) });
      for (let i = 1; i <= 3; i++) await trail.append(event(i));
      trail.close();
      const local = readFileSync(file, 'utf8').trim().split('\n');
      const got = await rsyslog.received(3, file);
      assert.strictEqual(got.length, 3, 'each record once');
      got.forEach((m, i) => {
        const record = JSON.parse(local[i]) as AuditRecord;
        assert.strictEqual(m.version, '1', 'parsed by the RFC 5424 parser');
        assert.deepStrictEqual([m.pri, m.app, m.procid, m.msgid], [13 * 8 + 5, 'sofa-ops', String(process.pid), 'cell']);
        assert.strictEqual(new Date(m.timestamp).toISOString(), record.at);
        assert.ok(m.sd.startsWith(`[sofaops@32473 seq="${record.seq}" hash="${record.hash}" kid="${record.kid}"`), m.sd);
        assert.strictEqual(m.msg, local[i], 'the message is the local record, byte for byte');
      });
      assert.deepStrictEqual(errors, []);
      assert.strictEqual((await verifyAuditTrail(file, { home })).ok, true);
    });
  }

  it('keeps every local record when the collector is down, reports it once, and lets the process exit by itself', async () => {
    const file = path.join(dir, 'down.jsonl');
    const home = path.join(dir, 'home');
    const closedPort = await freePort('tcp');
    const { code, stdout, stderr } = await appendInChild(file, home, `tcp://127.0.0.1:${closedPort}`, 5, "{kind:'cell',cell:'c'+i}");
    assert.strictEqual(code, 0, stderr);
    assert.strictEqual(stdout, 'appended\n');
    const reports = stderr.split('\n').filter((l) => l.startsWith('FORWARD: '));
    assert.strictEqual(reports.length, 1, stderr);
    assert.match(reports[0], new RegExp(`not reaching the syslog collector tcp://127\\.0\\.0\\.1:${closedPort}: .*ECONNREFUSED.*the local trail is complete`));
    const report = await verifyAuditTrail(file, { home });
    assert.deepStrictEqual([report.ok, report.records], [true, 5], JSON.stringify(report.problems));
  });

  it('does not hold up records nor the exit when the collector accepts but never reads (stalled)', async () => {
    const file = path.join(dir, 'stalled.jsonl');
    const home = path.join(dir, 'home');
    const held: net.Socket[] = [];
    const stalled = net.createServer((socket) => {
      socket.pause(); // never reads: the kernel buffers fill, then the sender's queue grows
      held.push(socket);
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const { port } = stalled.address() as net.AddressInfo;
    try {
      const { code, stdout, stderr } = await appendInChild(file, home, `tcp://127.0.0.1:${port}`, 1000, "{kind:'cell',note:'x'.repeat(10000)}");
      assert.deepStrictEqual([code, stdout], [0, 'appended\n'], stderr);
      assert.strictEqual(stderr.split('\n').filter((l) => l.startsWith('FORWARD: ')).length, 1, stderr);
      const report = await verifyAuditTrail(file, { home });
      assert.deepStrictEqual([report.ok, report.records], [true, 1000], JSON.stringify(report.problems.slice(0, 3)));
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => stalled.close(resolve));
    }
  });

  it('is what `sofa-ops run --audit-syslog` does (built CLI), and a malformed collector is a usage error', async () => {
    const w = mkdtempSync(path.join(dir, 'cli-'));
    writeFileSync(path.join(w, 'empty.runbook.md'), '# Nothing to run\n\nOnly text.\n');
    writeFileSync(path.join(w, 'inventory.yaml'), 'hosts:\n  - {name: h1, host: 127.0.0.1}\n');
    const trail = path.join(w, 'audit.jsonl');
    const env = { ...process.env, HOME: w, SOFA_OPS_HOME: path.join(w, '.sofa-ops') };
    const run = (...extra: string[]) => spawnSync(process.execPath, [bin, 'run', path.join(w, 'empty.runbook.md'), '--inventory', path.join(w, 'inventory.yaml'), '--audit', trail, ...extra], { encoding: 'utf8', env });
    const ok = run('--audit-syslog', `tcp://127.0.0.1:${rsyslog.tcpPort}`);
    assert.strictEqual(ok.status, 0, ok.stderr);
    const [got] = await rsyslog.received(1, trail);
    assert.deepStrictEqual([got.version, got.msgid, got.msg], ['1', 'run-start', readFileSync(trail, 'utf8').trim()]);
    const bad = run('--audit-syslog', 'syslog.example.com');
    assert.strictEqual(bad.status, 2);
    assert.match(bad.stderr, /syslog collector "syslog\.example\.com": expected tcp:\/\/HOST:PORT or udp:\/\/HOST:PORT/);
  });

  it('delivers the last records of a process that exits without close()', async () => {
    const file = path.join(dir, 'noclose.jsonl');
    const home = path.join(dir, 'home');
    const script = `require('tsx/cjs');const {AuditTrail}=require(${JSON.stringify(path.join(repoRoot, 'src/core/audit/auditTrail.ts'))});
      const t=new AuditTrail(${JSON.stringify(file)},'sre@test',{home:${JSON.stringify(home)},syslog:'tcp://127.0.0.1:${rsyslog.tcpPort}'});
      (async()=>{for(let i=1;i<=4;i++)await t.append({kind:'run-end',note:'n'+i});})();`;
    const child = spawn(process.execPath, ['-e', script], { cwd: repoRoot, stdio: 'inherit' });
    assert.strictEqual(await new Promise<number | null>((resolve) => child.on('exit', resolve)), 0);
    const got = await rsyslog.received(4, file);
    assert.deepStrictEqual(got.map((m) => (JSON.parse(m.msg) as AuditRecord).seq), [1, 2, 3, 4]);
  });
});
