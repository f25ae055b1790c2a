/**
 * Counting a log check's lines: `log.pattern` names a catalog pattern (its literal text or regex),
 * a field the log's format calls bad (`<format id>.<field>`, e.g. drmdata-push's result 1 =
 * push failed), or else is literal text.
 */
import type { Bilingual, Catalog, Check, LogFile, LogPattern } from '../catalog/types';
import { StructuredFormat } from '../logs/structuredFormat';

export interface LineCounter {
  /** What is counted, for the report (a bad field's meaning in both languages). */
  describe: string | Bilingual;
  /** The catalog pattern, when the check names one (its action is the guide's). */
  pattern?: LogPattern;
  matches(line: string): boolean;
}

export function lineCounter(catalog: Catalog, log: NonNullable<Check['log']>): LineCounter {
  const patterns = catalog.products.flatMap((p) => p.patterns);
  const pattern = patterns.find((p) => p.id === log.pattern);
  if (pattern) {
    const regex = pattern.regex ? new RegExp(pattern.match) : undefined;
    return { describe: pattern.regex ? `/${pattern.match}/` : `"${pattern.match}"`, pattern, matches: (line) => (regex ? regex.test(line) : line.includes(pattern.match)) };
  }
  const dot = log.pattern.lastIndexOf('.');
  if (dot > 0) {
    const formatId = log.pattern.slice(0, dot);
    const fieldName = log.pattern.slice(dot + 1);
    const file = catalog.products.flatMap((p) => p.logs).find((l: LogFile) => l.format?.id === formatId);
    const field = file?.format?.fields.find((f) => f.name === fieldName);
    if (file?.format && field?.bad) {
      const format = new StructuredFormat(file.format);
      return {
        describe: { en: `${fieldName} = ${field.bad.explanation.en}`, zh: `${fieldName} = ${field.bad.explanation.zh}` },
        matches: (line) => format.parse(line)?.fields.some((f) => f.name === fieldName && f.bad !== undefined) ?? false,
      };
    }
  }
  return { describe: `"${log.pattern}"`, matches: (line) => line.includes(log.pattern) };
}

export function countLines(counter: LineCounter, text: string): { count: number; lines: number; last?: string } {
  let count = 0;
  let lines = 0;
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (!line) continue;
    lines++;
    if (counter.matches(line)) {
      count++;
      last = line;
    }
  }
  return { count, lines, last };
}
