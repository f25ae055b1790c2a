/**
 * `sofa-ops demo` as a user runs it: the built CLI starts the site (as an unprivileged user), and
 * the real OpenSSH client and `sofa-ops exec` work against it with host key checking strict.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'ssh2';
import { parse } from 'yaml';
import { requireRoot } from '../fixtures/sshd';
import { demoDir, eventually, runDemoCli, sleep, ssh, sofaExec, startDemo, TEST_SUBNET, type RunningDemo } from './demoProcess';

const REPO = path.resolve(__dirname, '../../..');
const SUBNET_RE = TEST_SUBNET.replace(/\./g, '\\.');

/** Every catalog component at the guide's instance counts (names stay stable: e2e and tests use them). */
const CONTAINERS = [
  'registry-meta-1', 'registry-meta-2', 'registry-meta-3', 'registry-data-1', 'registry-data-2', 'registry-data-3',
  'registry-session-1', 'registry-session-2', 'drmdata-1', 'drmdata-2', 'antscheduler-1', 'antscheduler-2',
  'dsrconsole-1', 'dsrconsole-2', 'dsrconsole-db-1', 'antschedulerconsole-1', 'ddsconsole-1', 'ddsconsole-2',
  'msgbroker-1', 'msgbroker-2', 'msgbroker-3', 'msgbroker-4', 'msgconsole-1', 'msgconsole-2', 'msgdb-1', 'msgdb-2', 'confdb-1',
  'dtxserver-1', 'dtxserver-2', 'dtxconsole-1', 'dtxconsole-2', 'dtxdb-1',
  'dstweb-1', 'dstweb-2', 'dstweb-3', 'dstweb-4', 'dstcollector-1', 'dstconsole-1', 'accatracecloud-db-1',
  'dbp-proxy-1', 'dbp-proxy-2', 'dbp-console-1', 'dbp-console-2', 'acvip-1', 'acvip-2', 'acvip-metadata-rds-1',
  'osp-1', 'intelliproxy-1', 'portal-1', 'physical-host-1', 'physical-host-2',
];

function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

