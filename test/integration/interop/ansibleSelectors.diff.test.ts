/**
 * Exported playbooks pick a cell's hosts with the sofa_ops_select filter over Ansible's own view of
 * the exported inventory (`groups` and hostvars as a real ansible-playbook run sees them). For
 * every selector form, that must be the same hosts, in the same order, as SOFA Ops' selectTargets,
 * or an error in both with the same reason: otherwise an exported `registry-meta[0]` would restart
 * a different node than `sofa-ops run` does.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { exportInventoryToAnsible } from '../../../src/core/export/ansibleInventoryExport';
import { sofaOpsFilterPlugin } from '../../../src/core/export/filterPlugin';
import { parseInventory } from '../../../src/core/inventory/inventory';
import { selectTargets } from '../../../src/core/inventory/selectors';

const INVENTORY = `defaults: { port: 2022, user: admin }
hosts:
  - { name: bastion, host: 10.0.0.1, port: 22, groups: [bastions] }
products:
  registry:
    registry-session:
      - { name: session-b, host: 127.0.7.5, tags: [dc-b] }
    registry-meta:
      - { name: meta-z, host: 127.0.7.1, tags: [dc-a, zone=gz00a] }
      - { name: meta-a, host: 127.0.7.2, tags: [dc-b], proxyJump: bastion }
      - { name: meta-m, host: 127.0.7.3, tags: [dc-a] }
  mq:
    msgbroker:
      - { name: broker-1, host: 127.0.7.4, groups: [canary] }
`;

const SELECTORS = [
  'all', 'registry-meta', 'registry', 'registry-meta[0]', 'registry-meta[-1]', 'registry-meta[1:]', 'registry-meta[0:2]', 'registry-meta[:-1]',
  'meta-a', 'tag=dc-a', 'tag=zone=gz00a', 'msgbroker,registry-meta[0]', 'meta-m,meta-z', 'canary', 'bastions',
  'registry-meta[3]', 'registry-meta[2:1]', 'nope', 'tag=dc-x', 'registry-meta,', 'nope[0]', '', 'registry-meta[]',
];

describe('exported selectors: sofa_ops_select over Ansible\'s inventory = selectTargets', function () {
  this.timeout(120_000);
  let dir: string;
  const { inventory, problems } = parseInventory('inv.yaml', INVENTORY);
  before(() => {
    assert.deepStrictEqual(problems, []);
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-select-'));
    writeFileSync(path.join(dir, 'inventory.yml'), exportInventoryToAnsible(inventory).yaml);
    writeFileSync(path.join(dir, 'ansible.cfg'), '');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('selects the same hosts in the same order, or fails with the same reason', () => {
    mkdirSync(path.join(dir, 'filter_plugins'));
    writeFileSync(path.join(dir, 'filter_plugins', 'sofa_ops.py'), sofaOpsFilterPlugin);
    // Ansible's view: groups (membership order) and every host's sofa_tags, from a real run.
    writeFileSync(path.join(dir, 'dump.yml'), `- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.copy:
        dest: "{{ playbook_dir }}/view.json"
        content: "{{ {'groups': groups, 'tags': groups['all'] | map('extract', hostvars) | map(attribute='sofa_tags', default=[]) | list} | to_json }}"
        mode: "0600"
`);
    const run = spawnSync('ansible-playbook', ['-i', 'inventory.yml', 'dump.yml'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ANSIBLE_CONFIG: path.join(dir, 'ansible.cfg'), HOME: dir } });
    assert.strictEqual(run.status, 0, run.stdout + run.stderr);
    const script = `
import json, sys, importlib.util
spec = importlib.util.spec_from_file_location('sofa_ops', 'filter_plugins/sofa_ops.py')
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
view = json.load(open('view.json'))
hostvars = {h: {'sofa_tags': t} for h, t in zip(view['groups']['all'], view['tags'])}
out = []
for s in json.load(sys.stdin):
    try:
        out.append({'hosts': m.sofa_ops_select(s, {}, view['groups'], hostvars)})
    except Exception as e:
        out.append({'error': str(getattr(e, 'message', e))})
print(json.dumps(out))
`;
    const py = spawnSync('/usr/bin/python3', ['-c', script], { cwd: dir, input: JSON.stringify(SELECTORS), encoding: 'utf8' });
    assert.strictEqual(py.status, 0, py.stderr);
    const ansible = JSON.parse(py.stdout) as Array<{ hosts?: string[]; error?: string }>;
    const reason = (message: string) => message.split(';')[0];
    const differ: string[] = [];
    SELECTORS.forEach((selector, i) => {
      let ours: { hosts?: string[]; error?: string };
      try {
        ours = { hosts: selectTargets(inventory, selector).map((h) => h.name) };
      } catch (err) {
        ours = { error: (err as Error).message };
      }
      const a = ansible[i];
      const same = ours.hosts ? JSON.stringify(ours.hosts) === JSON.stringify(a.hosts) : !!a.error && reason(a.error) === reason(ours.error!);
      if (!same) differ.push(`${JSON.stringify(selector)}: SOFA Ops ${JSON.stringify(ours)}, export ${JSON.stringify(a)}`);
    });
    assert.deepStrictEqual(differ, []);
    assert.ok(ansible.filter((a) => a.hosts).length >= 12 && ansible.filter((a) => a.error).length >= 6, 'both answers are exercised');
  });

  it('reaches each host as SOFA Ops does: address, port, user, and a ProxyJump hop named after another host', () => {
    const r = spawnSync('ansible-inventory', ['-i', 'inventory.yml', '--host', 'meta-a'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ANSIBLE_CONFIG: path.join(dir, 'ansible.cfg'), HOME: dir } });
    assert.strictEqual(r.status, 0, r.stderr);
    const vars = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepStrictEqual([vars.ansible_host, vars.ansible_port, vars.ansible_user, vars.ansible_ssh_common_args, vars.sofa_tags], ['127.0.7.2', 2022, 'admin', '-o ProxyJump=admin@10.0.0.1:22', ['dc-b']]);
  });
});
