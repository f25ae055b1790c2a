/**
 * `sofa-ops demo` run by root (as CI and `sudo` users run it): a container's root must not be host
 * root. Each container runs as its own unprivileged host uid, so a demo shell can neither read
 * /etc/shadow nor write outside its container, and root's own writes into a container's home
 * cannot be aimed elsewhere by links the container plants there. Checked through the product's
 * own SSH path (`sofa-ops exec` on every container, one CLI process per check).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { requireRoot } from '../fixtures/sshd';
import { BIN, demoDir, eventually, runDemoCli, sofaExec, startDemo, type RunningDemo } from './demoProcess';

const ETC_CANARY = '/etc/sofa-test-canary';
const CANARY_TEXT = 'written by the test, root 0644\n';
/** Set in the demo's environment by the test: a secret of root's that no container may see. */
const ENV_CANARY = 'SOFA_TEST_ROOT_SECRET';

interface ExecResult {
  name: string;
  outcome: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` on every container in one `sofa-ops exec`; each container's `key=value` lines. */
function onEveryContainer(demo: RunningDemo, script: string): Map<string, Map<string, string>> {
  const r = sofaExec(demo, ['--target', 'all', '--json', '--', script]);
  assert.ok(r.stdout.trim().startsWith('['), `sofa-ops exec: ${r.stderr}`);
  const results = JSON.parse(r.stdout) as ExecResult[];
  assert.strictEqual(results.length, demo.ready.hosts.length, r.stderr);
  const out = new Map<string, Map<string, string>>();
  for (const x of results) {
    const kv = new Map<string, string>();
    for (const line of x.stdout.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
    }
    out.set(x.name, kv);
  }
  return out;
}

function hostUidOf(pid: number): number | undefined {
  try {
    return Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch {
    return undefined; // gone meanwhile
  }
}

/** A root-owned 0755 directory outside /tmp (which every container hides) with a root 0644 file. */
function makeCanaryDir(): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join('/var/tmp', 'sofa-ops-isolation-'));
  fs.chmodSync(dir, 0o755);
  const file = path.join(dir, 'canary');
  fs.writeFileSync(file, CANARY_TEXT, { mode: 0o644 });
  fs.chmodSync(file, 0o644);
  return { dir, file };
}

/** envleak: how many of the container's processes have ENV_CANARY; envseen: PATH (the control). */
const ENV_PROBE = [
  `echo "envleak=$(cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c '^${ENV_CANARY}=')"`,
  `echo "envseen=$(cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c '^PATH=')"`,
].join('\n');

/** What a demo shell tries against the host; every attempt prints its own error text. */
function attackScript(canary: string, canaryDir: string, extra = ''): string {
  const q = (s: string) => `'${s}'`;
  return [
    'echo "uid=$(id -u)"',
    'echo "map=$(tr -s " " < /proc/self/uid_map | sed "s/^ //")"',
    'echo "gidmap=$(tr -s " " < /proc/self/gid_map | sed "s/^ //")"',
    'echo "shadow=$(cat /etc/shadow 2>&1 >/dev/null | head -n 1)"',
    // Positive controls: the host's files are visible, so a refusal below is about privilege.
    `echo "canary=$(cat ${q(canary)})"`,
    'echo "passwd=$(grep -c "^root:" /etc/passwd)"',
    `echo "append=$( (echo pwned >> ${q(canary)}) 2>&1)"`,
    `echo "remove=$(rm -f ${q(canary)} 2>&1)"`,
    `echo "chmod=$(chmod 666 ${q(canary)} 2>&1)"`,
    `echo "newfile=$( (echo pwned > ${q(path.join(canaryDir, 'new'))}) 2>&1)"`,
    `echo "etc=$( (echo pwned > ${ETC_CANARY}) 2>&1)"`,
    'echo "hostroot=$(kill -0 1 2>&1; ls /root 2>&1 | head -n 1)"',
    // The demo's own environment (a secret of root's, here) reaches no process of the container.
    ENV_PROBE,
    // What the demo must still allow: its own home and /tmp.
    'echo "home=$(echo mine > ~/own.txt && cat ~/own.txt)"',
    'echo "tmp=$(echo scratch > /tmp/own.txt && cat /tmp/own.txt)"',
    extra,
  ].join('\n');
}

/** Root only; root's secret in the demo's environment, no /etc canary left over, a fresh 0700 dir. */
function armCanaries(): { dir: string; file: string } {
  requireRoot();
  process.env[ENV_CANARY] = 'root-only';
  fs.rmSync(ETC_CANARY, { force: true });
  return makeCanaryDir();
}

describe('sofa-ops demo run by root: no container is host root', function () {
  this.timeout(60_000);
  let demo: RunningDemo | undefined;
  let dir: string;
  let canary: { dir: string; file: string };

  before(async () => {
    assert.ok(fs.existsSync(path.resolve(__dirname, '../../../dist/demo-agent.js')), 'run `npm run build` first');
    canary = armCanaries();
    // As root would make it: 0700 root, so the containers' uids have no way in from outside.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-demo-root-'));
    demo = await startDemo(dir, [], 90_000, BIN, { asRoot: true });
  });
  after(async () => {
    await demo?.stop();
    delete process.env[ENV_CANARY];
    fs.rmSync(ETC_CANARY, { force: true });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (canary) fs.rmSync(canary.dir, { recursive: true, force: true });
  });

  it('runs each container as root inside and as an unprivileged uid of its own outside', () => {
    assert.strictEqual(hostUidOf(demo!.child.pid!), 0, 'the demo itself runs as root in this test');
    assert.strictEqual(demo!.ready.isolation, 'namespaces');
    const seen = onEveryContainer(demo!, 'echo "uid=$(id -u)"; echo "gid=$(id -g)"; echo "map=$(tr -s " " < /proc/self/uid_map | sed "s/^ //")"; echo "gidmap=$(tr -s " " < /proc/self/gid_map | sed "s/^ //")"');
    const hostUids = new Set<number>();
    for (const [name, kv] of seen) {
      assert.strictEqual(kv.get('uid'), '0', `${name}: root inside`);
      assert.strictEqual(kv.get('gid'), '0', `${name}: root's group inside`);
      const [inner, outer, count] = (kv.get('map') ?? '').split(' ').map(Number);
      assert.deepStrictEqual([inner, count], [0, 1], `${name}: uid_map ${kv.get('map')}`);
      assert.ok(outer > 0, `${name}: container root is host uid ${outer}, not 0`);
      assert.strictEqual(kv.get('gidmap'), `0 ${outer} 1`, `${name}: gid_map`);
      hostUids.add(outer);
    }
    assert.strictEqual(hostUids.size, seen.size, 'one host uid per container');
    // From the host: every process of every container (unshare, init, agent, java, shells).
    const tree = demo!.processTree().filter((p) => p !== demo!.child.pid);
    const uids = tree.map(hostUidOf).filter((u): u is number => u !== undefined);
    assert.ok(uids.length >= seen.size * 3, `container processes: ${uids.length}`);
    assert.deepStrictEqual(uids.filter((u) => !hostUids.has(u)), [], 'no container process runs as root or any uid but its container\'s');
  });

  it('refuses a demo shell /etc/shadow and every write outside its container, and keeps its home and /tmp writable', () => {
    const seen = onEveryContainer(demo!, attackScript(canary.file, canary.dir));
    for (const [name, kv] of seen) {
      const at = (k: string) => `${name}: ${k}=${kv.get(k)}`;
      assert.match(kv.get('shadow') ?? '', /^cat: \/etc\/shadow: Permission denied$/, at('shadow'));
      assert.strictEqual(kv.get('canary'), CANARY_TEXT.trim(), at('canary'));
      assert.strictEqual(kv.get('passwd'), '1', at('passwd'));
      for (const k of ['append', 'remove', 'chmod', 'newfile', 'etc']) assert.match(kv.get(k) ?? '', /(Permission denied|Operation not permitted)$/, at(k));
      assert.match(kv.get('hostroot') ?? '', /Permission denied/, at('hostroot'));
      assert.strictEqual(kv.get('home'), 'mine', at('home'));
      assert.strictEqual(kv.get('tmp'), 'scratch', at('tmp'));
      assert.strictEqual(kv.get('envleak'), '0', at('envleak'));
      assert.ok(Number(kv.get('envseen')) > 0, at('envseen'));
    }
    assert.strictEqual(fs.readFileSync(canary.file, 'utf8'), CANARY_TEXT);
    assert.strictEqual(fs.statSync(canary.file).mode & 0o777, 0o644);
    assert.deepStrictEqual(fs.readdirSync(canary.dir), ['canary']);
    assert.ok(!fs.existsSync(ETC_CANARY), `${ETC_CANARY} was created`);
  });

  it('does not follow links a container plants in its home with root\'s writes, across a restart', async () => {
    // registry-meta-1: its start-up file and a log become links to host paths; registry-meta-2:
    // its whole logs directory becomes a link to the root-owned canary directory.
    const plant = sofaExec(demo!, [
      '--target', 'registry-meta-1,registry-meta-2', '--json', '--',
      `if [ "$(hostname)" = registry-meta-1 ]; then rm -f ~/.bashrc ~/logs/gc.log && ln -s ${ETC_CANARY} ~/.bashrc && ln -s '${canary.file}' ~/logs/gc.log; ` +
        `else mv ~/logs ~/logs.moved && ln -s '${canary.dir}' ~/logs; fi; ls -l ~ ~/logs/ | grep -c -- '->'`,
    ]);
    assert.strictEqual(plant.status, 0, plant.stderr);
    await demo!.stop();
    demo = await startDemo(dir, [], 90_000, BIN, { asRoot: true });
    // One more round trip to every container: each agent has handled every write the restart
    // sent it before this command (one ordered channel per container).
    const after = onEveryContainer(demo!, 'echo "gc=$(wc -c < ~/logs/gc.log 2>/dev/null || echo none)"; echo "rc=$(head -c 20 ~/.bashrc 2>&1)"');
    assert.strictEqual(fs.readFileSync(canary.file, 'utf8'), CANARY_TEXT, 'a log link did not append to the host file');
    assert.deepStrictEqual(fs.readdirSync(canary.dir), ['canary'], 'a linked logs directory did not get files');
    assert.ok(!fs.existsSync(ETC_CANARY), `${ETC_CANARY} was created through the planted .bashrc link`);
    // The untouched containers still get their start-up files and growing logs.
    const meta3 = after.get('registry-meta-3')!;
    assert.ok(Number(meta3.get('gc')) > 0, `registry-meta-3 gc.log: ${meta3.get('gc')}`);
    assert.strictEqual(meta3.get('rc'), '# registry-meta-3: r');
  });

  it('leaves no process of its containers\' uids behind when the demo is killed (SIGKILL)', async () => {
    const uids = new Set(demo!.processTree().filter((p) => p !== demo!.child.pid).map(hostUidOf).filter((u): u is number => u !== undefined && u !== 0));
    assert.strictEqual(uids.size, demo!.ready.hosts.length, 'one uid per container');
    const result = await demo!.stop('SIGKILL');
    assert.strictEqual(result.signal, 'SIGKILL');
    const left = () => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && uids.has(hostUidOf(Number(p)) ?? -1));
    assert.ok(await eventually(() => left().length === 0), `still running as the containers' uids: ${left().join(' ')}`);
  });
});