function netns(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

describe('sofa-ops demo (built CLI, real OpenSSH)', function () {
  this.timeout(60_000);
  let demo: RunningDemo;
  let dir: string;

  before(async () => {
    requireRoot();
    assert.ok(fs.existsSync(path.resolve(__dirname, '../../../dist/demo-agent.js')), 'run `npm run build` first');
    dir = demoDir();
    demo = await startDemo(dir);
  });
  after(async () => {
    await demo?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is ready with every container, and writes a workspace for it', () => {
    assert.deepStrictEqual(demo.ready.hosts.map((h) => h.name), CONTAINERS);
    assert.strictEqual(demo.ready.isolation, 'namespaces');
    const inventory = parse(fs.readFileSync(path.join(dir, 'sofa-ops.inventory.yaml'), 'utf8')) as { defaults: Record<string, unknown>; products: Record<string, Record<string, { name: string; host: string }[]>> };
    // The versions it plays decide which checks apply (ACVIP < 0.7.0's are N/A).
    assert.deepStrictEqual(inventory.defaults, { port: 2022, user: 'admin', identityFile: path.join(dir, 'id_ed25519'), versions: { antstack: '1.2', registry: '1.5.3', acvip: '0.7.2' } });
    assert.deepStrictEqual(inventory.products.registry['registry-meta'].map((h) => [h.name, h.host]), [['registry-meta-1', `${TEST_SUBNET}.1`], ['registry-meta-2', `${TEST_SUBNET}.2`], ['registry-meta-3', `${TEST_SUBNET}.3`]]);
    assert.strictEqual(fs.statSync(path.join(dir, 'id_ed25519')).mode & 0o777, 0o600);
    const known = fs.readFileSync(path.join(dir, 'known_hosts'), 'utf8');
    assert.match(known, new RegExp(`^\\[${SUBNET_RE}\\.17\\]:2022 ssh-ed25519 AAAA\\S+$`, 'm'));
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(path.join(dir, '.vscode/settings.json'), 'utf8'))['sofaOps.ssh.knownHostsFiles'], ['known_hosts']);
    assert.match(fs.readFileSync(path.join(dir, 'README.md'), 'utf8'), /msgbroker-9529-down/);
  });

  it('answers OpenSSH with its pinned host key, and is refused with an empty known_hosts', () => {
    const ok = ssh(demo, 'registry-meta-1', 'hostname');
    assert.strictEqual(ok.status, 0, ok.stderr);
    assert.strictEqual(ok.stdout, 'registry-meta-1\n');
    const empty = path.join(dir, 'empty_known_hosts');
    fs.writeFileSync(empty, '');
    const refused = ssh(demo, 'registry-meta-1', 'hostname', { knownHosts: empty });
    assert.strictEqual(refused.status, 255);
    assert.match(refused.stderr, /Host key verification failed/);
  });

  it('runs `sofa-ops exec` on every container, each in its own namespace with its own hostname', () => {
    const r = sofaExec(demo, ['--target', 'all', '--json', '--', 'echo $(hostname) $(readlink /proc/1/ns/net)']);
    assert.strictEqual(r.status, 0, r.stderr);
    const results = JSON.parse(r.stdout) as { name: string; outcome: string; stdout: string }[];
    assert.deepStrictEqual(results.map((x) => [x.name, x.outcome, x.stdout.split(' ')[0]]), CONTAINERS.map((n) => [n, 'ok', n]));
    assert.strictEqual(new Set(results.map((x) => x.stdout.split(' ')[1])).size, CONTAINERS.length, 'one network namespace per container');
  });

  it('serves each meta node its own health check on localhost:9615, as the guide curls it', () => {
    const meta2 = ssh(demo, 'registry-meta-2', 'curl -s localhost:9615/health/check');
    assert.strictEqual(meta2.status, 0, meta2.stderr);
    const health = JSON.parse(meta2.stdout) as { success: boolean; message: string };
    assert.strictEqual(health.success, true);
    assert.match(health.message, /raftStatus:Follower/);
    assert.match(ssh(demo, 'registry-meta-1', 'curl -s http://localhost:9615/health/check').stdout, /"success":true.*raftStatus:Leader/);
    assert.match(ssh(demo, 'registry-data-2', 'curl -s http://localhost:9622/health/check').stdout, /"success":true/);
    assert.match(ssh(demo, 'registry-session-1', 'curl -s http://localhost:9603/health/check').stdout, /"success":true/);
    assert.match(ssh(demo, 'osp-1', 'curl -s 127.0.0.1:8080/health/readiness').stdout, /"status":"UP"/);
    const check = ssh(demo, 'msgconsole-1', 'curl -s 127.0.0.1:9500/checkService; echo "grep false: $(curl -s 127.0.0.1:9500/checkService | grep -c false)"');
    assert.match(check.stdout, /passed:true/);
    assert.match(check.stdout, /grep false: 0/);
  });

  it('shares the push switch across meta nodes and takes a peer change', () => {
    assert.match(ssh(demo, 'registry-meta-1', 'curl -s http://localhost:9615/stopPushDataSwitch/open').stdout, /"success":true/);
    assert.strictEqual(ssh(demo, 'registry-meta-3', 'curl -s http://localhost:9615/digest/pushSwitch').stdout, '{"pushSwitch":"closed"}');
    ssh(demo, 'registry-meta-2', 'curl -s http://localhost:9615/stopPushDataSwitch/close');
    assert.strictEqual(ssh(demo, 'registry-meta-1', 'curl -s http://localhost:9615/digest/pushSwitch').stdout, '{"pushSwitch":"open"}');

    const change = ssh(demo, 'registry-meta-1', `curl -s -X POST "http://localhost:9615/manage/changePeer" -d "dataCenter=DefaultDataCenter&ipAddressList=${TEST_SUBNET}.1,${TEST_SUBNET}.2,${TEST_SUBNET}.3"`);
    assert.match(change.stdout, /"success":true/);
    assert.match(ssh(demo, 'registry-meta-1', 'curl -s -X POST http://localhost:9615/manage/changePeer -d dataCenter=DefaultDataCenter').stdout, /"success":false.*ipAddressList/);
  });

  it('shows the application as java in ps, and its own sockets in netstat', () => {
    const ps = ssh(demo, 'registry-meta-2', 'ps -ef | grep java | grep -v grep');
    assert.match(ps.stdout, /java .*-Dapp\.name=registry-meta /);
    assert.strictEqual(ps.stdout.trim().split('\n').length, 1, 'only this container\'s processes');
    assert.match(ssh(demo, 'registry-session-1', 'netstat -an | grep 9600').stdout, /:9600\s+\S+\s+LISTEN/);
    assert.doesNotMatch(ssh(demo, 'registry-meta-1', 'netstat -an | grep LISTEN').stdout, /:9600\s/, 'a meta node does not listen on the session port');
    // The guide's checks of outgoing connections: dtxserver → acvip 9003 and registry session 9600.
    const dtx = ssh(demo, 'dtxserver-1', 'netstat -an | grep 9003; netstat -an | grep 9600').stdout;
    const re = (name: string, port: number) => new RegExp(`${demo.address(name).replace(/\./g, '\\.')}:${port}\\s+ESTABLISHED`);
    assert.match(dtx, re('acvip-1', 9003));
    assert.match(dtx, re('registry-session-1', 9600));
    assert.match(ssh(demo, 'antscheduler-1', 'netstat -an|grep 9529').stdout, /9529\s+ESTABLISHED/);
  });

  it('shows each container its own load, CPU and memory, not this machine\'s (as LXCFS does)', () => {
    // The demo dir is under /tmp, which each container replaces with its own: the views must still be there.
    assert.ok(dir.startsWith(os.tmpdir()));
    for (const name of ['registry-meta-1', 'msgbroker-2']) {
      const view = (file: string) => fs.readFileSync(path.join(dir, '.demo/containers', name, 'proc', file), 'utf8');
      const before = view('loadavg');
      const seen = ssh(demo, name, 'cat /proc/loadavg; grep MemTotal /proc/meminfo; head -n 1 /proc/stat').stdout.split('\n');
      assert.ok([before, view('loadavg')].includes(`${seen[0]}\n`), `${name} sees ${seen[0]}, its view says ${before}`);
      assert.strictEqual(seen[1], view('meminfo').split('\n').find((l) => l.startsWith('MemTotal')));
      assert.match(seen[2], /^cpu\s+\d+/);
    }
  });

  it('keeps the logs at the guide\'s paths growing in the guide\'s formats', async () => {
    const file = '/home/admin/logs/msgbroker-receive-digest.log';
    const size = () => Number(ssh(demo, 'msgbroker-1', `stat -c %s ${file}`).stdout);
    const before = size();
    assert.ok(before > 0, 'history is there from the start');
    assert.ok(await eventually(() => size() > before, 8000), `${file} grows`);
    const tail = ssh(demo, 'msgbroker-1', `tail -n 1 ${file}; tail -n 1 /home/admin/logs/msgbroker-ha-heartbeat.log`).stdout.split('\n');
    assert.match(tail[0], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - \[\([^,]*,[^,]*,Y,.*\)\]$/);
    assert.match(tail[1], new RegExp(`ServerHAHeartbeat result \\[OK\\] meta \\[ServerHAHeartbeatMeta\\[hostname=msgbroker-1,ip=${demo.address('msgbroker-1').replace(/\./g, '\\.')}\\]\\]`));
    assert.match(ssh(demo, 'drmdata-1', 'tail -n 1 /home/admin/logs/drmdata/drmdata-heartbeat.log').stdout, /\sY;\d+ms;[^;]*;[^;]*;[^;]*;\d+;0;bolt\n$/);
    assert.match(ssh(demo, 'dbp-proxy-1', 'less /home/admin/logs/zdalproxy/startup.log').stdout, /CobarServer is started and listening on 8066/);
  });

  it('stops a remote command\'s process group on cancel (signal request after EOF)', () => {
    const r = sofaExec(demo, ['--target', 'acvip-1', '--timeout', '1', '--', 'sleep 300 | cat']);
    assert.strictEqual(r.status, 1);
    assert.match(r.stdout, /timed out after 1000 ms on acvip-1; the remote command was stopped/);
    assert.strictEqual(ssh(demo, 'acvip-1', 'pgrep -c sleep').stdout.trim(), '0');
  });

  it('gives shells a PTY that follows window changes, and exit codes and signals back', async () => {
    assert.strictEqual(ssh(demo, 'osp-1', 'exit 7').status, 7);
    const out = await new Promise<string>((resolve, reject) => {
      const client = new Client();
      client
        .on('ready', () => {
          client.shell({ rows: 24, cols: 80, term: 'xterm' }, (err, channel) => {
            if (err) return reject(err);
            let text = '';
            channel.on('data', (d: Buffer) => (text += d.toString()));
            channel.write('tty; stty size\n');
            setTimeout(() => channel.setWindow(50, 132, 0, 0), 700);
            setTimeout(() => channel.write('stty size; exit 3\n'), 1200);
            channel.on('exit', (code: number) => (text += `\nEXIT ${code}\n`));
            channel.on('close', () => {
              client.end();
              resolve(text.replace(/\r/g, ''));
            });
          });
        })
        .on('error', reject)
        .connect({ host: demo.address('osp-1'), port: 2022, username: 'admin', privateKey: fs.readFileSync(demo.ready.identityFile), hostVerifier: () => true });
    });
    assert.match(out, /\/dev\/pts\/\d+\n24 80\n/);
    assert.match(out, /50 132\n/);
    assert.match(out, /EXIT 3/);
  });

  it('forwards a port check (direct-tcpip) to the container\'s own port', () => {
    const r = ssh(demo, 'registry-meta-2', '', { extra: ['-W', 'localhost:9615'], input: 'GET /health/check HTTP/1.0\r\nHost: localhost\r\n\r\n' });
    assert.match(r.stdout, /^HTTP\/1\.1 200 OK/);
    assert.match(r.stdout, /raftStatus:Follower/);
  });

  it('injects faults while running: msgbroker 9529 down, meta leader lost, disk full', async () => {
    const faults = path.join(dir, '.demo/faults');
    fs.writeFileSync(faults, 'msgbroker-9529-down,meta-leader-lost,disk-full@registry-data-2\n');
    assert.ok(await eventually(() => !/LISTEN/.test(ssh(demo, 'msgbroker-1', 'netstat -an | grep 9529').stdout)), '9529 stops listening');
    assert.doesNotMatch(ssh(demo, 'antscheduler-1', 'netstat -an|grep 9529').stdout, /ESTABLISHED/);
    assert.match(ssh(demo, 'msgconsole-1', 'curl -s 127.0.0.1:9500/checkService | grep false').stdout, /msgbroker-1 .*passed:false/);
    const meta1 = ssh(demo, 'registry-meta-1', 'curl -s -w " %{http_code}" localhost:9615/health/check').stdout;
    assert.match(meta1, /"success":false.*raftStatus:Candidate.* 500$/);
    assert.match(ssh(demo, 'registry-meta-2', 'curl -s localhost:9615/health/check').stdout, /raftStatus:Leader/);
    assert.match(ssh(demo, 'registry-data-2', 'df -P /').stdout, /\s93%\s+\/\n/);
    assert.doesNotMatch(ssh(demo, 'registry-data-1', 'df -P /').stdout, /\s93%\s/);
    // §2.2.2.1: in /home/admin/logs/common-error.log, not in the antscheduler folder's error log.
    assert.ok(await eventually(() => /no available connection/.test(ssh(demo, 'antscheduler-1', 'cat /home/admin/logs/common-error.log').stdout), 15_000));
    assert.doesNotMatch(ssh(demo, 'antscheduler-1', 'cat /home/admin/logs/antscheduler/common-error.log').stdout, /no available connection/);

    fs.writeFileSync(faults, '\n');
    assert.ok(await eventually(() => /LISTEN/.test(ssh(demo, 'msgbroker-1', 'netstat -an | grep 9529').stdout)), '9529 listens again');
    assert.match(ssh(demo, 'registry-meta-1', 'curl -s localhost:9615/health/check').stdout, /raftStatus:Leader/);
  });

  it('runs the chapters that had no host: consoles, OSP addresses, DST, real databases, a physical host, and their faults', async () => {
    // §9.5.2: every service at least two addresses on the healthy site.
    const addresses = (service: string) => (JSON.parse(ssh(demo, 'osp-1', `curl -s localhost/api/admin/services/${service}/addresses`).stdout) as { data: string[] }).data;
    for (const service of ['ms', 'mq', 'dds']) assert.ok(addresses(service).length >= 2, `${service}: ${addresses(service).join(', ')}`);
    assert.deepStrictEqual(addresses('mq'), [`${demo.address('msgconsole-1')}:80`, `${demo.address('msgconsole-2')}:80`]);
    // §6.5.2 on each DST app, §8.3 checkService, §9.5.2 Intelliproxy and Portal pages.
    for (const name of ['dstweb-4', 'dstcollector-1', 'dstconsole-1']) {
      assert.match(ssh(demo, name, 'curl -s 127.0.0.1:8080/health/readiness').stdout, /"status":"UP"/, name);
      assert.match(ssh(demo, name, 'netstat -an|grep 12200').stdout, /:12200\s+\S+\s+LISTEN/, name);
    }
    assert.strictEqual(ssh(demo, 'dbp-console-2', 'curl -s 127.0.0.1:9500/checkService | grep -c false').stdout.trim(), '0');
    assert.match(ssh(demo, 'portal-1', 'curl -s localhost/').stdout, /<title>PORTAL-portal<\/title>/);
    assert.match(ssh(demo, 'intelliproxy-1', 'curl -s localhost/').stdout, /INTELLIPROXY-intelliproxy/);
    const mariadb = demo.ready.databases === 'mariadb';
    if (mariadb) {
      // A real MariaDB behind the RDS container's 3306: its own database, with its own account.
      assert.match(ssh(demo, 'msgdb-2', 'mysql -N -e "select database(), @@version_comment"').stdout, /^msgdb\t.*(Debian|MariaDB)/);
      assert.match(ssh(demo, 'ddsconsole-1', 'curl -s localhost/physical-datasource').stdout, /<td>trade_00<\/td>/);
    }
    // §11.2: kubelet is active on a healthy host.
    assert.match(ssh(demo, 'physical-host-1', 'service kubelet status').stdout, /Active:\s*active \(running\)/);

    const faults = path.join(dir, '.demo/faults');
    fs.writeFileSync(faults, 'osp-single-address,dds-datasource-broken,dstcollector-not-receiving,kubelet-inactive,dtxconsole-down\n');
    assert.ok(await eventually(() => addresses('mq').length === 1), 'the 单点 case of §9.5.2: one mq address');
    assert.ok(await eventually(() => /passed:false/.test(ssh(demo, 'ddsconsole-1', 'curl -s 127.0.0.1:9500/checkService | grep false').stdout)), 'DDS data source broken');
    if (mariadb) assert.match(ssh(demo, 'ddsconsole-1', 'curl -s 127.0.0.1:9500/checkService').stdout, /Access denied/);
    assert.match(ssh(demo, 'dstweb-1', 'curl -s 127.0.0.1:8080/health/readiness').stdout, /"status":"DOWN"/);
    assert.doesNotMatch(ssh(demo, 'dstcollector-1', 'netstat -an | grep LISTEN').stdout, /:12200\s/);
    assert.ok(await eventually(() => /Connection refused/.test(ssh(demo, 'dstweb-2', 'cat /home/admin/logs/common-error.log').stdout), 20_000), '§6.3.2.1 in the DST error log');
    assert.doesNotMatch(ssh(demo, 'dtxconsole-1', 'netstat -an | grep LISTEN').stdout, /:80\s/);
    const inactive = ssh(demo, 'physical-host-1', 'service kubelet status');
    assert.strictEqual(inactive.status, 3);
    assert.match(inactive.stdout, /Active:\s*inactive \(dead\)/);
    assert.match(ssh(demo, 'physical-host-2', 'service kubelet status').stdout, /Active:\s*active/, 'only the first host rebooted');
    // The §11.2 step: start kubelet, and it is active again while the fault stays on.
    assert.strictEqual(ssh(demo, 'physical-host-1', 'service kubelet start').status, 0);
    assert.match(ssh(demo, 'physical-host-1', 'service kubelet status').stdout, /Active:\s*active \(running\)/);

    fs.writeFileSync(faults, '\n');
    assert.ok(await eventually(() => addresses('mq').length === 2), 'both addresses again');
    assert.ok(await eventually(() => ssh(demo, 'ddsconsole-1', 'curl -s 127.0.0.1:9500/checkService | grep -c false').stdout.trim() === '0'), 'DDS data source works again');
  });

  it('reaches a store with mysql from its application, and takes a physical host down and a DBP proxy\'s logs away', async () => {
    const rds = demo.address('acvip-metadata-rds-1');
    // §10.4.2 compares ACVIP's clock with its metadata RDS's, from the ACVIP server.
    if (demo.ready.databases === 'mariadb') assert.match(ssh(demo, 'acvip-1', `mysql -N -h ${rds} -e 'select database()'`).stdout, /^acvip_meta$/m);
    // §8.4.4: the proxies hold their back-end database connections.
    assert.match(ssh(demo, 'dbp-proxy-1', 'netstat -an | grep 3306').stdout, /:3306\s+ESTABLISHED/);
    const zdal = 'ls /home/admin/logs/zdalproxy/sql-stat.log';
    assert.strictEqual(ssh(demo, 'dbp-proxy-1', zdal).status, 0);
    const host = demo.address('physical-host-1');
    assert.strictEqual(ssh(demo, 'physical-host-2', `ping -c 1 -W 2 ${host}`).status, 0);

    const faults = path.join(dir, '.demo/faults');
    fs.writeFileSync(faults, 'host-down,dbp-proxy-logs-gone\n');
    assert.ok(await eventually(() => ssh(demo, 'physical-host-1', 'true').status !== 0), 'the host that is down refuses SSH');
    const ping = ssh(demo, 'physical-host-2', `ping -c 3 -W 2 ${host}`);
    assert.strictEqual(ping.status, 1);
    assert.match(ping.stdout, /3 packets transmitted, 0 received, 100% packet loss/);
    assert.strictEqual(ssh(demo, 'physical-host-2', `ping -c 1 -W 2 ${demo.address('physical-host-2')}`).status, 0, 'the others still answer');
    assert.ok(await eventually(() => ssh(demo, 'dbp-proxy-1', zdal).status !== 0), 'the first proxy\'s logs are gone');
    assert.strictEqual(ssh(demo, 'dbp-proxy-2', zdal).status, 0, 'only the first proxy\'s');

    fs.writeFileSync(faults, '\n');
    assert.ok(await eventually(() => ssh(demo, 'physical-host-1', 'true').status === 0), 'the host is back');
    assert.strictEqual(ssh(demo, 'physical-host-2', `ping -c 1 -W 2 ${host}`).status, 0);
    assert.ok(await eventually(() => ssh(demo, 'dbp-proxy-1', zdal).status === 0), 'the logs are back');
  });
});

