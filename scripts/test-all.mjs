// `npm test`: every suite, in order of speed, failing fast on a broken build. Prints one closing
// line `N passed, N failed` summed over the suites that report counts.
import { spawn } from 'child_process';
import { existsSync, readFileSync } from 'fs';

// The in-editor suites and the e2e test the packaged extension, installed from this file the way a
// user installs it (code-server --install-extension), not the working tree; `npm start` keeps the
// working tree.
const { name, version } = JSON.parse(readFileSync('package.json', 'utf8'));
const VSIX = `${name}-${version}.vsix`;

const steps = [
  { name: 'build', cmd: 'npm', args: ['run', '--silent', 'build'] },
  { name: 'typecheck', cmd: 'npx', args: ['tsc', '-p', '.', '--noEmit'] },
  { name: 'lint', cmd: 'npx', args: ['eslint', '.'] },
  // Coverage of src/core and src/cli is summed over unit and integration runs (the SSH layer is
  // exercised against a real sshd), then checked once.
  { name: 'unit', cmd: 'npx', args: ['c8', '--check-coverage=false', '--reporter=none', 'mocha'] },
  { name: 'integration', cmd: 'npx', args: ['c8', '--clean=false', '--check-coverage=false', '--reporter=none', 'mocha', '--config', 'test/integration/.mocharc.json'] },
  { name: 'coverage', cmd: 'npx', args: ['c8', 'report', '--check-coverage'] },
  // Packs the .vsix (prints its size and the bundle's against the budget; fails over it).
  { name: 'package', cmd: 'node', args: ['scripts/package.mjs', '--no-build'] },
  { name: 'vscode', cmd: 'node', args: ['test/vscode/launch-code-server.mjs', '--vsix', VSIX], needs: 'package' },
  // The same real VS Code with workspace trust on and the folder untrusted: SOFA Ops connects nowhere.
  { name: 'vscode-untrusted', cmd: 'node', args: ['test/vscode/launch-code-server.mjs', '--untrusted', '--vsix', VSIX], needs: 'package' },
  { name: 'e2e', cmd: 'node', args: ['test/e2e/run.mjs', '--vsix', VSIX, '--no-build'], needs: 'package' },
  // The README's first command must keep working: start VS Code with SOFA Ops, check it serves, stop.
  { name: 'start', cmd: 'node', args: ['scripts/start.mjs', '--browser', '--check'] },
];

const only = process.argv.slice(2);
if (!existsSync('node_modules')) {
  console.error('node_modules is missing: run `npm ci` first (or `bash .ci/run` on a fresh Debian machine).');
  process.exit(2);
}

let passed = 0;
let failed = 0;
const timings = [];
// `npm test -- e2e` packs first too; and builds first when the build step is not selected.
const selected = new Set(only.length ? only : steps.map((s) => s.name));
for (const s of steps) if (s.needs && selected.has(s.name)) selected.add(s.needs);
if (selected.has('package') && !selected.has('build')) steps.find((s) => s.name === 'package').args.pop();
for (const step of steps.filter((s) => selected.has(s.name))) {
  const started = Date.now();
  console.log(`\n=== ${step.name} ===`);
  const { code, output } = await run(step.cmd, step.args);
  timings.push(`${step.name} ${((Date.now() - started) / 1000).toFixed(1)}s`);
  // mocha: "N passing" / "N failing"; our launchers: "N passed, N failed".
  const mochaPass = /^\s*(\d+) passing/m.exec(output);
  const mochaFail = /^\s*(\d+) failing/m.exec(output);
  const launcher = [...output.matchAll(/^(\d+) passed, (\d+) failed/gm)].pop();
  if (launcher) {
    passed += Number(launcher[1]);
    failed += Number(launcher[2]);
  } else if (mochaPass || mochaFail) {
    passed += Number(mochaPass?.[1] ?? 0);
    failed += Number(mochaFail?.[1] ?? 0);
  }
  if (code !== 0) {
    console.error(`\n${step.name} failed (exit ${code}); suites run: ${timings.join(', ')}`);
    console.log(`${passed} passed, ${Math.max(failed, 1)} failed`);
    process.exit(1);
  }
}
console.log(`\nsuites: ${timings.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => { output += d; process.stderr.write(d); });
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}
