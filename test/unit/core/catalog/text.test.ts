import * as assert from 'assert';
import { flattenLanguage, langForLocale, pick } from '../../../../src/core/catalog/text';

describe('catalog text', () => {
  it('follows the UI locale: any zh variant gets the guide wording, others English', () => {
    assert.strictEqual(langForLocale('zh-cn'), 'zh');
    assert.strictEqual(langForLocale('zh-TW'), 'zh');
    assert.strictEqual(langForLocale('en-US'), 'en');
    assert.strictEqual(langForLocale(undefined), 'en');
  });

  it('falls back to the other language when one is empty', () => {
    assert.strictEqual(pick({ zh: '重启', en: '' }, 'en'), '重启');
    assert.strictEqual(pick(undefined, 'zh'), '');
  });

  it('flattens only {zh, en} pairs, leaving other objects intact', () => {
    const value = { name: { zh: '端口', en: 'Port' }, port: { port: 9529, zh: 'x' }, list: [{ zh: '甲', en: 'A' }] };
    assert.deepStrictEqual(flattenLanguage(value, 'en'), { name: 'Port', port: { port: 9529, zh: 'x' }, list: ['A'] });
  });

  it('flattens a marked zh text too (zhSource), and a note like any other pair', () => {
    const value = { passWhen: { zh: '端口可访问', zhSource: 'paraphrase', en: 'Reachable' }, note: { zh: '说明', en: 'Why' } };
    assert.deepStrictEqual(flattenLanguage(value, 'en'), { passWhen: 'Reachable', note: 'Why' });
    assert.deepStrictEqual(flattenLanguage(value, 'zh'), { passWhen: '端口可访问', note: '说明' });
  });
});
