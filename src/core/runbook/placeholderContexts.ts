/**
 * Where each `{{placeholder}}` of a cell stands in the shell grammar, found by a real shell parser
 * (mvdan/sh, POSIX mode for `sh` cells, bash mode for `bash` cells) rather than a hand lexer.
 * Each placeholder is swapped for a sentinel word, the cell is parsed, and the sentinel's place in
 * the syntax tree decides how the value is referenced — always as a shell variable the value is
 * assigned to beforehand (`"${SOFA_P_x}"`), never as text the shell would parse — or why that
 * cannot be made literal (arithmetic, `[[ ]]`, comments, heredoc delimiters, `eval` …).
 *
 * The rendered command is parsed again and every reference checked (referenceProof.ts), so a
 * mistake here shows up as a refusal, not as a value that runs as code.
 */
import type { Placeholder } from './parameters';
import { evaluating, grammars, memo, parseError, parseShell, sh, type CellShell, type Grammar, type ShNode, type ShPos } from './shellParser';

/** How a placeholder is replaced: `bare` → `"${V}"`, `dq` (inside "…" or an unquoted heredoc) → `${V}`, `sq` (inside '…') → `'"${V}"'`. */
export type Reference = 'bare' | 'dq' | 'sq';

export type PlaceholderVerdict = { ok: true; reference: Reference } | { ok: false; reason: string };

export interface ContextAnalysis {
  /** One verdict per placeholder, in order; empty when the cell does not parse. */
  verdicts: PlaceholderVerdict[];
  /** The cell is not valid for its shell: `line:col: message` relative to the cell source. */
  syntaxError?: { line: number; column: number; message: string };
}

/** Prefix of the shell variables that carry values; reserved in cells. */
export const envPrefix = 'SOFA_P_';

/** Builtins that read a plain-looking argument as code, a variable name or arithmetic. */
const codeTakingBuiltins: Record<string, string> = {
  eval: 'eval runs its arguments as shell code',
  let: 'let evaluates its arguments as arithmetic',
  trap: 'trap runs its argument as shell code',
  alias: 'alias defines shell code',
  unset: 'unset reads its arguments as variable names (bash evaluates a[$(cmd)])',
  read: 'read takes variable names (bash evaluates a[$(cmd)])',
  mapfile: 'mapfile takes a variable name',
  readarray: 'readarray takes a variable name',
  getopts: 'getopts takes a variable name',
  printf: '', // only with -v, checked below
  test: '', // only with -v, checked below
  '[': '',
};

/** For `sh [options] -c [options] SCRIPT args…`: the index of SCRIPT in `words`, or -1. */
function shellScriptIndex(words: Array<string | undefined>, head: number): number {
  let sawC = false;
  for (let i = head + 1; i < words.length; i++) {
    const w = words[i];
    if (w === '-o' || w === '+o' || w === '-O' || w === '+O') {
      i++; // its option name
      continue;
    }
    if (w !== undefined && /^[-+][A-Za-z]+$/.test(w)) {
      if (w.startsWith('-') && w.includes('c')) sawC = true;
      continue;
    }
    return sawC ? i : -1;
  }
  return -1;
}

/** Shells whose `-c` argument is code. */
const shellPrograms = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'mksh', 'zsh', 'busybox']);

const paramOps = new Set(['-', ':-', '=', ':=', '+', ':+', '?', ':?', '#', '##', '%', '%%']);

/**
 * A verdict for each of `placeholders` (offsets into `source`). `sentinel(k)` is the word standing
 * in for placeholder k while parsing.
 */
export function analysePlaceholders(source: string, placeholders: Placeholder[], shell: CellShell): ContextAnalysis {
  if (!placeholders.length) return { verdicts: [] };
  // Verdicts depend on the text only, never on values: a run, a dry run and diagnostics share them.
  return memo(`a\0${shell}\0${placeholders.map((p) => `${p.index}:${p.length}`).join(',')}\0${source}`, () => analyseUncached(source, placeholders, shell));
}

