/**
 * Differential test: SOFA Ops' reading of Ansible inventories against the programs that own the
 * format. For every inventory in our corpus (test/fixtures/interop/ansible) and in the shared public
 * corpus (/work/shared/oracle-corpus/ansible, when present), the real `ansible-inventory --list`
 * (ansible-core's InventoryCLI, run in one Python process by ansibleInventoryOracle.py) must show
 * the same groups, members and merged host vars as we build, or both must refuse the file. Where we
 * refuse a file Ansible accepts, the refusal must be one of DELIBERATE below, each with its reason.
 * A second oracle checks the mapping to an SSH target: `ansible -m ping` with a stand-in ssh
 * executable records the exact host, port, user and ProxyJump Ansible's ssh connection would use.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { DEFAULT_PORT, detectInventoryFormat, parseInventory, type InventoryHost } from '../../../src/core/inventory/inventory';
import { parseAnsibleIniList } from '../../../src/core/inventory/ansibleIni';
import { parseAnsibleYamlList } from '../../../src/core/inventory/ansibleYaml';
import { pyLiteralEval } from '../../../src/core/inventory/pythonLiteral';
import { formatProblem } from '../../../src/core/sourceProblem';

const OWN_CORPUS = path.join(__dirname, '../../fixtures/interop/ansible');
const PUBLIC_CORPUS = '/work/shared/oracle-corpus/ansible';
const ORACLE = path.join(__dirname, 'ansibleInventoryOracle.py');

/** Refusals of inputs Ansible accepts, on purpose. A problem we report must match one of these. */
const DELIBERATE: Array<{ pattern: RegExp; reason: string }> = [
  { pattern: /byte-order mark/, reason: 'Ansible reads an INI BOM as part of line 1: a host named U+FEFF, or a failure' },
  { pattern: /the range is empty/, reason: 'Ansible silently adds no host for web[5:1]; almost always a typo' },
  { pattern: /SOFA Ops refuses more than \d+ from one pattern/, reason: 'range bomb: Ansible would build every name (10^8 for h[0:9999]x[0:9999])' },
  { pattern: /more than \d+ hosts in one inventory/, reason: 'same, summed over the file' },
  { pattern: /^duplicate key/, reason: 'Ansible keeps the last duplicate YAML key with a warning; the first entry would silently vanish' },
  { pattern: /billion laughs/, reason: 'YAML alias bomb: bounded work instead of exponential expansion' },
  { pattern: /which SOFA Ops does not model|is not supported by SOFA Ops|cannot decrypt Ansible Vault|variable name .* is not text/, reason: 'values Python/YAML can build but no SSH target needs (sets, complex, !vault, non-text var names)' },
  { pattern: /is empty; SOFA Ops will not guess an address/, reason: 'an empty ansible_host: Ansible would run `ssh ""`; we never pick an address silently' },
  { pattern: /only connects over SSH/, reason: 'ansible_connection=local/docker/…: Ansible would not use SSH at all' },
  { pattern: /cannot honour/, reason: 'ssh args that change destination, login or key (-p, -l, -i, -o Port/User/HostName/ProxyCommand…)' },
  { pattern: /Jinja template/, reason: 'Jinja needs Ansible\'s templar and facts; SOFA Ops does not evaluate it' },
  { pattern: /is also a group name/, reason: 'Ansible warns; in SOFA Ops the selector would be ambiguous' },
  { pattern: /Ansible skips it with a warning/, reason: 'a misspelt key (host: for hosts:) or a non-mapping group would silently drop hosts' },
  { pattern: /contains control characters/, reason: 'a NUL or control character in an address, user or port: Ansible passes it to ssh' },
  { pattern: /is not a number from 1 to 65535|must be a string, not/, reason: 'Ansible accepts the file and fails at connect time; we say so up front' },
  { pattern: /^$/, reason: 'a YAML file with neither all: nor hosts/children/vars is read as a SOFA Ops inventory, with that format\'s checks' },
  { pattern: /proxyJump/, reason: 'ProxyJump checks shared with every inventory format (loops, self-jumps, syntax)' },
];

