/**
 * The static backtracking analysis behind regexSafety.ts (see there for the rules). A module of
 * its own so the build can ship it as its own file (dist/regex-analysis.js): the analysers are
 * ~1.1 MB of code that `logs scan` with a cached catalog, or `exec`, should not parse at start-up.
 */
import { RegExpParser, visitRegExpAST, type AST } from '@eslint-community/regexpp';
import { getConsumedChars, getFirstCharAfter, getFirstConsumedChar } from 'regexp-ast-analysis';
import { analyse } from 'scslre';

/** Counted repetitions up to this many times of an ambiguous part are accepted (n² or n³ at most). */
const MAX_AMBIGUOUS_COUNT = 2;

/** Why a valid regex can backtrack catastrophically, or undefined. */
export function backtrackingProblem(source: string, flags: string): string | undefined {
  let literal: AST.RegExpLiteral;
  try {
    // `.source` escapes `/`, so the text reads back as a literal.
    literal = new RegExpParser({ ecmaVersion: 2025 }).parseLiteral(`/${new RegExp(source).source}/${flags.replace(/[^gimsuyd]/g, '')}`);
  } catch (err) {
    return `regex cannot be checked for catastrophic backtracking (${(err as Error).message}); write it in standard ECMAScript syntax`;
  }
  const { pattern } = literal;
  const checkFlags = literal.flags;
  // Node offsets count from the literal's opening `/`; columns count in the regex source.
  const at = (node: AST.Node) => `at column ${node.start - pattern.start + 1} ("${pattern.raw.slice(node.start - pattern.start, node.end - pattern.start)}")`;

  const report = analyse({ pattern, flags: checkFlags }, { reportTypes: { Move: false, Trade: true, Self: true }, maxReports: 20 }).reports.find((r) => r.exponential);
  if (report) {
    const quant = report.type === 'Self' ? report.parentQuant : report.type === 'Trade' ? report.startQuant : report.quant;
    return `regex can take exponential time (catastrophic backtracking) on a line like "${report.character.pick.repeat(30)}…": nested repetition ${at(quant)}; repeat the inner part once (e.g. (a+)+ → a+)`;
  }
  let problem: string | undefined;
  visitRegExpAST(pattern, {
    onQuantifierEnter(quant) {
      if (problem) return;
      const element = quant.element;
      if (quant.max === Infinity && (element.type === 'Group' || element.type === 'CapturingGroup') && element.alternatives.length > 1) {
        const firsts = element.alternatives.map((alt) => getFirstConsumedChar(alt, 'ltr', checkFlags).char);
        for (let i = 0; i < firsts.length && !problem; i++) {
          for (let j = i + 1; j < firsts.length; j++) {
            if (!firsts[i].isEmpty && !firsts[j].isDisjointWith(firsts[i])) {
              problem = `regex can take exponential time (catastrophic backtracking): the alternatives "${element.alternatives[i].raw}" and "${element.alternatives[j].raw}" of the repetition ${at(quant)} can start with the same character; make them start differently (e.g. (a|ab)* → (ab?)*)`;
              break;
            }
          }
        }
      }
      if (!problem && quant.max > MAX_AMBIGUOUS_COUNT && quant.max !== Infinity) {
        const inner = ambiguousInnerRepetition(element, checkFlags);
        if (inner) problem = `regex can take time growing with the ${quant.max}th power of the line length: ${at(inner)} can also match what follows it, inside the repetition ${at(quant)}; make the inner part stop at a character that cannot follow it (e.g. (.*a){20} → ([^a]*a){20})`;
      }
    },
  });
  return problem;
}

/** An unbounded repetition inside `element` whose characters can also be matched right after it. */
function ambiguousInnerRepetition(element: AST.Node, flags: AST.Flags): AST.Quantifier | undefined {
  let found: AST.Quantifier | undefined;
  visitRegExpAST(element, {
    onQuantifierEnter(q) {
      if (found || q.max !== Infinity) return;
      const chars = getConsumedChars(q.element, flags).chars;
      const after = getFirstCharAfter(q, 'ltr', flags).char;
      if (!chars.isDisjointWith(after)) found = q;
    },
  });
  return found;
}
