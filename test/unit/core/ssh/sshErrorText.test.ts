import * as assert from 'assert';
import { translator } from '../../../../src/core/l10n';
import { classifySshError, SshError, type SshErrorDetail } from '../../../../src/core/ssh/sshErrors';
import { sshErrorAdvice, sshErrorHint, sshErrorPlace, sshErrorText } from '../../../../src/core/ssh/sshErrorText';

const en = translator('en');
const zh = translator('zh');
const at = { file: '/home/op/.ssh/known_hosts', line: 7 };
const changed: SshErrorDetail = {
  reason: 'host-key', host: '127.0.1.3', port: 2022,
  verdict: { status: 'changed', fingerprint: 'SHA256:new', keyType: 'ssh-ed25519', knownFingerprint: 'SHA256:old', at, known: [{ keyType: 'ssh-ed25519', fingerprint: 'SHA256:old', at }], downgrade: false },
};

/** Every failure the SSH layer words, as the connection and the pool raise it. */
const failures: Array<[string, SshError]> = [
  ['cancelled', new SshError('cancelled', 'meta-1', { reason: 'cancelled' })],
  ['closed', new SshError('unreachable', 'meta-1', { reason: 'connection-closed' })],
  ['handshake closed', new SshError('unreachable', 'meta-1', { reason: 'handshake-closed' })],
  ['connect timeout', new SshError('unreachable', 'meta-1', { reason: 'connect-timeout', address: '[10.0.0.5]:2022', seconds: 10 })],
  ['no answer', classifySshError({ level: 'client-timeout', message: 'Timed out while waiting for handshake' }, 'meta-1', '[10.0.0.5]:2022')],
  ['refused', classifySshError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.5:2022' }, 'meta-1', '[10.0.0.5]:2022')],
  ['keepalive', classifySshError(new Error('Keepalive timeout'), 'meta-1')],
  ['proxy command', new SshError('unreachable', 'meta-1', { reason: 'proxy-command', said: 'nc: connect refused' })],
  ['auth', classifySshError({ level: 'client-authentication', message: 'All configured authentication methods failed' }, 'meta-1')],
  ['host key changed', new SshError('host-key-refused', 'meta-1', changed)],
  ['host key revoked', new SshError('host-key-refused', 'meta-1', { reason: 'host-key', host: 'meta-1', port: 22, verdict: { status: 'revoked', fingerprint: 'SHA256:gone', at } })],
  ['host key declined', new SshError('host-key-refused', 'meta-1', { reason: 'host-key-declined', address: '[10.0.0.5]:2022', fingerprint: 'SHA256:x' })],
  ['host key ask failed', new SshError('host-key-refused', 'meta-1', { reason: 'host-key-ask-failed', address: 'meta-1', fingerprint: 'SHA256:x', cause: 'no terminal' })],
  ['host key not recorded', new SshError('host-key-refused', 'meta-1', { reason: 'host-key-not-recorded', address: 'meta-1', keyType: 'ssh-ed25519', fingerprint: 'SHA256:x', file: '/home/op/.sofa-ops/known_hosts', code: 'EACCES', cause: 'Error: EACCES' })],
  ['not in inventory', new SshError('error', 'meta-9', { reason: 'not-in-inventory', inventory: '/ws/sofa-ops.inventory.yaml' })],
  ['not ssh', new SshError('error', 'local-1', { reason: 'not-ssh', why: 'ansible_connection=local (hosts.ini:3)', at: { file: '/ws/hosts.ini', line: 3 } })],
];

describe('SSH failures as user text', () => {
  it('keeps the English messages the logs and --json have always shown', () => {
    const message = (name: string) => failures.find(([n]) => n === name)![1].message;
    assert.strictEqual(message('cancelled'), 'connecting to meta-1 was cancelled');
    assert.strictEqual(message('connect timeout'), 'meta-1 ([10.0.0.5]:2022) did not accept a connection within 10 s');
    assert.strictEqual(message('refused'), 'meta-1 ([10.0.0.5]:2022) is unreachable: connect ECONNREFUSED 10.0.0.5:2022');
    assert.strictEqual(message('auth'), 'authentication failed for meta-1: All configured authentication methods failed');
    assert.strictEqual(message('not in inventory'), 'Host "meta-9" is not in the inventory.');
    assert.strictEqual(message('host key not recorded'), 'cannot record the host key in /home/op/.sofa-ops/known_hosts: permission denied (EACCES); not connecting to meta-1 (ssh-ed25519 SHA256:x was accepted but could not be recorded)');
    assert.match(message('host key changed'), /^Host key for \[127\.0\.1\.3\]:2022 has CHANGED\. Offered SHA256:new; known_hosts has ssh-ed25519 SHA256:old at \/home\/op\/\.ssh\/known_hosts:7\. Refusing to connect/);
    for (const [name, err] of failures) assert.strictEqual(sshErrorText(err, en), err.message, name);
  });

  it('words every kind in Chinese, keeping the host, address, file:line and fingerprints', () => {
    for (const [name, err] of failures) {
      const text = sshErrorText(err, zh);
      assert.notStrictEqual(text, err.message, `${name} is still English: ${text}`);
      assert.match(text, /[\u4e00-\u9fff]/, `${name}: ${text}`);
      for (const kept of err.message.match(/\[?[\d.]+\]?:\d+|SHA256:\w+|meta-\d|local-1|\/[\w/.-]+:\d+/g) ?? []) assert.ok(text.includes(kept), `${name} lost ${kept}: ${text}`);
    }
    assert.strictEqual(sshErrorText(failures.find(([n]) => n === 'refused')![1], zh), 'meta-1（[10.0.0.5]:2022）无法连接：connect ECONNREFUSED 10.0.0.5:2022');
    assert.strictEqual(sshErrorText(failures.find(([n]) => n === 'host key not recorded')![1], zh), '无法把主机密钥记录到 /home/op/.sofa-ops/known_hosts：权限不足 (EACCES)；不连接 meta-1（已接受 ssh-ed25519 SHA256:x，但无法记录）');
    assert.match(sshErrorText(new SshError('host-key-refused', 'meta-1', changed), zh), /主机密钥已变更.*拒绝连接.*ssh-keygen -R '\[127\.0\.1\.3\]:2022' -f \/home\/op\/\.ssh\/known_hosts/);
  });

  it('shows ready-made text as it is, in either language', () => {
    const err = new SshError('unreachable', 'down-1', 'ECONNREFUSED');
    assert.strictEqual(sshErrorText(err, zh), 'ECONNREFUSED');
    assert.strictEqual(err.message, 'ECONNREFUSED');
  });

  it('points a refused host key at its known_hosts line and an inventory problem at the inventory', () => {
    const place = (name: string) => sshErrorPlace(failures.find(([n]) => n === name)![1]);
    assert.deepStrictEqual(place('host key changed'), { file: '/home/op/.ssh/known_hosts', line: 7, of: 'known_hosts' });
    assert.deepStrictEqual(place('host key revoked'), { file: '/home/op/.ssh/known_hosts', line: 7, of: 'known_hosts' });
    assert.deepStrictEqual(place('not ssh'), { file: '/ws/hosts.ini', line: 3, of: 'inventory' });
    assert.deepStrictEqual(place('not in inventory'), { file: '/ws/sofa-ops.inventory.yaml', line: 1, of: 'inventory' });
    assert.strictEqual(place('refused'), undefined);
    assert.strictEqual(place('auth'), undefined);
  });

  it('tells what to try after an authentication failure, in the reader\'s language', () => {
    const auth = failures.find(([n]) => n === 'auth')![1];
    assert.match(sshErrorHint(auth, en)!, /ssh-agent.*identity file.*password/);
    assert.match(sshErrorHint(auth, zh)!, /ssh-agent.*密钥文件.*密码/);
    assert.strictEqual(sshErrorHint(failures.find(([n]) => n === 'refused')![1], en), undefined);
    assert.strictEqual(sshErrorAdvice(auth, zh), `${sshErrorText(auth, zh)} ${sshErrorHint(auth, zh)}`, 'the CLI and the editor show the hint after the text');
    assert.strictEqual(sshErrorAdvice(failures.find(([n]) => n === 'refused')![1], zh), sshErrorText(failures.find(([n]) => n === 'refused')![1], zh));
  });
});