/** Inputs never given to Ansible: it would exhaust memory on them (that is what they test). */
const NOT_FOR_ORACLE: Record<string, RegExp> = {
  'ini-range-bomb.ini': /SOFA Ops refuses more than/,
  'yaml-billion-laughs.yml': /billion laughs/,
};

interface OracleResult {
  file: string;
  ok: boolean;
  list?: Record<string, unknown>;
  error?: string;
  warnings: string[];
}

function ansiblePython(): string {
  const which = spawnSync('sh', ['-c', 'command -v ansible-inventory'], { encoding: 'utf8' });
  const bin = which.stdout.trim();
  if (which.status !== 0 || !bin) throw new Error('ansible-inventory not found: install Debian\'s ansible-core (CI does, see .ci/run)');
  const shebang = /^#!\s*(\S+)/.exec(readFileSync(bin, 'utf8').split('\n')[0]);
  return shebang ? shebang[1] : 'python3';
}

function corpusFiles(): string[] {
  const files = readdirSync(OWN_CORPUS).map((f) => path.join(OWN_CORPUS, f));
  if (existsSync(PUBLIC_CORPUS)) files.push(...readdirSync(PUBLIC_CORPUS).map((f) => path.join(PUBLIC_CORPUS, f)));
  else console.log(`      note: ${PUBLIC_CORPUS} is absent; only our own corpus is compared`);
  return files.filter((f) => statSync(f).isFile()).sort();
}

/** Ansible's JSON marks unsafe text as {"__ansible_unsafe": text}; the value is the text. */
function unwrapUnsafe(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrapUnsafe);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '__ansible_unsafe') return (v as Record<string, unknown>).__ansible_unsafe;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapUnsafe(x)]));
  }
  return v;
}

/** Where Ansible's ssh connection goes for these merged vars: the last defined of each option's var names. */
function ansibleTarget(name: string, vars: Record<string, unknown>): { host: string; port?: number; user?: string } {
  const last = (...keys: string[]): unknown => keys.map((k) => vars[k]).filter((v) => v !== null && v !== undefined).pop();
  const port = last('ansible_port', 'ansible_ssh_port');
  const user = last('ansible_user', 'ansible_ssh_user');
  return { host: String(last('ansible_host', 'ansible_ssh_host') ?? name), port: port === undefined ? undefined : Number(port), user: user === undefined ? undefined : String(user) };
}

