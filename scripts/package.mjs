#!/usr/bin/env node
// `npm run package`: builds the extension and packs it with @vscode/vsce into
// sofa-ops-<version>.vsix, the file users install (`code --install-extension FILE.vsix`). What goes
// in is the allow-list in .vscodeignore; the bundle already holds every dependency, so vsce packs
// no node_modules. Checks that every chunk the bundle requires on first use and every file
// package.json names is packed, prints the sizes against the budget of issue #16, and exits 1 when
// a file is missing or a size is over.
//
//   node scripts/package.mjs [--no-build] [--out FILE.vsix]
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUDGET = { vsix: 2 * 1024 * 1024, bundle: 1024 * 1024 };

/** The .vsix `npm run package` writes for the current package.json version. */
export function defaultVsixPath() {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return path.join(ROOT, `${manifest.name}-${manifest.version}.vsix`);
}

/** Builds (unless `build: false`) and packs; returns the .vsix path and the measured sizes. */
export async function packageExtension({ build = true, out = defaultVsixPath() } = {}) {
  if (build) {
    const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  let vsce;
  try {
    vsce = createRequire(import.meta.url)('@vscode/vsce');
  } catch {
    throw new Error('@vscode/vsce is not installed: run `npm ci` (it is a devDependency).');
  }
  fs.rmSync(out, { force: true }); // never leave a stale .vsix behind a failed run
  const packaged = await vsce.listFiles({ cwd: ROOT, packageManager: vsce.PackageManager.None });
  const missing = [...missingChunks(packaged), ...missingManifestFiles(packaged)];
  if (missing.length) throw new Error(`the .vsix would lack files the installed extension needs (add them to .vscodeignore):\n  ${missing.join('\n  ')}`);
  await vsce.createVSIX({ cwd: ROOT, packagePath: out, dependencies: false });
  const sizes = { vsix: fs.statSync(out).size, bundle: fs.statSync(path.join(ROOT, 'dist/extension.js')).size };
  return { file: out, sizes };
}

/**
 * The sibling chunks (`require("./x.js")`, scripts/build.mjs) reachable from what the editor runs
 * (dist/extension.js; dist/cli-demo.js for the demo site) that the package would leave out: a
 * missing one only fails at first use, on a user's machine.
 */
function missingChunks(packaged) {
  const files = new Set(packaged);
  const missing = [];
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, chunk] of fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/require\("\.\/([\w.-]+\.js)"\)/g)) {
      const dep = `dist/${chunk}`;
      if (!files.has(dep)) missing.push(`${dep} (required by ${file})`);
      else visit(dep);
    }
  };
  for (const root of ['dist/extension.js', 'dist/cli-demo.js']) {
    if (!files.has(root)) missing.push(`${root} (an entry point)`);
    else visit(root);
  }
  return missing;
}

/**
 * Files package.json names (the icon; grammars, snippets, schemas, view icons, walkthrough pages
 * and images under `contributes`) that exist here but would not be packed: the editor would show
 * a blank icon or page, with no error anywhere.
 */
function missingManifestFiles(packaged) {
  const files = new Set(packaged);
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const named = [];
  const missing = [];
  const walk = (value) => {
    if (typeof value === 'string') {
      const rel = path.posix.normalize(value.replace(/^\.\//, ''));
      if (rel.startsWith('..') || path.isAbsolute(rel)) return;
      if (fs.statSync(path.join(ROOT, rel), { throwIfNoEntry: false })?.isFile()) named.push(rel);
      // A media file path that does not exist at all (a walkthrough picture never generated).
      else if (/^[\w.-]+\/[\w./-]+\.(png|jpe?g|svg|gif|md)$/.test(rel)) missing.push(`${rel} (named in package.json, but there is no such file)`);
    } else if (value && typeof value === 'object') {
      for (const v of Object.values(value)) walk(v);
    }
  };
  walk([manifest.icon, manifest.contributes]);
  return [...missing, ...[...new Set(named)].filter((f) => !files.has(f)).map((f) => `${f} (named in package.json)`)];
}

const kb = (n) => `${(n / 1024).toFixed(0)} KB`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values: opts } = parseArgs({ options: { 'no-build': { type: 'boolean', default: false }, out: { type: 'string' } } });
  try {
    const { file, sizes } = await packageExtension({ build: !opts['no-build'], out: opts.out ? path.resolve(opts.out) : undefined });
    const over = Object.keys(BUDGET).filter((k) => sizes[k] >= BUDGET[k]);
    console.log(`[package] ${path.relative(process.cwd(), file)}: ${kb(sizes.vsix)} (budget ${kb(BUDGET.vsix)})`);
    console.log(`[package] dist/extension.js: ${kb(sizes.bundle)} (budget ${kb(BUDGET.bundle)})`);
    if (over.length) {
      console.error(`[package] over budget: ${over.join(', ')}`);
      process.exit(1);
    }
  } catch (err) {
    console.error(`[package] ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}
