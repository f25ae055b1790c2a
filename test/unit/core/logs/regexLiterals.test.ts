import * as assert from 'assert';
import { literalRuns, requiredLiteral } from '../../../../src/core/logs/regexLiterals';

describe('requiredLiteral', () => {
  it('reads the literal text out of the catalog regexes', () => {
    assert.strictEqual(requiredLiteral('add notify task error, dataId: .*, registId: '), 'add notify task error, dataId: ');
    assert.strictEqual(requiredLiteral('client\\[[^\\]]*\\] has no auth'), '] has no auth');
    assert.strictEqual(requiredLiteral('ServerHAHeartbeat result \\[(?!OK\\])'), 'ServerHAHeartbeat result [');
    assert.strictEqual(requiredLiteral('Validate data source healthy, status \\[(?!SUCCESS\\])'), 'Validate data source healthy, status [');
    assert.strictEqual(requiredLiteral('#false\\s*$'), '#false');
    assert.strictEqual(requiredLiteral('^([^,]*,){3,}\\s*failed\\s*$'), 'failed');
  });

  it('finds no literal in regexes that only describe a layout', () => {
    assert.strictEqual(requiredLiteral('^.+$'), undefined);
    assert.strictEqual(requiredLiteral('^\\S'), undefined);
    assert.strictEqual(requiredLiteral('^\\d{4}-\\d{2}-\\d{2}'), '-');
  });

  it('never claims text that a match may lack', () => {
    assert.deepStrictEqual(literalRuns('colou?r'), ['colo', 'r']);
    assert.deepStrictEqual(literalRuns('ab*c'), ['a', 'c']);
    assert.deepStrictEqual(literalRuns('ab+c'), ['ab', 'c']);
    assert.deepStrictEqual(literalRuns('x{0,2}yz'), ['yz']);
    assert.deepStrictEqual(literalRuns('(abc)?def'), ['def']);
    assert.deepStrictEqual(literalRuns('a\\.b\\tc\\x41\\u4e2d'), ['a.b\tcA中']);
    assert.deepStrictEqual(literalRuns('a{b'), ['a{b']);
    assert.strictEqual(literalRuns('error|warn'), undefined);
    assert.strictEqual(requiredLiteral('(?:a|b)c'), 'c');
    assert.strictEqual(requiredLiteral('unbalanced (group'), undefined);
  });
});
