// Harness-only extension for code-server, which has no --extensionTestsPath: on startup it loads
// the bundled suite named in runner.json, runs it, and streams every report line and the final
// counts to the launcher's loopback HTTP server (the extension host's own stdout goes nowhere).
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

function post(port, route, body) {
  return new Promise((resolve) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request(
      { host: '127.0.0.1', port, path: route, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': data.length } },
      (res) => { res.resume(); res.on('end', resolve); },
    );
    req.on('error', resolve); // the launcher times out on its own if it never hears from us
    req.end(data);
  });
}

function activate() {
  const config = JSON.parse(fs.readFileSync(path.join(__dirname, 'runner.json'), 'utf8'));
  // Lines are sent in order: each post waits for the previous one.
  let queue = Promise.resolve();
  const send = (route, body) => (queue = queue.then(() => post(config.port, route, body)));
  send('/started', { pid: process.pid, at: Date.now() });
  // Defer so activation finishes first; the suite then activates the extension under test itself.
  setTimeout(async () => {
    let result;
    try {
      const suite = require(config.suite);
      result = await suite.runWith({ write: (line) => send('/log', { line }), summaryLine: false, grep: config.grep || undefined, set: config.set });
    } catch (err) {
      result = { passed: 0, failed: 1, error: String((err && err.stack) || err) };
    }
    await send('/done', result);
  }, 0);
}

function deactivate() {}

module.exports = { activate, deactivate };
