/**
 * The JavaScript → Python regex rewrite, checked against the real engines: for each regex and
 * text, JavaScript's answer (what `sofa-ops run` decides) must equal Python's `re.search` on the
 * rewritten pattern (what the exported playbook decides). The texts aim at the places the engines
 * differ: a final newline before `$`, \r and U+2028 for `.`, Unicode spaces and digits.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { pythonRegex } from '../../../../src/core/export/pythonRegex';

const cases: Array<[string, string, string[]]> = [
  ['healthy$', '', ['healthy', 'healthy\n', 'healthy\r\n', 'un healthy x']],
  ['^ok', 'm', ['ok', 'x\nok', 'x\rok', 'x\u2028ok', ' ok']],
  ['^ok$', '', ['ok', 'ok\n', '\nok']],
  ['a.b', '', ['a\nb', 'a\rb', 'a\u2028b', 'axb']],
  ['a.b', 's', ['a\nb', 'a\rb']],
  ['\\d+', '', ['١٢٣', '123', 'x']],
  ['\\w+\\b', '', ['é', 'abc', 'straße']],
  ['a\\sb', '', ['a\u00a0b', 'a\u2003b', 'a\x1cb', 'a\u0085b', 'a\ufeffb', 'a b']],
  ['[:.]9880\\s[^\\n]*LISTEN', '', ['tcp 0 0 0.0.0.0:9880 0.0.0.0:* LISTEN', 'x:9880\nLISTEN', ':9880 \nLISTEN']],
  ['"success":\\s*true[\\s\\S]*raftStatus:\\s*(Leader|Follower)', '', ['{"success": true,\n"raftStatus: Leader"}', '"success":false raftStatus: Leader']],
  ['Active:\\s*active', 'i', ['ACTIVE: Active', 'inactive']],
  ['[a\\]]+', '', [']]', 'bcd']],
  ['a{,2}b', '', ['a{,2}b', 'aab']],
];

describe('pythonRegex: JavaScript regex semantics in Python re', () => {
  it('decides like JavaScript on every probe text', () => {
    const probes: Array<{ pattern: string; text: string; js: boolean; label: string }> = [];
    for (const [source, flags, texts] of cases) {
      const py = pythonRegex(source, flags);
      assert.ok('pattern' in py, `${source}: ${'error' in py ? py.error : ''}`);
      const js = new RegExp(source, flags);
      for (const text of texts) probes.push({ pattern: py.pattern, text, js: js.test(text), label: `/${source}/${flags} on ${JSON.stringify(text)}` });
    }
    const r = spawnSync('/usr/bin/python3', ['-c', 'import json,re,sys\nprint(json.dumps([re.search(p["pattern"], p["text"]) is not None for p in json.load(sys.stdin)]))'], { input: JSON.stringify(probes), encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    const answers = JSON.parse(r.stdout) as boolean[];
    const wrong = probes.filter((p, i) => answers[i] !== p.js).map((p) => `${p.label}: JavaScript ${p.js}, Python ${!p.js}`);
    assert.deepStrictEqual(wrong, []);
    assert.ok(probes.some((p) => p.js) && probes.some((p) => !p.js), 'the probes hit both answers');
  });

  it('refuses what it cannot carry over, saying why', () => {
    assert.match((pythonRegex('(?<=a)b', '') as { error: string }).error, /lookbehind/);
    assert.match((pythonRegex('(?<n>a)\\k<n>', '') as { error: string }).error, /named groups/);
    assert.match((pythonRegex('[^]', '') as { error: string }).error, /empty class/);
    assert.match((pythonRegex('[\\Sa]', '') as { error: string }).error, /\\S inside/);
    assert.match((pythonRegex('a', 'y') as { error: string }).error, /flag "y"/);
    assert.match((pythonRegex('é', 'i') as { error: string }).error, /case-insensitive/);
  });
});
