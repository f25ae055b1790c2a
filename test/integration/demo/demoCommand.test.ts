/** `sofa-ops demo` in-process (main() with captured output): options, usage errors, runtime faults. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../../src/cli/main';
import { requireRoot } from '../fixtures/sshd';
import { eventually, TEST_SUBNET } from './demoProcess';

const catalogDir = path.resolve(__dirname, '../../../runbooks');

function capture() {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

describe('sofa-ops demo (in-process)', function () {
  this.timeout(60_000);

  it('prints its usage with the fault list, and rejects bad options with exit code 2', async () => {
    const help = capture();
    assert.strictEqual(await main(['demo', '--help'], help, catalogDir), 0);
    assert.match(help.stdout, /Usage: sofa-ops demo \[--dir DIR\]/);
    assert.match(help.stdout, /acvip-clock-skew/);
    const bad = capture();
    assert.strictEqual(await main(['demo', '--isolation', 'vm'], bad, catalogDir), 2);
    assert.match(bad.stderr, /--isolation must be auto, namespaces or plain, not "vm"/);
    const fault = capture();
    assert.strictEqual(await main(['demo', '--faults', 'disk-full@nowhere'], fault, catalogDir), 2);
    assert.match(fault.stderr, /fault "disk-full": no container named "nowhere"/);
  });

  it('runs until SIGTERM, prints how to connect, and takes new faults from DIR/.demo/faults', async () => {
    requireRoot();
    // In this process, so as this user: a directory of its own (not the demo user's, see demoDir).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-demo-'));
    const io = capture();
    const sigintListeners = process.listenerCount('SIGINT');
    const done = main(['demo', '--dir', dir, '--subnet', TEST_SUBNET], io, catalogDir);
    try {
      assert.ok(await eventually(() => io.stdout.includes('Ctrl-C stops the site'), 90_000), io.stderr);
      assert.match(io.stdout, /\d+ containers \(namespaces(, MariaDB)?\) ready in \d+ ms/);
      assert.match(io.stdout, /sofa-ops exec --inventory \S+sofa-ops\.inventory\.yaml --known-hosts \S+known_hosts --target registry-meta/);
      fs.writeFileSync(path.join(dir, '.demo/faults'), 'acvip-clock-skew,dbp-slow-sql\n');
      assert.ok(await eventually(() => io.stderr.includes('faults now: acvip-clock-skew, dbp-slow-sql'), 10_000), io.stderr);
      assert.ok(fs.existsSync(path.join(dir, '.demo/containers/acvip-1/sbin/date')), 'the date shim is in place');
      fs.writeFileSync(path.join(dir, '.demo/faults'), 'no-such-fault\n');
      assert.ok(await eventually(() => /faults: unknown fault "no-such-fault"/.test(io.stderr), 10_000), io.stderr);
    } finally {
      process.emit('SIGTERM');
      assert.strictEqual(await done, 0, io.stderr);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.match(io.stderr, /SIGTERM, stopping/);
    assert.strictEqual(process.listenerCount('SIGINT'), sigintListeners, 'the demo removes its signal handlers');
  });
});
