/**
 * The demo's files on disk. DIR holds a ready workspace (inventory, known_hosts pinned to the
 * containers' host keys, the client key, VS Code settings, a README); DIR/.demo holds the site's
 * own state: host keys (kept across restarts, so the pinned keys stay valid), the lock file, and
 * each container's home (mounted on /home inside it) and command shims.
 */
import * as fs from 'fs';
import * as path from 'path';
import { utils } from 'ssh2';
import { demoLockFile, demoStateDir } from './demoFiles';
import { CLOCK_SKEW_SECONDS } from './siteState';
import { faultHelp, type FaultSet } from './faults';
import { CONTAINER_HOME, DATABASES, DEMO_SSH_PORT, DEMO_USER, STORES, type ContainerSpec } from './siteModel';

export const INVENTORY_FILE = 'sofa-ops.inventory.yaml';
export const KNOWN_HOSTS_FILE = 'known_hosts';
export const CLIENT_KEY_FILE = 'id_ed25519';

export class DemoPaths {
  readonly state: string;
  constructor(readonly dir: string) {
    this.state = demoStateDir(dir);
  }
  get inventory(): string { return path.join(this.dir, INVENTORY_FILE); }
  get knownHosts(): string { return path.join(this.dir, KNOWN_HOSTS_FILE); }
  get clientKey(): string { return path.join(this.dir, CLIENT_KEY_FILE); }
  get lock(): string { return demoLockFile(this.dir); }
  hostKey(c: ContainerSpec): string { return path.join(this.state, 'hostkeys', c.name); }
  /** Mounted on /home inside the container, so it holds `admin/`. */
  homeRoot(c: ContainerSpec): string { return path.join(this.state, 'containers', c.name, 'home'); }
  home(c: ContainerSpec): string { return path.join(this.homeRoot(c), 'admin'); }
  /** Mounted on /usr/local/sbin inside the container (first on PATH). */
  shims(c: ContainerSpec): string { return path.join(this.state, 'containers', c.name, 'sbin'); }
  /** Host path of a path inside the container's home. */
  hostPath(c: ContainerSpec, containerPath: string): string {
    const rel = path.posix.relative(CONTAINER_HOME, containerPath);
    if (rel.startsWith('..')) throw new Error(`${containerPath} is outside ${CONTAINER_HOME}`);
    return path.join(this.home(c), rel);
  }
}

export interface KeyPair {
  private: string;
  public: string;
}

/** Reuses a key from an earlier run (so pinned host keys stay valid), or makes a new ed25519. */
export function loadOrCreateKey(file: string, comment: string): KeyPair {
  try {
    const priv = fs.readFileSync(file, 'utf8');
    const parsed = utils.parseKey(priv);
    if (!(parsed instanceof Error) && !Array.isArray(parsed) && parsed.type === 'ssh-ed25519') {
      return { private: priv, public: `${parsed.type} ${parsed.getPublicSSH().toString('base64')} ${comment}` };
    }
  } catch {
    // no key yet
  }
  const pair = generateEd25519(comment);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, pair.private, { mode: 0o600 });
  return { private: pair.private, public: pair.public };
}

/**
 * ssh2's generator drops leading zero bytes of the 32-byte public key (about 1 key in 256), which
 * makes a key that neither ssh2 nor OpenSSH can read: draw again until both halves parse.
 */
function generateEd25519(comment: string): KeyPair {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    const priv = utils.parseKey(pair.private);
    const pub = utils.parseKey(pair.public);
    if (!(priv instanceof Error) && !(pub instanceof Error)) return pair;
  }
}

export function writeClientKey(paths: DemoPaths): KeyPair {
  const key = loadOrCreateKey(paths.clientKey, 'sofa-ops-demo');
  fs.chmodSync(paths.clientKey, 0o600);
  fs.writeFileSync(`${paths.clientKey}.pub`, `${key.public}\n`, { mode: 0o644 });
  return key;
}

