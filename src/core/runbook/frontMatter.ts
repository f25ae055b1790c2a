/**
 * A runbook's YAML front matter: read, validated against runbooks/runbook.schema.json, and mapped
 * to file lines. What the schema rejects is dropped (and reported); the rest still works.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { SourceProblem } from '../sourceProblem';
import { documentData, yamlErrorText } from '../yamlData';
import { dedupeErrors, describeSchemaError, errorPointer, lineOfPath } from '../yamlSource';
import { checkParameterDecl } from './parameters';
import type { ParameterDecl, RunbookMeta } from './runbookFormat';

export interface FrontMatterResult {
  meta?: RunbookMeta;
  problems: SourceProblem[];
  /** Every parameter name written, even one whose declaration was rejected: `{{it}}` is not "undeclared". */
  declared: Set<string>;
}


/**
 * @param firstLine file line (1-based) of the first YAML line, i.e. the line after the opening `---`.
 */
export function readFrontMatter(yamlText: string, file: string, firstLine: number): FrontMatterResult {
  const problems: SourceProblem[] = [];
  const lines = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  // An error found at the end of the text (an unclosed [) belongs to the last YAML line, not the closing ---.
  const lastLine = Math.max(1, yamlText.replace(/\n$/, '').split('\n').length);
  const at = (line: number) => firstLine + Math.min(line, lastLine) - 1;
  if (doc.errors.length) {
    problems.push(...doc.errors.map((e) => ({ file, line: at(lines.linePos(e.pos[0]).line), message: `front matter YAML: ${yamlErrorText(e.message)}` })));
    return { problems, declared: new Set() };
  }
  // A warning is YAML the reader did not understand (an unknown !!tag read as plain text).
  problems.push(...doc.warnings.map((w) => ({ file, line: at(lines.linePos(w.pos[0]).line), message: `front matter YAML: ${w.message.split('\n')[0]}` })));
  const read = documentData(doc, lines);
  if (!('data' in read)) {
    problems.push({ file, line: at(read.line), message: `front matter ${read.message}` });
    return { problems, declared: new Set() };
  }
  const data = (read.data ?? {}) as unknown;
  if (!isObject(data)) {
    problems.push({ file, line: firstLine, message: 'front matter must be a mapping with title, product and parameters' });
    return { problems, declared: new Set() };
  }
  const lineOf = (pointer: string) => at(lineOfPath(doc, lines, pointer));
  const rejected: string[] = [];
  // Precompiled from the JSON schema (scripts/generate-validators.mjs), loaded on first use: the
  // bundle ships it as dist/validator-runbook.js (scripts/build.mjs), off the activation path.
  const { validate } = require('../generated/runbookValidator') as typeof import('../generated/runbookValidator');
  if (!validate(data)) {
    for (const error of dedupeErrors(validate.errors ?? [])) {
      const pointer = errorPointer(error);
      rejected.push(pointer);
      const message = error.keyword === 'propertyNames'
        ? `parameters: "${(error.params as { propertyName: string }).propertyName}" is not a parameter name (letters, digits, _ and -, not starting with a digit)`
        : describeSchemaError(error);
      problems.push({ file, line: lineOf(pointer), message: `front matter: ${message}` });
    }
  }
  const ok = (pointer: string) => !rejected.some((p) => p === pointer || p.startsWith(`${pointer}/`));
  const meta: RunbookMeta = { parameters: {} };
  for (const key of ['title', 'product', 'section', 'description'] as const) {
    if (typeof data[key] === 'string' && ok(`/${key}`)) meta[key] = data[key] as string;
  }
  if (Array.isArray(data.components) && ok('/components')) meta.components = data.components as string[];
  if ((data.mode === 'check' || data.mode === 'change') && ok('/mode')) meta.mode = data.mode;
  if (isObject(data.drill) && typeof data.drill.fault === 'string' && typeof data.drill.failsAt === 'string' && ok('/drill')) {
    meta.drill = { fault: data.drill.fault, failsAt: data.drill.failsAt };
    if (data.drill.kind === 'fails' || data.drill.kind === 'situation' || data.drill.kind === 'recovery') meta.drill.kind = data.drill.kind;
  }
  if (isObject(data.parameters)) {
    for (const [name, decl] of Object.entries(data.parameters)) {
      const pointer = `/parameters/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (!ok(pointer) || !isObject(decl)) continue;
      const declProblems = checkParameterDecl(name, decl as unknown as ParameterDecl);
      problems.push(...declProblems.map((message) => ({ file, line: lineOf(pointer), message: `front matter: ${message}` })));
      if (!declProblems.length) meta.parameters[name] = decl as unknown as ParameterDecl;
    }
  }
  return { meta, problems, declared: new Set(isObject(data.parameters) ? Object.keys(data.parameters) : []) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
