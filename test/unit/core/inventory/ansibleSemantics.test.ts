import * as assert from 'assert';
import { parseInventory, type InventoryHost } from '../../../../src/core/inventory/inventory';
import { parseAnsibleIniList } from '../../../../src/core/inventory/ansibleIni';
import { pyLiteralEval, pyShlexSplit } from '../../../../src/core/inventory/pythonLiteral';
import { formatProblem } from '../../../../src/core/sourceProblem';
import { selectTargets } from '../../../../src/core/inventory/selectors';
import { targetsForHosts } from '../../../../src/core/ssh/targets';

/** Expected values below were produced by ansible-core 2.14 (`ansible-inventory --list`, and `ansible -m ping` with a recording ssh). */
function target(text: string, file = 'inv.ini'): Record<string, Pick<InventoryHost, 'host' | 'port' | 'user'>> {
  const { inventory, problems } = parseInventory(file, text);
  assert.deepStrictEqual(problems.map(formatProblem), []);
  return Object.fromEntries(inventory.hosts.map((h) => [h.name, { host: h.host, port: h.port, user: h.user }]));
}

function problems(text: string, file = 'inv.ini'): string[] {
  return parseInventory(file, text).problems.map(formatProblem);
}

describe('inventory: Ansible semantics (as ansible-core 2.14)', () => {
  it('keeps an ansible_connection=local host in the inventory but never connects to it: selecting it names the line', () => {
    const { inventory, problems: found } = parseInventory('inv.ini', '[web]\nlocalhost ansible_connection=local\nweb1 ansible_host=10.0.0.1\n');
    assert.deepStrictEqual(found, []);
    assert.deepStrictEqual(inventory.hosts.map((h) => h.name), ['localhost', 'web1']);
    assert.throws(() => selectTargets(inventory, 'web'), /"localhost" \(ansible_connection=local at inv\.ini:2 .*only connects over SSH\); to run on the others, name them \(e\.g\. web1\)/);
    assert.deepStrictEqual(selectTargets(inventory, 'web1').map((h) => h.host), ['10.0.0.1']);
    assert.throws(() => targetsForHosts(inventory, inventory.hosts.slice(0, 1)), /host "localhost": ansible_connection=local/);
  });

  it('lets the ansible_ssh_* spelling win over ansible_*, even from a group over the host', () => {
    assert.deepStrictEqual(target('[db]\ndb1 ansible_host=10.0.2.1 ansible_port=2400 ansible_user=me\n[db:vars]\nansible_ssh_host=10.0.2.250\nansible_ssh_port=2500\nansible_ssh_user=dba\n'), {
      db1: { host: '10.0.2.250', port: 2500, user: 'dba' },
    });
  });

  it('applies groups of one depth by ansible_group_priority, then by code point (not locale), host vars last', () => {
    const list = parseAnsibleIniList('inv.ini', '[b]\nh1\n[B]\nh1\n[a]\nh1 own=host\n[a:vars]\npick=a\nown=group\nansible_group_priority=9\n[b:vars]\npick=b\n[B:vars]\npick=B\n').list;
    // Priorities 1 (b, B) apply before 9 (a); among b and B, "B" < "b" by code point.
    assert.deepStrictEqual(list._meta.hostvars.h1, { pick: 'a', own: 'host' });
    const list2 = parseAnsibleIniList('inv.ini', '[b]\nh1\n[B]\nh1\n[b:vars]\npick=b\n[B:vars]\npick=B\n').list;
    assert.deepStrictEqual(list2._meta.hostvars.h1, { pick: 'b' });
  });

  it('refuses [x:children] naming an undefined group and [x:vars] for one, at their lines', () => {
    assert.deepStrictEqual(problems('[site:children]\nweb\nmissing\n[web]\nw1\n'), ['inv.ini:3: [site:children] names "missing", a group that is never defined (Ansible refuses the file)']);
    assert.deepStrictEqual(problems('[web]\nw1\n[db:vars]\nx=1\n'), ['inv.ini:3: [db:vars] is for a group that is never defined (Ansible refuses the file); add a [db] or [db:children] section']);
    assert.deepStrictEqual(problems('[db:vars]\nx=1\n[site:children]\ndb\n[db]\nd1\n'), []);
  });

  it('reads comments, quotes and Python literals the way Ansible\'s INI plugin does', () => {
    const list = parseAnsibleIniList('inv.ini', '[w]\nweb1#glued\nweb2 a=b#c d=gone\nweb3 q="x # y" n=022 i=22 l="[1, \'two\']"\n[w:vars]\nv1=plain # kept\nv2="q" # dropped\n').list;
    assert.deepStrictEqual(Object.keys(list._meta.hostvars), ['web1', 'web2', 'web3']);
    assert.deepStrictEqual(list._meta.hostvars.web2, { v1: 'plain # kept', v2: 'q', a: 'b' });
    assert.deepStrictEqual(list._meta.hostvars.web3, { v1: 'plain # kept', v2: 'q', q: 'x # y', n: '022', i: 22, l: [1, 'two'] });
  });

  it('reads IPv6 hosts with and without a port, and keeps the first declaration\'s host:port', () => {
    assert.deepStrictEqual(target('[v6]\n::1\n[::2]:2222\n2001:db8::1 ansible_port=2200\n[a]\nh1:2201\n[b]\nh1:2301\n'), {
      '::1': { host: '::1', port: 2022, user: undefined },
      '::2': { host: '::2', port: 2222, user: undefined },
      '2001:db8::1': { host: '2001:db8::1', port: 2200, user: undefined },
      h1: { host: 'h1', port: 2201, user: undefined },
    });
  });

  it('refuses an empty ansible_host, a range bomb and a YAML alias bomb quickly, naming the line', () => {
    assert.deepStrictEqual(problems('[w]\nweb1 ansible_host=\n'), ['inv.ini:2: host "web1": ansible_host is empty; SOFA Ops will not guess an address']);
    assert.deepStrictEqual(problems('# bomb\n[w]\nh[0:9999]x[0:9999]\n'), ['inv.ini:3: host pattern "h[0:9999]x[0:9999]": the range expands to 100000000 hosts; SOFA Ops refuses more than 10000 from one pattern']);
    const laughs = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++) laughs.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
    laughs.push('all:\n  vars:\n    bomb: *a9\n');
    assert.deepStrictEqual(problems(laughs.join('\n'), 'inv.yml'), ['inv.yml:2: YAML aliases expand too much (a "billion laughs" document); SOFA Ops refuses it']);
  });

  it('reads YAML scalars as PyYAML (YAML 1.1) does, and refuses duplicate keys', () => {
    const { inventory, problems: p } = parseInventory('inv.yml', 'all:\n  hosts:\n    h1:\n      ansible_port: 0o17\n      ansible_user: n\n');
    assert.deepStrictEqual(p.map(formatProblem), ['inv.yml:4: host "h1": port "0o17" is not a number from 1 to 65535']);
    assert.strictEqual(inventory.hosts[0].user, 'n');
    assert.deepStrictEqual(problems('all:\n  hosts:\n    h1:\n    h1:\n', 'inv.yml').length, 1);
  });
});

