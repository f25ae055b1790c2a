import * as assert from 'assert';
import * as os from 'os';
import * as path from 'path';
import { resolveTarget } from '../../../../src/core/ssh/sshConfig';
import { parseInventory } from '../../../../src/core/inventory/inventory';
import { selectTargets } from '../../../../src/core/inventory/selectors';
import { productKnownHostsFile, targetsForHosts } from '../../../../src/core/ssh/targets';

const config = `
Host bastion
  HostName 10.0.0.1
  User jump
  Port 2200

Host meta-*
  hostname 127.0.1.%h
  IdentityFile ~/.ssh/meta_key
  ProxyJump bastion
  ServerAliveInterval 5
  ConnectTimeout 3

Host *
  User fallback
  ServerAliveCountMax 2
`;

describe('SSH target resolution (inventory + ~/.ssh/config)', () => {
  const env = { USER: 'me', SSH_AUTH_SOCK: '/tmp/agent.sock' };

  it('applies ~/.ssh/config like OpenSSH: first value wins, case-insensitive keywords, ProxyJump chain', () => {
    const t = resolveTarget({ name: 'meta-1' }, { sshConfigText: config, env, defaultPort: 2022 });
    assert.strictEqual(t.host, '127.0.1.meta-1');
    assert.strictEqual(t.user, 'fallback');
    assert.strictEqual(t.port, 2022);
    assert.deepStrictEqual(t.identityFiles, [path.join(os.homedir(), '.ssh/meta_key')]);
    assert.strictEqual(t.keepaliveInterval, 5);
    assert.strictEqual(t.keepaliveCountMax, 2);
    assert.strictEqual(t.connectTimeout, 3);
    assert.strictEqual(t.agent, '/tmp/agent.sock');
    assert.deepStrictEqual(t.jumps.map((j) => [j.host, j.port, j.user]), [['10.0.0.1', 2200, 'jump']]);
  });

  it('lets inventory values win over the config, keeps keepalive on by default, and resolves inventory hops', () => {
    const t = resolveTarget(
      { name: 'registry-meta-1', host: '127.0.3.1', port: 2022, user: 'admin', identityFiles: ['/k'], proxyJump: 'ops@jumpbox:22,registry-bastion' },
      { sshConfigText: '', env: {}, lookupInventoryHost: (name) => (name === 'registry-bastion' ? { name, host: '127.0.9.9', port: 2222, user: 'admin' } : undefined) },
    );
    assert.deepStrictEqual([t.host, t.port, t.user, t.identityFiles], ['127.0.3.1', 2022, 'admin', ['/k']]);
    assert.strictEqual(t.keepaliveInterval, 15);
    assert.strictEqual(t.agent, undefined);
    assert.deepStrictEqual(t.jumps.map((j) => `${j.user}@${j.host}:${j.port}`), ['ops@jumpbox:22', 'admin@127.0.9.9:2222']);
  });

  it('rejects a malformed ProxyJump and "none" turns an inherited one off', () => {
    assert.throws(() => resolveTarget({ name: 'x', proxyJump: 'a:notaport' }, { sshConfigText: '' }), /x: .*Invalid ProxyJump "a:notaport"/);
    assert.deepStrictEqual(resolveTarget({ name: 'meta-2', proxyJump: 'none' }, { sshConfigText: config }).jumps, []);
  });

  it('turns selected inventory hosts into targets, hops through inventory bastions by name', () => {
    const { inventory, problems } = parseInventory('/inv.yaml', `defaults: { user: admin, proxyJump: bastion }
hosts:
  - { name: bastion, host: 127.0.9.1, port: 22 }
products:
  registry:
    registry-meta:
      - { name: registry-meta-1, host: 127.0.1.1 }
`);
    assert.deepStrictEqual(problems, []);
    const [t] = targetsForHosts(inventory, selectTargets(inventory, 'registry-meta'), { sshConfigText: '' });
    assert.deepStrictEqual([t.name, t.host, t.port], ['registry-meta-1', '127.0.1.1', 2022]);
    assert.deepStrictEqual(t.jumps.map((j) => `${j.name}:${j.host}:${j.port}`), ['bastion:127.0.9.1:22']);
  });

  it('gives ssh_config Port precedence over the product default, and an explicit inventory port over both', () => {
    const cfg = 'Host 127.0.1.*\n  Port 2200\n';
    const { inventory } = parseInventory('/inv.yaml', `hosts:\n  - { name: a, host: 127.0.1.1 }\n  - { name: b, host: 127.0.1.2, port: 2300 }\n  - { name: c, host: 10.0.0.3 }\n`);
    const ports = targetsForHosts(inventory, inventory.hosts, { sshConfigText: cfg }).map((t) => t.port);
    assert.deepStrictEqual(ports, [2200, 2300, 2022]);
  });

  it('reads Host patterns as OpenSSH does: "?" is one character, "a,b" is one pattern, "!" excludes, and expands ProxyCommand tokens', () => {
    const cfg = 'Host a?\n  HostName one\nHost a,b\n  HostName comma\nHost p* !pbastion\n  ProxyCommand nc %h %p %r\n  User pu\n';
    const r = (name: string) => resolveTarget({ name }, { sshConfigText: cfg, env: {} });
    assert.deepStrictEqual([r('ab').host, r('a').host, r('b').host], ['one', 'a', 'b']);
    assert.strictEqual(r('p1').proxyCommand, 'exec nc p1 22 pu');
    assert.strictEqual(r('pbastion').proxyCommand, undefined);
    assert.throws(() => resolveTarget({ name: 'x' }, { sshConfigText: 'Host x\n  Bogus 1\n' }), /ssh_config \(text\):2: Bad configuration option: bogus/);
  });

  it('keeps its own known_hosts under SOFA_OPS_HOME or ~/.sofa-ops', () => {
    assert.strictEqual(productKnownHostsFile({ SOFA_OPS_HOME: '/x' }), '/x/known_hosts');
    assert.strictEqual(productKnownHostsFile({}), path.join(os.homedir(), '.sofa-ops', 'known_hosts'));
  });
});
