/**
 * Judging measured values against the catalog: resource thresholds (`cpu_usage > 80%`), the
 * body conditions of the guide's health URLs (`"success":true`, `passed:true`, `status: UP`) and
 * `expect` on a command's output.
 */
import type { Bilingual, Check, Threshold } from '../catalog/types';
import { bilingual, type MessageArg, translator } from '../l10n';
import { compare } from './ruleModel';

export type Verdict = 'pass' | 'warn' | 'fail';

/** A value within this share of an alarm threshold is WARN: close enough to look at today. */
export const WARN_RATIO = 0.9;

/** Whether `value` is on the alarm side of `threshold` (ops without a number never breach here). */
export function breaches(threshold: Threshold, value: number): boolean {
  const limit = threshold.value;
  if (limit === undefined) return false;
  const op = threshold.op;
  return op === '>' || op === '>=' || op === '<' || op === '<=' || op === '==' || op === '!=' ? compare(op, value, limit) : false;
}

/** FAIL past the alarm threshold, WARN within 10% of it (for `>`/`>=` thresholds), else PASS. */
export function judgeThreshold(threshold: Threshold, value: number): Verdict {
  if (breaches(threshold, value)) return 'fail';
  if ((threshold.op === '>' || threshold.op === '>=') && threshold.value !== undefined && threshold.value > 0 && value >= threshold.value * WARN_RATIO) return 'warn';
  return 'pass';
}

/** `> 80%` */
export function describeThreshold(threshold: Threshold | undefined): string | undefined {
  if (!threshold || threshold.value === undefined) return undefined;
  return `${threshold.op} ${threshold.value}${threshold.unit ?? ''}`;
}

const KEY_VALUE = /^\s*"?([\w.-]+)"?\s*:\s*"?([^"\s]*)"?\s*$/;

/**
 * A body condition of the form `key:value` (quoted or not) holds when the key occurs and *every*
 * occurrence has that value: checkService prints one `passed:` per dependency and one
 * `passed:false` is a failure even though `passed:true` appears too; a readiness document is UP
 * only when each of its parts is. Anything else is a plain substring. `expected` says what was
 * wanted in words ("success:true in the response"), for the failure message.
 */
export function bodyCondition(condition: string, body: string): { ok: boolean; detail: string; text: Bilingual; expected: Bilingual } {
  const kv = KEY_VALUE.exec(condition);
  const expected = kv ? bilingual('{0} in the response', `${kv[1]}:${kv[2]}`) : bilingual('"{0}" in the response', condition);
  const said = (ok: boolean, text: Bilingual) => ({ ok, detail: text.en, text, expected });
  if (!kv) {
    const ok = body.includes(condition);
    return said(ok, bilingual(ok ? 'contains {0}' : 'does not contain {0}', condition));
  }
  const [, key, want] = kv;
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const occurrences = [...body.matchAll(new RegExp(`(?<![\\w.-])"?${escaped}"?\\s*[:=]\\s*"?([^",}\\]\\s]*)`, 'g'))].map((m) => m[1]);
  if (!occurrences.length) return said(false, bilingual('no {0} in the response', key));
  const bad = occurrences.filter((v) => v.toLowerCase() !== want.toLowerCase());
  if (bad.length) return said(false, occurrences.length > 1 ? bilingual('{0} ({1} of {2})', `${key}:${bad[0]}`, bad.length, occurrences.length) : bilingual('{0}', `${key}:${bad[0]}`));
  return said(true, occurrences.length > 1 ? bilingual('{0} (all {1})', `${key}:${want}`, occurrences.length) : bilingual('{0}', `${key}:${want}`));
}

/** The first non-blank line of `output`, short. */
function firstLine(output: string): string {
  return output.split('\n').map((l) => l.trim()).find(Boolean)?.slice(0, 160) ?? '';
}

/**
 * `expect` of a command check on its stdout. A failure says what was expected in words and what
 * came back: the catalog's `passWhen` (when given) in its words ("Port 9003 is in LISTEN state"), else
 * the pattern that was looked for.
 */
export function commandExpectation(expect: NonNullable<Check['expect']>, stdout: string, passWhen?: Bilingual): { ok: boolean; detail: string; wanted: string; text: { detail: Bilingual; wanted: Bilingual } } {
  const wanted = commandWanted(expect);
  const said = (ok: boolean, detail: Bilingual) => ({ ok, detail: detail.en, wanted: wanted.en, text: { detail, wanted } });
  const found = firstLine(stdout);
  // The catalog's words first; the pattern itself stays in the "expected" column.
  const failed = (what: Bilingual, seen: MessageArg) => said(false, passWhen ? bilingual('expected: {0}; found: {1}', passWhen, seen) : bilingual('expected {0}, found: {1}', what, seen));
  if (expect.contains !== undefined && !stdout.includes(expect.contains)) return failed(bilingual('"{0}" in the output', expect.contains), found || bilingual('no output'));
  if (expect.notContains !== undefined && stdout.includes(expect.notContains)) {
    const line = stdout.split('\n').find((l) => l.includes(expect.notContains!)) ?? '';
    return failed(bilingual('no "{0}" in the output', expect.notContains), line.trim().slice(0, 160));
  }
  if (expect.regex !== undefined && !new RegExp(expect.regex).test(stdout)) return failed(bilingual('output matching {0}', `/${expect.regex}/`), found || bilingual('no output'));
  return said(true, bilingual('as expected'));
}

