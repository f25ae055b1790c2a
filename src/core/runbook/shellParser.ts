/**
 * The shell parser the placeholder analysis and its proof read cells with: mvdan/sh (the GopherJS
 * build of mvdan.cc/sh/v3/syntax), loaded on first use, in the grammar(s) a cell's shell implies.
 */

/** The shell a cell runs in: `bash` fences in bash, `sh` and `shell` fences in the POSIX sh. */
export type CellShell = 'sh' | 'bash';

export function cellShell(language: string): CellShell {
  return language.toLowerCase() === 'bash' ? 'bash' : 'sh';
}

// Minimal typing of the parts of mvdan-sh (GopherJS build of mvdan.cc/sh/v3/syntax) used here.
export interface ShPos {
  Offset(): number;
  Line(): number;
  Col(): number;
}
export interface ShNode {
  Pos(): ShPos;
  End(): ShPos;
  [field: string]: unknown;
}
interface ShSyntax {
  NewParser(...options: unknown[]): { Parse(src: string, name: string): ShNode };
  Variant(lang: unknown): unknown;
  KeepComments(keep: boolean): unknown;
  LangBash: unknown;
  LangPOSIX: unknown;
  Walk(node: ShNode, visit: (node: ShNode | null) => boolean): void;
  NodeType(node: ShNode): string;
}

let loaded: ShSyntax | undefined;
/** Loaded on first use: the parser is 1.5 MB of JavaScript that `exec` and most commands never need. */
export function sh(): ShSyntax {
  loaded ??= (require('mvdan-sh') as { syntax: ShSyntax }).syntax;
  return loaded;
}

/** A grammar to parse with. */
export type Grammar = 'posix' | 'bash';

/**
 * `sh` cells are read with both grammars: /bin/sh is dash on Debian and Ubuntu but bash (in POSIX
 * mode, where `[[`, `((` and `a[i]=` still work) on CentOS and RHEL, so a spot must be safe in both.
 */
export function grammars(shell: CellShell): Grammar[] {
  return shell === 'bash' ? ['bash'] : ['posix', 'bash'];
}

/** Parses `source`; throws the parser's `cell:line:col: message`. */
export function parseShell(source: string, grammar: Grammar): ShNode {
  const syntax = sh();
  return syntax.NewParser(syntax.KeepComments(true), syntax.Variant(grammar === 'bash' ? syntax.LangBash : syntax.LangPOSIX)).Parse(source, 'cell');
}

export function parseError(err: unknown): { line: number; column: number; message: string } {
  const text = typeof (err as { Error?: () => string })?.Error === 'function' ? (err as { Error: () => string }).Error() : String((err as Error)?.message ?? err);
  const m = /^cell:(\d+):(\d+): (.*)$/s.exec(text);
  return m ? { line: Number(m[1]), column: Number(m[2]), message: m[3] } : { line: 1, column: 1, message: text };
}

/** Arithmetic and `[[ ]]`: bash evaluates `a[$(cmd)]` found in a value there, even a quoted one. */
export const evaluating: Record<string, string> = {
  ArithmExp: 'inside $((…)) the shell evaluates the value as arithmetic (bash runs $(…) found in a[…])',
  ArithmCmd: 'inside ((…)) the shell evaluates the value as arithmetic (bash runs $(…) found in a[…])',
  BinaryArithm: 'inside an arithmetic expression the value is evaluated, not taken literally',
  UnaryArithm: 'inside an arithmetic expression the value is evaluated, not taken literally',
  ParenArithm: 'inside an arithmetic expression the value is evaluated, not taken literally',
  LetClause: 'let evaluates its arguments as arithmetic (bash runs $(…) found in a[…])',
  CStyleLoop: 'the parts of for ((…)) are arithmetic, evaluated rather than taken literally',
  TestClause: 'operands of [[ … ]] can be evaluated as arithmetic (bash runs $(…) found in a[…]); use [ … ] or case',
  BinaryTest: 'operands of [[ … ]] can be evaluated as arithmetic; use [ … ] or case',
  UnaryTest: 'operands of [[ … ]] can be evaluated as arithmetic; use [ … ] or case',
  ParenTest: 'operands of [[ … ]] can be evaluated as arithmetic; use [ … ] or case',
  TestDecl: 'a value cannot go into a test declaration',
  ExtGlob: 'a value inside an extended glob @(…) would be a pattern; quote it outside the glob',
};

/** Results that depend on the text only (parsing is the cost), kept for the last 1000 texts. */
const memoCache = new Map<string, unknown>();
export function memo<T>(key: string, make: () => T): T {
  if (memoCache.has(key)) return memoCache.get(key) as T;
  const value = make();
  if (memoCache.size >= 1000) memoCache.delete(memoCache.keys().next().value!);
  memoCache.set(key, value);
  return value;
}
