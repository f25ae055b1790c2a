import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { commandFromArgv, shellQuote } from '../../../src/core/shellQuote';

const hostile = ["$(touch /tmp/pwned)", '`id`', "a'b", "x; rm -rf /", '*', '$HOME', 'line1\nline2', '', ' lead', "'", '\\', '-n', 'é中文'];

describe('shellQuote', () => {
  it('makes every hostile value arrive in a real shell as exactly one literal word', () => {
    for (const value of hostile) {
      // printf %s\0 prints each word the shell sees; one word, byte-identical, means no injection.
      const out = execFileSync('sh', ['-c', `printf '%s\\0' ${shellQuote(value)}`], { encoding: 'utf8' });
      assert.deepStrictEqual(out.split('\0').slice(0, -1), [value], JSON.stringify(value));
    }
  });

  it('leaves plain words readable', () => {
    assert.strictEqual(shellQuote('registry-meta-1'), 'registry-meta-1');
    assert.strictEqual(shellQuote('/home/admin/logs/gc.log'), '/home/admin/logs/gc.log');
  });

  it('treats one argv word as a command line and several as separate words', () => {
    assert.strictEqual(commandFromArgv(['netstat -an | grep 9529']), 'netstat -an | grep 9529');
    assert.strictEqual(commandFromArgv(['ls', '-la', '/dir with space']), "ls -la '/dir with space'");
  });
});
