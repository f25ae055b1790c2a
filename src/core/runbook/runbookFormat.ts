/**
 * The runbook format (`*.runbook.md`) and its in-memory model. Editor-free: the notebook serializer,
 * the controller and `sofa-ops runbook`/`run` all work on this model.
 *
 * A runbook is plain CommonMark that reads well on any git host:
 *
 *   ---
 *   title: Restart a registry meta node with push closed
 *   product: registry                     # catalog product id (runbooks/<product>/)
 *   components: [registry-meta]           # optional
 *   section: "7.4.1"                      # optional: the guide section it follows
 *   mode: check                           # optional: a read-only check runbook (see below)
 *   parameters:                           # optional: prompted once per run, validated
 *     node:      { type: number, default: 0, description: index of the meta node to restart }
 *     mode:      { type: enum, allowed: [graceful, force], default: graceful }
 *     ticket:    { type: string, required: true, pattern: "CHG-[0-9]+" }
 *     token:     { type: string, secret: true }           # shown and logged as ***
 *     dryRun:    { type: boolean, default: false }
 *   drill: { fault: "service-down@registry-meta-1", failsAt: close-push }   # optional: see below
 *   ---
 *
 *   # Close push
 *
 *   ```sh {name=close-push target=registry-meta[0] confirm expect="\"success\":true" timeout=30}
 *   curl -s http://localhost:9615/stopPushDataSwitch/open
 *   ```
 *
 * Front matter is optional; when present it is YAML between `---` lines at the very top (closed by
 * `---` or `...`) and is validated against runbooks/runbook.schema.json. Parameter types: string,
 * number, boolean, enum (`allowed` lists the values; `allowed` also restricts string and number).
 * `pattern` is a JavaScript regular expression that must match the whole value. `required: true`
 * with no default means the run cannot start without a value. A secret has no default.
 *
 * Cells. A top-level fenced code block whose language is `sh`, `bash` or `shell` is a runnable
 * cell; everything between runnable cells (text, tables, HTML, other languages' fences, and fences
 * nested in lists or block quotes, which cannot become cells without splitting the list) is a
 * markdown cell. Backtick and tilde fences of any length and indentation (0-3 spaces) work.
 * Options go in one `{…}` group after the language, separated by spaces:
 *
 *   name=ID              a cell id (letters of any script, digits, `.`, `_`, `-`), unique in the runbook
 *   target=SELECTOR      inventory hosts, as in `sofa-ops exec --target`: all, registry-meta,
 *                        registry-meta[0], registry-meta[0:2], a host name, tag=dc-a, a,b
 *   confirm              ask before running; `confirm="Restart every meta node?"` sets the question
 *   finally              cleanup: runs even when an earlier cell failed or the run was cancelled
 *   expect=EXPR          stdout check on every host (see below); the cell fails when it does not hold
 *   timeout=N            per-host time limit in seconds; `90s`, `5m`, `1h` also work
 *   parallel=N           at most N hosts at a time (default: all at once)
 *   continueOnError      a failure of this cell does not stop Run All
 *   manual               done by the operator in another console (UI, webshell); ticked done, not run
 *   when=EXPR            run only on the hosts where EXPR holds (see below); skipped elsewhere, with why
 *   after=CELL[,CELL]    gated cleanup: like finally it runs after a failure or cancel, but only when
 *                        every named earlier cell passed; otherwise it is skipped and the run says why
 *   otherwise="TEXT"     with after=: what the skip means, e.g. otherwise="push stays closed"
 *
 * `when` conditions read earlier cells' results on the same host (a cell that ran on one host only
 * answers for every host; a manual cell answers with its done/not-done). Tests are CELL.FIELD with
 * FIELD one of ok, failed, skipped, expect (true/false), exit (a number), out, err (stdout/stderr,
 * trimmed), outcome (ok, failed, expect-failed, timeout, skipped…); compare with == != < <= > >=,
 * `contains "text"` or `matches /regex/`, and join with and/or/not (&& || !) and parentheses:
 *
 *   when=check-meta.failed                          the check failed on this host
 *   when="check-meta.exit != 0"
 *   when='check-meta.out contains "Candidate" or check-meta.exit != 0'
 *
 * A referenced cell must come earlier; an unknown name or bad syntax is a problem at the fence's
 * line. A cell that did not run on a host has no exit code there: every comparison with it is false.
 * Conditions are parsed into a tree and walked; nothing is evaluated as code, no {{…}} substitution.
 *
 * `mode: check` (front matter): a read-only check runbook. Every cell is continueOnError, so every
 * check runs on every host and the report lists all results; the run fails when any check failed.
 * `mode: change` (the default) stops at the first failing cell.
 *
 * `drill` (front matter): how to rehearse the runbook on the demo site: a `sofa-ops demo --faults`
 * set that brings about its situation, and the cell where its steps see it. The demo chapters test
 * (test/integration/demo/chapters.test.ts) runs every runbook healthy and with its drill fault.
 * `kind: situation` (a plan for a host that is down) and `kind: recovery` (the runbook that brings
 * the fault's service back) turn the expectations around: see RunbookDrill.
 *
 * A flag is written bare (`confirm`) or as `=true`/`=false`. Values with spaces or `}` are quoted
 * with "…" or '…'; inside "…", `\"` and `\\` are escapes. (A backtick fence's info string cannot
 * contain backticks: use a `~~~` fence for such a cell.)
 *
 * `expect` forms:
 *   expect="text"              stdout contains the text
 *   expect=/regex/flags        stdout matches the JavaScript regex (flags from i, m, s, u)
 *   expect='$.path==value'     stdout (trimmed) is JSON and the value at the path equals `value`;
 *                              `!=` negates; a bare `$.path` means present and not null/false.
 *                              Path segments: `.key`, `[0]`, `["odd key"]`. `value` is a JSON literal
 *                              (true, 3, "UP", null) or a bare word taken as a string.
 *
 * Placeholders `{{name}}` in a cell (or its target/expect) are replaced by the parameter's value,
 * quoted for where it stands in the shell text (bare, '…', "…", heredoc), so values stay literal.
 * Only `{{identifier}}` is a placeholder: `{{.State}}` (docker, Go templates) is left alone.
 *
 * Lossless: the model keeps the exact text of every cell, and serializing re-emits it for every
 * cell that was not edited, so an unchanged runbook saves byte-identical (BOM, CRLF, tabs, trailing
 * spaces, missing final newline included) and an edit touches only the edited cell's bytes.
 */

