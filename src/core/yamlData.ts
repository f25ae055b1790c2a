/**
 * A parsed YAML document's data, or the problem that prevents it, with its line. `toJS` throws on
 * an alias bomb ("billion laughs": anchors that reference anchors, expanding to gigabytes) and on
 * an alias whose anchor is not defined; either must become a file:line problem, not a stack trace.
 */
import { type Document, isAlias, type LineCounter, visit } from 'yaml';

/** As the yaml package's default: more uses of one anchor than this is refused as an attack. */
export const MAX_ALIAS_COUNT = 100;

export type DocumentData = { data: unknown } | { line: number; message: string };

export function documentData(doc: Document, lines: LineCounter): DocumentData {
  try {
    return { data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (err) {
    const text = (err as Error).message.split('\n')[0];
    const unresolved = /^Unresolved alias[^:]*: (.*)$/.exec(text)?.[1];
    let line = 1;
    visit(doc, {
      Alias(_key, node) {
        if (!isAlias(node) || (unresolved !== undefined && node.source !== unresolved)) return undefined;
        if (node.range) line = lines.linePos(node.range[0]).line;
        return visit.BREAK;
      },
    });
    if (unresolved !== undefined) return { line, message: `YAML: alias *${unresolved} has no anchor &${unresolved} before it` };
    if (/alias count/i.test(text)) {
      return { line, message: `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} uses of an anchor, as in a "billion laughs" document); write the values out instead` };
    }
    return { line, message: `YAML: ${text}` };
  }
}

/** yaml reports a stack overflow on absurdly deep nesting as a parse error; say what it means. */
export function yamlErrorText(message: string): string {
  const first = message.split('\n')[0];
  return /Maximum call stack size exceeded/.test(first) ? 'nested too deeply to read (thousands of levels of [ or {)' : first;
}
