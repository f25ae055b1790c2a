/**
 * The proof on a rendered command that placeholder values can only arrive as data: every
 * `SOFA_P_…` reference the renderer wrote is re-read by the shell parser and checked.
 */
import { envPrefix } from './placeholderContexts';
import { evaluating, grammars, memo, parseError, parseShell, sh, type CellShell, type Grammar, type ShNode } from './shellParser';

/**
 * Proof on the rendered command: it parses, and every `SOFA_P_…` reference is a plain `${NAME}`
 * inside "…" or an unquoted heredoc body, outside any arithmetic or `[[ ]]`. Returns the number of
 * references, or why the proof failed.
 */
export function verifyReferences(command: string, shell: CellShell): { count: number } | { error: string } {
  return memo(`v\0${shell}\0${command}`, () => verifyUncached(command, shell));
}

function verifyUncached(command: string, shell: CellShell): { count: number } | { error: string } {
  let count = -1;
  for (const grammar of grammars(shell)) {
    const result = verifyWith(command, grammar);
    if ('error' in result) return result;
    if (count !== -1 && result.count !== count) return { error: 'sh and bash see different references' };
    count = result.count;
  }
  return { count };
}

function verifyWith(command: string, grammar: Grammar): { count: number } | { error: string } {
  let file: ShNode;
  try {
    file = parseShell(command, grammar);
  } catch (err) {
    const e = parseError(err);
    return { error: `the rendered command does not parse (${e.line}:${e.column}: ${e.message})` };
  }
  const syntax = sh();
  const stack: ShNode[] = [];
  let count = 0;
  let error: string | undefined;
  syntax.Walk(file, (node) => {
    if (!node) {
      stack.pop();
      return true;
    }
    if (error) return false;
    const type = syntax.NodeType(node);
    if (type === 'Comment') count += String(node.Text ?? '').split(`"\${${envPrefix}`).length - 1;
    if (type === 'ParamExp') {
      const name = String((node.Param as ShNode | null)?.Value ?? '');
      if (name.startsWith(envPrefix)) {
        count++;
        const parent = stack[stack.length - 1];
        const grand = stack[stack.length - 2];
        const plain = !node.Short && !node.Excl && !node.Length && !node.Width && !node.Index && !node.Slice && !node.Repl && !node.Exp && !node.Names;
        const quoted = parent && (syntax.NodeType(parent) === 'DblQuoted' || (syntax.NodeType(parent) === 'Word' && grand && syntax.NodeType(grand) === 'Redirect' && grand.Hdoc != null && (grand.Hdoc as ShNode).Pos().Offset() === parent.Pos().Offset()));
        const evaluated = stack.some((a) => evaluating[syntax.NodeType(a)] || (syntax.NodeType(a) === 'CmdSubst' && a.Backquotes));
        if (!plain || !quoted || evaluated) error = `internal check failed for \${${name}}: ${!plain ? 'not a plain reference' : !quoted ? 'not quoted' : 'in an evaluated context'}`;
      }
    }
    stack.push(node);
    return true;
  });
  return error ? { error } : { count };
}
