/**
 * The extension's own translations (l10n/bundle.l10n.zh-cn.json, the file `vscode.l10n.t` reads)
 * for text built outside the editor's l10n: core (tree labels, hovers, inspection results) and the
 * CLI. One source serves both, so a string is translated once. Text in the catalog's views follows
 * the catalog language (`sofaOps.language`, `--lang`), not only the editor's display language.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Bilingual, Lang } from './catalog/types';

const BUNDLE = path.join('l10n', 'bundle.l10n.zh-cn.json');
let zhBundle: Readonly<Record<string, string>> | undefined;

/**
 * The zh bundle, read on the first Chinese string rather than bundled: ~120 KB that every
 * activation would parse, though English needs none of it. It lies in l10n/ of the package,
 * above dist/ (the extension, the CLI) or src/core/ (tests).
 */
function zh(): Readonly<Record<string, string>> {
  if (zhBundle) return zhBundle;
  for (let dir = __dirname, i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, BUNDLE);
    if (fs.existsSync(file)) return (zhBundle = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>);
  }
  // A broken install: say it in English rather than fail.
  return (zhBundle = {});
}

function bundle(lang: Lang): Readonly<Record<string, string>> | undefined {
  return lang === 'zh' ? zh() : undefined;
}

/** A message argument: plain, or text that is itself in both languages (picked per language). */
export type MessageArg = string | number | Bilingual;

/** `message` (the English text, the bundle's key) in `lang`, with `{0}`, `{1}`… filled in as vscode.l10n.t does. */
export type Translate = (message: string, ...args: MessageArg[]) => string;

export function translator(lang: Lang): Translate {
  return (message, ...args) => format(bundle(lang)?.[message] ?? message, args, lang);
}

/** The message in both languages, for results kept and shown later in either (inspection history). */
export function bilingual(message: string, ...args: MessageArg[]): Bilingual {
  return { en: translator('en')(message, ...args), zh: translator('zh')(message, ...args) };
}

/** A log severity as a hover heads it: the translated word, or the English one in capitals. */
export function severityWord(severity: string, t: Translate): string {
  const word = t(severity);
  return word === severity ? severity.toUpperCase() : word;
}

function format(template: string, args: readonly MessageArg[], lang: Lang): string {
  return template.replace(/\{(\d+)\}/g, (whole, i: string) => {
    const arg = args[Number(i)];
    if (arg === undefined) return whole;
    return typeof arg === 'object' ? (lang === 'zh' ? arg.zh : arg.en) || arg.en : String(arg);
  });
}

/** The CLI's language: `--lang`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`: zh_CN.UTF-8 → zh). */
export function cliLanguage(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Lang {
  if (flag === 'zh' || flag === 'en') return flag;
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^zh/i.test(locale) ? 'zh' : 'en';
}

const compiled = new WeakMap<readonly string[], Array<{ template: string; re: RegExp; order: number[] }>>();

/**
 * Text another module made in English from one of `templates` (bundle keys with `{0}`…), in `t`'s
 * language: the template is recognised, its arguments taken back out (each passed through `arg`,
 * which may localise nested text) and the translation filled in. Text matching no template (host
 * output, an SSH error) is returned as it is. Lets a front end localise a core module's messages
 * without that module knowing about languages.
 */
export function translateKnown(t: Translate, text: string, templates: readonly string[], arg: (value: string) => string = (v) => v): string {
  let list = compiled.get(templates);
  if (!list) {
    list = templates.map((template) => {
      const order: number[] = [];
      const body = template.split(/(\{\d+\})/).map((part) => {
        const m = /^\{(\d+)\}$/.exec(part);
        if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        order.push(Number(m[1]));
        return '([\\s\\S]*?)';
      });
      return { template, re: new RegExp(`^${body.join('')}$`), order };
    });
    compiled.set(templates, list);
  }
  for (const { template, re, order } of list) {
    const m = re.exec(text);
    if (!m) continue;
    const args: string[] = [];
    order.forEach((i, k) => (args[i] = arg(m[k + 1])));
    return t(template, ...args);
  }
  return text;
}
