import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import { regexProblem } from '../../../../src/core/catalog/regexSafety';
import { logCatalogOf } from '../../../../src/core/logs/logCatalog';
import { compileLogMatcher } from '../../../../src/core/logs/logMatcher';
import { scanText } from '../../../../src/core/logs/logScanner';
import { REGEX_INPUT_LIMIT } from '../../../../src/core/logs/structuredFormat';
import { bundledCatalog, minimalProduct, tempTree } from '../../helpers';

describe('catalog regex safety', () => {
  it('refuses regexes that backtrack exponentially or with a high power, naming the spot', () => {
    const refused: Array<[string, RegExp]> = [
      ['^(a+)+$', /exponential time .*nested repetition at column 2 \("\(a\+\)\+"\)/],
      ['(a|a)*b', /exponential time.*alternatives "a" and "a"/],
      ['^(a|aa)+$', /exponential time.*alternatives "a" and "aa"/],
      ['(.*a){20}', /20th power of the line length/],
      ['(\\w+\\s?)+$', /exponential time/],
      ['(x*)*y', /exponential time/],
      ['(\\w+\\s*){5}$', /5th power/],
      ['(.*){1,32000}[bc]', /exponential time/],
    ];
    for (const [source, message] of refused) assert.match(regexProblem(source) ?? 'accepted', message, source);
  });

  it('reports invalid regexes as the engine words them, and refuses absurd lengths', () => {
    assert.match(regexProblem('(unclosed')!, /^invalid regex: .*Unterminated group/);
    assert.match(regexProblem('a{3,1}')!, /^invalid regex: .*out of order/);
    assert.match(regexProblem('(?<x>a)(?<x>b)')!, /^invalid regex: .*Duplicate capture group name/);
    assert.match(regexProblem('a'.repeat(3000))!, /3000 characters long/);
  });

  it('accepts linear and merely quadratic regexes, and every regex the bundled catalog ships', async () => {
    for (const source of ['^\\S', '^(\\d+\\.){3}\\d+$', '(?:ab|cd)*', 'ERROR.*Exception', 'a.*b.*c', '^([^,]*,){3,}\\s*failed\\s*$', 'a/b', '[/]', 'ServerHAHeartbeat result \\[(?!OK\\])']) {
      assert.strictEqual(regexProblem(source), undefined, source);
    }
    const shipped: string[] = [];
    for (const product of await fs.readdir(bundledCatalog, { withFileTypes: true })) {
      if (!product.isDirectory()) continue;
      for (const name of (await fs.readdir(path.join(bundledCatalog, product.name))).filter((n) => /catalog\.ya?ml$/.test(n))) {
        const data = parse(await fs.readFile(path.join(bundledCatalog, product.name, name), 'utf8')) as { patterns?: Array<{ match: string; regex?: boolean }>; logs?: Array<{ format?: { regex?: string } }> };
        for (const p of data.patterns ?? []) if (p.regex) shipped.push(p.match);
        for (const l of data.logs ?? []) if (l.format?.regex) shipped.push(l.format.regex);
      }
    }
    assert.ok(shipped.length > 10);
    for (const source of shipped) assert.strictEqual(regexProblem(source), undefined, source);
  });

  it('leaves a refused or invalid pattern out of the catalog, so a scan of a hostile log runs with the rest', async () => {
    const text = minimalProduct + `  - id: demo-catastrophic
    section: "2.3.2"
    match: "^(a+)+$"
    regex: true
    severity: error
    logs: [demo-server-common-error]
    explanation: {zh: 坏, en: Bad}
    action: {zh: 改, en: Fix}
  - id: demo-invalid
    section: "2.3.2"
    match: "(unclosed"
    regex: true
    severity: error
    logs: []
    explanation: {zh: 坏, en: Bad}
    action: {zh: 改, en: Fix}
`;
    const t = tempTree({ 'demo/catalog.yaml': text });
    try {
      const { catalog, problems } = await loadCatalog(t.dir);
      assert.deepStrictEqual(problems.map((p) => `${path.basename(p.file)}:${p.line}: ${p.message.replace(/:.*/, '')}`), [
        'catalog.yaml:28: pattern "demo-catastrophic"',
        'catalog.yaml:36: pattern "demo-invalid"',
      ]);
      const logCatalog = logCatalogOf(catalog);
      assert.deepStrictEqual(logCatalog.patterns.map((p) => p.id), ['demo-no-connection']);
      const matcher = compileLogMatcher(logCatalog, logCatalog.logs);
      const log = `${'a'.repeat(40)}!\n`.repeat(50) + 'no available connection\n';
      const { findings } = scanText(matcher, log);
      assert.deepStrictEqual(findings.map((f) => [f.line, f.matches[0].pattern.id]), [[51, 'demo-no-connection']]);
    } finally {
      t.cleanup();
    }
  });

  it('runs a regex on the first REGEX_INPUT_LIMIT characters of a line, so a huge line costs a bounded time', () => {
    const matcher = compileLogMatcher({ logs: [], patterns: [
      { id: 'start', section: '1', match: '^begin \\w+', regex: true, severity: 'error', logs: [], explanation: { zh: '', en: '' }, action: { zh: '', en: '' } },
      { id: 'tail', section: '1', match: 'begin.*TAIL$', regex: true, severity: 'error', logs: [], explanation: { zh: '', en: '' }, action: { zh: '', en: '' } },
      { id: 'literal', section: '1', match: 'TAIL', severity: 'warning', logs: [], explanation: { zh: '', en: '' }, action: { zh: '', en: '' } },
    ] }, []);
    const line = `begin here ${'begin '.repeat(REGEX_INPUT_LIMIT)}TAIL`;
    const { findings } = scanText(matcher, line + '\n');
    // The regex that needs the end of the line does not see it; the literal pattern still does.
    assert.deepStrictEqual(findings[0].matches.map((m) => m.pattern.id).sort(), ['literal', 'start']);
  });
});
