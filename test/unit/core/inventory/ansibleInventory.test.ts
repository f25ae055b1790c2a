import * as assert from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { detectInventoryFormat, loadInventory, parseInventory, type Inventory, type InventoryHost } from '../../../../src/core/inventory/inventory';
import { expandHostPattern } from '../../../../src/core/inventory/ansibleInventory';
import { proxyJumpFromSshArgs } from '../../../../src/core/inventory/ansibleSshArgs';
import { selectTargets } from '../../../../src/core/inventory/selectors';
import { formatProblem } from '../../../../src/core/sourceProblem';

const fixtures = path.join(__dirname, 'fixtures');

/** What a connection uses from a host, plus what selectors look at. */
function connection(h: InventoryHost) {
  return {
    name: h.name, host: h.host, port: h.port, user: h.user, identityFiles: h.identityFiles, proxyJump: h.proxyJump,
    logRoot: h.logRoot, tags: [...h.tags].sort(), groups: [...h.groups].sort(),
  };
}

function byName(inventory: Inventory, name: string): InventoryHost {
  const h = inventory.hosts.find((x) => x.name === name);
  assert.ok(h, `no host ${name}`);
  return h;
}

function problemsOf(file: string, text: string): string[] {
  return parseInventory(file, text).problems.map(formatProblem);
}