describe('Ansible inventories: SOFA Ops against ansible-inventory (differential)', function () {
  this.timeout(300_000);
  let python = '';
  let work = '';
  before(() => {
    python = ansiblePython();
    work = mkdtempSync(path.join(tmpdir(), 'sofa-ansible-diff-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('reads every corpus file as ansible-inventory --list does, or refuses it on purpose', () => {
    const files = corpusFiles();
    const oracleFiles = files.filter((f) => !(path.basename(f) in NOT_FOR_ORACLE));
    const formats = new Map(files.map((f) => [f, detectInventoryFormat(f, readFileSync(f, 'utf8'))]));
    const run = spawnSync(python, [ORACLE], {
      input: oracleFiles.map((f) => JSON.stringify({ file: f, plugin: formats.get(f) === 'ansible-ini' ? 'ini' : 'yaml' })).join('\n') + '\n',
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      cwd: work,
      env: { ...process.env, HOME: work, ANSIBLE_HOME: path.join(work, '.ansible'), ANSIBLE_LOCAL_TEMP: path.join(work, 'tmp') },
    });
    assert.strictEqual(run.status, 0, `the oracle failed: ${run.stderr}`);
    const verdicts = new Map<string, OracleResult>(run.stdout.trim().split('\n').map((l) => {
      const r = JSON.parse(l) as OracleResult;
      return [r.file, r];
    }));
    assert.strictEqual(verdicts.size, oracleFiles.length);

    let agree = 0;
    let bothRefuse = 0;
    let byDesign = 0;
    let hostLookups = 0;
    const failures: string[] = [];
    const reasons = new Map<string, number>();
    for (const file of files) {
      const name = file.startsWith(PUBLIC_CORPUS) ? `oracle-corpus/ansible/${path.basename(file)}` : `own/${path.basename(file)}`;
      const text = readFileSync(file, 'utf8');
      const format = formats.get(file)!;
      const { inventory, problems } = parseInventory(file, text);
      const messages = problems.map((p) => p.message);
      const undocumented = problems.filter((p) => !DELIBERATE.some((d) => d.pattern.test(p.message)));
      const expectedBomb = NOT_FOR_ORACLE[path.basename(file)];
      if (expectedBomb) {
        if (messages.some((m) => expectedBomb.test(m))) byDesign++;
        else failures.push(`${name}: expected the refusal ${expectedBomb}, got ${JSON.stringify(messages)}`);
        continue;
      }
      const verdict = verdicts.get(file)!;
      if (!verdict.ok) {
        if (problems.length) bothRefuse++;
        else if (format === 'sofa' && inventory.hosts.length === 0) agree++; // no hosts either way
        else failures.push(`${name}: SILENT — Ansible refuses it (${verdict.warnings.join(' ') || verdict.error}) but SOFA Ops reads ${inventory.hosts.length} hosts without a problem`);
        continue;
      }
      if (problems.length) {
        // Neither `all:` nor hosts/children/vars in sight: the file is read in SOFA Ops' own format.
        if (format === 'sofa') byDesign++;
        else if (undocumented.length) failures.push(`${name}: refused for a reason not listed as deliberate (Ansible accepts it): ${undocumented.map(formatProblem).join(' | ')}`);
        else {
          byDesign++;
          for (const d of DELIBERATE) if (problems.some((p) => d.pattern.test(p.message))) reasons.set(d.reason, (reasons.get(d.reason) ?? 0) + 1);
        }
        continue;
      }
      const theirs = unwrapUnsafe(verdict.list) as { _meta: { hostvars: Record<string, Record<string, unknown>> } };
      if (format === 'sofa') {
        const theirHosts = Object.keys(theirs._meta.hostvars).sort();
        if (JSON.stringify(inventory.hosts.map((h) => h.name).sort()) === JSON.stringify(theirHosts)) agree++;
        else failures.push(`${name}: SILENT — read as a SOFA Ops inventory, but Ansible sees hosts ${JSON.stringify(theirHosts)}`);
        continue;
      }
      const ours = JSON.parse(JSON.stringify((format === 'ansible-ini' ? parseAnsibleIniList : parseAnsibleYamlList)(file, text).list));
      try {
        assert.deepStrictEqual(ours, theirs);
      } catch (err) {
        failures.push(`${name}: SILENT — groups or host vars differ:\n${(err as assert.AssertionError).message}`);
        continue;
      }
      // The same hosts, reached where Ansible's ssh would go (the port only when the inventory sets one).
      let targetsAgree = true;
      for (const host of inventory.hosts) {
        hostLookups++;
        const want = ansibleTarget(host.name, theirs._meta.hostvars[host.name] ?? {});
        const got = { host: host.host, port: want.port === undefined ? undefined : host.port, user: host.user };
        if (want.port === undefined && host.port !== DEFAULT_PORT) failures.push(`${name}: ${host.name} has port ${host.port} with no port in the inventory`);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          targetsAgree = false;
          failures.push(`${name}: SILENT — ${host.name} would connect to ${JSON.stringify(got)}, Ansible to ${JSON.stringify(want)}`);
        }
      }
      if (targetsAgree) agree++;
    }
    const silent = failures.filter((f) => f.includes('SILENT')).length;
    for (const [reason, n] of reasons) console.log(`        refused by design ×${n}: ${reason}`);
    console.log(`      ansible-inventory: ${agree + bothRefuse}/${files.length} files agree (${bothRefuse} of them refused by both), ${byDesign} refused-by-design, ${silent} silent disagreements; ${hostLookups} host lookups compared`);
    assert.deepStrictEqual(failures, []);
    assert.ok(files.length >= 40 && hostLookups > 100, 'the corpus shrank');
  });

  it('connects to the host, port, user and ProxyJump that Ansible\'s ssh connection uses', () => {
    const fake = path.join(work, 'fake-ssh');
    const log = path.join(work, 'fake-ssh.log');
    writeFileSync(fake, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexit 255\n`);
    chmodSync(fake, 0o755);
    const cfg = path.join(work, 'ansible.cfg');
    writeFileSync(cfg, '[defaults]\n');
    mkdirSync(path.join(work, 'cp'), { recursive: true });
    const env = {
      ...process.env, HOME: work, ANSIBLE_CONFIG: cfg, ANSIBLE_HOME: path.join(work, '.ansible'), ANSIBLE_LOCAL_TEMP: path.join(work, 'tmp'),
      ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(work, 'cp'), ANSIBLE_NOCOLOR: '1',
    };
    const ansible = path.join(path.dirname(spawnSync('sh', ['-c', 'command -v ansible-inventory'], { encoding: 'utf8' }).stdout.trim()), 'ansible');
    let compared = 0;
    const failures: string[] = [];
    for (const base of ['ini-alias-precedence.ini', 'yaml-alias-precedence.yml', 'ini-port-first-wins.ini', 'ini-ssh-args.ini', 'ini-ungrouped.ini', 'yaml-basic.yml']) {
      const file = path.join(OWN_CORPUS, base);
      const list = spawnSync(ansible, ['all', '-i', file, '--list-hosts'], { encoding: 'utf8', env, cwd: work });
      assert.strictEqual(list.status, 0, list.stderr);
      const order = list.stdout.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
      rmSync(log, { force: true });
      spawnSync(ansible, ['all', '-i', file, '-m', 'ping', '-f', '1', '-e', `ansible_ssh_executable=${fake}`, '-e', 'ansible_ssh_retries=0'], { encoding: 'utf8', env, cwd: work });
      const calls = readFileSync(log, 'utf8').trim().split('\n');
      assert.strictEqual(calls.length, order.length, `${base}: one ssh call per host`);
      const { inventory, problems } = parseInventory(file, readFileSync(file, 'utf8'));
      assert.deepStrictEqual(problems, [], base);
      order.forEach((name, i) => {
        const words = calls[i].split(' ');
        const at = words.indexOf('/bin/sh');
        const port = /-o Port=(\d+)/.exec(calls[i])?.[1];
        const user = /-o User="?([^"\s]+)"?/.exec(calls[i])?.[1];
        const jump = /(?:-o ProxyJump=|-J )(\S+)/.exec(calls[i])?.[1];
        const h: InventoryHost | undefined = inventory.hosts.find((x) => x.name === name);
        const want = { host: words[at - 1], port: port ? Number(port) : DEFAULT_PORT, user, proxyJump: jump };
        const got = h && { host: h.host, port: h.port, user: h.user, proxyJump: h.proxyJump };
        compared++;
        if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${base}: ${name}: SOFA Ops ${JSON.stringify(got)}, Ansible's ssh ${JSON.stringify(want)}`);
      });
    }
    console.log(`      ansible ssh command lines: ${compared - failures.length}/${compared} hosts agree (port compared where the inventory sets one; else SOFA Ops' ${DEFAULT_PORT})`);
    assert.deepStrictEqual(failures, []);
  });

  it('evaluates INI values exactly as Python\'s ast.literal_eval (what Ansible calls) on hand-picked and random inputs', () => {
    const picked = [
      '22', '022', '00', '0', '-0', '+7', '1_000', '1__0', '1_', '0x1F', '0X1f', '0o17', '0O17', '0b101', '0b', '0x', '1.5', '1.', '.5', '1e3', '1E-3', '1e', '1_0.5e-1_0',
      'True', 'False', 'None', 'true', 'none', 'nan', 'inf', '1e400', '-1e400', "'a'", '"b"', "'a' 'b'", "'a''b'", "'a' b'c'", "b'x' 'y'", "u'x'", "ur'x'", "r'\\d'", "R'\\'x'",
      "f'x'", "rb'\\x00'", "b'\\xff'", "'\\x41'", "'\\u00e9'", "'\\U0001F680'", "'\\N{BULLET}'", "'\\q'", "'\\101'", "'\\ud800'", "'''tri'''", '"""t"""', "'unterminated",
      '[1,2,3]', '[1,]', '[,]', '[]', '(1)', '(1,)', '()', '(,)', '1,2', '1,', "{'a': 1}", '{}', "{'a': 1, 'a': 2}", '{1: 2}', "{'a': [1, (2, 3)], 'b': {'c': None}}",
      '{1, 2}', 'set()', '...', '1+1', '1-1', '1+2j', '2j', '-1+2j', '--1', '-(1)', '-(-1)', '+-1', '-True', 'int(3)', 'a.b', '[1][0]', '1 < 2', 'not 1', 'x',
      '  5', '5  ', '\t6', ' # c', '1 # comment', '"x" # c', '#', '', ' ', 'é', '中', '1 2', '[1 2]', '{"a" 1}', '(1, 2', "{'k': [}", '1if 1 else 2', 'lambda: 1',
      '[[[[[[[[[[1]]]]]]]]]]', '['.repeat(199) + ']'.repeat(199), '['.repeat(201) + ']'.repeat(201), '9'.repeat(4300), '9'.repeat(4301), '0x' + 'f'.repeat(20),
    ];
    const parts = ['1', '0', '-', '+', '.', 'e', '_', 'x', 'j', "'", '"', 'b', 'r', '[', ']', '(', ')', '{', '}', ',', ':', ' ', '#', '\\', 'True', 'None', 'a', '2'];
    let seed = 11;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const random = Array.from({ length: 3000 }, () => Array.from({ length: 1 + rnd(8) }, () => parts[rnd(parts.length)]).join(''));
    const inputs = [...picked, ...random];
    const script = [
      'import ast, json, math, sys, warnings',
      'def conv(v):',
      '    if isinstance(v, bool) or v is None or isinstance(v, str): return v',
      '    if isinstance(v, int): return v',
      '    if isinstance(v, float):',
      '        if math.isfinite(v): return v',
      '        raise TypeError',
      '    if isinstance(v, bytes):',
      '        if all(b < 128 for b in v): return v.decode()',
      '        raise TypeError',
      '    if isinstance(v, (list, tuple)): return [conv(x) for x in v]',
      '    if isinstance(v, dict) and all(isinstance(k, (str, bytes)) for k in v): return {conv(k): conv(x) for k, x in v.items()}',
      '    raise TypeError',
      'for line in sys.stdin:',
      '    s = json.loads(line)',
      '    try:',
      '        with warnings.catch_warnings():',
      '            warnings.simplefilter("ignore")',
      '            v = ast.literal_eval(s)',
      '    except (ValueError, SyntaxError):',
      '        print(json.dumps({"kind": "text"})); continue',
      '    except Exception:',
      '        print(json.dumps({"kind": "unsupported"})); continue',
      '    try:',
      '        if isinstance(v, str) and any(0xd800 <= ord(c) <= 0xdfff for c in v): raise TypeError',
      '        print(json.dumps({"kind": "value", "value": conv(v)}))',
      '    except TypeError:',
      '        print(json.dumps({"kind": "unsupported"}))',
    ].join('\n');
    const run = spawnSync(python, ['-c', script], { input: inputs.map((i) => JSON.stringify(i)).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.strictEqual(run.status, 0, run.stderr);
    const theirs = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; value?: unknown });
    assert.strictEqual(theirs.length, inputs.length);
    const failures: string[] = [];
    let unsupported = 0;
    inputs.forEach((input, i) => {
      const ours = pyLiteralEval(input);
      if (ours.kind === 'unsupported') unsupported++;
      const a = JSON.stringify(ours.kind === 'value' ? { kind: 'value', value: ours.value } : { kind: ours.kind });
      const b = JSON.stringify(theirs[i]);
      // Deliberate: \N{NAME} needs Unicode's name table; ints past 2^53 cannot be held exactly.
      if (ours.kind === 'unsupported' && theirs[i].kind === 'value' && (/\\N\{/.test(input) || /^[\d_]{16,}$|^0x[\da-f]{14,}$/i.test(input.trim()))) return;
      if (a !== b) failures.push(`${JSON.stringify(input)}: SOFA Ops ${a}, Python ${b}`);
    });
    console.log(`      ast.literal_eval: ${inputs.length - failures.length}/${inputs.length} values agree (${unsupported} refused with file:line as unsupported, by design where Python builds them)`);
    assert.deepStrictEqual(failures.slice(0, 30), []);
  });
});
