/**
 * Host keys as a CLI user meets them (built CLI, real sshd): a key-type downgrade is refused even with
 * --accept-new, an unwritable product known_hosts fails cleanly and honestly, and malformed
 * known_hosts lines are reported with file:line while the rest still counts.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { CLI_BIN as bin, cliEnv, inventoryYaml, registryMeta } from '../fixtures/cliSite';
import { ensureTestUser, requireRoot, SSH_KEYGEN, Sshd, type TestUser } from '../fixtures/sshd';

describe('sofa-ops host keys (built CLI, real sshd)', () => {
  let sshd: Sshd;
  let user: TestUser;
  let dir: string;
  let inventory: string;
  let otherEd25519: string;

  before(async () => {
    requireRoot();
    user = await ensureTestUser();
    sshd = await Sshd.start({ hostKeyTypes: ['rsa'] });
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-hkcli-'));
    inventory = path.join(dir, 'inventory.yaml');
    // No known_hosts of the fixture's: each case writes its own.
    writeFileSync(inventory, inventoryYaml(sshd, user, registryMeta([{ name: 'downgraded', host: '127.0.3.61' }, { name: 'fresh', host: '127.0.3.62' }, { name: 'pinned', host: '127.0.3.63' }])));
    const keyFile = path.join(dir, 'other');
    spawnSync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
    otherEd25519 = readFileSync(`${keyFile}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  });
  after(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh HOME per case: ~/.ssh/known_hosts holds `knownHosts`; SOFA_OPS_HOME as given. */
  function run(args: string[], knownHosts: string, sofaHome?: string) {
    const home = mkdtempSync(path.join(dir, 'home-'));
    mkdirSync(path.join(home, '.ssh'));
    writeFileSync(path.join(home, '.ssh', 'known_hosts'), knownHosts);
    const r = spawnSync(process.execPath, [bin, 'exec', '--inventory', inventory, ...args], {
      encoding: 'utf8',
      env: cliEnv(home, sofaHome ? { SOFA_OPS_HOME: sofaHome } : {}),
    });
    return { ...r, home, userKnownHosts: path.join(home, '.ssh', 'known_hosts') };
  }
  const name = (ip: string) => `[${ip}]:${sshd.port}`;

  it('refuses a key-type downgrade even with --accept-new, showing both fingerprints and the line, and records nothing', () => {
    const r = run(['--target', 'downgraded', '--accept-new', '--', 'true'], `${name('127.0.3.61')} ${otherEd25519}\n`);
    assert.strictEqual(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stdout, /=== downgraded \(host-key-refused\)/);
    assert.match(r.stdout, /offers a ssh-rsa key \(SHA256:\S+\), but known_hosts only has other key types for it: ssh-ed25519 SHA256:\S+ at \S+known_hosts:1\. This can be a key-type downgrade/);
    assert.doesNotMatch(r.stderr, /accepting new/);
    assert.ok(!existsSync(path.join(r.home, '.sofa-ops', 'known_hosts')), 'nothing recorded');
  });

  it('an unwritable product known_hosts fails cleanly naming the file, and "recorded" is never claimed', () => {
    const blocker = path.join(dir, 'sofa-home-is-a-file');
    writeFileSync(blocker, '');
    const r = run(['--target', 'fresh', '--accept-new', '--', 'true'], '', blocker);
    assert.strictEqual(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stderr, /accepting new ssh-rsa key for \[127\.0\.3\.62\]:\d+: SHA256:\S+\n/);
    assert.doesNotMatch(r.stderr + r.stdout, /recorded (the host key|in)/);
    assert.match(r.stdout, new RegExp(`=== fresh \\(host-key-refused\\)\\ncannot record the host key in ${path.join(blocker, 'known_hosts').replace(/[.\\/-]/g, '\\$&')}: a parent is not a directory`));
    assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at /, 'no stack trace');
  });

  it('says "recorded in FILE:LINE" only after the key is on disk; reports malformed lines with file:line and still trusts the rest', () => {
    const accepted = run(['--target', 'fresh', '--accept-new', '--', 'true'], '');
    assert.strictEqual(accepted.status, 0, accepted.stderr);
    const product = path.join(accepted.home, '.sofa-ops', 'known_hosts');
    const lines = accepted.stderr.split('\n').filter((l) => /accepting new|recorded/.test(l));
    assert.match(lines[0], /accepting new ssh-rsa key for \[127\.0\.3\.62\]:\d+/);
    assert.strictEqual(lines[1], `sofa-ops: recorded the host key for ${name('127.0.3.62')} in ${product}:1`);
    assert.match(readFileSync(product, 'utf8'), /^\[127\.0\.3\.62\]:\d+ ssh-rsa /);

    const rsa = sshd.hostKeys[0].publicKeyLine;
    const r = run(['--target', 'pinned', '--', 'true'], `garbage\n${name('127.0.3.63')} ssh-rsa AAAA\n${name('127.0.3.63')} ${rsa}\n`);
    assert.strictEqual(r.status, 0, r.stderr + r.stdout);
    assert.ok(r.stderr.includes(`sofa-ops: warning: ${r.userKnownHosts}:1: expected`), r.stderr);
    assert.ok(r.stderr.includes(`sofa-ops: warning: ${r.userKnownHosts}:2: `), r.stderr);
  });
});
