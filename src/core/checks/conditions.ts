/**
 * Judging measured values against the catalog: resource thresholds (`cpu_usage > 80%`), the
 * body conditions of the guide's health URLs (`"success":true`, `passed:true`, `status: UP`) and
 * `expect` on a command's output.
 */
import type { Check, Threshold } from '../catalog/types';
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
 * only when each of its parts is. Anything else is a plain substring.
 */
export function bodyCondition(condition: string, body: string): { ok: boolean; detail: string } {
  const kv = KEY_VALUE.exec(condition);
  if (!kv) {
    const ok = body.includes(condition);
    return { ok, detail: ok ? `contains ${condition}` : `does not contain ${condition}` };
  }
  const [, key, want] = kv;
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const occurrences = [...body.matchAll(new RegExp(`(?<![\\w.-])"?${escaped}"?\\s*[:=]\\s*"?([^",}\\]\\s]*)`, 'g'))].map((m) => m[1]);
  if (!occurrences.length) return { ok: false, detail: `no ${key} in the response` };
  const bad = occurrences.filter((v) => v.toLowerCase() !== want.toLowerCase());
  if (bad.length) return { ok: false, detail: `${key}:${bad[0]}${occurrences.length > 1 ? ` (${bad.length} of ${occurrences.length})` : ''}` };
  return { ok: true, detail: `${key}:${want}${occurrences.length > 1 ? ` (all ${occurrences.length})` : ''}` };
}

/** `expect` of a command check on its stdout. */
export function commandExpectation(expect: NonNullable<Check['expect']>, stdout: string): { ok: boolean; detail: string; wanted: string } {
  const wanted = [
    expect.contains !== undefined ? `contains "${expect.contains}"` : '',
    expect.notContains !== undefined ? `no "${expect.notContains}"` : '',
    expect.regex !== undefined ? `/${expect.regex}/` : '',
  ].filter(Boolean).join(', ');
  if (expect.contains !== undefined && !stdout.includes(expect.contains)) return { ok: false, detail: `"${expect.contains}" not in the output`, wanted };
  if (expect.notContains !== undefined && stdout.includes(expect.notContains)) {
    const line = stdout.split('\n').find((l) => l.includes(expect.notContains!)) ?? '';
    return { ok: false, detail: `output has "${expect.notContains}": ${line.trim().slice(0, 160)}`, wanted };
  }
  if (expect.regex !== undefined && !new RegExp(expect.regex).test(stdout)) return { ok: false, detail: `output does not match /${expect.regex}/`, wanted };
  return { ok: true, detail: 'as expected', wanted };
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
}

/**
 * A command check's status from its output (stdout and stderr together) and exit code. Fails
 * closed: a command that could not run (timeout, exit 126/127, a missing tool) is ERROR; one that
 * could not connect is FAIL; an expectation is never met by no output (a negative one, "no
 * `false`", would be vacuous then); without an expectation only exit 0 passes.
 */
export function judgeCommand(expect: Check['expect'], output: string, rc: number, timeoutSeconds: number): CommandJudgement {
  const first = output.split('\n').map((l) => l.trim()).find(Boolean)?.slice(0, 200) ?? '';
  const wanted = expect ? commandWanted(expect) : 'exit 0';
  const fail = (value: string, message: string): CommandJudgement => ({ status: 'fail', value, threshold: wanted, message });
  const error = (message: string): CommandJudgement => ({ status: 'error', value: rc === 124 ? 'timeout' : `exit ${rc}`, threshold: wanted, message });
  if (rc === 124) return error(`timed out after ${timeoutSeconds} s`);
  if (rc === 126 || rc === 127) return error(`cannot run on the host (exit ${rc}): ${first || 'no output'}`);
  const tool = missingTool(output);
  if (tool) return error(`cannot run on the host: ${tool} is not installed there (${first})`);
  const refused = connectError(output);
  if (refused) return fail('cannot connect', `could not connect (exit ${rc}): ${refused}`);
  if (!expect) return rc === 0 ? { status: 'pass', value: 'exit 0', threshold: wanted, message: 'succeeded' } : fail(`exit ${rc}`, `exit ${rc}: ${first || 'no output'}`);
  if (!output.trim()) return fail('(no output)', `no output (exit ${rc}): nothing shows ${wanted}`);
  const judged = commandExpectation(expect, output);
  return { status: judged.ok ? 'pass' : 'fail', value: first, threshold: wanted, message: judged.ok ? first : judged.detail };
}

function commandWanted(expect: NonNullable<Check['expect']>): string {
  return [
    expect.contains !== undefined ? `contains "${expect.contains}"` : '',
    expect.notContains !== undefined ? `no "${expect.notContains}"` : '',
    expect.regex !== undefined ? `/${expect.regex}/` : '',
  ].filter(Boolean).join(', ');
}