export function knownHostsText(entries: { c: ContainerSpec; key: KeyPair }[]): string {
  const lines = ['# Host keys of the SOFA Ops demo site (sofa-ops demo). Pinned: checking stays strict.'];
  for (const { c, key } of entries) {
    const [type, blob] = key.public.split(' ');
    lines.push(`# ${c.name}`, `[${c.address}]:${DEMO_SSH_PORT} ${type} ${blob}`);
  }
  return lines.join('\n') + '\n';
}

/** The platform and product versions the demo site plays (the inventory says so, for `appliesTo`). */
export const DEMO_VERSIONS: Readonly<Record<string, string>> = { antstack: '1.2', registry: '1.5.3', acvip: '0.7.2' };

export function inventoryText(containers: ContainerSpec[], paths: DemoPaths, plainLogRoots: boolean): string {
  const q = (v: string) => JSON.stringify(v);
  const lines = [
    '# The SOFA Ops demo site (`sofa-ops demo`): every host is a container on this machine.',
    '# Rewritten at every start of the demo; format: runbooks/inventory.schema.json.',
    'defaults:',
    `  port: ${DEMO_SSH_PORT}`,
    `  user: ${DEMO_USER}`,
    `  identityFile: ${q(paths.clientKey)}`,
    // What the demo plays: checks written for other versions (ACVIP < 0.7.0's antvip/cloudinc) are N/A.
    `  versions: { ${Object.entries(DEMO_VERSIONS).map(([k, v]) => `${k}: ${q(v)}`).join(', ')} }`,
    'products:',
  ];
  let product = '';
  let component = '';
  for (const c of containers) {
    if (c.product !== product) lines.push(`  ${(product = c.product)}:`);
    if (c.component !== component) lines.push(`    ${(component = c.component)}:`);
    // Without namespaces there is no /home/admin in the container: point at the host directory.
    const logRoot = plainLogRoots ? `, logRoot: ${q(path.join(paths.home(c), 'logs'))}` : '';
    lines.push(`      - { name: ${c.name}, host: ${c.address}, tags: [${c.tags.join(', ')}]${logRoot} }`);
  }
  return lines.join('\n') + '\n';
}

export function writeWorkspace(paths: DemoPaths, containers: ContainerSpec[], hostKeys: { c: ContainerSpec; key: KeyPair }[], plain: boolean, faults: FaultSet): void {
  fs.writeFileSync(paths.inventory, inventoryText(containers, paths, plain));
  fs.writeFileSync(paths.knownHosts, knownHostsText(hostKeys));
  const vscodeDir = path.join(paths.dir, '.vscode');
  fs.mkdirSync(vscodeDir, { recursive: true });
  const settingsFile = path.join(vscodeDir, 'settings.json');
  let settings: Record<string, unknown> = {};
  try {
    settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
  } catch {
    // new or not plain JSON: start over
  }
  settings['sofaOps.ssh.knownHostsFiles'] = [KNOWN_HOSTS_FILE];
  settings['sofaOps.inventoryFile'] = INVENTORY_FILE;
  fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2) + '\n');
  fs.writeFileSync(path.join(paths.dir, 'README.md'), readme(containers, faults, plain));
}

