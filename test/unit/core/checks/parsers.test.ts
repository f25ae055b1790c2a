/** The resource parsers and the conditions the guide's checks are judged by. */
import * as assert from 'assert';
import { atLeastTwoPerService, addressesFromJson, majorityAlive } from '../../../../src/core/checks/compositeRules';
import { bodyCondition, commandExpectation, judgeThreshold } from '../../../../src/core/checks/conditions';
import { cpuPercent, parseDf, parseLoadavg, parseMeminfo, parseProcStat } from '../../../../src/core/checks/procParsers';
import { parseHttpResponse } from '../../../../src/core/checks/probes';

describe('resource parsers', () => {
  it('computes cpu_usage from two /proc/stat samples, idle and iowait counting as idle', () => {
    const a = parseProcStat('cpu  1000 0 500 8000 500 0 0 0 0 0\ncpu0 500 0 250 4000 250 0 0 0 0 0\nbtime 1\n')!;
    const b = parseProcStat('cpu  1700 0 800 8800 700 0 0 0 0 0\n')!;
    // busy +1000 of +2000 jiffies
    assert.strictEqual(cpuPercent(a, b), 50);
    assert.strictEqual(cpuPercent(a, a), 0, 'no time passed: 0, not NaN');
    assert.strictEqual(parseProcStat('intr 1 2 3\n'), undefined);
  });

  it('does not count guest time twice', () => {
    const a = parseProcStat('cpu  100 0 0 100 0 0 0 0 50 0')!;
    const b = parseProcStat('cpu  200 0 0 200 0 0 0 0 100 0')!;
    assert.strictEqual(cpuPercent(a, b), 50);
  });

  it('reads mem_usage as (MemTotal - MemAvailable) / MemTotal, with the old-kernel estimate', () => {
    assert.strictEqual(parseMeminfo('MemTotal:  8000 kB\nMemFree: 1000 kB\nMemAvailable:  2000 kB\n')!.percent, 75);
    assert.strictEqual(parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 100 kB\nCached: 300 kB\n')!.percent, 50);
    assert.strictEqual(parseMeminfo('garbage'), undefined);
  });

  it('reads df -P, including mount points with spaces and the demo fault shim', () => {
    const rows = parseDf(`Filesystem     1024-blocks      Used Available Capacity Mounted on
/dev/vda         264212084 245717238  18494845      93% /home
overlay           1000        10       990       1% /mnt/my data
`);
    assert.deepStrictEqual(rows.map((r) => [r.percent, r.mountedOn]), [[93, '/home'], [1, '/mnt/my data']]);
    assert.deepStrictEqual(parseDf('df: /nope: No such file or directory\n'), []);
  });

  it('reads load5 from /proc/loadavg', () => {
    assert.strictEqual(parseLoadavg('1.86 4.62 5.56 6/468 140\n'), 4.62);
    assert.strictEqual(parseLoadavg(''), undefined);
  });
});

describe('thresholds', () => {
  const cpu = { op: '>' as const, value: 80, unit: '%', text: { zh: 'cpu_usage >80%', en: 'cpu_usage above 80%' } };
  it('FAILs past the guide threshold, WARNs within 10% of it, PASSes below', () => {
    assert.strictEqual(judgeThreshold(cpu, 80.1), 'fail');
    assert.strictEqual(judgeThreshold(cpu, 80), 'warn', '> 80 means 80 itself is not an alarm');
    assert.strictEqual(judgeThreshold(cpu, 72), 'warn');
    assert.strictEqual(judgeThreshold(cpu, 71.9), 'pass');
    assert.strictEqual(judgeThreshold({ op: '>', value: 3, text: cpu.text }, 3.84), 'fail');
    assert.strictEqual(judgeThreshold({ op: '<', value: 97, text: cpu.text }, 96), 'fail');
    assert.strictEqual(judgeThreshold({ op: 'unreachable', text: cpu.text }, 1), 'pass');
  });
});

describe('HTTP body conditions', () => {
  it('"success":true holds for the meta leader and not for a candidate', () => {
    assert.ok(bodyCondition('"success":true', '{"success":true,"message":"... raftStatus:Leader"}').ok);
    const bad = bodyCondition('"success":true', '{"success":false,"message":"raftManagerStart:false, raftStatus:Candidate"}');
    assert.deepStrictEqual([bad.ok, bad.detail], [false, 'success:false']);
    assert.strictEqual(bad.expected.en, 'success:true in the response', 'what was wanted, in words');
  });

  it('passed:true needs every dependency of checkService to pass', () => {
    const body = 'checkService msgconsole\ndatabase msgdb: passed:true\nmsgbroker msgbroker-1 127.0.1.11:9529: passed:false (connection refused)\n';
    const r = bodyCondition('passed:true', body);
    assert.deepStrictEqual([r.ok, r.detail], [false, 'passed:false (1 of 2)']);
    assert.ok(bodyCondition('passed:true', 'a: passed:true\nb: passed:true').ok);
  });

  it('"status":"UP" and status: UP need every part UP; a missing key fails', () => {
    assert.ok(bodyCondition('"status":"UP"', '{"status":"UP","details":{"db":{"status":"UP"}}}').ok);
    assert.ok(!bodyCondition('status: UP', '{"status":"UP","details":{"db":{"status":"DOWN"}}}').ok);
    assert.deepStrictEqual(bodyCondition('"status":"UP"', '<html>502</html>').detail, 'no status in the response');
  });

  it('anything else is a substring', () => {
    assert.ok(bodyCondition('CobarServer is started', 'x CobarServer is started y').ok);
  });
});

describe('command expectations', () => {
  it('judge contains, notContains and regex on the output', () => {
    assert.ok(commandExpectation({ contains: 'LISTEN' }, 'tcp6 0 0 :::9529 :::* LISTEN').ok);
    assert.ok(!commandExpectation({ contains: 'LISTEN' }, '').ok);
    const r = commandExpectation({ notContains: 'false' }, 'db: true\nmq: false\n');
    assert.deepStrictEqual([r.ok, r.detail], [false, 'expected no "false" in the output, found: mq: false']);
    assert.ok(commandExpectation({ regex: '[:.]9003\\s[^\\n]*LISTEN' }, 'tcp6 0 0 :::9003 :::* LISTEN').ok);
    assert.ok(!commandExpectation({ regex: ':9003\\s+ESTABLISHED' }, 'tcp 0 0 127.0.1.12:4000 127.0.1.16:9600 ESTABLISHED').ok);
  });

  it('say what was expected in words: the catalog\'s passWhen, else the pattern, and what came back', () => {
    const passWhen = { en: 'A connection to ACVIP (port 9003) exists', zh: '存在到 ACVIP（9003 端口）的连接' };
    const out = 'tcp 0 0 127.0.1.12:4000 127.0.1.16:9600 ESTABLISHED\n';
    const said = commandExpectation({ regex: ':9003\\s+ESTABLISHED' }, out, passWhen);
    assert.strictEqual(said.detail, 'expected: A connection to ACVIP (port 9003) exists; found: tcp 0 0 127.0.1.12:4000 127.0.1.16:9600 ESTABLISHED');
    assert.ok(said.text.detail.zh.includes(passWhen.zh), said.text.detail.zh);
    assert.strictEqual(commandExpectation({ regex: ':9003\\s+ESTABLISHED' }, out).detail, 'expected output matching /:9003\\s+ESTABLISHED/, found: tcp 0 0 127.0.1.12:4000 127.0.1.16:9600 ESTABLISHED');
    assert.strictEqual(commandExpectation({ contains: 'LISTEN' }, '').detail, 'expected "LISTEN" in the output, found: no output');
  });
});

describe('composite rules', () => {
  it('majority alive: all PASS, more than half WARN, half or fewer FAIL', () => {
    assert.strictEqual(majorityAlive(3, 3).verdict, 'pass');
    assert.strictEqual(majorityAlive(2, 3).verdict, 'warn');
    assert.strictEqual(majorityAlive(1, 3).verdict, 'fail');
    assert.strictEqual(majorityAlive(2, 4).verdict, 'fail', 'exactly half is not more than half');
    assert.strictEqual(majorityAlive(0, 0).verdict, 'fail');
  });

  it('at least two addresses per service, distinct ones', () => {
    assert.strictEqual(atLeastTwoPerService(new Map([['ms', ['a', 'b']], ['mq', ['c', 'd', 'e']]])).verdict, 'pass');
    const r = atLeastTwoPerService(new Map([['ms', ['a', 'a']], ['mq', ['c', 'd']]]));
    assert.deepStrictEqual([r.verdict, r.value], ['fail', 'ms:1, mq:2']);
    assert.strictEqual(atLeastTwoPerService(new Map()).verdict, 'fail');
    assert.deepStrictEqual(addressesFromJson('{"success":true,"data":["1.1.1.1:9600","1.1.1.2:9600"]}'), ['1.1.1.1:9600', '1.1.1.2:9600']);
    assert.strictEqual(addressesFromJson('<html>'), undefined);
  });
});

describe('HTTP answers over a forwarded channel', () => {
  it('reads status and body, plain or chunked, and refuses what is not HTTP', () => {
    assert.deepStrictEqual(parseHttpResponse(Buffer.from('HTTP/1.1 500 Internal\r\nContent-Length: 17\r\n\r\n{"success":false}')), { status: 500, body: '{"success":false}' });
    assert.deepStrictEqual(parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\npasse\r\n7\r\nd:true\n\r\n0\r\n\r\n')), { status: 200, body: 'passed:true\n' });
    assert.strictEqual(parseHttpResponse(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')), undefined);
  });
});
