/**
 * Mapping schema errors back to YAML source lines, shared by every validated YAML file (catalog,
 * inventory, runbook front matter): problems must name file:line, not a JSON pointer.
 */
import type { ErrorObject } from 'ajv';
import { type Document, isMap, isNode, isScalar, isSeq, type LineCounter } from 'yaml';

/** ajv reports one error per failed branch; keep one per location and keyword. */
export function dedupeErrors(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    // `if` only repeats what its `then`/`else` said; errors under propertyNames repeat the outer one.
    if (e.keyword === 'if' || (e as { propertyName?: string }).propertyName !== undefined) return false;
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function describeSchemaError(error: ErrorObject): string {
  const where = error.instancePath ? error.instancePath.slice(1).replace(/\//g, '.').replace(/~1/g, '/').replace(/~0/g, '~') : 'top level';
  switch (error.keyword) {
    case 'required': return `${where}: missing required field "${(error.params as { missingProperty: string }).missingProperty}"`;
    case 'additionalProperties': return `${where}: unknown field "${(error.params as { additionalProperty: string }).additionalProperty}"`;
    case 'enum': return `${where}: must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'propertyNames': return `${where}: "${(error.params as { propertyName: string }).propertyName}" is not a catalog id (lower-case kebab-case, e.g. registry-meta)`;
    case 'pattern': return `${where}: ${JSON.stringify(error.data)} does not match ${(error.params as { pattern: string }).pattern}`;
    default: return `${where}: ${error.message}`;
  }
}

/**
 * Line of the YAML node at a JSON pointer, falling back to the nearest existing parent. A mapping
 * entry reports its key's line, so an unknown or null-valued field still points at itself.
 */
export function lineOfPath(doc: Document, lines: LineCounter, pointer: string): number {
  const keys = pointer.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = doc.contents;
  let line = isNode(node) && node.range ? lines.linePos(node.range[0]).line : 1;
  for (const key of keys) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === key);
      if (!pair) break;
      if (isNode(pair.key) && pair.key.range) line = lines.linePos(pair.key.range[0]).line;
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(key)];
      if (isNode(node) && node.range) line = lines.linePos(node.range[0]).line;
      else break;
    } else {
      break;
    }
  }
  return line;
}

/**
 * JSON pointer of what an error is about: for an unknown or misnamed key, the key itself (so the
 * problem points at that line), otherwise the instance path.
 */
export function errorPointer(error: ErrorObject): string {
  const key = error.keyword === 'additionalProperties' ? (error.params as { additionalProperty: string }).additionalProperty
    : error.keyword === 'propertyNames' ? (error.params as { propertyName: string }).propertyName
      : undefined;
  return key === undefined ? error.instancePath : `${error.instancePath}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}
