/**
 * The CLI says core messages in the user's language by recognising their English wording
 * (translateKnown): the template lists copy that wording. A core message reworded without its
 * list would quietly fall back to English in zh mode; this fails instead. Every word of every
 * template (between its {0}, {1}… and punctuation) must stand in the sources of the module that
 * words the message, whole or in runs of words (the core builds some messages from parts).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { VERIFY_TEXTS } from '../../src/cli/auditCommand';
import { SITE_TEXTS } from '../../src/cli/demoCommand';
import { GREP_TEXTS } from '../../src/cli/logsGrep';
import { SELECTOR_TEXTS, WHY_TEXTS } from '../../src/core/inventory/selectorText';
import { EXPECT_TEXTS, GATE_TEXTS, PARAMETER_TEXTS, RUN_TEXTS, WANTED_TEXTS } from '../../src/core/runbook/runReport';

const SRC = path.resolve(__dirname, '../../src');

/** The sources of the folders (or files) that word each list's messages, as one text (escapes undone). */
function sourcesOf(...dirs: string[]): string {
  const texts: string[] = [];
  for (const dir of dirs) {
    if (dir.endsWith('.ts')) texts.push(fs.readFileSync(path.join(SRC, dir), 'utf8'));
    else for (const f of fs.readdirSync(path.join(SRC, dir), { recursive: true }) as string[]) if (f.endsWith('.ts')) texts.push(fs.readFileSync(path.join(SRC, dir, f), 'utf8'));
  }
  return texts.join('\n').replace(/\\(['"`\\])/g, '$1').replace(/\\n/g, '\n');
}

const LISTS: Array<{ name: string; templates: readonly string[]; wordedIn: string[]; except?: string }> = [
  { name: 'audit verify (auditCommand VERIFY_TEXTS)', templates: VERIFY_TEXTS, wordedIn: ['core/audit'] },
  { name: 'demo site start-up (demoCommand SITE_TEXTS)', templates: SITE_TEXTS, wordedIn: ['demo'] },
  { name: 'host grep (logsGrep GREP_TEXTS)', templates: GREP_TEXTS, wordedIn: ['core/logs'] },
  { name: 'selectors (SELECTOR_TEXTS)', templates: SELECTOR_TEXTS, wordedIn: ['core/inventory'], except: 'selectorText.ts' },
  { name: 'selector reasons (WHY_TEXTS)', templates: WHY_TEXTS, wordedIn: ['core/inventory'], except: 'selectorText.ts' },
  { name: 'runner (RUN_TEXTS)', templates: RUN_TEXTS, wordedIn: ['core/runbook', 'cli/runCommand.ts'], except: 'runReport.ts' },
  { name: 'after= gates (GATE_TEXTS)', templates: GATE_TEXTS, wordedIn: ['core/runbook'], except: 'runReport.ts' },
  { name: 'expect details (EXPECT_TEXTS)', templates: EXPECT_TEXTS, wordedIn: ['core/runbook'], except: 'runReport.ts' },
  { name: 'expect wants (WANTED_TEXTS)', templates: WANTED_TEXTS, wordedIn: ['core/runbook'], except: 'runReport.ts' },
  { name: 'parameters (PARAMETER_TEXTS)', templates: PARAMETER_TEXTS, wordedIn: ['core/runbook'], except: 'runReport.ts' },
];

/**
 * Whether `chunk` stands in `source`, whole or as runs of two or more of its words that follow on
 * (one word may be shared: the core glues some messages from parts); a one-word chunk as a word.
 */
function covered(chunk: string, source: string): boolean {
  const words = chunk.split(/\s+/);
  if (words.length === 1) return new RegExp(`\\b${words[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(source);
  // From word `at` on: a run of two or more words found, then the rest from its last word or after it.
  const from = (at: number): boolean => {
    if (at >= words.length - 1) return at >= words.length || at > 0;
    for (let end = words.length; end - at >= 2; end--) {
      if (source.includes(words.slice(at, end).join(' ')) && (end === words.length || from(end - 1) || from(end))) return true;
    }
    return false;
  };
  return from(0);
}

describe('CLI translations of core messages match the core wording', () => {
  for (const list of LISTS) {
    it(`${list.name}: its templates' wording stands in ${list.wordedIn.join(', ')}`, () => {
      const source = sourcesOf(...list.wordedIn);
      const own = list.except ? fs.readFileSync(path.join(SRC, list.wordedIn[0], list.except), 'utf8') : '';
      // Without the list's own file: it holds the templates themselves.
      const words = own ? source.replace(own.replace(/\\(['"`\\])/g, '$1').replace(/\\n/g, '\n'), '') : source;
      const missing = list.templates.flatMap((template) =>
        template
          .split(/\{\d+\}|[;:"()]/)
          .map((chunk) => chunk.trim())
          .filter((chunk) => /[A-Za-z]{2}/.test(chunk) && !covered(chunk, words))
          .map((chunk) => `${JSON.stringify(chunk)} of ${JSON.stringify(template)}`),
      );
      assert.deepStrictEqual(missing, [], `reworded in the core without its translation list (zh would fall back to English):\n${missing.join('\n')}`);
    });
  }
});
