import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { resolveParameters } from '../../../../src/core/runbook/parameters';
import { redactSecrets, renderCommand, renderText } from '../../../../src/core/runbook/renderCommand';
import type { ParameterDecl } from '../../../../src/core/runbook/runbookFormat';

const decls: Record<string, ParameterDecl> = { v: { type: 'string' } };

function render(template: string, value: string, d = decls) {
  const result = renderCommand(template, d, { v: value });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result;
}

describe('renderCommand', () => {
  let dir: string;
  let mark: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-render-'));
    mark = path.join(dir, 'pwned');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const hostile = () => [
    `$(touch ${mark})`,
    `\`touch ${mark}\``,
    `'; touch ${mark}; '`,
    `"; touch ${mark}; "`,
    `x\ntouch ${mark}`,
    `;touch ${mark}`,
    `&& touch ${mark} #`,
    `| touch ${mark}`,
    `$((1+1)) \${HOME} $HOME $1 $@`,
    `'"'"'`,
    `\\`,
    `a\\`,
    `back\\slash\\"quote`,
    `* ? [a-z] ~`,
    ` leading and trailing space `,
    `tab\tinside`,
    `-n`,
    `中文 值 ✅`,
    `}} {{v}} {{`,
    `<<EOF`,
    `''`,
    '',
  ];

  // Each template prints what the shell received for {{v}} between [ and ].
  const templates: Array<[string, string]> = [
    ['bare word', `printf '[%s]' {{v}}`],
    ['inside "…"', `printf '%s' "[{{v}}]"`],
    ["inside '…'", `printf '%s' '[{{v}}]'`],
    ['inside $(…) inside "…"', `printf '%s' "[$(printf '%s' {{v}})]"`],
    ['mid-word', `printf '%s' [{{v}}]`],
    ['assigned to a variable', `x={{v}}; printf '[%s]' "$x"`],
    ['${…:-…}', `printf '[%s]' \${unset_var:-{{v}}}`],
  ];

  // Cells run as sh, bash or shell: check both the POSIX sh (dash on Debian) and bash.
  const shells = ['sh', 'bash'];
  for (const [where, template] of templates) {
    it(`keeps hostile values literal ${where} (run through sh -c and bash -c)`, () => {
      for (const shell of shells) {
        for (const value of hostile()) {
          const { command } = render(template, value);
          const out = execFileSync(shell, ['-c', command], { encoding: 'utf8', cwd: dir });
          // $(…) drops trailing newlines, which none of the values has.
          assert.strictEqual(out, `[${value}]`, `${shell}, ${where}: ${JSON.stringify(value)} → ${command}`);
          assert.ok(!existsSync(mark), `${shell}, ${where}: ${JSON.stringify(value)} ran a command`);
        }
      }
    });
  }

  it('keeps values literal in heredocs, and refuses line breaks there', () => {
    for (const value of hostile().filter((v) => !v.includes('\n'))) {
      for (const delimiter of ['EOF', "'EOF'"]) {
        const { command } = render(`cat <<${delimiter}\n[{{v}}]\nEOF\nprintf done`, value);
        for (const shell of shells) {
          assert.strictEqual(execFileSync(shell, ['-c', command], { encoding: 'utf8', cwd: dir }), `[${value}]\ndone`, `${shell}, ${delimiter}: ${JSON.stringify(value)}`);
        }
      }
    }
    assert.ok(!existsSync(mark));
    const refused = renderCommand('cat <<-EOF\n\t{{v}}\n\tEOF\n', decls, { v: 'a\nEOF\ntouch x' });
    assert.deepStrictEqual(refused, { ok: false, errors: ['{{v}}: a value with a line break cannot go into a heredoc (it could end it early)'] });
  });

  it('does not let a value break out of a comment', () => {
    const { command } = render(`printf ok # was {{v}}`, `x\ntouch ${mark}`);
    assert.strictEqual(execFileSync('sh', ['-c', command], { encoding: 'utf8' }), 'ok');
    assert.ok(!existsSync(mark));
    assert.strictEqual(render('echo a#{{v}}', 'b c').command, "echo a#'b c'", '# inside a word is not a comment');
  });

  it('refuses placeholders inside backticks, $\'…\' and "${…}"', () => {
    assert.match((renderCommand('echo "${x:-{{v}}}"', decls, { v: 'x' }) as { errors: string[] }).errors[0], /inside "\$\{…\}" cannot be quoted safely/);
    assert.deepStrictEqual(renderCommand('echo `echo {{v}}`', decls, { v: 'x' }), { ok: false, errors: ['{{v}}: placeholders inside `…` cannot be quoted safely; use $(…) instead'] });
    assert.match((renderCommand("echo $'{{v}}'", decls, { v: 'x' }) as { errors: string[] }).errors[0], /inside \$'…'/);
  });

  it('leaves a command without placeholders, and other template languages, untouched', () => {
    const source = `docker inspect -f '{{.State.Status}}' c && echo "{{ json . }}"`;
    assert.deepStrictEqual(renderCommand(source, {}, {}), { ok: true, command: source, redacted: source, used: [] });
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
    assert.deepStrictEqual(renderCommand(src, d, { mode: 'force', dry: 'yes', ticket: 'CHG-42' }), { ok: true, command: "run 0 force true CHG-42 ['']", redacted: "run 0 force true CHG-42 ['']", used: ['node', 'mode', 'dry', 'ticket', 'note'] });
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

  it('shows secrets as *** in the redacted rendering and never in error messages', () => {
    const d: Record<string, ParameterDecl> = { token: { type: 'string', secret: true, pattern: '[a-z$]+' }, user: { type: 'string' } };
    const canary = 'canary-SECRET-7f3a';
    const ok = renderCommand(`curl -H "Authorization: Bearer {{token}}" -u {{user}} 'http://x/?t={{token}}'`, d, { token: 'abc$x', user: 'admin' });
    assert.ok(ok.ok);
    assert.strictEqual(ok.command, `curl -H "Authorization: Bearer abc\\$x" -u admin 'http://x/?t=abc$x'`);
    assert.strictEqual(ok.redacted, `curl -H "Authorization: Bearer ***" -u admin 'http://x/?t=***'`);
    const bad = renderCommand('echo {{token}}', d, { token: canary });
    assert.ok(!bad.ok);
    assert.deepStrictEqual(bad.errors, ['parameter "token": the value does not match [a-z$]+']);
    assert.ok(!JSON.stringify(bad).includes(canary));
    assert.strictEqual(redactSecrets(`got ${canary} and ${canary}x, user admin`, { ...d, t2: { type: 'string', secret: true } }, { token: canary, user: 'admin', t2: '' }), 'got *** and ***x, user admin');
  });

  it('renders placeholders in targets and expect texts as plain text', () => {
    const d: Record<string, ParameterDecl> = { node: { type: 'number', default: 0 } };
    assert.deepStrictEqual(renderText('registry-meta[{{node}}]', d, { node: '2' }), { ok: true, text: 'registry-meta[2]' });
    assert.deepStrictEqual(renderText('registry-meta[{{node}}]', d, { node: 'x' }), { ok: false, errors: ['parameter "node": "x" is not a number'] });
    assert.deepStrictEqual(renderText('{{host}}', d, {}), { ok: false, errors: ['{{host}} is not a declared parameter'] });
  });
});