describe('inventory: Ansible INI and YAML', () => {
  let home = '';
  let savedHome: string | undefined;
  before(() => {
    savedHome = process.env.HOME;
    home = mkdtempSync(path.join(tmpdir(), 'sofa-ops-home-'));
    process.env.HOME = home;
  });
  after(() => {
    if (savedHome === undefined) delete process.env.HOME;
    else process.env.HOME = savedHome;
    rmSync(home, { recursive: true, force: true });
  });

  describe('the same site in three formats', () => {
    const sites: Record<string, Inventory> = {};
    before(async () => {
      for (const name of ['site.sofa.yaml', 'site.ini', 'site.ansible.yaml']) {
        const { inventory, problems } = await loadInventory(path.join(fixtures, name));
        assert.deepStrictEqual(problems, [], name);
        sites[name] = inventory;
      }
    });

    it('detects each format', () => {
      assert.deepStrictEqual(Object.values(sites).map((s) => s.format), ['sofa', 'ansible-ini', 'ansible-yaml']);
    });

    for (const selector of ['all', 'registry', 'registry-meta', 'registry-data[1]', 'registry-data[0:2]', 'registry-meta[-1]', 'bastions', 'bastion',
      'tag=dc-a', 'tag=zone=gz00b', 'registry-meta[0],drmdata', 'dds,tag=dc-b']) {
      it(`selects the same hosts, reached the same way, for "${selector}"`, () => {
        const ours = selectTargets(sites['site.sofa.yaml'], selector).map(connection);
        assert.ok(ours.length > 0);
        assert.deepStrictEqual(selectTargets(sites['site.ini'], selector).map(connection), ours, 'INI');
        assert.deepStrictEqual(selectTargets(sites['site.ansible.yaml'], selector).map(connection), ours, 'Ansible YAML');
      });
    }

    it('takes the key from all:vars with ~ expanded, and does not make the bastion jump through itself', () => {
      for (const site of Object.values(sites)) {
        assert.deepStrictEqual(byName(site, 'registry-meta-1').identityFiles, [path.join(home, '.ssh/id_ed25519')]);
        assert.strictEqual(byName(site, 'registry-meta-1').proxyJump, 'bastion');
        assert.strictEqual(byName(site, 'bastion').proxyJump, undefined);
      }
    });
  });

  it('detects INI in a file without extension (Ansible\'s classic `hosts`) and Ansible YAML by `all:`', () => {
    assert.strictEqual(detectInventoryFormat('/etc/ansible/hosts', '# site\n[web]\nweb1\n'), 'ansible-ini');
    assert.strictEqual(detectInventoryFormat('/etc/ansible/hosts', 'web1 ansible_host=10.0.0.1\n'), 'ansible-ini');
    assert.strictEqual(detectInventoryFormat('/etc/ansible/hosts', '---\nall:\n  hosts:\n    web1:\n'), 'ansible-yaml');
    assert.strictEqual(detectInventoryFormat('inventory.yml', 'web:\n  hosts:\n    web1:\n'), 'ansible-yaml');
    assert.strictEqual(detectInventoryFormat('inventory', 'defaults: {port: 22}\nproducts: {}\n'), 'sofa');
    assert.strictEqual(detectInventoryFormat('site.ini', 'all:\n'), 'ansible-ini');
  });

  describe('INI features', () => {
    let inv: Inventory;
    before(async () => {
      const result = await loadInventory(path.join(fixtures, 'ranges.ini'));
      assert.deepStrictEqual(result.problems, []);
      inv = result.inventory;
    });

    it('expands numeric (zero-padded), letter and stepped ranges in inventory order, and reads host:port', () => {
      assert.deepStrictEqual(inv.hosts.map((h) => h.name), [
        'edge-proxy.example.com', 'web01.example.com', 'web02.example.com', 'web03.example.com', 'web-a.example.com', 'web-b.example.com', 'db1', 'db3', 'db5',
      ]);
      assert.deepStrictEqual([inv.hosts[0].host, inv.hosts[0].port, inv.hosts[0].groups], ['edge-proxy.example.com', 2200, []]);
      assert.deepStrictEqual(inv.groups.get('spare'), []);
    });

    it('lets host vars beat child group vars, child group vars beat parent group vars, and those beat all:vars', () => {
      const pick = (name: string) => {
        const h = byName(inv, name);
        return [h.user, h.logRoot, h.port];
      };
      assert.deepStrictEqual(pick('web01.example.com'), ['deploy', '/web/logs', 2300]);
      assert.deepStrictEqual(pick('web-a.example.com'), ['frontend', '/web/logs', 2300]);
      assert.deepStrictEqual(pick('db3'), ['site', '/site/logs', 2300]);
      assert.deepStrictEqual(pick('edge-proxy.example.com'), ['everyone', '/all/logs', 2200]);
      assert.deepStrictEqual(byName(inv, 'web01.example.com').groups, ['web', 'frontend', 'site']);
      assert.deepStrictEqual(inv.groups.get('site'), ['web01.example.com', 'web02.example.com', 'web03.example.com', 'web-a.example.com', 'web-b.example.com', 'db1', 'db3', 'db5']);
    });

    it('takes ProxyJump from -J in ansible_ssh_extra_args', () => {
      assert.strictEqual(byName(inv, 'web-b.example.com').proxyJump, 'ops@jump.example.com:2222');
      assert.strictEqual(byName(inv, 'db1').proxyJump, undefined);
    });
  });

  it('reads ProxyJump from the ssh argument spellings people use', () => {
    assert.strictEqual(proxyJumpFromSshArgs('-o ProxyJump=bastion'), 'bastion');
    assert.strictEqual(proxyJumpFromSshArgs('-oProxyJump=a@b:2,c'), 'a@b:2,c');
    assert.strictEqual(proxyJumpFromSshArgs('-o StrictHostKeyChecking=no -o "ProxyJump gw"'), 'gw');
    assert.strictEqual(proxyJumpFromSshArgs('-J gw'), 'gw');
    assert.strictEqual(proxyJumpFromSshArgs('-Jgw'), 'gw');
    assert.strictEqual(proxyJumpFromSshArgs('-o ProxyCommand="ssh -W %h:%p gw"'), undefined);
  });

  it('expands host patterns and rejects ranges Ansible rejects', () => {
    assert.deepStrictEqual(expandHostPattern('r[1:2]-[a:b]').names, ['r1-a', 'r1-b', 'r2-a', 'r2-b']);
    assert.deepStrictEqual(expandHostPattern('n[:2]').names, ['n0', 'n1', 'n2']);
    assert.match(expandHostPattern('n[01:100]').error ?? '', /equal-length/);
    assert.match(expandHostPattern('n[3:1]').error ?? '', /empty/);
  });

  it('sets component from a group named like a catalog component, and product too when given a map', () => {
    const text = '[registry-meta]\nm1\n[drmdata]\nd1 sofa_component=drmdata sofa_product=dds\n[registry:children]\nregistry-meta\n[other]\nx1\n';
    const withSet = parseInventory('inv.ini', text, { knownComponents: new Set(['registry-meta']) }).inventory;
    assert.deepStrictEqual(withSet.hosts.map((h) => [h.name, h.component, h.product]), [['m1', 'registry-meta', undefined], ['d1', 'drmdata', 'dds'], ['x1', undefined, undefined]]);
    const withMap = parseInventory('inv.ini', text, { knownComponents: new Map([['registry-meta', 'registry']]) }).inventory;
    assert.deepStrictEqual([withMap.hosts[0].component, withMap.hosts[0].product], ['registry-meta', 'registry']);
    assert.deepStrictEqual(parseInventory('inv.ini', text).inventory.hosts[0].component, undefined);
  });

  it('reports INI lines it cannot read with their line, and keeps reading', () => {
    const { inventory, problems } = parseInventory('inv.ini', `[web]
web1 ansible_host=10.0.0.1
web2 ansible_host
web3 ansible_port=99999
web4 ansible_host="{{ lookup('env', 'WEB4') }}"
web5 ansible_user='unclosed
[web:extra]
ignored line
[db:vars]
no equals sign
[db:children]
two words
[broken
web6
`);
    assert.deepStrictEqual(problems.map(formatProblem), [
      'inv.ini:3: cannot read host line: "ansible_host" is not key=value (after host "web2")',
      'inv.ini:6: cannot read host line: unclosed quote',
      'inv.ini:7: Section [web:extra] has unknown type: extra; expected :vars or :children',
      'inv.ini:10: cannot read variable line in [db:vars]: expected key=value',
      'inv.ini:12: cannot read line in [db:children]: expected one group name',
      // As in Ansible, "[broken" and "web6" are child group names in [db:children], never defined.
      'inv.ini:13: [db:children] names "[broken", a group that is never defined (Ansible refuses the file)',
      'inv.ini:14: [db:children] names "web6", a group that is never defined (Ansible refuses the file)',
      'inv.ini:4: host "web3": port 99999 is not a number from 1 to 65535',
      'inv.ini:5: host "web4": ansible_host uses a Jinja template, which SOFA Ops cannot evaluate',
    ]);
    assert.deepStrictEqual(inventory.hosts.map((h) => [h.name, h.host, h.port]), [['web1', '10.0.0.1', 2022], ['web3', 'web3', 2022], ['web4', 'web4', 2022]]);
  });

  it('reports a group that is its own ancestor', () => {
    assert.deepStrictEqual(problemsOf('inv.ini', '[a:children]\nb\n[b:children]\na\n[a]\nh1\n'), ['inv.ini:4: adding group "a" as a child of "b" creates a loop (Ansible refuses the file)']);
  });

  it('reports Ansible YAML mistakes with their line', () => {
    assert.deepStrictEqual(problemsOf('inv.yaml', `all:
  children:
    web:
      hosts:
        - web1
    db:
      host:
        db1:
    app:
      hosts:
        app1: { ansible_port: http }
        app2: not-a-mapping
`), [
      'inv.yaml:5: hosts of group "web" must be a mapping of host name → variables (not a list)',
      'inv.yaml:7: group "db": unknown field "host" (expected hosts, children or vars; Ansible skips it with a warning)',
      'inv.yaml:12: host "app2" must be a mapping of variables',
      'inv.yaml:11: host "app1": port "http" is not a number from 1 to 65535',
    ]);
    assert.match(problemsOf('inv.yaml', 'all:\n  hosts:\n    web1: {ansible_host: [\n')[0], /^inv\.yaml:4: YAML: /);
  });
});