function readme(containers: ContainerSpec[], faults: FaultSet, plain: boolean): string {
  const first = containers[0];
  const active = [...faults].map(([name, hosts]) => `${name} (${[...hosts].join(', ')})`).join('; ') || 'none';
  return `# SOFA Ops demo site

A small SOFAStack site on this machine, started by \`sofa-ops demo\`. Stop it with Ctrl-C in its
terminal; it leaves no processes behind. Start it again with the same \`--dir\` and the keys stay.

| Container | Address (SSH port ${DEMO_SSH_PORT}) | Product / component |
|---|---|---|
${containers.map((c) => `| ${c.name} | ${c.address} | ${c.product} / ${c.component} |`).join('\n')}

Active faults: ${active}.

## Use it

- Open this folder in VS Code with SOFA Ops: the hosts appear under their components.
  \`.vscode/settings.json\` points SOFA Ops at \`${KNOWN_HOSTS_FILE}\` (the pinned host keys) and
  \`${INVENTORY_FILE}\`.
- From a shell (host key checking stays strict):

      ssh -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${KNOWN_HOSTS_FILE} -i ${CLIENT_KEY_FILE} -p ${DEMO_SSH_PORT} ${DEMO_USER}@${first.address} 'curl -s localhost:9615/health/check'
      sofa-ops exec --inventory ${INVENTORY_FILE} --known-hosts ${KNOWN_HOSTS_FILE} --target registry-meta -- 'curl -s localhost:9615/health/check'

## What is real

${
  plain
    ? `This machine does not allow user namespaces, so the containers share its network and files:
services listen on each container's own 127.0.1.x address, commands run in the container's
directory under \`.demo/containers/NAME/home/admin\` (HOME), and the inventory's \`logRoot\` points
there. \`ps\`, \`netstat\` and \`df\` show the whole machine.`
    : `Each container is a set of Linux namespaces (user, network, mount, PID, UTS) made without root:
its own loopback network (\`curl localhost:9615\` reaches that container's service, \`netstat -an\`
shows its own sockets), its own process list (\`ps -ef | grep java\` shows its application), its
own hostname, and its own \`/home/admin\` (\`.demo/containers/NAME/home/admin\` here) holding the
guide's log files, which keep growing. Commands run as root of the container's user namespace,
which is your own user outside.`
}

Services answer the guide's checks: registry meta \`:9615/health/check\`, \`/stopPushDataSwitch/open|close\`,
\`/digest/pushSwitch\` and \`/manage/changePeer\` (state shared by the meta nodes), data \`:9622\` and
session \`:9603\` health, the consoles' \`:9500/checkService\` (msgconsole, ddsconsole, dbp-console),
\`:8080/health/readiness\`, OSP's \`/api/admin/services/{ms,mq,dds,...}/addresses\`, the consoles'
and Portal's pages, a physical host's \`service kubelet status\`; the RDS containers' 3306 is a
real MariaDB database when mariadb-server is installed; every other port of the catalog listens. Connections between containers (acvip 9003, session 9600, msgbroker
9529...) are simulated inside each container, so \`netstat\` shows them ESTABLISHED; a container
cannot reach another container's address from inside.

## Faults

\`sofa-ops demo --faults a,b\` injects the guide's incidents; \`name@container\` aims one at a
container. The df and date of a container are shims in \`/usr/local/sbin\` while \`disk-full\` or
\`acvip-clock-skew\` (${CLOCK_SKEW_SECONDS} s ahead) is on.

${faultHelp()
  .split('\n')
  .map((l) => `    ${l.trim()}`)
  .join('\n')}
`;
}

/** An RDS container's ~/.my.cnf: `mysql` logs in to its own database; an app with one store: `mysql -h RDS` (§10.4.2). */
export function dbHomeFiles(c: ContainerSpec, accountOf: (db: string) => { user: string; password: string } | undefined): { name: string; text: string }[] {
  const own = DATABASES[c.component];
  const stores = STORES[c.component] ?? [];
  const db = own ?? (stores.length === 1 ? DATABASES[stores[0]] : undefined);
  const account = db ? accountOf(db) : undefined;
  if (!account) return [];
  const where = own ? `MariaDB behind this container's 3306` : `its store, ${stores[0]}:3306`;
  return [{ name: '.my.cnf', text: `# ${c.name}: the ${db} database (SOFA Ops demo; ${where})\n[client]\n${own ? 'host=127.0.0.1\n' : ''}port=3306\nuser=${account.user}\npassword=${account.password}\ndatabase=${db}\n` }];
}

/**
 * The df, date and ping shims for faults (absent when the fault is off), and a physical host's
 * `service` (kubelet, §11.2). `kubeletStoppedAt`: when kubelet-inactive stopped its kubelet.
 */