function analyseUncached(source: string, placeholders: Placeholder[], shell: CellShell): ContextAnalysis {
  const results = grammars(shell).map((g) => analyseWith(source, placeholders, g));
  const broken = results.find((r) => r.syntaxError);
  if (broken) return broken;
  const verdicts = placeholders.map((_p, k): PlaceholderVerdict => {
    const all = results.map((r) => r.verdicts[k]);
    const refused = all.find((v) => !v.ok);
    if (refused) return refused;
    const kinds = new Set(all.map((v) => (v as { reference: Reference }).reference));
    return kinds.size === 1 ? all[0] : { ok: false, reason: 'sh and bash read this spot differently' };
  });
  return { verdicts };
}

function analyseWith(source: string, placeholders: Placeholder[], grammar: Grammar): ContextAnalysis {
  const nonce = uniqueNonce(source);
  const sentinel = (k: number) => `${nonce}${k}Z`;
  let text = '';
  let last = 0;
  placeholders.forEach((p, k) => {
    text += source.slice(last, p.index) + sentinel(k);
    last = p.index + p.length;
  });
  text += source.slice(last);
  let file: ShNode;
  try {
    file = parseShell(text, grammar);
  } catch (err) {
    const e = parseError(err);
    const message = e.message.replace(new RegExp(`${nonce}(\\d+)Z`, 'g'), (_m, k: string) => `{{${placeholders[Number(k)]?.name}}}`);
    return { verdicts: [], syntaxError: { ...e, message: grammar === 'bash' ? `${message} (read as bash)` : message } };
  }
  const bytes = Buffer.from(text, 'utf8');
  const slice = (from: number, to: number) => bytes.subarray(from, to).toString('utf8');
  const verdicts: Array<PlaceholderVerdict | undefined> = new Array(placeholders.length).fill(undefined);
  const found = new RegExp(`${nonce}(\\d+)Z`, 'g');
  const syntax = sh();
  const stack: ShNode[] = [];
  syntax.Walk(file, (node) => {
    if (!node) {
      stack.pop();
      return true;
    }
    const type = syntax.NodeType(node);
    if (type === 'Comment') {
      // Never run, and the value is not in the text: inert. Quoted anyway, in case a shell
      // reads as a word what the parser took for a comment.
      for (const m of String(node.Text ?? '').matchAll(found)) {
        const k = Number(m[1]);
        if (k < placeholders.length && !verdicts[k]) verdicts[k] = { ok: true, reference: 'bare' };
      }
    } else if (type === 'Lit' || type === 'SglQuoted') {
      const value = String(node.Value ?? '');
      for (const m of value.matchAll(found)) {
        const k = Number(m[1]);
        if (k >= placeholders.length || verdicts[k]) continue;
        verdicts[k] = classify(node, type, stack, slice, source, placeholders[k]);
      }
    }
    stack.push(node);
    return true;
  });
  return {
    verdicts: verdicts.map((v) => v ?? { ok: false, reason: 'it stands where the shell does not read a word (a part of the syntax such as an operator or a name); a value cannot go there' }),
  };
}

function uniqueNonce(source: string): string {
  let nonce = 'SofaPh';
  while (source.includes(nonce)) nonce += 'x';
  return nonce;
}

