/**
 * The catalog's known log patterns compiled for one log: which patterns apply, the literal text
 * each needs (the pattern itself, or the text its regex requires), and the log's field format.
 *
 * Which patterns apply:
 * - patterns without `logs` apply to every log;
 * - a pattern tied to logs applies when the scanned file is known to be one of them;
 * - when the file is unknown, or its name fits several catalog logs (`common-error.log`), the
 *   tied patterns that identify a message by its text apply too (literal ones, and regexes that
 *   require at least 8 bytes of literal text); regexes that only describe a log's layout
 *   (`^\S` for "every entry of msgbroker's common-error.log is an error") need the exact log.
 */
import type { LogFile, LogPattern } from '../catalog/types';
import type { LogCatalog } from './logCatalog';
import { MultiLiteralSearcher } from './literalSearch';
import { requiredLiteral } from './regexLiterals';
import { StructuredFormat } from './structuredFormat';

/** Shorter required text than this would slow every scan; such regexes run on every line. */
const MIN_PREFILTER_BYTES = 4;
/** A tied regex applies to unknown logs only when its literal text is at least this long. */
const SELF_IDENTIFYING_BYTES = 8;

export interface CompiledPattern {
  pattern: LogPattern;
  /** Text every matching line contains; undefined for patterns checked on every line. */
  literal?: string;
  /** For regex patterns: the regex (no flags), run on the line without its line break. */
  regex?: RegExp;
}

export interface LogSelection {
  /** The catalog logs the file was taken to be (none: unknown; several: ambiguous). */
  logs: LogFile[];
}

export class LogMatcher {
  readonly patterns: CompiledPattern[];
  /** Distinct literals, and for each the patterns (indexes into `patterns`) that need it. */
  readonly literals: string[] = [];
  readonly literalPatterns: number[][] = [];
  /** Patterns without usable literal text: checked on every line. */
  readonly linePatterns: number[] = [];
  /** The log's documented field format, when the file is exactly one catalog log that has one. */
  readonly format?: StructuredFormat;
  private searcher?: MultiLiteralSearcher;

  constructor(readonly selection: LogSelection, patterns: readonly LogPattern[]) {
    // A regex the engine rejects is left out (the catalog loader has reported it with file:line).
    this.patterns = patterns.map(compilePattern).filter((c): c is CompiledPattern => c !== undefined);
    const literalIndex = new Map<string, number>();
    this.patterns.forEach((compiled, index) => {
      if (compiled.literal === undefined) {
        this.linePatterns.push(index);
        return;
      }
      let li = literalIndex.get(compiled.literal);
      if (li === undefined) {
        li = this.literals.push(compiled.literal) - 1;
        literalIndex.set(compiled.literal, li);
        this.literalPatterns.push([]);
      }
      this.literalPatterns[li].push(index);
    });
    const only = selection.logs.length === 1 ? selection.logs[0] : undefined;
    if (only?.format) {
      try {
        this.format = new StructuredFormat(only.format);
      } catch {
        // An invalid format regex is reported by the catalog loader; scan without the fields.
      }
    }
  }

  /** Every line must be looked at (not only lines holding a literal). */
  get needsEveryLine(): boolean {
    return this.linePatterns.length > 0 || this.format !== undefined;
  }

  /** The searcher for the literals, tuned on the first text it is asked for. */
  literalSearcher(sample: Buffer): MultiLiteralSearcher {
    this.searcher ??= new MultiLiteralSearcher(this.literals, sample);
    return this.searcher;
  }

  /**
   * What a remote host can prefilter with `grep -F -f`: the literals, and whether they are
   * enough (false when some pattern or the field format needs every line).
   */
  remotePrefilter(): { literals: string[]; complete: boolean } {
    return { literals: [...this.literals], complete: !this.needsEveryLine };
  }
}

function compilePattern(pattern: LogPattern): CompiledPattern | undefined {
  if (!pattern.regex) return { pattern, literal: pattern.match };
  let regex: RegExp;
  try {
    regex = new RegExp(pattern.match);
  } catch {
    return undefined;
  }
  const literal = requiredLiteral(pattern.match);
  return literal !== undefined && Buffer.byteLength(literal) >= MIN_PREFILTER_BYTES ? { pattern, literal, regex } : { pattern, regex };
}

function identifiesMessage(pattern: LogPattern): boolean {
  if (!pattern.regex) return true;
  const literal = requiredLiteral(pattern.match);
  return literal !== undefined && Buffer.byteLength(literal) >= SELF_IDENTIFYING_BYTES;
}

/** The patterns that apply to a file taken to be `logs` (see the header for the rules). */
export function selectPatterns(catalog: LogCatalog, logs: readonly LogFile[]): LogPattern[] {
  const exact = logs.length === 1;
  const candidates = new Set((logs.length ? logs : catalog.logs).map((l) => l.id));
  return catalog.patterns.filter((p) => {
    if (p.logs.length === 0) return true;
    if (!p.logs.some((id) => candidates.has(id))) return false;
    return exact || identifiesMessage(p);
  });
}

/** Compile the matcher for a file taken to be `logs` (from `resolveLogs`, or [] when unknown). */
export function compileLogMatcher(catalog: LogCatalog, logs: readonly LogFile[]): LogMatcher {
  return new LogMatcher({ logs: [...logs] }, selectPatterns(catalog, logs));
}