export function writeShims(paths: DemoPaths, c: ContainerSpec, faults: FaultSet, kubeletStoppedAt?: number, downAddresses: string[] = []): void {
  const dir = paths.shims(c);
  fs.mkdirSync(dir, { recursive: true });
  const set = (name: string, on: boolean, text: string) => {
    const file = path.join(dir, name);
    if (on) fs.writeFileSync(file, text, { mode: 0o755 });
    else fs.rmSync(file, { force: true });
  };
  const noMetrics = faults.get('metrics-unavailable')?.has(c.name) ?? false;
  set('df', noMetrics || (faults.get('disk-full')?.has(c.name) ?? false), noMetrics ? DF_BROKEN_SHIM : DF_SHIM);
  set('date', faults.get('acvip-clock-skew')?.has(c.name) ?? false, DATE_SHIM);
  set('service', c.component === 'physical-host', serviceShim(kubeletStoppedAt ?? 0));
  set('ping', downAddresses.length > 0, pingShim(downAddresses));
}

/**
 * Fault host-down: every container's network has all of 127/8 on its loopback, so a demo host
 * always answers ping; while a host is down, `ping` gets no reply from its address (the real
 * ping for every other one).
 */
function pingShim(down: string[]): string {
  return `#!/bin/sh
# SOFA Ops demo, fault host-down: ${down.join(', ')} do not answer.
count=1; dest=""; prev=""
for a in "$@"; do
  [ "$prev" = "-c" ] && count=$a
  prev=$a; dest=$a
done
case " ${down.join(' ')} " in
  *" $dest "*)
    echo "PING $dest ($dest) 56(84) bytes of data."
    echo
    echo "--- $dest ping statistics ---"
    echo "$count packets transmitted, 0 received, 100% packet loss, time $(( count * 1000 ))ms"
    exit 1 ;;
esac
for p in /usr/bin/ping /bin/ping; do [ -x "$p" ] && exec "$p" "$@"; done
echo "ping: command not found" >&2
exit 127
`;
}

/**
 * A physical host's `service`, as §11.2 runs it: `service kubelet start|stop|restart|status`. The
 * host's own starts and stops go to ~/.kubelet-state; the kubelet-inactive fault is a stop at the
 * time it was injected, so `service kubelet start` afterwards brings kubelet back.
 */
function serviceShim(stoppedAt: number): string {
  return `#!/bin/bash
# SOFA Ops demo: this physical host's service(8); it knows kubelet (§11.2).
FAULT_STOPPED_AT=${stoppedAt}
state="$HOME/.kubelet-state"
last() { [ -f "$state" ] && awk -v k="$1" '$1 == k { t = $2 } END { print t + 0 }' "$state" || echo 0; }
since() { /usr/bin/date -d "@$1" '+%a %Y-%m-%d %H:%M:%S %Z'; }
if [ "$1" != kubelet ]; then
  [ -n "$1" ] || { echo "Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]" >&2; exit 1; }
  echo "Unit $1.service could not be found." >&2; exit 4
fi
now=$(/usr/bin/date +%s)
case "$2" in
  start) echo "start $now" >> "$state"; echo "Starting kubelet (via systemctl): kubelet.service."; exit 0 ;;
  stop) echo "stop $now" >> "$state"; echo "Stopping kubelet (via systemctl): kubelet.service."; exit 0 ;;
  restart) echo "start $now" >> "$state"; echo "Restarting kubelet (via systemctl): kubelet.service."; exit 0 ;;
  status) ;;
  *) echo "Usage: service kubelet {start|stop|restart|status}" >&2; exit 2 ;;
esac
started=$(last start); stopped=$(last stop)
[ "$FAULT_STOPPED_AT" -gt "$stopped" ] && stopped=$FAULT_STOPPED_AT
boot=$(( now - $(cut -d. -f1 /proc/uptime) ))
echo "● kubelet.service - kubelet: The Kubernetes Node Agent"
echo "   Loaded: loaded (/etc/systemd/system/kubelet.service; enabled; vendor preset: enabled)"
echo "  Drop-In: /etc/systemd/system/kubelet.service.d"
echo "           └─10-kubeadm.conf"
if [ "$stopped" -gt "$started" ]; then
  echo "   Active: inactive (dead) since $(since "$stopped")"
  echo "     Docs: https://kubernetes.io/docs/home/"
  exit 3
fi
[ "$started" -gt 0 ] || started=$boot
echo "   Active: active (running) since $(since "$started")"
echo "     Docs: https://kubernetes.io/docs/home/"
echo " Main PID: $(( 800 + started % 4000 )) (kubelet)"
echo "    Tasks: 42"
echo "   CGroup: /system.slice/kubelet.service"
exit 0
`;
}

