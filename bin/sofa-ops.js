#!/usr/bin/env node
// The `sofa-ops` command: a thin launcher for the bundled CLI (run `npm run build` first).
'use strict';
const path = require('path');
const fs = require('fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write(`sofa-ops: ${bundle} is missing; run \`npm run build\` in ${path.dirname(__dirname)} first.\n`);
  process.exit(2);
}
require(bundle).main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`sofa-ops: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 2; },
);
