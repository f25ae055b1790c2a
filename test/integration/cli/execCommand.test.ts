/** `sofa-ops exec` as a user runs it: the built CLI, a real inventory file, a real sshd. */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { CLI_BIN as bin, cliEnv, writeCliSite } from '../fixtures/cliSite';
import { ensureTestUser, requireRoot, Sshd, type TestUser } from '../fixtures/sshd';

describe('sofa-ops exec (built CLI, real sshd)', () => {
  let sshd: Sshd;
  let user: TestUser;
  let dir: string;
  let inventory: string;
  let pinned: string;

  before(async () => {
    requireRoot();
    user = await ensureTestUser();
    sshd = await Sshd.start({ hostKeyTypes: ['ed25519'] });
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-cli-'));
    // msgbroker-1's port has no sshd: known_hosts pins only the three on the fixture.
    ({ inventory, knownHosts: pinned } = writeCliSite(dir, sshd, user, {
      registry: {
        'registry-meta': [
          { name: 'registry-meta-1', host: '127.0.3.1', tags: ['dc-a'] },
          { name: 'registry-meta-2', host: '127.0.3.2', tags: ['dc-b'] },
          { name: 'registry-meta-3', host: '127.0.3.3', tags: ['dc-b'] },
        ],
      },
      mq: { msgbroker: [{ name: 'msgbroker-1', host: '127.0.3.9', port: 1 }] },
    }));
  });
  after(() => sshd?.stop());

  // HOME and SOFA_OPS_HOME point at a temp dir: no ~/.ssh of the machine leaks in, nothing is written outside.
  const run = (args: string[]) =>
    spawnSync(process.execPath, [bin, 'exec', '--inventory', inventory, ...args], {
      encoding: 'utf8',
      env: cliEnv(dir),
    });

  it('runs on a group with pinned host keys and prints per-host JSON', () => {
    const r = run(['--target', 'registry-meta', '--known-hosts', pinned, '--json', '--', 'echo', '$HOME']);
    assert.strictEqual(r.status, 0, r.stderr);
    const results = JSON.parse(r.stdout) as Array<{ name: string; outcome: string; stdout: string }>;
    assert.deepStrictEqual(results.map((x) => [x.name, x.outcome, x.stdout]), [
      ['registry-meta-1', 'ok', '$HOME\n'],
      ['registry-meta-2', 'ok', '$HOME\n'],
      ['registry-meta-3', 'ok', '$HOME\n'],
    ]);
  });

  it('groups identical output in the readable form and exits 1 when a host is unreachable', () => {
    const r = run(['--target', 'tag=dc-b,msgbroker', '--known-hosts', pinned, '--timeout', '5', '--', 'echo same']);
    assert.strictEqual(r.status, 1);
    assert.match(r.stdout, /=== registry-meta-2, registry-meta-3 \(ok\)\nsame\n/);
    assert.match(r.stdout, /=== msgbroker-1 \(unreachable\)/);
    assert.match(r.stdout, /2\/3 hosts ok/);
  });

  it('prints SSH failures in the user\'s language: the unreachable host with its address, a changed key with the line to fix', () => {
    // registry-meta-1 pinned to another ed25519 key (the test user's own): what a changed host key looks like.
    const otherKey = readFileSync(`${user.keys.plain}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const changed = path.join(dir, 'changed_known_hosts');
    const lines = readFileSync(pinned, 'utf8').split('\n').map((l) => (l.startsWith('[127.0.3.1]:') ? `${l.split(' ')[0]} ${otherKey}` : l));
    writeFileSync(changed, lines.join('\n'));
    const line = lines.findIndex((l) => l.startsWith('[127.0.3.1]:')) + 1;
    const r = spawnSync(process.execPath, [bin, 'exec', '--inventory', inventory, '--target', 'registry-meta[0],msgbroker', '--known-hosts', changed, '--timeout', '5', '--', 'true'], {
      encoding: 'utf8',
      env: cliEnv(dir, { LANG: 'zh_CN.UTF-8', LC_ALL: '' }),
    });
    assert.strictEqual(r.status, 1, r.stderr);
    assert.match(r.stdout, /=== msgbroker-1 \(无法连接\)\nmsgbroker-1（\[127\.0\.3\.9\]:1）无法连接：/);
    const refused = r.stdout.split('=== ').find((group) => group.startsWith('registry-meta-1 (主机密钥被拒绝)\n'));
    assert.ok(refused, r.stdout);
    assert.match(refused, /^registry-meta-1 \(主机密钥被拒绝\)\n\[127\.0\.3\.1\]:\d+ 的主机密钥已变更。.*拒绝连接/);
    assert.ok(refused.includes(`${changed}:${line}`), `names the line to fix: ${refused}`);
    const json = spawnSync(process.execPath, [bin, 'exec', '--inventory', inventory, '--target', 'msgbroker', '--timeout', '5', '--json', '--', 'true'], { encoding: 'utf8', env: cliEnv(dir, { LANG: 'zh_CN.UTF-8', LC_ALL: '' }) });
    assert.match((JSON.parse(json.stdout) as Array<{ message: string }>)[0].message, /^msgbroker-1 \(\[127\.0\.3\.9\]:1\) is unreachable: /, '--json keeps the English message for scripts');
  });

  it('refuses unknown hosts with their fingerprint unless --accept-new, which records them', () => {
    const refused = run(['--target', 'registry-meta[0]', '--', 'true']);
    assert.strictEqual(refused.status, 1);
    assert.match(refused.stderr, /unknown host key for \[127\.0\.3\.1\]:\d+: ssh-ed25519 SHA256:\S+\. Verify it, then rerun with --accept-new/);
    const accepted = run(['--target', 'registry-meta[0]', '--accept-new', '--', 'true']);
    assert.strictEqual(accepted.status, 0, accepted.stderr);
    assert.match(readFileSync(path.join(dir, '.sofa-ops', 'known_hosts'), 'utf8'), /^\[127\.0\.3\.1\]:\d+ ssh-ed25519 /m);
    assert.strictEqual(run(['--target', 'registry-meta[0]', '--', 'true']).status, 0, 'trusted from then on');
  });

  it('exits 2 naming the known groups for a selector that matches nothing, and file:line for a bad inventory', () => {
    const r = run(['--target', 'registry-mata', '--', 'true']);
    assert.strictEqual(r.status, 2);
    assert.match(r.stderr, /registry-mata/);
    assert.match(r.stderr, /registry-meta/);
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'products:\n  registry:\n    registry-meta:\n      - { name: x, host: 127.0.0.1, port: 70000 }\n');
    const broken = spawnSync(process.execPath, [bin, 'exec', '--inventory', bad, '--target', 'all', '--', 'true'], { encoding: 'utf8' });
    assert.strictEqual(broken.status, 2);
    assert.match(broken.stderr, /bad\.yaml:4: /);
  });
});
