import * as assert from 'assert';
import { formatOptions, parseInfoString } from '../../../../src/core/runbook/cellOptions';
import { checkExpectation, parseExpectation, type Expectation } from '../../../../src/core/runbook/expectation';

describe('cell options in the fence info string', () => {
  it('reads the options of a guarded step', () => {
    const parsed = parseInfoString(' sh {target=registry-meta[0] confirm expect="\\"success\\":true" timeout=30}');
    assert.strictEqual(parsed.language, 'sh');
    assert.deepStrictEqual(parsed.problems, []);
    assert.deepStrictEqual(parsed.options, { target: 'registry-meta[0]', confirm: true, expect: '"success":true', timeout: 30 });
  });

  it('reads every option, flags written bare or =true/=false, quoted and unquoted values', () => {
    const parsed = parseInfoString(`bash { name=reopen.push_1 target='tag=dc-a,registry-meta[0:2]' finally=true manual=false continueOnError parallel=5 timeout=1.5m confirm="Really restart?" expect=/a{2,3}\\s"x"/i }`);
    assert.deepStrictEqual(parsed.problems, []);
    assert.deepStrictEqual(parsed.options, { name: 'reopen.push_1', target: 'tag=dc-a,registry-meta[0:2]', finally: true, continueOnError: true, parallel: 5, timeout: 90, confirm: 'Really restart?', expect: '/a{2,3}\\s"x"/i' });
    assert.deepStrictEqual(parsed.attributes.map((a) => a.raw), ['name=reopen.push_1', "target='tag=dc-a,registry-meta[0:2]'", 'finally=true', 'manual=false', 'continueOnError', 'parallel=5', 'timeout=1.5m', 'confirm="Really restart?"', 'expect=/a{2,3}\\s"x"/i']);
    assert.deepStrictEqual(parseInfoString('sh{name=x}').options, { name: 'x' });
    assert.deepStrictEqual(parseInfoString('sh {target=registry-meta[{{node}}] timeout=2h}').options, { target: 'registry-meta[{{node}}]', timeout: 7200 });
    assert.deepStrictEqual(parseInfoString('sh').options, {});
  });

  const problemsOf = (info: string) => parseInfoString(info).problems;

  it('reports unknown options, with a suggestion for a wrong case', () => {
    assert.match(problemsOf('sh {retries=3}')[0], /^unknown cell option "retries"; options are name, target, /);
    assert.match(problemsOf('sh {continueonerror}')[0], /unknown cell option "continueonerror" \(did you mean continueOnError\?\)/);
  });

  it('reports bad values without throwing', () => {
    const cases: Array<[string, RegExp]> = [
      ['sh {timeout=soon}', /timeout "soon" is not a positive number of seconds/],
      ['sh {timeout=0}', /timeout "0" is not a positive number/],
      ['sh {timeout}', /cell option "timeout" needs a value/],
      ['sh {parallel=2.5}', /parallel "2.5" is not a positive whole number/],
      ['sh {expect=/(unclosed/}', /expect is not a valid regex/],
      ['sh {expect=/x/g}', /expect regex flag "g" is not one of i, m, s, u/],
      ['sh {expect=\'$.a=1\'}', /expect JSON path: expected ==, != or the end/],
      ['sh {expect="$.a=="}', /expect JSON path: nothing after ==/],
      ['sh {expect=""}', /expect is empty/],
      ['sh {confirm=""}', /confirm="" has no question/],
      ['sh {finally=yes}', /cell option "finally" is a flag: write finally, finally=true or finally=false/],
      ['sh {name="has space"}', /cell name "has space" must be letters/],
      ['sh {target=""}', /target "" must be a selector without spaces/],
      ['sh {expect="unterminated}', /cell option "expect": unterminated " quote/],
      ["sh {target='x}", /cell option "target": unterminated ' quote/],
      ['sh {target=x', /missing } at the end/],
      ['sh {target=x} trailing', /unexpected text after }: "trailing"/],
      ['sh target=x', /cell options go inside \{…\} after the language/],
      ['sh {name=a name=b}', /cell option "name" is given twice/],
      ['sh {=x}', /"=x" is not an option/],
      ['sh {na.me=x}', /"na.me=x" is not an option/],
    ];
    for (const [info, expected] of cases) {
      const problems = problemsOf(info);
      assert.strictEqual(problems.length, 1, `${info}: ${JSON.stringify(problems)}`);
      assert.match(problems[0], expected, info);
    }
  });

  it('formats options so they read back the same', () => {
    const options = { name: '检查', target: 'registry-meta[0]', confirm: 'Close push? "yes"', expect: '/"ok"\\s*:\\s*true/', timeout: 30, parallel: 2, manual: true, continueOnError: true, finally: true };
    const text = formatOptions(options);
    assert.strictEqual(text, '{name=检查 target=registry-meta[0] manual confirm="Close push? \\"yes\\"" parallel=2 timeout=30 expect="/\\"ok\\"\\\\s*:\\\\s*true/" continueOnError finally}');
    const back = parseInfoString(`sh ${text}`);
    assert.deepStrictEqual(back.problems, []);
    assert.deepStrictEqual(back.options, options);
    assert.strictEqual(formatOptions({ confirm: false, finally: undefined }), '');
  });

  it('keeps unknown attributes when rewriting the known ones', () => {
    const { attributes } = parseInfoString('sh {x-custom=1 name=a}');
    assert.strictEqual(formatOptions({ name: 'b' }, attributes), '{x-custom=1 name=b}');
  });
});