describe('sofa-ops demo run by a user: the user\'s environment stays out of the containers', function () {
  this.timeout(60_000);
  let demo: RunningDemo | undefined;
  let dir: string;

  before(async () => {
    requireRoot(); // to run the demo as the tests' unprivileged user
    process.env[ENV_CANARY] = 'the-users-token';
    dir = demoDir('sofa-ops-demo-user-env-');
    demo = await startDemo(dir);
  });
  after(async () => {
    await demo?.stop();
    delete process.env[ENV_CANARY];
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows no container process a variable of the environment the site was started from', () => {
    assert.notStrictEqual(hostUidOf(demo!.child.pid!), 0, 'the demo runs as the tests\' user here');
    const seen = onEveryContainer(demo!, ENV_PROBE);
    for (const [name, kv] of seen) {
      assert.strictEqual(kv.get('envleak'), '0', `${name}: the user's ${ENV_CANARY} is in a container process's environment`);
      assert.notStrictEqual(kv.get('envseen'), '0', `${name}: the control (PATH) must be seen`);
    }
  });
});

describe('sofa-ops demo run by root without namespaces (--isolation plain)', function () {
  this.timeout(60_000);
  let demo: RunningDemo | undefined;
  let dir: string;
  let canary: { dir: string; file: string };

  before(async () => {
    canary = armCanaries();
    dir = fs.mkdtempSync(path.join('/var/tmp', 'sofa-ops-demo-plain-'));
  });
  after(async () => {
    await demo?.stop();
    delete process.env[ENV_CANARY];
    fs.rmSync(ETC_CANARY, { force: true });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (canary) fs.rmSync(canary.dir, { recursive: true, force: true });
  });

  it('refuses a --dir the containers\' uids cannot reach, naming it', async () => {
    const r = await runToExit(['--dir', dir, '--isolation', 'plain']);
    assert.strictEqual(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot enter ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')};`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('runs each container as an unprivileged uid: no /etc/shadow, no writes outside, not even the demo\'s own key', async () => {
    fs.chmodSync(dir, 0o755);
    demo = await startDemo(dir, ['--isolation', 'plain'], 90_000, BIN, { asRoot: true });
    assert.strictEqual(demo.ready.isolation, 'plain');
    const seen = onEveryContainer(demo, attackScript(canary.file, canary.dir, `echo "key=$(head -c 10 '${demo.ready.identityFile}' 2>&1)"`));
    const uids = new Set<string>();
    for (const [name, kv] of seen) {
      const at = (k: string) => `${name}: ${k}=${kv.get(k)}`;
      assert.notStrictEqual(kv.get('uid'), '0', at('uid'));
      uids.add(kv.get('uid')!);
      assert.match(kv.get('shadow') ?? '', /Permission denied$/, at('shadow'));
      assert.strictEqual(kv.get('canary'), CANARY_TEXT.trim(), at('canary'));
      for (const k of ['append', 'remove', 'chmod', 'newfile', 'etc', 'key']) assert.match(kv.get(k) ?? '', /(Permission denied|Operation not permitted)$/, at(k));
      assert.strictEqual(kv.get('home'), 'mine', at('home'));
      assert.strictEqual(kv.get('envleak'), '0', at('envleak'));
    }
    assert.strictEqual(uids.size, seen.size, 'one uid per container');
    assert.strictEqual(fs.readFileSync(canary.file, 'utf8'), CANARY_TEXT);
    assert.deepStrictEqual(fs.readdirSync(canary.dir), ['canary']);
    assert.ok(!fs.existsSync(ETC_CANARY));
  });
});

/** Runs the demo as root to its exit; one that gets ready instead is stopped and reported as such. */
function runToExit(args: string[]): Promise<{ status: number | 'ready'; stderr: string }> {
  const child = runDemoCli([...args, '--json-ready'], BIN, { asRoot: true });
  let stderr = '';
  let ready = false;
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    if (!ready && d.toString().includes('"event":"ready"')) {
      ready = true;
      child.kill('SIGTERM');
    }
  });
  return new Promise((resolve) => child.once('exit', (status) => resolve({ status: ready ? 'ready' : (status ?? -1), stderr })));
}
