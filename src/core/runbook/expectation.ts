/**
 * `expect=` on a cell: what stdout must show for the step to count as done. Three forms (see
 * runbookFormat.ts): substring, `/regex/flags`, and `$.path==value` on JSON stdout.
 */

export type Expectation =
  | { kind: 'substring'; text: string }
  | { kind: 'regex'; regex: RegExp }
  | { kind: 'json'; path: Array<string | number>; op: '==' | '!=' | 'present'; value?: unknown; text: string };

export interface ExpectationResult {
  ok: boolean;
  /** Why, in a few words, for the cell output and the audit. */
  detail: string;
}

export function parseExpectation(text: string): { expectation?: Expectation; error?: string } {
  if (text === '') return { error: 'expect is empty' };
  const regex = /^\/([\s\S]+)\/([a-z]*)$/.exec(text);
  if (regex) {
    const [, body, flags] = regex;
    const bad = [...flags].find((f) => !'imsu'.includes(f));
    if (bad) return { error: `expect regex flag "${bad}" is not one of i, m, s, u` };
    try {
      return { expectation: { kind: 'regex', regex: new RegExp(body, flags) } };
    } catch (err) {
      return { error: `expect is not a valid regex: ${(err as Error).message}` };
    }
  }
  if (/^\$(?=[.[\s=!]|$)/.test(text)) return parseJsonExpectation(text);
  return { expectation: { kind: 'substring', text } };
}

function parseJsonExpectation(text: string): { expectation?: Expectation; error?: string } {
  const path: Array<string | number> = [];
  let i = 1;
  while (i < text.length) {
    const rest = text.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\.([^.[\s=!]+)/.exec(rest))) {
      path.push(m[1]);
    } else if ((m = /^\[(\d+)\]/.exec(rest))) {
      path.push(Number(m[1]));
    } else if ((m = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest))) {
      path.push(JSON.parse(m[1]) as string);
    } else {
      break;
    }
    i += m[0].length;
  }
  const tail = text.slice(i).trim();
  if (tail === '') return { expectation: { kind: 'json', path, op: 'present', text } };
  const op = /^(==|!=)\s*/.exec(tail);
  if (!op) return { error: `expect JSON path: expected ==, != or the end after "${text.slice(0, i)}", found "${tail}"` };
  const valueText = tail.slice(op[0].length).trim();
  if (valueText === '') return { error: `expect JSON path: nothing after ${op[1]}` };
  let value: unknown;
  try {
    value = JSON.parse(valueText);
  } catch {
    value = valueText; // a bare word: UP, running
  }
  return { expectation: { kind: 'json', path, op: op[1] as '==' | '!=', value, text } };
}

export function checkExpectation(expectation: Expectation, stdout: string): ExpectationResult {
  switch (expectation.kind) {
    case 'substring': {
      const ok = stdout.includes(expectation.text);
      return { ok, detail: `${ok ? 'found' : 'did not find'} ${JSON.stringify(expectation.text)} in stdout` };
    }
    case 'regex': {
      expectation.regex.lastIndex = 0;
      const ok = expectation.regex.test(stdout);
      return { ok, detail: `stdout ${ok ? 'matches' : 'does not match'} ${expectation.regex}` };
    }
    case 'json': {
      let data: unknown;
      try {
        data = JSON.parse(stdout.trim());
      } catch {
        return { ok: false, detail: `stdout is not JSON, so ${expectation.text} cannot hold` };
      }
      let node: unknown = data;
      for (const key of expectation.path) {
        node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined;
      }
      const shown = node === undefined ? 'nothing' : JSON.stringify(node);
      if (expectation.op === 'present') {
        const ok = node !== undefined && node !== null && node !== false;
        return { ok, detail: `${expectation.text} is ${shown}` };
      }
      const equal = JSON.stringify(node) === JSON.stringify(expectation.value);
      const ok = expectation.op === '==' ? equal : !equal;
      return { ok, detail: `${expectation.text}: found ${shown}` };
    }
  }
}
