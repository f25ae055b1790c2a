import * as assert from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { loadInventory, parseInventory, type InventoryHost } from '../../../../src/core/inventory/inventory';
import { selectTargets } from '../../../../src/core/inventory/selectors';
import { formatProblem } from '../../../../src/core/sourceProblem';

const fixtures = path.join(__dirname, 'fixtures');

/** Identity files are local paths: `~` must mean this user's home, so the tests pin HOME. */
function withTempHome(): { home: () => string } {
  let home = '';
  let saved: string | undefined;
  before(() => {
    saved = process.env.HOME;
    home = mkdtempSync(path.join(tmpdir(), 'sofa-ops-home-'));
    process.env.HOME = home;
  });
  after(() => {
    if (saved === undefined) delete process.env.HOME;
    else process.env.HOME = saved;
    rmSync(home, { recursive: true, force: true });
  });
  return { home: () => home };
}

function byName(hosts: InventoryHost[], name: string): InventoryHost {
  const h = hosts.find((x) => x.name === name);
  assert.ok(h, `no host ${name}`);
  return h;
}

function problemsOf(text: string, options = {}): string[] {
  return parseInventory('inv.yaml', text, options).problems.map(formatProblem);
}

describe('inventory: our YAML format', () => {
  it('gives a component named as its product the group of that name (target=acvip is the ACVIP servers, not its database)', () => {
    const { inventory, problems } = parseInventory('inv.yaml', `products:
  acvip:
    acvip:
      - { name: acvip-1, host: 10.0.0.1 }
      - { name: acvip-2, host: 10.0.0.2 }
    acvip-metadata-rds:
      - { name: acvip-metadata-rds-1, host: 10.0.0.3 }
  registry:
    registry-meta:
      - { name: registry-meta-1, host: 10.0.1.1 }
    registry-data:
      - { name: registry-data-1, host: 10.0.1.2 }
`);
    assert.deepStrictEqual(problems, []);
    const names = (selector: string) => selectTargets(inventory, selector).map((h) => h.name);
    assert.deepStrictEqual(names('acvip'), ['acvip-1', 'acvip-2']);
    assert.deepStrictEqual(names('acvip-metadata-rds'), ['acvip-metadata-rds-1']);
    assert.strictEqual(inventory.hosts.find((h) => h.name === 'acvip-metadata-rds-1')?.product, 'acvip', 'still the product\'s host');
    // A product without a component of its name keeps its product group.
    assert.deepStrictEqual(names('registry'), ['registry-meta-1', 'registry-data-1']);
  });

  const env = withTempHome();

  it('fills every host from file defaults, and a host\'s own fields win', async () => {
    const { inventory, problems } = await loadInventory(path.join(fixtures, 'site.sofa.yaml'));
    assert.deepStrictEqual(problems, []);
    assert.strictEqual(inventory.format, 'sofa');
    const meta1 = byName(inventory.hosts, 'registry-meta-1');
    assert.deepStrictEqual(
      { host: meta1.host, port: meta1.port, user: meta1.user, proxyJump: meta1.proxyJump, logRoot: meta1.logRoot },
      { host: '127.0.1.1', port: 2022, user: 'admin', proxyJump: 'bastion', logRoot: '/home/admin/logs' },
    );
    assert.strictEqual(byName(inventory.hosts, 'registry-meta-2').port, 2222);
    const bastion = byName(inventory.hosts, 'bastion');
    assert.deepStrictEqual([bastion.port, bastion.user], [22, 'ops']);
  });

  it('applies a component\'s own defaults only to that component, over the file defaults', async () => {
    const { inventory } = await loadInventory(path.join(fixtures, 'site.sofa.yaml'));
    assert.deepStrictEqual(inventory.hosts.map((h) => [h.name, h.user]), [
      ['bastion', 'ops'],
      ['registry-meta-1', 'admin'],
      ['registry-meta-2', 'admin'],
      ['registry-data-1', 'registry'],
      ['registry-data-2', 'registry'],
      ['registry-data-3', 'registry'],
      ['drmdata-1', 'admin'],
    ]);
    assert.strictEqual(byName(inventory.hosts, 'registry-data-2').logRoot, '/data/logs');
  });

  it('applies product defaults between file and component defaults', () => {
    const { inventory, problems } = parseInventory('inv.yaml', `defaults: { user: admin, port: 2022 }
products:
  mq:
    defaults: { user: mq, port: 2200 }
    msgbroker:
      defaults: { port: 2300 }
      hosts: [{ name: broker-1, host: 10.1.0.1 }]
    msgconsole:
      - { name: console-1, host: 10.1.0.2 }
`);
    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(inventory.hosts.map((h) => [h.name, h.user, h.port]), [['broker-1', 'mq', 2300], ['console-1', 'mq', 2200]]);
  });

  it('merges versions key by key: the file says the platform, a product its own version, a host overrides', () => {
    const { inventory, problems } = parseInventory('inv.yaml', `defaults: { versions: { antstack: "1.2", acvip: "0.6.9" } }
products:
  acvip:
    defaults: { versions: { acvip: "0.7.2" } }
    acvip:
      - { name: acvip-1, host: 10.1.0.1 }
      - { name: acvip-old, host: 10.1.0.2, versions: { acvip: "0.6.1" } }
  mq:
    msgbroker:
      - { name: broker-1, host: 10.1.0.3 }
`);
    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(inventory.hosts.map((h) => [h.name, h.versions]), [
      ['acvip-1', { antstack: '1.2', acvip: '0.7.2' }],
      ['acvip-old', { antstack: '1.2', acvip: '0.6.1' }],
      ['broker-1', { antstack: '1.2', acvip: '0.6.9' }],
    ]);
    const bad = parseInventory('inv.yaml', 'products:\n  mq:\n    msgbroker:\n      - { name: b, host: h, versions: { mq: "latest" } }\n');
    assert.deepStrictEqual(bad.inventory.hosts, [], 'a host with an unreadable version is left out, not guessed');
    assert.match(bad.problems.map(formatProblem).join('\n'), /inv\.yaml:4: products\.mq\.msgbroker\.0\.versions\.mq: "latest"/);
  });

  it('adds defaults\' tags to a host\'s own, and puts hosts in product, component and extra groups', async () => {
    const { inventory } = await loadInventory(path.join(fixtures, 'site.sofa.yaml'));
    assert.deepStrictEqual(byName(inventory.hosts, 'registry-data-3').tags, ['dc-a', 'zone=gz00b']);
    const meta1 = byName(inventory.hosts, 'registry-meta-1');
    assert.deepStrictEqual([meta1.product, meta1.component, meta1.groups], ['registry', 'registry-meta', ['registry', 'registry-meta']]);
    assert.deepStrictEqual(byName(inventory.hosts, 'bastion').groups, ['bastions']);
    assert.deepStrictEqual(inventory.groups.get('registry-meta'), ['registry-meta-1', 'registry-meta-2']);
    assert.deepStrictEqual(inventory.groups.get('dds'), ['drmdata-1']);
  });

  it('expands ~ in identity files against the home directory', () => {
    const { inventory } = parseInventory('inv.yaml', `defaults: { identityFile: ~/.ssh/id_ed25519 }
hosts:
  - { name: a, host: a.example.com }
  - { name: b, host: b.example.com, identityFile: [~/.ssh/ops_key, /etc/keys/shared] }
`);
    assert.deepStrictEqual(inventory.hosts[0].identityFiles, [path.join(env.home(), '.ssh/id_ed25519')]);
    assert.deepStrictEqual(inventory.hosts[1].identityFiles, [path.join(env.home(), '.ssh/ops_key'), '/etc/keys/shared']);
  });

  it('does not make the bastion jump through itself, and `proxyJump: none` turns an inherited jump off', async () => {
    const { inventory } = await loadInventory(path.join(fixtures, 'site.sofa.yaml'));
    assert.strictEqual(byName(inventory.hosts, 'bastion').proxyJump, undefined);
    const second = parseInventory('inv.yaml', `defaults: { proxyJump: "outer,bastion" }
hosts:
  - { name: outer, host: 192.0.2.1, proxyJump: none }
  - { name: bastion, host: 10.0.0.1 }
  - { name: app, host: 10.0.0.2 }
`);
    assert.deepStrictEqual(second.problems, []);
    assert.deepStrictEqual(second.inventory.hosts.map((h) => h.proxyJump), [undefined, 'outer', 'outer,bastion']);
  });

  it('accepts jump hosts that are not inventory names (DNS names, ssh config aliases, user@host:port)', () => {
    assert.deepStrictEqual(problemsOf(`hosts:
  - { name: a, host: 10.0.0.2, proxyJump: gw }
  - { name: b, host: 10.0.0.3, proxyJump: "ops@jump.example.com:2200,gw2" }
  - { name: c, host: 10.0.0.4, proxyJump: "ssh://[2001:db8::1]:22" }
`), []);
  });

  it('reports YAML syntax errors with their line', () => {
    assert.match(problemsOf('defaults: { port: 22 }\nhosts: [\n')[0], /^inv\.yaml:3: YAML: /);
  });

  it('reports an unknown field at its own line and leaves out only that host', () => {
    const { inventory, problems } = parseInventory('inv.yaml', `products:
  registry:
    registry-meta:
      - name: registry-meta-1
        host: 127.0.1.1
        prot: 2022
      - name: registry-meta-2
        host: 127.0.1.2
`);
    assert.deepStrictEqual(problems.map(formatProblem), ['inv.yaml:6: products.registry.registry-meta.0: unknown field "prot"']);
    assert.deepStrictEqual(inventory.hosts.map((h) => h.name), ['registry-meta-2']);
  });

  it('reports wrong types, ports out of range and missing fields with file:line', () => {
    assert.deepStrictEqual(problemsOf(`hosts:
  - { name: a, host: 10.0.0.1, port: 70000 }
  - { name: b, host: 10.0.0.2, tags: dc-a }
  - { name: c }
  - { name: d, host: 10.0.0.4, port: "22" }
`), [
      'inv.yaml:2: hosts.0.port: must be <= 65535',
      'inv.yaml:3: hosts.1.tags: must be array',
      'inv.yaml:4: hosts.2: missing required field "host"',
      'inv.yaml:5: hosts.3.port: must be integer',
    ]);
  });

  it('reports a product or component key that is not a catalog id, at the key, and leaves out its hosts', () => {
    const { inventory, problems } = parseInventory('inv.yaml', `products:
  registry:
    registry-meta: [{ name: m1, host: 127.0.1.1 }]
  Registry:
    registry-meta: [{ name: m2, host: 127.0.1.2 }]
`);
    assert.deepStrictEqual(problems.map(formatProblem), ['inv.yaml:4: products: "Registry" is not a catalog id (lower-case kebab-case, e.g. registry-meta)']);
    assert.deepStrictEqual(inventory.hosts.map((h) => h.name), ['m1']);
  });

  it('leaves out every host under broken defaults, and says so at the defaults', () => {
    const { inventory, problems } = parseInventory('inv.yaml', `hosts:
  - { name: bastion, host: 10.0.0.1 }
products:
  registry:
    registry-data:
      defaults:
        usr: registry
      hosts:
        - { name: registry-data-1, host: 127.0.2.1 }
`);
    assert.deepStrictEqual(problems.map(formatProblem), ['inv.yaml:7: products.registry.registry-data.defaults: unknown field "usr"']);
    assert.deepStrictEqual(inventory.hosts.map((h) => h.name), ['bastion']);
  });

  it('reports a duplicate host name at the second entry, naming the first', () => {
    const { inventory, problems } = parseInventory('inv.yaml', `hosts:
  - { name: bastion, host: 10.0.0.1 }
products:
  registry:
    registry-meta:
      - { name: bastion, host: 127.0.1.1 }
`);
    assert.deepStrictEqual(problems.map(formatProblem), ['inv.yaml:6: duplicate host name "bastion" (first defined at inv.yaml:2); this entry is ignored']);
    assert.strictEqual(inventory.hosts.length, 1);
  });

  it('reports proxyJump loops and a host jumping through itself, at the proxyJump line', () => {
    assert.deepStrictEqual(problemsOf(`hosts:
  - name: a
    host: 10.0.0.1
    proxyJump: b
  - name: b
    host: 10.0.0.2
    proxyJump: a
  - name: c
    host: 10.0.0.3
    proxyJump: c
  - { name: d, host: 10.0.0.4, proxyJump: "gw:99999" }
`), [
      'inv.yaml:10: host "c": proxyJump goes through the host itself',
      'inv.yaml:11: host "d": bad port "99999" in proxyJump hop "gw:99999"',
      'inv.yaml:4: host "a": proxyJump loops through inventory hosts: a → b → a',
      'inv.yaml:7: host "b": proxyJump loops through inventory hosts: b → a → b',
    ]);
  });

  it('reports a component key the catalog does not know, when given the catalog\'s ids', () => {
    const text = `products:
  registry:
    registry-meta: [{ name: m1, host: 127.0.1.1 }]
    registry-mata: [{ name: m2, host: 127.0.1.2 }]
`;
    assert.deepStrictEqual(problemsOf(text, { knownComponents: new Set(['registry-meta', 'registry-data']) }), [
      'inv.yaml:4: "registry-mata" is not a component id in the catalog; its hosts still form a group of that name',
    ]);
    assert.deepStrictEqual(problemsOf(text), []);
  });

  it('reports a host named like a group, since selectors would pick the group', () => {
    assert.deepStrictEqual(problemsOf(`products:
  dds:
    drmdata:
      - { name: drmdata, host: 10.0.0.9 }
`), ['inv.yaml:4: host name "drmdata" is also a group name; the selector "drmdata" picks the group']);
  });

  it('turns an unreadable file into a problem instead of throwing', async () => {
    const missing = path.join(fixtures, 'no-such-inventory.yaml');
    const { inventory, problems } = await loadInventory(missing);
    assert.deepStrictEqual(inventory.hosts, []);
    assert.strictEqual(problems.length, 1);
    assert.match(formatProblem(problems[0]), /no-such-inventory\.yaml:1: cannot read inventory: ENOENT/);
  });
});