function classify(node: ShNode, type: string, stack: ShNode[], slice: (a: number, b: number) => string, source: string, p: Placeholder): PlaceholderVerdict {
  const syntax = sh();
  const refuse = (reason: string): PlaceholderVerdict => ({ ok: false, reason });
  const typeOf = (n: ShNode) => syntax.NodeType(n);
  const off = (n: unknown) => (n as ShNode).Pos().Offset();
  const same = (a: unknown, b: ShNode) => a != null && off(a) === off(b) && (a as ShNode).End().Offset() === b.End().Offset();

  // Anything evaluating above, at any depth: $(( $(printf %s "$v") )) still evaluates the output.
  for (const a of stack) {
    const reason = evaluating[typeOf(a)];
    if (reason) return refuse(reason);
    if (typeOf(a) === 'CmdSubst' && a.Backquotes) return refuse('inside `…` quoting rules change with nesting; use $(…) instead');
  }
  if (type === 'SglQuoted' && node.Dollar) return refuse("inside $'…' a value cannot be inserted literally; use '…' or \"…\"");
  if (type === 'Lit') {
    // A backslash right before the placeholder would escape the reference, not the value.
    let slashes = 0;
    for (let i = p.index - 1; i >= 0 && source[i] === '\\'; i--) slashes++;
    if (slashes % 2 === 1) return refuse('a backslash right before it would change how the reference is read; remove the backslash');
  }

  const parent = stack[stack.length - 1];
  if (!parent) return refuse('it is not part of a word');
  let reference: Reference;
  let i = stack.length - 1;
  if (type === 'SglQuoted') {
    if (typeOf(parent) !== 'Word') return refuse('it is not part of a word');
    reference = 'sq';
  } else if (typeOf(parent) === 'DblQuoted') {
    if (parent.Dollar) return refuse('inside $"…" (a translated string) a value cannot be inserted literally');
    reference = 'dq';
    i--; // to the Word or ParamExp holding the "…"
  } else if (typeOf(parent) === 'Word') {
    reference = 'bare';
  } else {
    return refuse(typeOf(parent) === 'ParamExp' ? 'it stands where ${…} expects a variable name' : typeOf(parent) === 'WordIter' ? 'it stands where for expects a loop variable name' : typeOf(parent) === 'Assign' ? 'it stands where a variable name is expected' : 'it is not part of a word');
  }

  // Climb word by word to the construct that consumes the outermost word, checking each step.
  let climbed = false;
  for (; i >= 0; i--) {
    const word = stack[i];
    const kind = typeOf(word);
    if (kind === 'DblQuoted') continue;
    if (kind !== 'Word') return refuse('it is not part of a word');
    const holder = stack[i - 1];
    if (!holder) return refuse('it is not part of a word');
    const holderKind = typeOf(holder);
    switch (holderKind) {
      case 'ParamExp': {
        const exp = holder.Exp as { Word?: ShNode } | null;
        if (!exp || !same(exp.Word, word)) return refuse('inside ${…} a value can only be the word of ${x:-…}, ${x:=…}, ${x:+…}, ${x:?…} or a #/% pattern; not an index, slice or replacement');
        const param = holder.Param as ShNode;
        const op = slice(param.End().Offset(), off(word)).trim();
        if (!paramOps.has(op)) return refuse(`a value cannot go into \${…${op}…}`);
        if (reference === 'sq' && withinDouble(stack.slice(0, i - 1))) return refuse(`inside "\${…}" single quotes are not quotes (sh and bash keep them as text); use "\${x:-"{{${p.name}}}"}" or no quotes`);
        // Keep climbing: the ${…} sits in an outer word (or "…").
        climbed = true;
        i--;
        // Now stack[i] is the ParamExp; its parent is Word or DblQuoted.
        continue;
      }
      case 'CmdSubst':
      case 'ProcSubst':
      case 'Stmt':
        return refuse('it is not part of a word');
      case 'CallExpr': {
        const args = (holder.Args as ShNode[] | null) ?? [];
        const argIndex = args.findIndex((a) => same(a, word));
        if (argIndex < 0) return refuse('it is not part of a word');
        const words = args.map((a) => literalWord(a, slice));
        let head = 0;
        while (head < words.length && (words[head] === 'command' || words[head] === 'builtin' || words[head] === 'exec')) head++;
        const name = words[head];
        const program = name?.replace(/^.*\//, '');
        if (argIndex > head && program !== undefined && shellPrograms.has(program) && argIndex === shellScriptIndex(words, head)) {
          return refuse(`it is an argument of ${program} -c, which runs it as shell code; pass it as "$1" after the script instead`);
        }
        if (argIndex > head && name !== undefined && Object.hasOwn(codeTakingBuiltins, name)) {
          const reason = codeTakingBuiltins[name];
          if (reason) return refuse(`it is an argument of ${name}: ${reason}`);
          if (words.slice(head + 1).some((w) => w === '-v' || (w?.startsWith('-') && w.includes('v') && name === 'printf'))) {
            return refuse(`it is an argument of ${name} -v, which reads a variable name (bash evaluates a[$(cmd)])`);
          }
        }
        return { ok: true, reference };
      }
      case 'Assign': {
        if (holder.Naked) return refuse('it stands where a variable name is expected');
        if (!same(holder.Value, word)) return refuse('a value cannot be an array index (the index is arithmetic)');
        const decl = stack[i - 2];
        if (decl && typeOf(decl) === 'DeclClause') {
          const flags = ((decl.Args as ShNode[] | null) ?? []).filter((a) => a.Naked).map((a) => (a.Value ? literalWord(a.Value as ShNode, slice) : undefined));
          if (flags.some((f) => f === undefined || /^[-+].*[inaA]/.test(f))) return refuse('declare/local with -i, -n, -a or -A evaluates or dereferences the value; assign it without those flags');
        }
        return { ok: true, reference };
      }
      case 'ArrayElem':
        if (!same(holder.Value, word)) return refuse('a value cannot be an array index (the index is arithmetic)');
        return { ok: true, reference };
      case 'Redirect': {
        const opText = slice((holder.OpPos as ShPos).Offset(), off(holder.Word)).trim();
        if (same(holder.Hdoc, word)) {
          const delimiter = holder.Word as ShNode;
          if (/['"\\]/.test(slice(off(delimiter), delimiter.End().Offset()))) return refuse(`inside a quoted heredoc (<<'EOF') nothing is expanded, so a value cannot be delivered there; use an unquoted heredoc (<<EOF)`);
          // Only plain body text: ${…} and "…" in a heredoc body follow rules of their own.
          if (climbed || type !== 'Lit' || i !== stack.length - 1) return refuse('inside a heredoc a value can only stand in the plain text, not inside ${…}');
          return { ok: true, reference: 'dq' };
        }
        if (!same(holder.Word, word)) return refuse('it is not part of a word');
        if (opText.startsWith('<<') && !opText.startsWith('<<<')) return refuse('a value cannot be a heredoc delimiter');
        return { ok: true, reference };
      }
      case 'WordIter':
        return { ok: true, reference };
      case 'CaseClause':
        return { ok: true, reference };
      case 'CaseItem':
        // Quoted, a pattern matches literally in sh and bash.
        return { ok: true, reference };
      case 'DeclClause':
        return refuse('a plain argument of declare/local/export/readonly is read as NAME=VALUE; write NAME={{…}} instead');
      default:
        return refuse('it is not part of a word');
    }
  }
  return refuse('it is not part of a word');
}

/** Whether the innermost enclosing quoting (up to a $(…) boundary) in `ancestors` is "…". */
function withinDouble(ancestors: ShNode[]): boolean {
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const kind = sh().NodeType(ancestors[i]);
    if (kind === 'DblQuoted') return true;
    if (kind === 'CmdSubst' || kind === 'ProcSubst') return false;
  }
  return false;
}

/** A word made only of literal text, as the shell would see it (for builtin names and flags); undefined otherwise. */
function literalWord(word: ShNode, slice: (a: number, b: number) => string): string | undefined {
  const parts = (word.Parts as ShNode[] | null) ?? [];
  if (parts.length !== 1 || sh().NodeType(parts[0]) !== 'Lit') return undefined;
  return slice(word.Pos().Offset(), word.End().Offset());
}
