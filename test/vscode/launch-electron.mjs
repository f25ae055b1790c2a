#!/usr/bin/env node
// Runs the in-editor suite (test/vscode/suite) in desktop VS Code through @vscode/test-electron:
// for machines with a display (or xvfb-run) and either internet access (it downloads VS Code
// into .vscode-test/) or a local VS Code given by VSCODE_EXECUTABLE. CI uses the offline
// launcher, test/vscode/launch-code-server.mjs; both run the same tests.
//
//   node test/vscode/launch-electron.mjs [--version 1.100.3] [--no-build]
//   VSCODE_EXECUTABLE=/usr/share/code/code node test/vscode/launch-electron.mjs
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { runTests } from '@vscode/test-electron';
import { buildSuite } from './build.mjs';
import { HARNESS_DIR, FIXTURE_WORKSPACE, ROOT } from '../../scripts/codeServer.mjs';

const { values: opts } = parseArgs({
  options: {
    version: { type: 'string', default: process.env.VSCODE_VERSION ?? '1.100.3' },
    'no-build': { type: 'boolean', default: false },
  },
});

if (!opts['no-build']) {
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}
if (!fs.existsSync(path.join(ROOT, 'dist/extension.js'))) {
  console.error('[vscode] dist/extension.js is missing: run `npm run build`.');
  process.exit(2);
}
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  console.error('[vscode] desktop VS Code needs a display: run under `xvfb-run -a` (Debian package xvfb), or use `npm run test:vscode` (offline, headless).');
  process.exit(2);
}

const { file: suite } = await buildSuite();
const run = path.join(HARNESS_DIR, 'runs/electron');
fs.rmSync(run, { recursive: true, force: true });
const workspace = path.join(run, 'workspace');
fs.cpSync(FIXTURE_WORKSPACE, workspace, { recursive: true });

const started = Date.now();
try {
  // The suite prints mocha's lines, the activation numbers and `N passed, N failed` itself;
  // test-electron forwards the extension host's output here and rejects if run() rejects.
  await runTests({
    version: process.env.VSCODE_EXECUTABLE ? undefined : opts.version,
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE,
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: suite,
    launchArgs: [
      workspace,
      '--disable-extensions', // other installed extensions stay out; the one under development loads
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      `--user-data-dir=${path.join(run, 'user-data')}`,
      `--extensions-dir=${path.join(run, 'extensions')}`,
    ],
  });
  console.log(`[vscode] desktop VS Code suite: ${Date.now() - started} ms`);
} catch (err) {
  console.error(`[vscode] ${err?.message ?? err}`);
  process.exit(1);
}
