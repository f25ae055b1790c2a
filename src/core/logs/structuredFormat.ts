/**
 * Structured log lines the guide documents field by field (drmdata heartbeats, push results,
 * digests, sql-stat, config-digest, HA heartbeats…): split a line into its fields, attach each
 * field's meaning, and flag the values the catalog's `bad` rules call trouble.
 */
import type { Bilingual, LogField, LogFormat } from '../catalog/types';

export interface ParsedField {
  name: string;
  value: string;
  meaning: Bilingual;
  /** UTF-16 offsets of the value in the line, half-open; absent when the engine cannot tell. */
  start?: number;
  end?: number;
  /** Set when the value is one the guide calls trouble: why. */
  bad?: Bilingual;
}

export interface ParsedLine {
  format: LogFormat;
  fields: ParsedField[];
}

/**
 * Regexes see at most this many characters of a line. The catalog refuses regexes that backtrack
 * exponentially, but a quadratic one (an unanchored `[^,\s]+,`) still costs 0.1 s on an 8 KiB
 * line, 15 s on 64 KiB and hours on a 50 MB one; a hostile or broken log must not stall a scan.
 * Literal patterns still match anywhere in the line.
 */
export const REGEX_INPUT_LIMIT = 8 * 1024;

export function regexInput(line: string): string {
  return line.length > REGEX_INPUT_LIMIT ? line.slice(0, REGEX_INPUT_LIMIT) : line;
}

export class StructuredFormat {
  private readonly regex?: RegExp;

  constructor(readonly format: LogFormat) {
    // `d` gives each group's indices, so hovers and decorations can point at the field itself.
    if (format.regex) this.regex = new RegExp(format.regex, 'd');
  }

  /** Fields of the line, or undefined when the line is not in this format (a banner, a trace…). */
  parse(line: string): ParsedLine | undefined {
    const fields = this.regex ? this.parseRegex(line) : this.parseSeparated(line);
    return fields && { format: this.format, fields };
  }

  private parseRegex(line: string): ParsedField[] | undefined {
    const match = this.regex!.exec(regexInput(line));
    if (!match?.groups) return undefined;
    const fields: ParsedField[] = [];
    for (const field of this.format.fields) {
      const value = match.groups[field.name];
      if (value === undefined) continue;
      const range = match.indices?.groups?.[field.name];
      fields.push(withVerdict(field, value, range?.[0], range?.[1]));
    }
    return fields;
  }

  private parseSeparated(line: string): ParsedField[] | undefined {
    const separator = this.format.separator!;
    const parts = line.split(separator);
    if (parts.length < this.format.fields.length) return undefined;
    const fields: ParsedField[] = [];
    let offset = 0;
    this.format.fields.forEach((field, index) => {
      const value = parts[index];
      fields.push(withVerdict(field, value, offset, offset + value.length));
      offset += value.length + separator.length;
    });
    return fields;
  }
}

function withVerdict(field: LogField, value: string, start: number | undefined, end: number | undefined): ParsedField {
  const parsed: ParsedField = { name: field.name, value, meaning: field.meaning };
  if (start !== undefined && end !== undefined) {
    parsed.start = start;
    parsed.end = end;
  }
  if (field.bad && isBad(field.bad, value)) parsed.bad = field.bad.explanation;
  return parsed;
}

const ruleRegexes = new Map<string, RegExp>();

/** A value is bad when any of the rule's conditions holds. */
export function isBad(rule: NonNullable<LogField['bad']>, value: string): boolean {
  if (rule.equals?.includes(value)) return true;
  if (rule.regex !== undefined) {
    let regex = ruleRegexes.get(rule.regex);
    if (!regex) ruleRegexes.set(rule.regex, (regex = new RegExp(rule.regex)));
    if (regex.test(regexInput(value))) return true;
  }
  if (rule.gt !== undefined) {
    const number = parseFloat(value);
    if (Number.isFinite(number) && number > rule.gt) return true;
  }
  return false;
}
