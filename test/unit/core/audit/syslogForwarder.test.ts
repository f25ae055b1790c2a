import * as assert from 'assert';
import { formatRfc5424, parseSyslogTarget } from '../../../../src/core/audit/syslogForwarder';

describe('syslog forwarding (RFC 5424 message, collector address)', () => {
  it('formats a record as an RFC 5424 message with escaped structured data and a UTF-8 MSG', () => {
    const line = '{"kind":"cell","note":"中文 ] \\" \\\\"}';
    const message = formatRfc5424({ seq: 7, at: '2026-12-03T08:00:00.123Z', kind: 'manual step', hash: 'ab"]\\cd', kid: '0123456789abcdef' }, line, '/w/a"]\\.jsonl', 'host name', 42);
    assert.strictEqual(
      message,
      `<109>1 2026-12-03T08:00:00.123Z host_name sofa-ops 42 manual_step [sofaops@32473 seq="7" hash="ab\\"\\]\\\\cd" kid="0123456789abcdef" trail="/w/a\\"\\]\\\\.jsonl"] \uFEFF${line}`,
    );
  });

  it('accepts tcp:// and udp:// collectors (IPv6 in brackets) and refuses anything else with the reason', () => {
    assert.deepStrictEqual(parseSyslogTarget('tcp://logs.example.com:6514'), { protocol: 'tcp', host: 'logs.example.com', port: 6514 });
    assert.deepStrictEqual(parseSyslogTarget('udp://[::1]:514'), { protocol: 'udp', host: '::1', port: 514 });
    for (const bad of ['logs:514', 'tcp://logs', 'tcp://logs:0', 'tcp://logs:70000', 'http://logs:514', 'tcp://lo gs:514', 'tcp://logs:514;rm -rf /']) {
      assert.throws(() => parseSyslogTarget(bad), (err: Error) => err.message === `syslog collector "${bad}": expected tcp://HOST:PORT or udp://HOST:PORT`, bad);
    }
  });
});