/** Fault metrics-unavailable: df cannot read the mount table. */
const DF_BROKEN_SHIM = `#!/bin/sh
# SOFA Ops demo, fault metrics-unavailable: df cannot read this container's filesystems.
echo "df: cannot read table of mounted file systems: No such file or directory" >&2
exit 1
`;

/** Rewrites the Used/Avail/Use% columns of / and /home to 93%, keeping the columns aligned. */
const DF_SHIM = `#!/bin/sh
# SOFA Ops demo, fault disk-full: this container's data filesystem looks 93% full.
/usr/bin/df "$@" | awk -v PCT=93 '
function num(s,   n, u) { n = s + 0; u = substr(s, length(s)); UNIT = (u ~ /[KMGTP]/) ? u : ""; return n }
function fmt(n) { if (UNIT == "") return sprintf("%d", n); return (n < 10 ? sprintf("%.1f", n) : sprintf("%d", n)) UNIT }
function put(k, val,   rest, out, i, ws, tok, w) {
  rest = $0; out = ""
  for (i = 1; i <= k; i++) {
    match(rest, /[^ \\t]+/); ws = substr(rest, 1, RSTART - 1); tok = substr(rest, RSTART, RLENGTH)
    if (i == k) { w = length(ws) + length(tok); tok = (length(val) < w) ? sprintf("%" w "s", val) : " " val; ws = "" }
    out = out ws tok; rest = substr(rest, RSTART + RLENGTH)
  }
  $0 = out rest
}
NR > 1 && ($NF == "/" || $NF == "/home") {
  for (u = 1; u <= NF; u++) if ($u ~ /^[0-9]+%$/) break
  if (u <= NF && u > 3) {
    size = num($(u - 3)); used = size * PCT / 100
    a = fmt(size - used); b = fmt(used); k = u
    put(k, PCT "%"); put(k - 1, a); put(k - 2, b)
  }
}
{ print }'
`;

const DATE_SHIM = `#!/bin/sh
# SOFA Ops demo, fault acvip-clock-skew: this container's clock is ${CLOCK_SKEW_SECONDS} s ahead.
for a in "$@"; do case "$a" in -d*|--date*|-r*|--reference*|-f*|--file*|-s*|--set*) exec /usr/bin/date "$@";; esac; done
exec /usr/bin/date -d "@$(( $(/usr/bin/date +%s) + ${CLOCK_SKEW_SECONDS} ))" "$@"
`;

/** Shell start-up files of the container's admin home: name (in the home) and text. */
export function homeFiles(c: ContainerSpec): { name: string; text: string }[] {
  return [
    { name: '.bash_profile', text: '[ -f ~/.bashrc ] && . ~/.bashrc\n' },
    { name: '.bashrc', text: `# ${c.name}: ${c.product} / ${c.component} (SOFA Ops demo container)\nPS1='[\\u@\\h \\W]\\$ '\nalias ll='ls -l'\n` },
  ];
}

/** Shell start-up files of the container's admin home (written once; the user may edit them). */
export function writeHome(paths: DemoPaths, c: ContainerSpec): void {
  const home = paths.home(c);
  fs.mkdirSync(path.join(home, 'logs'), { recursive: true });
  for (const { name, text } of homeFiles(c)) {
    const file = path.join(home, name);
    if (!fs.existsSync(file)) fs.writeFileSync(file, text);
  }
}