/** The languages whose top-level fences are runnable cells. */
export const runnableLanguages: ReadonlySet<string> = new Set(['sh', 'bash', 'shell']);

export type ParameterType = 'string' | 'number' | 'boolean' | 'enum';
export type ParameterValue = string | number | boolean;

export interface ParameterDecl {
  type: ParameterType;
  required?: boolean;
  default?: ParameterValue;
  allowed?: Array<string | number>;
  pattern?: string;
  secret?: boolean;
  description?: string;
}

/** Front matter as declared (after schema validation; fields the schema rejected are dropped). */
export interface RunbookMeta {
  title?: string;
  product?: string;
  components?: string[];
  section?: string;
  description?: string;
  /** `check`: a read-only check runbook; every cell is continueOnError, so every check runs. */
  mode?: 'check' | 'change';
  parameters: Record<string, ParameterDecl>;
  /** How to rehearse it on the demo site: the fault that brings its situation, the cell that sees it. */
  drill?: RunbookDrill;
}

export interface RunbookDrill {
  /** A `sofa-ops demo --faults` set. */
  fault: string;
  /** The cell that fails with the fault (kind situation: on the healthy site; recovery: alone, before the run). */
  failsAt: string;
  /**
   * `fails` (default): a runbook for an incident the fault brings, failing at failsAt with it.
   * `situation`: written for the state the fault brings (a host that is down): it passes with the
   * fault and fails at failsAt without. `recovery`: it undoes the fault: it passes with it, and
   * failsAt, which failed alone before, passes afterwards.
   */
  kind?: 'fails' | 'situation' | 'recovery';
}

export interface CellOptions {
  name?: string;
  target?: string;
  /** As written; see cellCondition.ts. Evaluated per host. */
  when?: string;
  /** Comma-separated names of earlier cells that must have passed (gated cleanup). */
  after?: string;
  /** What it means when a gated (after=) cell does not run, e.g. "push stays closed". */
  otherwise?: string;
  /** true, or the question to ask. */
  confirm?: boolean | string;
  finally?: boolean;
  /** As written; see parseExpectation. */
  expect?: string;
  /** Seconds. */
  timeout?: number;
  parallel?: number;
  continueOnError?: boolean;
  manual?: boolean;
}

/** One `key` or `key=value` item of an info string's `{…}`, with the exact text it came from. */
export interface CellAttribute {
  key: string;
  /** undefined for a bare flag. */
  value?: string;
  raw: string;
}

export interface MarkdownCell {
  kind: 'markdown';
  /** The text without the blank lines around it, `\n` line endings. */
  source: string;
  /** Blank lines before the cell, exact bytes; undefined for a new cell (one blank line). */
  before?: string;
  /** 1-based line of the first content line in the file (0 for a new cell). */
  line: number;
  /** What was read from the file; absent for a new cell. Plain data, so it survives cell metadata. */
  original?: { text: string; source: string };
}

export interface CodeCell {
  kind: 'code';
  /** sh, bash or shell, as written. */
  language: string;
  /** The code between the fences, `\n` line endings, no final newline. */
  source: string;
  options: CellOptions;
  before?: string;
  /** 1-based line of the opening fence (0 for a new cell). */
  line: number;
  original?: {
    text: string;
    source: string;
    language: string;
    options: CellOptions;
    attributes: CellAttribute[];
    /** The opening fence's characters (``` or ~~~~, …) and its indentation. */
    fence: string;
    indent: string;
    closed: boolean;
  };
}

export type RunbookCell = MarkdownCell | CodeCell;

export interface FrontMatter {
  /** The YAML between the `---` lines, `\n` line endings. */
  yaml: string;
  /** Parsed and validated; undefined when the YAML is broken. */
  meta?: RunbookMeta;
  original?: { text: string; yaml: string };
}

export interface Runbook {
  file: string;
  bom: boolean;
  /** The file's usual line ending, used for edited and new cells. */
  eol: string;
  frontMatter?: FrontMatter;
  cells: RunbookCell[];
  /** Blank lines after the last cell, exact bytes. */
  trailer: string;
}

/** Parameters declared in the front matter (none when it is absent or broken). */
export function runbookParameters(runbook: Runbook): Record<string, ParameterDecl> {
  return runbook.frontMatter?.meta?.parameters ?? {};
}