describe('sofa-ops demo lifecycle', function () {
  this.timeout(90_000);
  let dir: string;
  before(() => {
    requireRoot();
    dir = demoDir();
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('starts with --faults, refuses a second start clearly, and leaves no process or namespace behind on SIGTERM', async () => {
    const demo = await startDemo(dir, ['--faults', 'msgbroker-9529-down']);
    assert.deepStrictEqual(demo.ready.faults, { 'msgbroker-9529-down': ['msgbroker-1', 'msgbroker-2', 'msgbroker-3', 'msgbroker-4'] });
    assert.doesNotMatch(ssh(demo, 'msgbroker-1', 'netstat -an | grep 9529').stdout, /LISTEN/);
    assert.strictEqual(ssh(demo, 'msgbroker-1', 'exec 3<>/dev/tcp/127.0.0.1/9529 && echo open || echo refused').stdout.trim(), 'refused');
    assert.match(ssh(demo, 'msgbroker-1', 'ps -ef | grep java').stdout, /-Dapp\.name=msgbroker/);

    // Same directory: the lock names the running demo. Another directory: the addresses are taken.
    const again = await runToExit(['--dir', dir]);
    assert.strictEqual(again.status, 1);
    assert.match(again.stderr, new RegExp(`a demo site is already running from ${dir} \\(pid ${demo.ready.pid}\\)`));
    const other = demoDir();
    const elsewhere = await runToExit(['--dir', other]);
    fs.rmSync(other, { recursive: true, force: true });
    assert.strictEqual(elsewhere.status, 1);
    assert.match(elsewhere.stderr, new RegExp(`${SUBNET_RE}\\.1:2022 \\(registry-meta-1\\) is already in use`));

    const tree = demo.processTree().map((pid) => ({ pid, start: startTime(pid), ns: netns(pid) }));
    assert.ok(tree.length >= 1 + 17 * 3, `the site's processes: ${tree.length}`);
    const namespaces = new Set(tree.map((p) => p.ns).filter(Boolean));
    assert.ok(namespaces.size >= 18, 'a network namespace per container');
    const { code } = await demo.stop('SIGTERM');
    assert.strictEqual(code, 0);
    await sleep(300);
    const left = tree.filter((p) => p.start !== undefined && startTime(p.pid) === p.start);
    assert.deepStrictEqual(left, [], 'no process of the site is left');
    const stillUsed = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map((e) => netns(Number(e))).filter((ns) => ns && namespaces.has(ns) && ns !== netns(process.pid));
    assert.deepStrictEqual(stillUsed, [], 'no container network namespace is left');
    assert.ok(!fs.existsSync(path.join(dir, '.demo/demo.pid')), 'the lock is released');
  });

  it('leaves nothing behind when the demo itself is killed (SIGKILL)', async () => {
    const demo = await startDemo(dir);
    ssh(demo, 'osp-1', 'nohup sleep 600 >/dev/null 2>&1 &');
    const tree = demo.processTree().map((pid) => ({ pid, start: startTime(pid) }));
    await demo.stop('SIGKILL');
    assert.ok(
      await eventually(() => tree.every((p) => p.start === undefined || startTime(p.pid) !== p.start), 5000),
      'every container process dies with the demo',
    );
    // A stale lock from a killed demo does not block the next start.
    const next = await startDemo(dir);
    assert.strictEqual(ssh(next, 'osp-1', 'pgrep -c sleep').stdout.trim(), '0');
    await next.stop();
  });

  it('starts from a copy of the product under /tmp, which every container hides behind its own /tmp', async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-copy-'));
    try {
      for (const part of ['bin', 'dist', 'runbooks', 'package.json']) fs.cpSync(path.join(REPO, part), path.join(copy, part), { recursive: true });
      fs.chmodSync(copy, 0o755);
      const demo = await startDemo(dir, [], 90_000, path.join(copy, 'bin/sofa-ops.js'));
      try {
        assert.strictEqual(ssh(demo, 'registry-meta-1', 'hostname').stdout, 'registry-meta-1\n');
        assert.match(ssh(demo, 'registry-meta-1', 'curl -s localhost:9615/health/check').stdout, /"success":true/);
      } finally {
        await demo.stop();
      }
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it('rejects an unknown fault with the list of known ones', async () => {
    const r = await runToExit(['--dir', dir, '--faults', 'no-such-fault']);
    assert.strictEqual(r.status, 2);
    assert.match(r.stderr, /unknown fault "no-such-fault"; known faults:\n\s+msgbroker-9529-down/);
  });
});

/** Runs the demo CLI to its exit (for starts that must fail). */
function runToExit(args: string[]): Promise<{ status: number | null; stderr: string }> {
  const child = runDemoCli(args);
  return new Promise((resolve) => {
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => resolve({ status, stderr }));
  });
}
