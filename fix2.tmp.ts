import * as fs from 'fs';
import { exportUsage } from './src/cli/exportCommand';
import { inspectUsage } from './src/cli/inspectCommand';
const b = JSON.parse(fs.readFileSync('l10n/bundle.l10n.zh-cn.json', 'utf8')) as Record<string, string>;
for (const [name, text] of [['export', exportUsage], ['inspect', inspectUsage]] as const) {
  const old = Object.keys(b).find((k) => k.startsWith(text.split('\n')[0].slice(0, 30)));
  console.log(`=== ${name}: in bundle: ${!!b[text]} old key found: ${!!old}`);
  if (old) {
    const ol = old.split('\n'), nl = text.split('\n');
    console.log('--- new lines not in old:'); for (const l of nl) if (!ol.includes(l)) console.log(JSON.stringify(l));
    console.log('--- old lines not in new:'); for (const l of ol) if (!nl.includes(l)) console.log(JSON.stringify(l));
  }
}
const oldSummary = Object.keys(b).find((k) => k.startsWith('write runbooks as Ansible'));
console.log('summary old', oldSummary, b[oldSummary!]);