/**
 * What a network client prints when it reached nothing: curl's "(6) Could not resolve", "(7)
 * Failed to connect", "(28) timed out", "(52) Empty reply", "(56) Recv failure"; nc, telnet and
 * wget refusals. A check whose command says this is FAIL whatever its expectation: `curl … |
 * grep false` must not pass because curl printed no `false`.
 */
const CONNECT_ERROR = new RegExp([
  String.raw`curl: \((?:6|7|28|35|52|56)\)[^\n]*`,
  String.raw`\b(?:nc|ncat|netcat|telnet|wget)\b[^\n]*(?:refused|timed out|unreachable|unable to connect|failed)[^\n]*`,
  String.raw`[^\n]*\b(?:Connection refused|Couldn't connect to server|No route to host|Connection timed out|Failed to connect to)\b[^\n]*`,
].join('|'), 'i');

/** The first line of `output` that says a connection failed, or undefined. */
export function connectError(output: string): string | undefined {
  return CONNECT_ERROR.exec(output)?.[0].trim().slice(0, 200);
}

/** bash's "bash: line 1: netstat: command not found" (and sh/dash's "netstat: not found"). */
const NOT_FOUND = /^(?:\S+: )?(?:line \d+: |\d+: )?([\w.+-]+): command not found\s*$|^\S*sh: (?:\d+: )?([\w.+-]+): not found\s*$/m;

/** The tool the host lacks, when the output says a command was not found. */
export function missingTool(output: string): string | undefined {
  const m = NOT_FOUND.exec(output);
  return m ? m[1] ?? m[2] : undefined;
}

export interface CommandJudgement {
  status: 'pass' | 'fail' | 'error';
  value: string;
  threshold: string;
  message: string;
  /** value, threshold and message in both languages. */
  text: { value: Bilingual; threshold: Bilingual; message: Bilingual };
}

/**
 * A command check's status from its output (stdout and stderr together) and exit code. Fails
 * closed: a command that could not run (timeout, exit 126/127, a missing tool) is ERROR; one that
 * could not connect is FAIL; an expectation is never met by no output (a negative one, "no
 * `false`", would be vacuous then); without an expectation only exit 0 passes.
 */
export function judgeCommand(expect: Check['expect'], output: string, rc: number, timeoutSeconds: number, passWhen?: Bilingual): CommandJudgement {
  const first = output.split('\n').map((l) => l.trim()).find(Boolean)?.slice(0, 200) ?? '';
  const wanted = expect ? commandWanted(expect) : bilingual('exit 0');
  const judged = (status: CommandJudgement['status'], value: Bilingual, message: Bilingual): CommandJudgement => ({ status, value: value.en, threshold: wanted.en, message: message.en, text: { value, threshold: wanted, message } });
  const noOutput = bilingual('no output');
  const error = (message: Bilingual) => judged('error', rc === 124 ? bilingual('timeout') : bilingual('exit {0}', rc), message);
  if (rc === 124) return error(bilingual('timed out after {0} s', timeoutSeconds));
  if (rc === 126 || rc === 127) return error(bilingual('cannot run on the host (exit {0}): {1}', rc, first || noOutput));
  const tool = missingTool(output);
  if (tool) return error(bilingual('cannot run on the host: {0} is not installed there ({1})', tool, first));
  const refused = connectError(output);
  if (refused) return judged('fail', bilingual('cannot connect'), bilingual('could not connect (exit {0}): {1}', rc, refused));
  if (!expect) return rc === 0 ? judged('pass', bilingual('exit 0'), bilingual('succeeded')) : judged('fail', bilingual('exit {0}', rc), bilingual('exit {0}: {1}', rc, first || noOutput));
  if (!output.trim()) return judged('fail', bilingual('(no output)'), bilingual('no output (exit {0}): nothing shows {1}', rc, wanted));
  const expectation = commandExpectation(expect, output, passWhen);
  const line = { en: first, zh: first };
  return judged(expectation.ok ? 'pass' : 'fail', line, expectation.ok ? line : expectation.text.detail);
}

/** What `expect` asks for, as a report's "expected" column shows it. */
function commandWanted(expect: NonNullable<Check['expect']>): Bilingual {
  const t = { en: translator('en'), zh: translator('zh') };
  const say = (lang: 'en' | 'zh') => [
    expect.contains !== undefined ? t[lang]('contains "{0}"', expect.contains) : '',
    expect.notContains !== undefined ? t[lang]('no "{0}"', expect.notContains) : '',
    expect.regex !== undefined ? `/${expect.regex}/` : '',
  ].filter(Boolean).join(t[lang](', '));
  return { en: say('en'), zh: say('zh') };
}
