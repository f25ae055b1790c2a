/**
 * Ansible's reading of one inventory host key: `parse_address` (which `host:port` and `[v6]:port`
 * forms carry a port, and which names are valid at all) and `expand_hostname_range`
 * (`web[01:50]`, `[a:c]`, `[0:10:2]`, several ranges multiplying). The regular expressions mirror
 * ansible-core's, quirks included (its IPv6 check only anchors the last alternative at the end),
 * because the point is to land where Ansible lands. Unlike Ansible, the expansion is counted
 * before it is built, so `h[0:9999]x[0:9999]` is refused instead of exhausting memory.
 */
import { pyInt, pyStrip } from './pythonLiteral';

/** Hosts one pattern may expand to; Ansible has no limit (and would try to build 10^8 names). */
export const MAX_HOSTS_PER_PATTERN = 10_000;

export class HostPatternError extends Error {}

const numericRange = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const hexRange = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const alnumRange = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const i4 = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${numericRange})`;
const h6 = String.raw`(?:[0-9a-f]{1,4}|${hexRange})`;
/** Python's `\w` on text: letters, digits (any script) and `_`; not combining marks. */
const w = String.raw`[\p{L}\p{N}_]`;
const label = String.raw`(?:${w}|${alnumRange})(?:${w}|-|${alnumRange})*(?<![_-])`;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const IPV4 = new RegExp(String.raw`^(?:${i4}\.){3}${i4}$`, 'i');
// As in ansible-core: `^` binds to every alternative (re.match), `$` only to the last one.
const IPV6 = new RegExp(
  String.raw`^(?:(?:${h6}:){7}${h6}|(?:${h6}:){1,6}:|(?:${h6}:)(?::${h6}){1,6}|(?:${h6}:){2}(?::${h6}){1,5}|(?:${h6}:){3}(?::${h6}){1,4}|` +
    String.raw`(?:${h6}:){4}(?::${h6}){1,3}|(?:${h6}:){5}(?::${h6}){1,2}|(?:${h6}:){6}(?::${h6})|:(?::${h6}){1,6}|${h6}?::|` +
    String.raw`(?:0:){6}(?:${h6}\.){3}${h6}|::(?:ffff:)?(?:${h6}\.){3}${h6}|(?:0:){5}ffff:(?:${h6}\.){3}${h6}$)`,
  'i',
);
const HOSTNAME = new RegExp(String.raw`^${label}(?:\.${label})*$`, 'iu');

/** Python's `$` also matches before a final newline. */
function pyMatch(re: RegExp, s: string): boolean {
  return re.test(s) || (s.endsWith('\n') && re.test(s.slice(0, -1)));
}

/**
 * `_expand_hostpattern`: the host names and the port a key stands for. A key Ansible cannot read
 * as an address is kept whole as one name, port and all, exactly as Ansible does.
 */
export function expandAnsibleHostPattern(hostPattern: string, max = MAX_HOSTS_PER_PATTERN): { names: string[]; port?: number } {
  let pattern = hostPattern;
  let port: number | undefined;
  let address = hostPattern;
  for (const re of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const m = re.exec(address);
    if (m) {
      address = m[1];
      port = Number(m[2]);
    }
  }
  if (pyMatch(IPV4, address) || IPV6.test(address) || pyMatch(HOSTNAME, address)) pattern = address;
  else port = undefined;
  if (!pattern.includes('[')) return { names: [pattern], port };
  const count = countRange(pattern);
  if (count > max) throw new HostPatternError(`the range expands to ${count > 1e15 ? 'more than 10^15' : count} hosts; SOFA Ops refuses more than ${max} from one pattern`);
  return { names: expandRange(pattern), port };
}

interface RangeStep {
  head: string;
  tail: string;
  values: string[];
}

/** One step of `expand_hostname_range`: the first `[`…`]` pair, as ansible-core splits it. */
function firstRange(line: string): RangeStep {
  const replaced = line.replace('[', '|').replace(']', '|');
  const parts = replaced.split('|');
  if (parts.length !== 3) throw new HostPatternError(`cannot read the range in "${line}" (Ansible fails on it too)`);
  const [head, nrange, tail] = parts;
  const bounds = nrange.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new HostPatternError('host range must be begin:end or begin:end:step');
  let [beg] = bounds;
  const end = bounds[1];
  const stepText = bounds.length === 3 ? bounds[2] : '1';
  if (!beg) beg = '0';
  if (!end) throw new HostPatternError('host range must specify end value');
  let fill = (x: string | number): string => String(x);
  if (beg[0] === '0' && beg.length > 1) {
    if (beg.length !== end.length) throw new HostPatternError('host range must specify equal-length begin and end formats');
    fill = (x) => {
      const s = String(x);
      const neg = s.startsWith('-') || s.startsWith('+');
      const digits = neg ? s.slice(1) : s;
      return (neg ? s[0] : '') + digits.padStart(beg.length - (neg ? 1 : 0), '0');
    };
  }
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const step = pyInt(stepText);
  const iBeg = letters.indexOf(beg);
  const iEnd = letters.indexOf(end);
  let values: string[];
  if (iBeg >= 0 && iEnd >= 0) {
    if (iBeg > iEnd) throw new HostPatternError('host range must have begin <= end');
    if (step === undefined || step === 0) throw new HostPatternError(`invalid range step "${stepText}"`);
    values = [];
    if (step > 0) for (let i = iBeg; i <= iEnd; i += step) values.push(fill(letters[i]));
  } else {
    const b = pyInt(beg);
    const e = pyInt(end);
    if (b === undefined || e === undefined || step === undefined) throw new HostPatternError(`cannot read range [${nrange}]`);
    if (step === 0) throw new HostPatternError('range step must not be zero');
    values = [];
    const n = step > 0 ? Math.max(0, Math.ceil((e + 1 - b) / step)) : Math.max(0, Math.ceil((e + 1 - b) / step));
    if (n > MAX_HOSTS_PER_PATTERN) return { head, tail, values: new Array<string>(n) };
    for (let k = 0; k < n; k++) values.push(fill(b + k * step));
  }
  return { head, tail, values };
}

function countRange(line: string): number {
  const { head, tail, values } = firstRange(line);
  if (values.length === 0) return 0;
  const next = head + (values[0] ?? '0') + tail;
  return values.length * (next.includes('[') ? countRange(next) : 1);
}

function expandRange(line: string): string[] {
  const { head, tail, values } = firstRange(line);
  const out: string[] = [];
  for (const v of values) {
    const name = head + v + tail;
    if (name.includes('[')) out.push(...expandRange(name));
    else out.push(name);
  }
  return out;
}

/** Ansible's extra INI checks on a host key. */
export function checkIniHostPattern(hostPattern: string, port: number | undefined, names: string[]): string | undefined {
  if (pyStrip(hostPattern).endsWith(':') && port === undefined) {
    return `Invalid host pattern '${hostPattern}' supplied, ending in ':' is not allowed, this character is reserved to provide a port.`;
  }
  if (names.some((n) => pyStrip(n) === '---')) return `Invalid host pattern '${hostPattern}' supplied, '---' is normally a sign this is a YAML file.`;
  return undefined;
}
