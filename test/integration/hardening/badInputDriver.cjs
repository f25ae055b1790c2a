// Runs many `sofa-ops` invocations in one process, through the built CLI's own main() (the one
// bin/sofa-ops.js calls): one JSON request per stdin line `{id, argv}`, one JSON result per line on
// fd 3 `{id, code, out, err}` (or `{id, crash}` when main() rejected). Spawning the CLI once per
// corpus file would cost a Node start-up each; the parent still kills this process when a case
// runs past its bound, so a hang is caught and named.
'use strict';
const path = require('path');
const readline = require('readline');
const fs = require('fs');

const { main } = require(path.resolve(__dirname, '../../../dist/cli.js'));
const results = fs.createWriteStream(null, { fd: 3 });
let current;
process.on('uncaughtException', (err) => {
  results.write(JSON.stringify({ id: current, crash: `uncaught: ${err && err.stack ? err.stack : err}` }) + '\n', () => process.exit(70));
});
process.on('unhandledRejection', (err) => {
  results.write(JSON.stringify({ id: current, crash: `unhandled rejection: ${err && err.stack ? err.stack : err}` }) + '\n', () => process.exit(70));
});

const queue = [];
let busy = false;
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  queue.push(JSON.parse(line));
  void next();
});

async function next() {
  if (busy || !queue.length) return;
  busy = true;
  const request = queue.shift();
  current = request.id;
  const io = { out: '', err: '' };
  const capture = { out: (t) => { io.out += t; }, err: (t) => { io.err += t; } };
  let result;
  try {
    const code = await main(request.argv, capture);
    result = { id: request.id, code, out: io.out.slice(0, 20000), err: io.err.slice(0, 20000) };
  } catch (err) {
    result = { id: request.id, crash: `main() rejected: ${err && err.stack ? err.stack : err}`, out: io.out.slice(0, 2000), err: io.err.slice(0, 2000) };
  }
  results.write(JSON.stringify(result) + '\n');
  busy = false;
  void next();
}
