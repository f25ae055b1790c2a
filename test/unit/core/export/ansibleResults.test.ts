/**
 * results.json read back: hostile shapes are one error naming the file and the host/field, and the
 * gathered port and HTTP answers reach the probes as a live connection would.
 */
import * as assert from 'assert';
import type { InventoryHost } from '../../../../src/core/inventory/inventory';
import { probeHttp, probePort } from '../../../../src/core/checks/probes';
import { gatherCommand, gatherDigest, probeToken, RESULTS_FORMAT, type HostGather } from '../../../../src/core/export/ansibleInspection';
import { parseAnsibleResults, resultsTransport, ResultsError, verifyGathers } from '../../../../src/core/export/ansibleResults';

const TOKEN = '0123456789abcdef';
const request = 'GET /health/check HTTP/1.1\r\nHost: localhost:9615\r\n\r\n';
const gather: HostGather = { host: 'meta-1', timeoutSeconds: 10, ports: [9615, 9600], requests: [{ port: 9615, request }] };
const host = { name: 'meta-1' } as InventoryHost;

function file(hosts: Record<string, unknown>, digests: Record<string, string> = { 'meta-1': gatherDigest(gatherCommand(gather, TOKEN)) }): string {
  return JSON.stringify({ sofa_ops: { format: RESULTS_FORMAT, version: 1, token: TOKEN, scope: { product: 'registry' }, digests }, hosts });
}

describe('ansibleResults', () => {
  it('names the file and the host or field of a malformed results.json', () => {
    const cases: Array<[string, RegExp]> = [
      ['[1', /^r\.json: not JSON/],
      ['null', /^r\.json: the file: expected a JSON object/],
      [JSON.stringify({ sofa_ops: { format: 'other' } }), /^r\.json: sofa_ops\.format: expected "sofa-ops-ansible-inspection"/],
      [file({}).replace(TOKEN, 'x'), /^r\.json: sofa_ops\.token: expected 16 hex digits/],
      [file({ 'meta-1': { stdout: 5 } }), /^r\.json: host meta-1, field stdout: expected a string, not number/],
      [file({ __proto__x: 1 }), /^r\.json: host __proto__x: expected an object/],
      [file({ 'meta-1': { rc: 1.5 } }), /^r\.json: host meta-1, field rc: expected a whole number/],
      [file({ 'meta-1': { unreachable: 'yes' } }), /^r\.json: host meta-1, field unreachable: expected true or false/],
      [file({}, { 'meta-1': 'zz' }), /^r\.json: sofa_ops\.digests\.meta-1: expected a sha256/],
    ];
    for (const [text, error] of cases) assert.throws(() => parseAnsibleResults(text, 'r.json'), (e: unknown) => e instanceof ResultsError && error.test(e.message), text);
  });

  it('refuses results gathered with another script than the catalog gives now, naming the host', () => {
    const results = parseAnsibleResults(file({ 'meta-1': {} }), 'r.json');
    verifyGathers(results, [gather]);
    assert.throws(() => verifyGathers(results, [{ ...gather, ports: [9615] }]), /r\.json: host meta-1: the playbook asked it other checks/);
    assert.throws(() => verifyGathers(results, []), /r\.json: host meta-1: gathered, but the inventory gives it no such checks now/);
  });

  it('serves the gathered ports and HTTP answers to the probes; an unreachable host is an error, not a closed port', async () => {
    const P = `\n@@${probeToken(TOKEN)}@@ `;
    const answer = Buffer.from('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 9\r\n\r\nCandidate').toString('base64');
    const stdout = `${P}port 9615 0\n${P}port 9600 1\nbash: connect: Connection refused\nbash: line 1: /dev/tcp/127.0.0.1/9600: Connection refused\n${P}http 9615 0\n${answer}\n${P}rc 9615 0 0\n${P}end\n`;
    const results = parseAnsibleResults(file({ 'meta-1': { rc: 0, stdout } }), 'r.json');
    const forward = await resultsTransport(results, [gather]).forwarder(host);
    assert.deepStrictEqual([(await probePort(forward, 9615)).open, (await probePort(forward, 9600)).detail], [true, 'connection refused']);
    const http = await probeHttp(forward, { port: 9615, path: '/health/check' }).then((p) => ({ status: p.status, body: p.body, error: p.error }));
    // probeHttp writes its own request bytes; only the exported ones were gathered.
    assert.strictEqual(http.error, 'this request to port 9615 was not gathered by the exported playbook');

    const exact: HostGather = { ...gather, requests: [{ port: 9615, request: 'GET /health/check HTTP/1.1\r\nHost: localhost:9615\r\nUser-Agent: sofa-ops-inspect\r\nAccept: */*\r\nConnection: close\r\n\r\n' }] };
    const served = await probeHttp(await resultsTransport(results, [exact]).forwarder(host), { port: 9615, path: '/health/check' });
    assert.deepStrictEqual([served.status, served.body], [500, 'Candidate']);

    const gone = parseAnsibleResults(file({ 'meta-1': { unreachable: true, msg: 'Failed to connect to the host via ssh: Connection timed out' } }), 'r.json');
    await assert.rejects(resultsTransport(gone, [gather]).forwarder(host), /Ansible could not reach it: Failed to connect/);
    const exec = await resultsTransport(gone, [gather]).exec(host, 'bash -s', {});
    assert.strictEqual(exec.outcome, 'unreachable');
  });
});