describe('Python pieces of the INI reader', () => {
  it('evaluates literals as ast.literal_eval does, keeping non-literals as text', () => {
    const v = (s: string) => {
      const r = pyLiteralEval(s);
      return r.kind === 'value' ? r.value : r.kind;
    };
    assert.deepStrictEqual(
      ['22', '022', '1_000', '0x1F', '-5', '--1', '-(1)', '1.5', '1e3', 'True', 'true', 'None', "'a' 'b'", '"x" # c', '[1,]', '(1,)', '()', "{'a': (1, 2)}", '1+1', 'int(3)', "b'ab'", "r'\\d'", '1+2j', '{1, 2}'].map(v),
      [22, 'text', 1000, 31, -5, 'text', -1, 1.5, 1000, true, 'text', null, 'ab', 'x', [1], [1], [], { a: [1, 2] }, 'text', 'text', 'ab', '\\d', 'unsupported', 'unsupported'],
    );
  });

  it('splits host lines as shlex.split(comments=True)', () => {
    assert.deepStrictEqual(pyShlexSplit('h1 a="x y" b=\'#\' c=d#e f=g'), ['h1', 'a=x y', 'b=#', 'c=d']);
    assert.deepStrictEqual(pyShlexSplit('h "a\\"b\\c" \'\' x\\ y'), ['h', 'a"b\\c', '', 'x y']);
    assert.throws(() => pyShlexSplit('h a="open'), /No closing quotation/);
  });
});
