import type { Lang } from '../core/catalog/types';
import { cliLanguage, type MessageArg, translator } from '../core/l10n';

/** Where CLI commands write; tests pass buffers, the bin passes the process streams. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** `sofa-ops --lang zh|en …` given to every command (else the command's own --lang, then LANG). */
  lang?: Lang;
}

/** The language a command speaks: its --lang, the global one, else the locale (LANG=zh_CN.UTF-8). */
export function cliLang(io: CliIO, flag?: string): Lang {
  return cliLanguage(flag ?? io.lang);
}

/** A usage text (or any message of the bundle) in the command's language. */
export function say(io: CliIO, flag: string | undefined, message: string, ...args: (string | number)[]): string {
  return translator(cliLang(io, flag))(message, ...args);
}

export const processIO: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/**
 * Bad arguments: main prints the message (in the user's language: `template` is the bundle key)
 * and the command's usage and exits 2. Recognised by its name, not instanceof: each command is its
 * own bundle with its own copy of this class.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly template: string;
  readonly args: MessageArg[];

  constructor(template: string, ...args: MessageArg[]) {
    super(translator('en')(template, ...args));
    this.template = template;
    this.args = args;
  }
}
