import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { resolveParameters } from '../../../../src/core/runbook/parameters';
import { placeholderProblems, redactSecrets, renderCommand, renderText, secretForms } from '../../../../src/core/runbook/renderCommand';
import { remoteScript } from '../../../../src/core/runbook/remoteScript';
import type { ParameterDecl } from '../../../../src/core/runbook/runbookFormat';
import { parseRunbook } from '../../../../src/core/runbook/runbookParser';
import { acceptedTemplates, batchFor, decls, hostileValues, refusedTemplates } from '../../../fixtures/placeholders/literalBatch';

// Every shell check runs as ONE batch script in ONE process per shell (no per-value spawns), so
// the suite does not depend on how busy the machine is: a few seconds of work each, and a timeout
// that is a hang detector, not a speed requirement.
const shells = ['sh', 'bash'] as const;

describe('renderCommand', function () {
  this.timeout(120_000);
  let dir: string;
  let mark: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-render-'));
    mark = path.join(dir, 'pwned');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const shell of shells) {
    it(`keeps hostile values literal in every accepted context (${shell}, one ${shell} process)`, () => {
      const templates = acceptedTemplates.filter((t) => !t.shells || t.shells.includes(shell));
      const batch = batchFor(templates, hostileValues(mark), shell);
      const out = execFileSync(shell, ['-s'], { input: batch.script, encoding: 'utf8', cwd: dir, maxBuffer: 64 << 20 });
      const bad = batch.check(out);
      assert.deepStrictEqual(bad.slice(0, 5).map((b) => `${b.case.template.name}: ${JSON.stringify(b.case.value)} → ${JSON.stringify(b.got)} (${b.command})`), []);
      assert.ok(!existsSync(mark), `${shell}: a value ran as a command`);
      assert.ok(batch.cases.length >= templates.length * 30);
    });
  }

  it('refuses every context that cannot be made literal, naming the placeholder', () => {
    for (const shell of shells) {
      for (const t of refusedTemplates) {
        const result = renderCommand(t.source, decls, { v: 'x' }, shell);
        assert.ok(!result.ok, `${shell}, ${t.name}: rendered as ${JSON.stringify(result)}`);
        assert.match(result.errors.join('\n'), /\{\{v\}\}/, `${shell}, ${t.name}`);
        assert.ok(placeholderProblems(t.source, shell).length > 0, `${shell}, ${t.name}: no diagnostic`);
      }
    }
    assert.deepStrictEqual(renderCommand('echo `echo {{v}}`', decls, { v: 'x' }), { ok: false, errors: ['{{v}} cannot take a value here: inside `…` quoting rules change with nesting; use $(…) instead'] });
    assert.match((renderCommand('[[ {{v}} -eq 1 ]]', decls, { v: '1' }) as { errors: string[] }).errors[0], /\[\[ … \]\] can be evaluated as arithmetic/);
  });

  it('reports refused spots as runbook problems with file:line (fmt --check, editor), except in manual steps', () => {
    const text = [
      '---', // 1
      'title: T', // 2
      'product: registry', // 3
      'parameters:', // 4
      '  v: {type: string}', // 5
      '---', // 6
      '', // 7
      '```sh {target=all}', // 8
      'echo ok # {{v}} in a comment is fine', // 9
      'echo $(( {{v}} + 1 ))', // 10
      '[[ {{v}} -eq 1 ]] && echo "{{v}}"', // 11
      '```', // 12
      '', // 13
      '```bash {target=all}', // 14
      'cat <<< {{v}}', // 15
      `printf '%s' "\${x:-'{{v}}'}"`, // 16
      'echo "unterminated {{v}}', // 17
      '```', // 18
      '', // 19
      '```sh {manual}', // 20
      "# don't restart {{v}} yet: $(( {{v}} ))", // 21
      '```', // 22
      '', // 23
      '```sh {target=all}', // 24
      'sh -c "echo {{v}}"; sh -o errexit -c \'echo "$1"\' sh {{v}}', // 25
      '```', // 26
      '',
    ].join('\n');
    const { problems } = parseRunbook(text, 'ops/x.runbook.md');
    assert.deepStrictEqual(
      problems.map((p) => `${p.line}: ${p.message.replace(/: .*/, '')}`),
      ['10: {{v}} cannot take a value here', '11: {{v}} cannot take a value here', '17: {{v}}', '25: {{v}} cannot take a value here'],
    );
    assert.match(problems[2].message, /^\{\{v\}\}: the cell is not valid bash \(3:6: reached EOF without closing quote "/);
    assert.match(problems[3].message, /argument of sh -c, which runs it as shell code/);
  });

  it('reads sh cells with both grammars (bash is /bin/sh on RHEL) and bash cells as bash', () => {
    // In dash `(( x ))` is two subshells; bash as /bin/sh evaluates it: refused for sh too.
    assert.ok(!renderCommand('(( {{v}} ))', decls, { v: '1' }, 'sh').ok);
    assert.ok(renderCommand('cat <<< {{v}}', decls, { v: '1' }, 'bash').ok);
    const notPosix = renderCommand('cat <<< {{v}}', decls, { v: '1' }, 'sh');
    assert.ok(!notPosix.ok);
    assert.match(notPosix.errors[0], /^\{\{v\}\}: the cell is not valid POSIX sh \(1:\d+: .*\).*```bash fence/);
  });

  it('renders references, never values, and gives the values in env', () => {
    const d: Record<string, ParameterDecl> = { v: { type: 'string' }, 'node-id': { type: 'number' }, node_id: { type: 'string' } };
    const r = renderCommand(`printf '%s' {{v}} "{{node-id}}" '{{node_id}}'\ncat <<EOF\n{{v}}\nEOF`, d, { v: "it's $(x)", 'node-id': 3, node_id: 'y' });
    assert.deepStrictEqual(r, {
      ok: true,
      command: `printf '%s' "\${SOFA_P_v}" "\${SOFA_P_node_id}" ''"\${SOFA_P_node_id_2}"''\ncat <<EOF\n\${SOFA_P_v}\nEOF`,
      redacted: `printf '%s' 'it'\\''s $(x)' "3" 'y'\ncat <<EOF\n'it'\\''s $(x)'\nEOF`,
      env: { SOFA_P_v: "it's $(x)", SOFA_P_node_id: '3', SOFA_P_node_id_2: 'y' },
      used: ['v', 'node-id', 'node_id'],
    });
    assert.deepStrictEqual(placeholderProblems('echo $SOFA_P_x {{v}}', 'sh'), [{ index: 6, message: 'SOFA_P_… names are reserved for parameter values; rename the variable' }]);
  });

  it('delivers values over stdin with a constant exec string; refuses NUL; large values work', () => {
    const big = 'x'.repeat(300 * 1024) + "'\n$(touch " + mark + ')';
    for (const shell of shells) {
      const r = renderCommand(`printf '%s' {{v}} | wc -c`, decls, { v: big }, shell);
      assert.ok(r.ok);
      assert.match(r.redacted, /^printf '%s' x{4096}…\[\d+ more characters\] \| wc -c$/, 'the display does not carry 300 KiB');
      const script = remoteScript(r.command, r.env, shell);
      assert.ok(!('error' in script));
      assert.strictEqual(script.exec, `exec ${shell} -s`);
      const out = execFileSync('sh', ['-c', script.exec], { input: script.stdin, encoding: 'utf8', cwd: dir });
      assert.strictEqual(out.trim(), String(Buffer.byteLength(big)), shell);
    }
    assert.ok(!existsSync(mark));
    assert.deepStrictEqual(renderCommand('echo {{v}}', decls, { v: 'a\0b' }), { ok: false, errors: ['parameter "v": a value with a NUL byte cannot be passed to a shell'] });
    assert.deepStrictEqual(remoteScript('echo "${SOFA_P_v}"', { SOFA_P_v: 'a\0b' }, 'sh'), { error: 'the value of SOFA_P_v contains a NUL byte, which a shell cannot hold' });
    // The cell cannot read the rest of its own script: stdin is /dev/null inside the group.
    const own = remoteScript('cat; echo done', {}, 'sh');
    assert.ok(!('error' in own));
    assert.strictEqual(execFileSync('sh', ['-c', own.exec], { input: own.stdin, encoding: 'utf8' }), 'done\n');
  });

  it('shows manual steps with values filled in, never as shell', () => {
    const d: Record<string, ParameterDecl> = { node: { type: 'string' }, pw: { type: 'string', secret: true } };
    const r = renderCommand("# open {{node}} in the console, don't restart; password {{pw}}", d, { node: 'meta 1', pw: 'hunter2' }, 'text');
    assert.deepStrictEqual(r, { ok: true, command: "# open 'meta 1' in the console, don't restart; password ***", redacted: "# open 'meta 1' in the console, don't restart; password ***", env: {}, used: ['node', 'pw'] });
  });

  it('leaves a command without placeholders, and other template languages, untouched', () => {
    const source = `docker inspect -f '{{.State.Status}}' c && echo "{{ json . }}"`;
    assert.deepStrictEqual(renderCommand(source, {}, {}), { ok: true, command: source, redacted: source, env: {}, used: [] });
  });

  it('validates values against their declaration before rendering', () => {
    const d: Record<string, ParameterDecl> = {
      node: { type: 'number', default: 0 },
      mode: { type: 'enum', allowed: ['graceful', 'force'] },
      dry: { type: 'boolean', default: false },
      ticket: { type: 'string', required: true, pattern: 'CHG-[0-9]+' },
      note: { type: 'string' },
    };
    const src = 'run {{node}} {{mode}} {{dry}} {{ticket}} [{{note}}]';
    const ok = renderCommand(src, d, { mode: 'force', dry: 'yes', ticket: 'CHG-42' });
    assert.ok(ok.ok);
    assert.strictEqual(ok.redacted, "run 0 force true CHG-42 ['']");
    assert.deepStrictEqual(ok.env, { SOFA_P_node: '0', SOFA_P_mode: 'force', SOFA_P_dry: 'true', SOFA_P_ticket: 'CHG-42', SOFA_P_note: '' });
    assert.deepStrictEqual(renderCommand(src, d, { node: 'two', mode: 'kill', dry: 'maybe', ticket: 'CHG-42; rm -rf /' }), {
      ok: false,
      errors: [
        'parameter "node": "two" is not a number',
        'parameter "mode": "kill" is not one of "graceful", "force"',
        'parameter "dry": "maybe" is not true or false',
        'parameter "ticket": "CHG-42; rm -rf /" does not match CHG-[0-9]+',
      ],
    });
    assert.deepStrictEqual(renderCommand('{{ticket}} {{nope}}', d, {}), { ok: false, errors: ['parameter "ticket" is required', '{{nope}} is not a declared parameter'] });
    assert.deepStrictEqual(renderCommand('{{n}}', { n: { type: 'number', allowed: [1, 2] } }, { n: 3 }), { ok: false, errors: ['parameter "n": "3" is not one of 1, 2'] });
    assert.deepStrictEqual(renderCommand('{{toString}}', {}, {}), { ok: false, errors: ['{{toString}} is not a declared parameter'] });
  });

  it('resolves all parameters of a run at once, with defaults and unknown names', () => {
    const d: Record<string, ParameterDecl> = { node: { type: 'number', default: 1 }, ticket: { type: 'string', required: true, description: 'change ticket' } };
    assert.deepStrictEqual(resolveParameters(d, { ticket: 'CHG-1' }), { values: { node: '1', ticket: 'CHG-1' }, errors: [] });
    assert.deepStrictEqual(resolveParameters(d, { nodes: '2' }).errors, ['unknown parameter "nodes"; declared: node, ticket', 'parameter "ticket" is required (change ticket)']);
  });

  it('keeps secrets out of the command, shows them as *** and never in error messages', () => {
    const d: Record<string, ParameterDecl> = { token: { type: 'string', secret: true, pattern: '[a-z$]+' }, user: { type: 'string' } };
    const canary = 'canary-SECRET-7f3a';
    const ok = renderCommand(`curl -H "Authorization: Bearer {{token}}" -u {{user}} 'http://x/?t={{token}}'`, d, { token: 'abc$x', user: 'admin' });
    assert.ok(ok.ok);
    assert.strictEqual(ok.command, `curl -H "Authorization: Bearer \${SOFA_P_token}" -u "\${SOFA_P_user}" 'http://x/?t='"\${SOFA_P_token}"''`);
    assert.ok(!ok.command.includes('abc'));
    assert.strictEqual(ok.redacted, `curl -H "Authorization: Bearer ***" -u admin 'http://x/?t=***'`);
    const bad = renderCommand('echo {{token}}', d, { token: canary });
    assert.ok(!bad.ok);
    assert.deepStrictEqual(bad.errors, ['parameter "token": the value does not match [a-z$]+']);
    assert.ok(!JSON.stringify(bad).includes(canary));
    assert.strictEqual(redactSecrets(`got ${canary} and ${canary}x, user admin`, { ...d, t2: { type: 'string', secret: true } }, { token: canary, user: 'admin', t2: '' }), 'got *** and ***x, user admin');
  });

  it('redacts the raw, shell-quoted, JSON-escaped, URL-encoded and base64 forms of a secret', () => {
    const d: Record<string, ParameterDecl> = { pw: { type: 'string', secret: true } };
    const secret = `it's "a" p@ss/w\\rd ✅`;
    const forms = {
      raw: secret,
      shellQuoted: `'it'\\''s "a" p@ss/w\\rd ✅'`,
      shellInner: `it'\\''s "a" p@ss/w\\rd ✅`,
      doubleQuoted: `it's \\"a\\" p@ss/w\\\\rd ✅`,
      json: JSON.stringify({ password: secret }),
      url: `https://h/?pw=${encodeURIComponent(secret)}`,
      form: `pw=${encodeURIComponent(secret).replace(/%20/g, '+')}`,
      base64: `Authorization: Basic ${Buffer.from(secret).toString('base64')}`,
    };
    for (const [form, text] of Object.entries(forms)) {
      const out = redactSecrets(`before ${text} after`, d, { pw: secret });
      assert.ok(out.includes('***'), `${form}: ${out}`);
      for (const f of secretForms(secret)) assert.ok(!out.includes(f), `${form}: ${JSON.stringify(f)} left in ${out}`);
    }
    assert.strictEqual(redactSecrets('{"password":"it\'s \\"a\\" p@ss/w\\\\rd ✅"}', d, { pw: secret }), '{"password":"***"}');
  });

  it('renders placeholders in targets and expect texts as plain text', () => {
    const d: Record<string, ParameterDecl> = { node: { type: 'number', default: 0 } };
    assert.deepStrictEqual(renderText('registry-meta[{{node}}]', d, { node: '2' }), { ok: true, text: 'registry-meta[2]' });
    assert.deepStrictEqual(renderText('registry-meta[{{node}}]', d, { node: 'x' }), { ok: false, errors: ['parameter "node": "x" is not a number'] });
    assert.deepStrictEqual(renderText('{{host}}', d, {}), { ok: false, errors: ['{{host}} is not a declared parameter'] });
  });
});
