// Bundles the in-editor test suite (test/vscode/suite/**) into one CommonJS file that a VS Code
// extension host can require: out/test/vscode/suite.js. `vscode` comes from the host and mocha from
// node_modules, so both stay external. Used by both launchers; runnable alone.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SUITE_JS = path.join(ROOT, 'out/test/vscode/suite.js');

export async function buildSuite() {
  const started = Date.now();
  await build({
    entryPoints: [path.join(ROOT, 'test/vscode/suite/index.ts')],
    outfile: SUITE_JS,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return { file: SUITE_JS, ms: Date.now() - started };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { file, ms } = await buildSuite();
  console.log(`built ${path.relative(ROOT, file)} in ${ms} ms`);
}
