/**
 * The host uids root's demo gives its containers, and the path check that decides whether a
 * container's uid can reach a file by path (see src/demo/containerUsers.ts).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { blockedOnTheWay, containerHostIds } from '../../../src/demo/containerUsers';

describe('demo container users', () => {
  it('changes nothing when the demo does not run as root', () => {
    assert.strictEqual(containerHostIds(17, false), undefined);
  });

  it('gives root\'s containers distinct unprivileged uids/gids that no account, group or process uses', () => {
    const ids = containerHostIds(17, true)!;
    assert.strictEqual(ids.length, 17);
    assert.strictEqual(new Set(ids.map((i) => i.uid)).size, 17);
    assert.ok(ids.every((i) => i.uid > 65535 && i.uid < 2 ** 31 && i.gid === i.uid), JSON.stringify(ids[0]));
    const accounts = fs.readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => Number(l.split(':')[2]));
    assert.deepStrictEqual(ids.filter((i) => accounts.includes(i.uid)), []);
    const running = new Set(fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
      try {
        return [Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1])];
      } catch {
        return [];
      }
    }));
    assert.deepStrictEqual(ids.filter((i) => running.has(i.uid)), []);
  });

  it('names the first directory a uid cannot enter, and passes an open path', () => {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-users-'));
    try {
      const inner = path.join(top, 'a', 'b');
      fs.mkdirSync(inner, { recursive: true });
      const file = path.join(inner, 'f');
      fs.writeFileSync(file, 'x');
      const other = { uid: 1_885_274_112, gid: 1_885_274_112 };
      fs.chmodSync(top, 0o755);
      fs.chmodSync(path.join(top, 'a'), 0o700);
      fs.chmodSync(inner, 0o755);
      fs.chmodSync(file, 0o644);
      assert.strictEqual(blockedOnTheWay(file, other), path.join(top, 'a'));
      fs.chmodSync(path.join(top, 'a'), 0o711);
      assert.strictEqual(blockedOnTheWay(file, other), undefined);
      assert.strictEqual(blockedOnTheWay(file, other, 'exec'), file, 'readable, not executable');
      fs.chmodSync(file, 0o600);
      assert.strictEqual(blockedOnTheWay(file, other), file);
      const owner = { uid: fs.statSync(file).uid, gid: fs.statSync(file).gid };
      assert.strictEqual(blockedOnTheWay(file, owner), undefined, 'the owner\'s bits count for the owner');
      assert.strictEqual(blockedOnTheWay(path.join(top, 'missing'), other), path.join(top, 'missing'));
    } finally {
      fs.rmSync(top, { recursive: true, force: true });
    }
  });
});
