import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { HostKeyVerifier, describeVerdict, fingerprintSha256, hostPortName, keyTypeOf } from '../../../../src/core/ssh/hostKeys';

interface TestKey {
  type: string;
  blob: Buffer;
  /** `type base64`, as it follows the host field in known_hosts. */
  text: string;
  pubFile: string;
}

describe('HostKeyVerifier', () => {
  let dir: string;
  const keys: Record<'a' | 'b' | 'ecdsa' | 'rsa' | 'gone', TestKey> = {} as never;

  /** Writes a known_hosts file into the temp dir; `$a` etc. stand for `type base64` of a test key. */
  function knownHosts(name: string, lines: string[]): string {
    const file = path.join(dir, name);
    writeFileSync(file, lines.map((l) => l.replace(/\$(\w+)/g, (_, k: keyof typeof keys) => keys[k].text)).join('\n') + '\n');
    return file;
  }

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-hostkeys-'));
    const specs: [keyof typeof keys, string[]][] = [
      ['a', ['-t', 'ed25519']], ['b', ['-t', 'ed25519']], ['gone', ['-t', 'ed25519']],
      ['ecdsa', ['-t', 'ecdsa', '-b', '256']], ['rsa', ['-t', 'rsa', '-b', '2048']],
    ];
    for (const [name, args] of specs) {
      const keyFile = path.join(dir, `host_${name}`);
      execFileSync('ssh-keygen', [...args, '-q', '-N', '', '-C', name, '-f', keyFile]);
      const [type, base64] = readFileSync(`${keyFile}.pub`, 'utf8').split(' ');
      keys[name] = { type, blob: Buffer.from(base64, 'base64'), text: `${type} ${base64}`, pubFile: `${keyFile}.pub` };
    }
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const check = (v: HostKeyVerifier, hosts: string | string[], port: number, key: TestKey) => v.verify(hosts, port, key.type, key.blob);

  describe('plain, wildcard and bracketed entries', () => {
    let file: string;
    let v: HostKeyVerifier;
    before(async () => {
      file = knownHosts('plain', [
        '# comment line',
        '',
        'alpha.example,10.0.0.1 $a',
        '*.wild.example,!bad.wild.example $a',
        '[127.0.0.1]:2022 $a',
        '[127.0.0.1]:2022 $ecdsa',
        '10.9.9.? $a',
        'beta.example $b',
        'rotating.example $b',
        '  rotating.example\t$a  trailing comment',
      ]);
      v = await HostKeyVerifier.load([file]);
    });

    it('trusts a plain host, any name of a comma list, case-insensitively, with the line it came from', () => {
      assert.deepStrictEqual(check(v, 'alpha.example', 22, keys.a), { status: 'trusted', fingerprint: fingerprintSha256(keys.a.blob), at: { file, line: 3 } });
      assert.strictEqual(check(v, '10.0.0.1', 22, keys.a).status, 'trusted');
      assert.strictEqual(check(v, 'ALPHA.Example', 22, keys.a).status, 'trusted');
      assert.deepStrictEqual(v.problems, []);
    });

    it('honours * and ? wildcards and !negation', () => {
      assert.strictEqual(check(v, 'node1.wild.example', 22, keys.a).status, 'trusted');
      assert.strictEqual(check(v, 'bad.wild.example', 22, keys.a).status, 'unknown');
      assert.strictEqual(check(v, '10.9.9.7', 22, keys.a).status, 'trusted');
      assert.strictEqual(check(v, '10.9.9.17', 22, keys.a).status, 'unknown');
    });

    it('matches ssh-keyscan style [host]:port lines only on that port; bare lines on other ports only for their exact key', () => {
      assert.deepStrictEqual(check(v, '127.0.0.1', 2022, keys.a), { status: 'trusted', fingerprint: fingerprintSha256(keys.a.blob), at: { file, line: 5 } });
      assert.strictEqual(check(v, '127.0.0.1', 2022, keys.ecdsa).status, 'trusted');
      assert.strictEqual(check(v, '127.0.0.1', 22, keys.a).status, 'unknown');
      assert.strictEqual(check(v, '127.0.0.1', 2023, keys.a).status, 'unknown');
      // ssh's fallback: no key for [alpha.example]:2022, so the bare name's exact key is accepted.
      assert.strictEqual(check(v, 'alpha.example', 2022, keys.a).status, 'trusted');
      assert.strictEqual(check(v, 'alpha.example', 2022, keys.b).status, 'unknown');
    });

    it('reports a changed key of the same type with both fingerprints and the line to fix', () => {
      const verdict = check(v, 'alpha.example', 22, keys.b);
      assert.deepStrictEqual(verdict, {
        status: 'changed', keyType: 'ssh-ed25519', at: { file, line: 3 },
        fingerprint: fingerprintSha256(keys.b.blob), knownFingerprint: fingerprintSha256(keys.a.blob),
        known: [{ keyType: 'ssh-ed25519', fingerprint: fingerprintSha256(keys.a.blob), at: { file, line: 3 } }], downgrade: false,
      });
      assert.strictEqual(check(v, '127.0.0.1', 2022, keys.b).status, 'changed');
    });

    it('calls a key of a type not on file, when other types are, a changed key (downgrade) listing every key on file', () => {
      const verdict = check(v, 'alpha.example', 22, keys.rsa);
      assert.deepStrictEqual(verdict, {
        status: 'changed', keyType: 'ssh-rsa', fingerprint: fingerprintSha256(keys.rsa.blob),
        knownFingerprint: fingerprintSha256(keys.a.blob), at: { file, line: 3 },
        known: [{ keyType: 'ssh-ed25519', fingerprint: fingerprintSha256(keys.a.blob), at: { file, line: 3 } }],
        downgrade: true,
      });
      assert.strictEqual(check(v, 'alpha.example', 22, keys.ecdsa).status, 'changed');
      // Both keys of [127.0.0.1]:2022 are listed when a third type turns up.
      const third = check(v, '127.0.0.1', 2022, keys.rsa);
      assert.ok(third.status === 'changed' && third.downgrade && third.known.length === 2, JSON.stringify(third));
      // A host with no key at all stays unknown, whatever other hosts hold.
      assert.strictEqual(check(v, 'never-seen.example', 22, keys.rsa).status, 'unknown');
      assert.deepStrictEqual(v.knownKeyTypes('127.0.0.1', 2022), ['ssh-ed25519', 'ecdsa-sha2-nistp256']);
    });

    it('accepts any of several keys of one type for a host (key rotation)', () => {
      assert.strictEqual(check(v, 'rotating.example', 22, keys.a).status, 'trusted');
      assert.strictEqual(check(v, 'rotating.example', 22, keys.b).status, 'trusted');
    });

    it('matches aliases of one connection, but a changed key under any alias wins over trusted', () => {
      assert.deepStrictEqual(check(v, ['registry-meta-1', '10.0.0.1'], 22, keys.a), { status: 'trusted', fingerprint: fingerprintSha256(keys.a.blob), at: { file, line: 3 } });
      const verdict = check(v, ['alpha.example', 'beta.example'], 22, keys.a);
      assert.strictEqual(verdict.status, 'changed');
      assert.deepStrictEqual(verdict.status === 'changed' && verdict.at, { file, line: 8 });
    });

    it('derives the key type from the key itself rather than trusting the caller', () => {
      assert.strictEqual(keyTypeOf(keys.ecdsa.blob), 'ecdsa-sha2-nistp256');
      assert.strictEqual(v.verify('alpha.example', 22, 'rsa-sha2-512', keys.a.blob).status, 'trusted');
    });
  });

  it('matches entries hashed by ssh-keygen -H, including [host]:port ones', async () => {
    const file = knownHosts('hashed', ['hashed.example $a', '[hashed.example]:2222 $ecdsa']);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes('hashed.example') && text.startsWith('|1|'), text);
    const v = await HostKeyVerifier.load([file]);
    assert.deepStrictEqual(check(v, 'hashed.example', 22, keys.a), { status: 'trusted', fingerprint: fingerprintSha256(keys.a.blob), at: { file, line: 1 } });
    assert.strictEqual(check(v, 'HASHED.example', 22, keys.a).status, 'trusted');
    assert.strictEqual(check(v, 'hashed.example', 2222, keys.ecdsa).status, 'trusted');
    // No ed25519 key for [hashed.example]:2222, so ssh (and we) fall back to the bare name's exact key.
    assert.strictEqual(check(v, 'hashed.example', 2222, keys.a).status, 'trusted');
    assert.strictEqual(check(v, 'hashed.example', 2222, keys.rsa).status, 'changed');
    assert.strictEqual(check(v, 'hashed.example', 22, keys.b).status, 'changed');
    assert.strictEqual(check(v, 'other.example', 22, keys.a).status, 'unknown');
  });

  it('refuses a @revoked key for every host, whatever file trusts it and in whichever order', async () => {
    const trusting = knownHosts('trusting', ['victim.example $gone']);
    const revoking = knownHosts('revoking', ['# retired 2024', '@revoked somewhere.else $gone']);
    const v = await HostKeyVerifier.load([trusting, revoking]);
    assert.deepStrictEqual(check(v, 'victim.example', 22, keys.gone), { status: 'revoked', fingerprint: fingerprintSha256(keys.gone.blob), at: { file: revoking, line: 2 } });
    assert.strictEqual(check(v, ['nowhere.example', '10.1.2.3'], 2022, keys.gone).status, 'revoked');
    // A revoked line is not a known key for its hosts: other keys for that host stay unaffected.
    assert.strictEqual(check(v, 'somewhere.else', 22, keys.a).status, 'unknown');
  });

  it('never lets a @cert-authority line make a host trusted or changed', async () => {
    const file = knownHosts('ca', ['@cert-authority *.ca.example $a', '@cert-authority * $b']);
    const v = await HostKeyVerifier.load([file]);
    assert.strictEqual(check(v, 'node.ca.example', 22, keys.a).status, 'unknown');
    assert.strictEqual(check(v, 'node.ca.example', 22, keys.b).status, 'unknown');
    assert.deepStrictEqual(v.problems, []);
  });

  it('skips malformed lines with file:line problems and still reads the rest; missing files are fine', async () => {
    const file = knownHosts('broken', [
      'justonefield',
      'host.example ssh-ed25519',
      'host.example ssh-ed25519 !!!not-base64',
      'host.example ssh-rsa ' + keys.a.text.split(' ')[1],
      '@bogus host.example $a',
      '|1|c2FsdA==|aGFzaA== $a',
      'host.example 2048 35 1234567890',
      'host.example AAAA AAAA',
      '\u0000\u00ff binary junk',
      'host.example $a',
    ]);
    const v = await HostKeyVerifier.load([path.join(dir, 'missing'), path.join(dir, 'missing-dir', 'known_hosts'), file, path.join(dir, 'host_a.pub', 'x')]);
    assert.deepStrictEqual(check(v, 'host.example', 22, keys.a), { status: 'trusted', fingerprint: fingerprintSha256(keys.a.blob), at: { file, line: 10 } });
    assert.deepStrictEqual(v.problems.map((p) => p.line), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(v.problems.every((p) => p.file === file && /ignored/.test(p.message)), JSON.stringify(v.problems));
    assert.match(v.problems[4].message, /unknown marker @bogus/);
  });

  it('trusts the bare name\'s exact key on another port, as ssh does, and only the exact key', async () => {
    const file = knownHosts('bare-fallback', ['bare.example $a', '[pinned.example]:2022 $b', 'pinned.example $a']);
    const v = await HostKeyVerifier.load([file]);
    assert.deepStrictEqual(check(v, 'bare.example', 2022, keys.a), { status: 'trusted', fingerprint: fingerprintSha256(keys.a.blob), at: { file, line: 1 } });
    assert.strictEqual(check(v, 'bare.example', 2022, keys.b).status, 'unknown');
    // [host]:port pins another key of that type: the bare name cannot override it.
    assert.strictEqual(check(v, 'pinned.example', 2022, keys.a).status, 'changed');
  });

  it('takes a marker only when a space follows it, and reports lines it cannot use', async () => {
    const file = knownHosts('markers', ['@revoked\tm.example $a', 'm.example $b']);
    const v = await HostKeyVerifier.load([file]);
    assert.deepStrictEqual(v.problems.map((p) => [p.line, /marker must be followed by a space/.test(p.message)]), [[1, true]]);
    assert.strictEqual(check(v, 'm.example', 22, keys.b).status, 'trusted');
    assert.deepStrictEqual(v.lookup('M.example', 22).map((m) => m.at.line), [2]);
  });

  it('matches a hostile many-star pattern without backtracking blow-up (OpenSSH itself hangs on it)', async () => {
    const file = knownHosts('stars', [`${'*a'.repeat(40)}*c $a`, `${'*a'.repeat(40)}* $b`]);
    const v = await HostKeyVerifier.load([file]);
    assert.deepStrictEqual(v.lookup('a'.repeat(200) + 'b', 22).map((m) => m.at.line), [2]);
  });

  it('a key that cannot be written fails with the file named and its reason, and is not trusted', async () => {
    const blocker = knownHosts('blocker', []); // a regular file: nothing can live under it
    const v = await HostKeyVerifier.load([]);
    await assert.rejects(v.appendKnownHost(path.join(blocker, 'known_hosts'), 'w.example', 22, keys.a.type, keys.a.blob),
      (e: Error) => e.message === `cannot record the host key in ${path.join(blocker, 'known_hosts')}: a parent is not a directory (EEXIST)`);
    await assert.rejects(v.appendKnownHost('/dev/null', 'w.example', 22, keys.a.type, keys.a.blob), /cannot record the host key in \/dev\/null: not a regular file$/);
    assert.strictEqual(check(v, 'w.example', 22, keys.a).status, 'unknown');
  });

  it('survives random and mangled lines: every bad line is a file:line problem, never an exception', async () => {
    // Deterministic pseudo-random input, so a failure reproduces.
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const alphabet = ' \t,!*?|@[]:#=+/.\r\u0000aAzZ09é';
    const good = `fuzz.example ${keys.a.text}`;
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      if (i % 2) {
        const chars = [...good];
        for (let k = rand(4); k >= 0; k--) chars[rand(chars.length)] = alphabet[rand(alphabet.length)];
        lines.push(chars.join(''));
      } else {
        lines.push(Array.from({ length: rand(80) }, () => alphabet[rand(alphabet.length)]).join(''));
      }
    }
    const file = knownHosts('fuzz', [...lines, good]);
    const v = await HostKeyVerifier.load([file]);
    assert.ok(v.problems.length > 500, `${v.problems.length} problems`);
    assert.ok(v.problems.every((p) => p.file === file && p.line >= 1 && p.line <= 2001 && /ignored/.test(p.message)));
    assert.strictEqual(check(v, 'fuzz.example', 22, keys.a).status, 'trusted');
  });

  it('reports an unreadable known_hosts (a folder) as a problem rather than failing', async () => {
    const v = await HostKeyVerifier.load([dir]);
    assert.strictEqual(v.problems.length, 1);
    assert.match(v.problems[0].message, /EISDIR/);
  });

  it('prints fingerprints exactly as ssh-keygen -lf does, for every key type', () => {
    for (const key of Object.values(keys)) {
      const printed = execFileSync('ssh-keygen', ['-lf', key.pubFile], { encoding: 'utf8' }).split(' ')[1];
      assert.strictEqual(fingerprintSha256(key.blob), printed);
    }
  });

  describe('appendKnownHost', () => {
    /** Asks OpenSSH itself whether it finds the host in the file. */
    const opensshFinds = (file: string, name: string) => spawnSync('ssh-keygen', ['-F', name, '-f', file]).status === 0;

    it('creates folder 0700 and file 0600, writes [host]:port, and the same verifier then trusts it', async () => {
      const file = path.join(dir, 'fresh', 'sub', 'known_hosts');
      const v = await HostKeyVerifier.load([file]);
      assert.strictEqual(check(v, '127.0.1.3', 2022, keys.a).status, 'unknown');
      const at = await v.appendKnownHost(file, '127.0.1.3', 2022, keys.a.type, keys.a.blob);
      assert.deepStrictEqual(at, { file, line: 1 });
      assert.strictEqual(readFileSync(file, 'utf8'), `[127.0.1.3]:2022 ${keys.a.text}\n`);
      assert.strictEqual(statSync(file).mode & 0o777, 0o600);
      assert.strictEqual(statSync(path.dirname(file)).mode & 0o777, 0o700);
      assert.deepStrictEqual(check(v, '127.0.1.3', 2022, keys.a), { status: 'trusted', fingerprint: fingerprintSha256(keys.a.blob), at });
      assert.strictEqual(check(v, '127.0.1.3', 22, keys.a).status, 'unknown');
      assert.ok(opensshFinds(file, '[127.0.1.3]:2022'));
    });

    it('writes port 22 bare and several names on one line', async () => {
      const file = path.join(dir, 'append-22');
      const v = await HostKeyVerifier.load([]);
      await v.appendKnownHost(file, ['Registry-Meta-1', '10.2.0.1'], 22, keys.ecdsa.type, keys.ecdsa.blob);
      assert.strictEqual(readFileSync(file, 'utf8'), `registry-meta-1,10.2.0.1 ${keys.ecdsa.text}\n`);
      assert.strictEqual(check(v, '10.2.0.1', 22, keys.ecdsa).status, 'trusted');
      assert.ok(opensshFinds(file, '10.2.0.1'));
    });

    it('appends hashed lines on a new line after a file without trailing newline; OpenSSH and a reload agree', async () => {
      const file = path.join(dir, 'append-hashed');
      writeFileSync(file, `first.example ${keys.b.text}`);
      const v = await HostKeyVerifier.load([file]);
      const at = await v.appendKnownHost(file, ['node-1', '10.3.0.1'], 2022, keys.a.type, keys.a.blob, { hashed: true });
      assert.deepStrictEqual(at, { file, line: 2 });
      const lines = readFileSync(file, 'utf8').split('\n');
      assert.strictEqual(lines.length, 4);
      assert.strictEqual(lines[0], `first.example ${keys.b.text}`);
      assert.ok(lines[1].startsWith('|1|') && lines[2].startsWith('|1|') && !lines[1].includes('node-1'), lines.join('\n'));
      for (const verifier of [v, await HostKeyVerifier.load([file])]) {
        assert.deepStrictEqual(check(verifier, 'node-1', 2022, keys.a), { status: 'trusted', fingerprint: fingerprintSha256(keys.a.blob), at });
        assert.deepStrictEqual(check(verifier, '10.3.0.1', 2022, keys.a), { status: 'trusted', fingerprint: fingerprintSha256(keys.a.blob), at: { file, line: 3 } });
        assert.strictEqual(check(verifier, 'first.example', 22, keys.b).status, 'trusted');
      }
      assert.ok(opensshFinds(file, '[node-1]:2022') && opensshFinds(file, '[10.3.0.1]:2022'));
    });

    it('refuses host names that would become patterns, and keys that are not of the stated type', async () => {
      const file = path.join(dir, 'append-refused');
      const v = await HostKeyVerifier.load([]);
      for (const bad of ['evil.example,*', '*', '!x', 'a b', 'a\nb', '|1|x|y', '']) {
        await assert.rejects(v.appendKnownHost(file, bad, 22, keys.a.type, keys.a.blob), /Refusing to write host name/);
      }
      await assert.rejects(v.appendKnownHost(file, 'ok.example', 22, 'ssh-rsa', keys.a.blob), /not a ssh-rsa key/);
      assert.strictEqual(check(v, 'anything', 22, keys.a).status, 'unknown');
      assert.throws(() => statSync(file));
    });
  });

  describe('describeVerdict', () => {
    const fp = (k: TestKey) => fingerprintSha256(k.blob);

    it('explains a changed key with both fingerprints, the line and the command to fix it', () => {
      const at = { file: '/root/.ssh/known_hosts', line: 12 };
      const text = describeVerdict({ status: 'changed', fingerprint: fp(keys.b), keyType: 'ssh-ed25519', knownFingerprint: fp(keys.a), at, known: [{ keyType: 'ssh-ed25519', fingerprint: fp(keys.a), at }], downgrade: false }, '127.0.1.3', 2022);
      assert.strictEqual(text, `Host key for [127.0.1.3]:2022 has CHANGED. Offered ${fp(keys.b)}; known_hosts has ssh-ed25519 ${fp(keys.a)} at /root/.ssh/known_hosts:12. `
        + `Refusing to connect; remove that line if the change is expected (ssh-keygen -R '[127.0.1.3]:2022' -f /root/.ssh/known_hosts).`);
    });

    it('explains a key-type downgrade with the offered key and every key on file', () => {
      const known = [
        { keyType: 'ssh-ed25519', fingerprint: fp(keys.a), at: { file: '/root/.ssh/known_hosts', line: 2 } },
        { keyType: 'ecdsa-sha2-nistp256', fingerprint: fp(keys.ecdsa), at: { file: '/p/known_hosts', line: 7 } },
      ];
      const text = describeVerdict({ status: 'changed', fingerprint: fp(keys.rsa), keyType: 'ssh-rsa', knownFingerprint: fp(keys.a), at: known[0].at, known, downgrade: true }, 'meta-1', 22);
      assert.strictEqual(text, `Host meta-1 offers a ssh-rsa key (${fp(keys.rsa)}), but known_hosts only has other key types for it: `
        + `ssh-ed25519 ${fp(keys.a)} at /root/.ssh/known_hosts:2; ecdsa-sha2-nistp256 ${fp(keys.ecdsa)} at /p/known_hosts:7. This can be a key-type downgrade by an attacker. `
        + 'Refusing to connect; remove those lines if the change is expected (ssh-keygen -R meta-1 -f /root/.ssh/known_hosts; ssh-keygen -R meta-1 -f /p/known_hosts).');
    });

    it('names the host as known_hosts does and shows the fingerprint for the other verdicts', () => {
      assert.strictEqual(describeVerdict({ status: 'unknown', fingerprint: fp(keys.a), keyType: 'ssh-ed25519' }, 'meta-1', 22),
        `Host meta-1 is not known. It offers ssh-ed25519 key ${fp(keys.a)}; trust it only if that matches the server's own fingerprint.`);
      assert.strictEqual(describeVerdict({ status: 'revoked', fingerprint: fp(keys.gone), at: { file: '/etc/ssh/ssh_known_hosts', line: 3 } }, 'meta-1', 2022),
        `Host key for [meta-1]:2022 (${fp(keys.gone)}) is REVOKED at /etc/ssh/ssh_known_hosts:3. Refusing to connect.`);
      assert.strictEqual(describeVerdict({ status: 'trusted', fingerprint: fp(keys.a), at: { file: '/k', line: 1 } }, 'meta-1', 22),
        `Host key for meta-1 is known: ${fp(keys.a)} at /k:1.`);
      assert.strictEqual(hostPortName('::1', 2022), '[::1]:2022');
    });
  });
});
