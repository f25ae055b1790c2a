// Bundles the extension and the CLI with esbuild. `vscode` is provided by the editor; ssh2's
// optional native add-ons (cpu-features, sshcrypto.node) stay out of the bundle: ssh2 falls back to
// Node's own crypto when they are absent, and we do not build them (see package.json allowScripts).
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);

const watch = process.argv.includes('--watch');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: !process.argv.includes('--no-minify'),
  external: ['vscode', 'cpu-features', '*.node'],
  logLevel: 'warning',
  legalComments: 'none',
};

// The CLI is one small front bundle plus one bundle per command: `sofa-ops exec` must start
// faster than \`ssh host true\`, and V8 compiling a single 900 KB bundle (ssh2, the demo server,
// every validator) on each run cost more than the SSH handshake. main.ts requires
// './xxxCommand'; in the bundle that becomes the sibling file dist/cli-xxx.js.
const commandModules = readdirSync('src/cli').filter((f) => /^\w+Command\.ts$/.test(f)).map((f) => f.replace(/\.ts$/, ''));
const splitCommands = {
  name: 'split-cli-commands',
  setup(b) {
    b.onResolve({ filter: /^\.\/\w+Command$/ }, (args) =>
      args.importer.endsWith('src/cli/main.ts') ? { path: `./cli-${args.path.slice(2).replace(/Command$/, '')}.js`, external: true } : undefined,
    );
  },
};

// The regex backtracking analysers (scslre, refa: ~1.1 MB) are one file of their own, required
// only when a catalog or runbook regex is checked, so `logs scan` with a cached catalog does not
// parse them at start-up.
const splitRegexAnalysis = {
  name: 'split-regex-analysis',
  setup(b) {
    b.onResolve({ filter: /^\.\/regexAnalysis$/ }, (args) => (args.importer.endsWith('regexSafety.ts') ? { path: './regex-analysis.js', external: true } : undefined));
  },
};
// The shell parser (mvdan-sh, ~1.5 MB) likewise: loaded when a cell with a placeholder is rendered
// or checked, so the extension activates and `exec` starts without compiling it.
const splitShellParser = {
  name: 'split-shell-parser',
  setup(b) {
    b.onResolve({ filter: /^mvdan-sh$/ }, (args) => (args.importer.endsWith('shellParser.ts') ? { path: './shell-parser.js', external: true } : undefined));
  },
};
/** An import from this project's sources (not from inside a package being bundled). */
const ours = (importer) => importer.includes('/src/') && !importer.includes('/node_modules/');
// ssh2 and its crypto helpers (~340 KB) likewise: required on the first connection
// (core/ssh/sshConnection.ts), so activation and drawing the tree do not compile them. Every
// bundle shares the one dist/ssh2.js (the demo's server too). Its optional native add-ons stay
// external above: inside dist/ssh2.js `require('cpu-features')` and `sshcrypto.node` fail to
// resolve from an installed .vsix (no node_modules), and ssh2 catches that and uses Node's crypto.
const splitSsh2 = {
  name: 'split-ssh2',
  setup(b) {
    b.onResolve({ filter: /^ssh2$/ }, (args) => (ours(args.importer) ? { path: './ssh2.js', external: true } : undefined));
  },
};
// The schema validators (src/core/generated, ~300 KB for the catalog's) are required when a file
// is first validated, not at activation: each is its own dist/validator-<name>.js.
const splitValidators = {
  name: 'split-validators',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/generated\/\w+Validator$/ }, (args) => ({ path: `./validator-${args.path.replace(/^.*\/(\w+)Validator$/, '$1')}.js`, external: true }));
  },
};
// yaml (~115 KB), markdown-it (~100 KB with its tables) and minisearch (~18 KB, the triage index)
// are first needed when the catalog loads, a runbook or guide page is parsed, or triage first
// searches: all after activation. Their importers keep plain imports; the bundle gets a stand-in
// module whose exports are getters over dist/<package>.js, required on the first property read
// (esbuild reads an imported name off the module object at each use, not once at load).
const LAZY_PACKAGES = ['yaml', 'markdown-it', 'minisearch'];
const lazyPackages = {
  name: 'lazy-packages',
  setup(b) {
    const filter = new RegExp(`^(${LAZY_PACKAGES.join('|')})$`);
    b.onResolve({ filter }, (args) => (ours(args.importer) ? { path: args.path, namespace: 'lazy-package' } : undefined));
    b.onResolve({ filter: /.*/, namespace: 'lazy-package' }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => {
      const real = require(args.path);
      const names = Object.keys(real).filter((k) => k !== 'default' && k !== '__esModule');
      // A CommonJS module.exports (markdown-it's function) is the default import; an ES module's is its default.
      const defaultOf = real.__esModule ? 'load().default' : 'load()';
      return {
        loader: 'js',
        contents: [
          `let loaded;\nconst load = () => (loaded ??= require('./${args.path}.js'));`,
          `Object.defineProperty(exports, '__esModule', { value: true });`,
          `Object.defineProperty(exports, 'default', { enumerable: true, get: () => ${defaultOf} });`,
          `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
        ].join('\n'),
      };
    });
  },
};
common.plugins = [splitRegexAnalysis, splitShellParser, splitSsh2, splitValidators, lazyPackages];
const validatorModules = readdirSync('src/core/generated').filter((f) => /^\w+Validator\.js$/.test(f)).map((f) => f.replace(/Validator\.js$/, ''));

const entries = [
  { entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', plugins: [splitCommands, ...common.plugins] },
  { entryPoints: ['src/core/catalog/regexAnalysis.ts'], outfile: 'dist/regex-analysis.js' },
  { entryPoints: ['node_modules/mvdan-sh/index.js'], outfile: 'dist/shell-parser.js' },
  { entryPoints: ['node_modules/ssh2/lib/index.js'], outfile: 'dist/ssh2.js' },
  ...LAZY_PACKAGES.map((p) => ({ entryPoints: [require.resolve(p)], outfile: `dist/${p}.js` })),
  ...validatorModules.map((m) => ({ entryPoints: [`src/core/generated/${m}Validator.js`], outfile: `dist/validator-${m}.js` })),
  ...commandModules.map((m) => ({ entryPoints: [`src/cli/${m}.ts`], outfile: `dist/cli-${m.replace(/Command$/, '')}.js` })),
  { entryPoints: ['src/demo/agent.ts'], outfile: 'dist/demo-agent.js' },
  // The one demo starter (launchDemo), for the plain-JS scripts: npm start (scripts/start.mjs) and the e2e.
  { entryPoints: ['src/demo/demoLauncher.ts'], outfile: 'dist/demo-launcher.js' },
];

const started = Date.now();
if (watch) {
  const { context } = await import('esbuild');
  for (const entry of entries) await (await context({ ...common, ...entry })).watch();
} else {
  await Promise.all(entries.map((entry) => build({ ...common, ...entry })));
  console.log(`built ${entries.map((e) => e.outfile).join(', ')} in ${Date.now() - started} ms`);
}
