import * as assert from 'assert';
import { formatProblem } from '../../../../src/core/sourceProblem';
import { parseRunbook } from '../../../../src/core/runbook/runbookParser';
import { serializeRunbook } from '../../../../src/core/runbook/runbookSerializer';

const problemsOf = (text: string) => {
  const { runbook, problems } = parseRunbook(text, 'ops/x.runbook.md');
  assert.strictEqual(serializeRunbook(runbook), text, 'bad content still round-trips');
  return problems.map(formatProblem);
};

describe('runbook diagnostics', () => {
  it('names the exact line of every problem in cells', () => {
    const text = [
      '---', //                                                   1
      'title: T', //                                              2
      'product: registry', //                                     3
      'parameters:', //                                           4
      '  node: {type: number}', //                                5
      '---', //                                                   6
      '', //                                                      7
      '```sh {name=a target=registry-meta[{{node}}] timeout=x}', // 8
      'echo {{node}}', //                                         9
      'echo {{ nodes }} {{.State}} {{json .}}', //                10
      '```', //                                                   11
      '', //                                                      12
      '```bash {name=a expect="{{who}}" retry=1}', //             13
      'ls', //                                                    14
      '```', //                                                   15
      '', //                                                      16
      '- list', //                                                17
      '', //                                                      18
      '  ```sh {target=x}', //                                    19
      '  ls', //                                                  20
      '  ```', //                                                 21
      '', //                                                      22
      '```python {target=x}', //                                  23
      'print(1)', //                                              24
      '```', //                                                   25
      '', //                                                      26
      '```sh {confirm expect="oops}', //                          27
      'ls', //                                                    28
      '```', //                                                   29
      '', //                                                      30
      '~~~sh', //                                                 31
      'no closing fence', //                                      32
    ].join('\n');
    assert.deepStrictEqual(problemsOf(text), [
      'ops/x.runbook.md:8: timeout "x" is not a positive number of seconds (e.g. timeout=30 or timeout=5m)',
      'ops/x.runbook.md:10: {{nodes}} is not a declared parameter (declared: node)',
      'ops/x.runbook.md:13: unknown cell option "retry"; options are name, target, when, after, manual, confirm, parallel, timeout, expect, continueOnError, finally, otherwise',
      'ops/x.runbook.md:13: duplicate cell name "a" (first used at line 8)',
      'ops/x.runbook.md:13: expect: {{who}} is not a declared parameter (declared: node)',
      'ops/x.runbook.md:19: this cell is inside a list or block quote, so it is not a runnable cell and its options are ignored: move the fence to the top level',
      'ops/x.runbook.md:23: only sh, bash and shell fences are runnable cells; the options on this python block are ignored',
      'ops/x.runbook.md:27: cell option "expect": unterminated " quote',
      'ops/x.runbook.md:31: code cell is not closed: add a ~~~ line after its last command (it runs to the end of the file)',
    ]);
  });

  it('reports YAML errors in the front matter at their file line', () => {
    const problems = problemsOf('---\ntitle: T\nproduct: [oops\n---\n# x\n');
    assert.strictEqual(problems.length, 1);
    assert.match(problems[0], /^ops\/x\.runbook\.md:3: front matter YAML: /);
    assert.deepStrictEqual(problemsOf('\uFEFF---\r\ntitle: T\r\ntitle: U\r\nproduct: p\r\n---\r\n').map((p) => p.replace(/: front matter YAML: .*/, '')), ['ops/x.runbook.md:3']);
  });

  it('reports schema errors against runbook.schema.json at their file line', () => {
    const text = [
      '---',
      'title: Restart', //                             2
      'prodcut: registry', //                          3
      'components: [Registry_Meta]', //                4
      'parameters:', //                                5
      '  mode: {type: enum}', //                       6
      '  count:', //                                   7
      '    type: integer', //                          8
      '  token: {type: string, secret: true, default: abc}', // 9
      '  ticket: {type: string, pattern: "CHG-[", required: true}', // 10
      '  node: {type: number, default: two}', //       11
      '  env: {type: string, allowed: [prod, test], default: dev}', // 12
      '  2bad: {type: string}', //                     13
      '---',
      '```sh',
      'echo {{mode}} {{count}} {{token}}', //          16
      '```',
    ].join('\n');
    assert.deepStrictEqual(problemsOf(text), [
      'ops/x.runbook.md:2: front matter: top level: missing required field "product"',
      'ops/x.runbook.md:3: front matter: top level: unknown field "prodcut"',
      'ops/x.runbook.md:4: front matter: components.0: "Registry_Meta" does not match ^[a-z0-9][a-z0-9-]*$',
      'ops/x.runbook.md:6: front matter: parameters.mode: missing required field "allowed"',
      'ops/x.runbook.md:8: front matter: parameters.count.type: must be one of "string", "number", "boolean", "enum"',
      'ops/x.runbook.md:9: front matter: parameters.token: a secret must not have a default (it would be stored in the runbook)',
      'ops/x.runbook.md:10: front matter: parameters.ticket.pattern is not a valid regex: Invalid regular expression: /CHG-[/u: Unterminated character class',
      'ops/x.runbook.md:11: front matter: parameters.node.default: "two" is not a number',
      'ops/x.runbook.md:12: front matter: parameters.env.default: "dev" is not one of "prod", "test"',
      'ops/x.runbook.md:13: front matter: parameters: "2bad" is not a parameter name (letters, digits, _ and -, not starting with a digit)',
    ]);
  });

  it('reports unclosed front matter, and a front matter that is not a mapping', () => {
    assert.deepStrictEqual(problemsOf('---\ntitle: T\n# no end\n'), ['ops/x.runbook.md:1: front matter is not closed: add a --- line after the YAML (or remove the first ---)']);
    assert.deepStrictEqual(problemsOf('---\n- a\n---\n'), ['ops/x.runbook.md:2: front matter must be a mapping with title, product and parameters']);
  });

  it('asks to declare placeholders when there is no front matter at all', () => {
    assert.deepStrictEqual(problemsOf('# x\n\n```sh\necho {{host}}\n```\n'), ['ops/x.runbook.md:4: {{host}} is not a declared parameter (declared: none; add them under parameters: in the front matter)']);
  });

  it('never throws on odd input', () => {
    for (const text of ['', '\uFEFF', '---', '---\n---', '```', '```sh {', '```sh {{{{', '~~~sh\n~~~\n```sh\n', '\r\r\r', '\0```sh\n\0\n```', '> ```sh {name=a}\n> x']) {
      assert.doesNotThrow(() => problemsOf(text), JSON.stringify(text));
    }
  });
});
