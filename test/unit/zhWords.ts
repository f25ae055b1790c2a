/**
 * How the zh tests tell English left in a Chinese text: what stays once ids, paths, commands,
 * options, numbers with units and an explicit allowlist of names are cut out. Shared by
 * zhEverywhere.test.ts and the CLI output tests (unit and integration).
 */
import * as assert from 'assert';

/**
 * ASCII words a zh reader may meet: product and tool names, acronyms and units, the CLI's
 * metavariables and option values, and the commands' own names. Ids, paths, `code` and --options
 * are recognised by their shape, not listed.
 */
export const ALLOW = new Set([
  // products, components and tools
  'SOFA', 'Ops', 'SOFAStack', 'AntStack', 'Ansible', 'AWX', 'Python', 'MariaDB', 'OSP', 'MQ', 'DTX', 'DST', 'DBP', 'DDS', 'ACVIP', 'VS', 'Code',
  'ssh', 'sshd', 'grep', 'curl', 'bash', 'ps', 'df', 'nc', 'netstat', 'syslog', 'shell', 'Shell', 'root', 'README', 'Markdown', 'gz', 'playbook', 'inventory',
  // acronyms and units
  'SSH', 'SQL', 'HTTP', 'TCP', 'CPU', 'JSON', 'Lines', 'YAML', 'INI', 'RFC', 'HMAC', 'SHA', 'POSIX', 'CI', 'URL', 'GET', 'ms', 'Ctrl', 'SIGTERM', 'LANG', 'id', 'ids',
  // CLI metavariables and option values
  'FILE', 'DIR', 'ID', 'SCALE', 'SELECTOR', 'GROUP', 'HOST', 'TEXT', 'N', 'S', 'T', 'NAME', 'PATH', 'PATTERN', 'COMMAND', 'RUNBOOK', 'SET', 'CONTAINER', 'MODE', 'VALUE', 'FORMAT', 'LINE', 'PORT',
  'zh', 'en', 'md', 'html', 'junit', 'json', 'all', 'auto', 'namespaces', 'plain', 'guide', 'small', 'ask', 'done', 'tcp', 'udp', 'timestamp', 'ok', 'info', 'error', 'critical',
  'catalog', 'explain', 'logs', 'scan', 'timeline', 'exec', 'run', 'runbook', 'fmt', 'audit', 'verify', 'inspect', 'export', 'ansible', 'demo', 'help',
  'finally', 'expect', 'confirm', 'manual', 'when', 'after', 'versions', 'logRoot', 'parameters', 'Leader', 'Rollback',
  // JSON field names the demo's --json-ready line has
  'dir', 'hosts',
]);

/** Words of `text` that are English in a zh text: what is left once allowed shapes and `data` are cut out. */
export function englishWords(text: string, data: readonly string[] = [], allow: ReadonlySet<string> = ALLOW): string[] {
  // Markdown escapes (\_ \*) would hide catalog text from `data`.
  let rest = text.replace(/```[\s\S]*?```/g, ' ').replace(/`[^`\n]*`/g, ' ').replace(/\\([\\`*_{}[\]<>#|])/g, '$1');
  // Whole words only: cutting "ok" out of "Broker" would hide the rest of it.
  for (const d of [...data].sort((a, b) => b.length - a.length)) if (rest.includes(d)) rest = rest.replace(new RegExp(`(?<![A-Za-z0-9])${d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`, 'g'), ' ');
  rest = rest
    .replace(/\bcommand:[^)\s]*/g, ' ')
    .replace(/(?:https?|tcp|udp):\/\/\S+/g, ' ')
    .replace(/\S*[/\\]\S*/g, ' ') // paths, selectors like GROUP[0:2] stay below
    .replace(/(?<![\w-])--?[a-z][\w-]*/gi, ' ') // options
    .replace(/\{[^}]*\}/g, ' ') // placeholders, JSON shapes
    .replace(/<[^>]*>/g, ' ')
    .replace(/\$[A-Z_]+\w*/g, ' ')
    .replace(/[\w.-]*[A-Za-z][\w]*[-_.:=@][\w.:=@-]*/g, ' ') // ids: registry-meta, sofa-ops.inventory.yaml, raftStatus=Leader
    .replace(/\b[A-Za-z]+\d+\b/g, ' ') // metric and algorithm names: load5, SHA256
    .replace(/\b\d+(?:\.\d+)*[a-zA-Z%]*\b/g, ' '); // numbers with units: 5m, 1.5.x, 80%
  return (rest.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !allow.has(w));
}

export function assertChinese(where: string, text: string, data: readonly string[] = [], allow?: ReadonlySet<string>): void {
  const words = englishWords(text, data, allow);
  assert.deepStrictEqual(words, [], `${where} has English in zh: ${[...new Set(words)].join(' ')}\n---\n${text.slice(0, 1500)}`);
}