describe('expect on stdout', () => {
  const check = (text: string, stdout: string) => {
    const { expectation, error } = parseExpectation(text);
    assert.strictEqual(error, undefined);
    const { ok, detail } = checkExpectation(expectation as Expectation, stdout);
    return { ok, detail };
  };

  it('matches a substring, a regex, or a JSON value at a path', () => {
    assert.deepStrictEqual(check('"success":true', '{"success":true,"message":null}'), { ok: true, detail: 'found "\\"success\\":true" in the output' });
    assert.strictEqual(check('"success":true', '{"success": false}').ok, false);
    assert.strictEqual(check('/stopPushDataSwitch"\\s*:\\s*TRUE/i', '{"stopPushDataSwitch" : true}').ok, true);
    assert.strictEqual(check('/^UP$/m', 'status\nUP\n').ok, true);
    assert.strictEqual(check('$.success==true', ' {"success":true}\n').ok, true);
    assert.strictEqual(check('$.data.status == UP', '{"data":{"status":"UP"}}').ok, true);
    assert.strictEqual(check('$.peers[1]=="10.0.0.2"', '{"peers":["10.0.0.1","10.0.0.2"]}').ok, true);
    assert.strictEqual(check('$["odd key"].n != 3', '{"odd key":{"n":4}}').ok, true);
    assert.strictEqual(check('$.leader', '{"leader":"10.0.0.1"}').ok, true);
    assert.deepStrictEqual(check('$.leader', '{"leader":null}'), { ok: false, detail: 'expected leader in the JSON output, found null' });
    assert.deepStrictEqual(check('$.a.b==1', '{"a":2}'), { ok: false, detail: 'expected a.b: 1 in the JSON output, found nothing' });
    assert.deepStrictEqual(check('$.success==true', 'curl: (7) Failed to connect'), { ok: false, detail: 'expected success: true in the JSON output, but the output is not JSON: curl: (7) Failed to connect' });
    assert.strictEqual(check('$HOME', 'x $HOME y').ok, true, 'a $word is a substring');
    assert.strictEqual(check('/x/', 'a/x/b').ok, true);
  });

  it('says in words what was expected and what came instead, never a bare regex', () => {
    assert.deepStrictEqual(check('$.success == true', '{"success":false}'), { ok: false, detail: 'expected success: true in the JSON output, found false' });
    assert.deepStrictEqual(check('$.data.status != DOWN', '{"data":{"status":"DOWN"}}'), { ok: false, detail: 'expected data.status other than DOWN in the JSON output, found "DOWN"' });
    assert.deepStrictEqual(check('$.peers[1]=="10.0.0.2"', '{"peers":[]}'), { ok: false, detail: 'expected peers[1]: 10.0.0.2 in the JSON output, found nothing' });
    assert.deepStrictEqual(check('/^UP$/m', 'status\nDOWN\n'), { ok: false, detail: 'expected output matching /^UP$/m, found: status' });
    assert.deepStrictEqual(check('/^UP$/m', ''), { ok: false, detail: 'expected output matching /^UP$/m, found no output' });
    assert.deepStrictEqual(check('LISTEN', 'tcp 0 0 :::80 ESTABLISHED\n'), { ok: false, detail: 'expected "LISTEN" in the output, found: tcp 0 0 :::80 ESTABLISHED' });
    for (const [text, out] of [['$.success==true', '{"success":false}'], ['/UP/', 'DOWN'], ['UP', 'DOWN'], ['$.x', '{}']]) {
      const { detail } = check(text, out);
      assert.ok(!/does not match|did not find|stdout/.test(detail), detail);
    }
  });

  it('the Chinese detail is translated too', () => {
    const { expectation } = parseExpectation('$.success==true');
    const r = checkExpectation(expectation!, '{"success":false}');
    assert.ok(/[\u4e00-\u9fff]/.test(r.text.zh), r.text.zh);
    assert.ok(r.text.zh.includes('success') && r.text.zh.includes('false'), r.text.zh);
  });
});
