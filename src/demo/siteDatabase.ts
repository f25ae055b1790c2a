/**
 * The demo site's databases: one real MariaDB server (Debian's mariadb-server) on loopback,
 * started and stopped by the demo, with its own datadir under DIR/.demo/mariadb, its own port and
 * no system service. Each RDS container of the site (msgdb, confdb, dtxdb, accatracecloud_db,
 * dsrconsole's MySQL, ACVIP's metadata RDS) serves its database on its own :3306 by relaying to
 * this server, and the consoles' `checkService` and DDS's data source ask it with the real client.
 * Without mariadb-server the RDS containers' 3306 is a plain listener and the demo says so.
 *
 * Accounts: one per database, with a password made for this site (DIR/.demo/mariadb/accounts.json,
 * 0600, never logged); root has a random password too and no TCP access, so a container reaching
 * :3306 gets only its database. Run by root, the server runs as an unprivileged uid of its own.
 */
import { spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { blockedOnTheWay, handOver, type HostIds } from './containerUsers';
import { DATABASES } from './siteModel';

/** DDS's physical data source (§3.3.1): a database of its own that ddsconsole connects to. */
export const DDS_DATABASE = 'dds_trade_00';

export interface DbStatus {
  ok: boolean;
  /** The client's error line when not ok (e.g. "Access denied for user ..."). */
  error?: string;
  at: number;
}

interface Account {
  user: string;
  password: string;
}

const BINARIES = { server: ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'], install: ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'], client: ['/usr/bin/mariadb', '/usr/bin/mysql'] };

function findBinary(candidates: string[]): string | undefined {
  return candidates.find((p) => fs.existsSync(p));
}

/** Small on purpose: the whole site must stay under 600 MB (about 50 MB for this server). */
const SERVER_FLAGS = [
  '--innodb-buffer-pool-size=8M',
  '--innodb-log-file-size=4M',
  '--innodb-log-buffer-size=1M',
  '--performance-schema=OFF',
  '--skip-name-resolve',
  '--max-connections=60',
  '--key-buffer-size=1M',
  '--table-open-cache=64',
  '--thread-cache-size=4',
  '--aria-pagecache-buffer-size=1M',
  '--query-cache-size=0',
  '--skip-log-bin',
];

export class SiteDatabase {
  private child: ReturnType<typeof spawn> | undefined;
  private accounts: Record<string, Account> = {};
  private rootPassword = '';
  readonly status = new Map<string, DbStatus>();
  port = 0;
  ready = false;
  /** Databases whose account is broken on purpose (the dds-datasource-broken fault). */
  private broken = new Set<string>();

  private constructor(
    private readonly dir: string,
    private readonly bins: { server: string; install: string; client: string },
    private readonly runAs: HostIds | undefined,
  ) {}

  /** The reason as a string when mariadb-server is not installed (or cannot run here). */
  static find(stateDir: string, runAs: HostIds | undefined): SiteDatabase | string {
    const server = findBinary(BINARIES.server);
    const install = findBinary(BINARIES.install);
    const client = findBinary(BINARIES.client);
    if (!server || !install || !client) return 'mariadb-server is not installed (apt-get install mariadb-server)';
    const dir = path.join(stateDir, 'mariadb');
    if (runAs) {
      fs.mkdirSync(stateDir, { recursive: true });
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const blocked = blockedOnTheWay(dir, runAs, 'exec');
      if (blocked && blocked !== dir) return `its unprivileged uid ${runAs.uid} cannot enter ${blocked}`;
    }
    return new SiteDatabase(dir, { server, install, client }, runAs);
  }

  get databases(): string[] {
    return [...Object.values(DATABASES), DDS_DATABASE];
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }
  private get socket(): string {
    const own = path.join(this.dir, 'mysqld.sock');
    // A unix socket path has room for 107 bytes.
    return own.length < 100 ? own : path.join('/tmp', `sofa-demo-mariadb-${process.pid}.sock`);
  }
  private get secretsFile(): string {
    return path.join(this.dir, 'accounts.json');
  }

  /** Installs the datadir on the first run, starts the server, makes the databases and accounts. */
  async start(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.loadSecrets();
    const ids = this.runAs ? { uid: this.runAs.uid, gid: this.runAs.gid } : {};
    if (!fs.existsSync(path.join(this.dataDir, 'mysql'))) {
      fs.rmSync(this.dataDir, { recursive: true, force: true });
      if (this.runAs) handOver(this.dir, this.runAs);
      const args = ['--no-defaults', `--datadir=${this.dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--innodb-log-file-size=4M', '--innodb-buffer-pool-size=8M'];
      if (process.getuid?.() === 0 && !this.runAs) args.push('--user=root');
      await run(this.bins.install, args, ids, 60_000);
    }
    if (this.runAs) handOver(this.dir, this.runAs);
    this.port = await freePort();
    const args = ['--no-defaults', `--datadir=${this.dataDir}`, `--socket=${this.socket}`, `--port=${this.port}`, '--bind-address=127.0.0.1', `--pid-file=${path.join(this.dir, 'mysqld.pid')}`, `--log-error=${path.join(this.dir, 'error.log')}`, `--secure-file-priv=${path.join(this.dir, 'files')}`, ...SERVER_FLAGS];
    fs.mkdirSync(path.join(this.dir, 'files'), { recursive: true });
    if (this.runAs) handOver(this.dir, this.runAs);
    // Left by a demo that was killed: the wait below must see this run's socket.
    fs.rmSync(this.socket, { force: true });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(process.env.TZ ? { TZ: process.env.TZ } : {}) };
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', this.bins.server, ...args], { stdio: 'ignore', env, ...ids });
    this.child = child;
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`exited (${signal ?? `exit ${code}`})`)));
    child.once('error', () => undefined);
    const up = await Promise.race([waitForPort(this.port, this.socket, 20_000), exited]);
    if (up !== true) throw new Error(`MariaDB ${typeof up === 'string' ? up : 'did not listen'}; see ${path.join(this.dir, 'error.log')}`);
    await this.bootstrap();
    this.ready = true;
  }

  private loadSecrets(): void {
    try {
      const saved = JSON.parse(fs.readFileSync(this.secretsFile, 'utf8')) as { root: string; accounts: Record<string, Account> };
      this.rootPassword = saved.root;
      this.accounts = saved.accounts;
    } catch {
      this.rootPassword = '';
      this.accounts = {};
    }
    let changed = false;
    for (const db of this.databases) {
      if (this.accounts[db]) continue;
      this.accounts[db] = { user: db, password: randomBytes(12).toString('hex') };
      changed = true;
    }
    if (!this.rootPassword) {
      this.rootPassword = randomBytes(16).toString('hex');
      changed = true;
    }
    if (changed || !fs.existsSync(this.secretsFile)) fs.writeFileSync(this.secretsFile, JSON.stringify({ root: this.rootPassword, accounts: this.accounts }, null, 2) + '\n', { mode: 0o600 });
  }

  /** The account of a database (for the ~/.my.cnf of the containers that use it). */
  account(db: string): Account | undefined {
    return this.accounts[db];
  }

  private async bootstrap(): Promise<void> {
    const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    const sql = [
      // root only through the socket, with this site's password (a fresh datadir has none).
      `ALTER USER 'root'@'localhost' IDENTIFIED BY ${q(this.rootPassword)}`,
      "DELETE FROM mysql.global_priv WHERE User='root' AND Host<>'localhost'",
      "DELETE FROM mysql.global_priv WHERE User=''",
      'FLUSH PRIVILEGES',
      ...this.databases.flatMap((db) => {
        const a = this.accounts[db];
        return [
          `CREATE DATABASE IF NOT EXISTS \`${db}\``,
          `CREATE USER IF NOT EXISTS ${q(a.user)}@'127.0.0.1' IDENTIFIED BY ${q(a.password)}`,
          `ALTER USER ${q(a.user)}@'127.0.0.1' IDENTIFIED BY ${q(a.password)}`,
          `GRANT ALL PRIVILEGES ON \`${db}\`.* TO ${q(a.user)}@'127.0.0.1'`,
          `CREATE TABLE IF NOT EXISTS \`${db}\`.demo_heartbeat (id INT PRIMARY KEY, beat TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)`,
        ];
      }),
      `CREATE TABLE IF NOT EXISTS \`${DDS_DATABASE}\`.physical_datasource (name VARCHAR(64) PRIMARY KEY, url VARCHAR(255) NOT NULL, username VARCHAR(64) NOT NULL, created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
      `INSERT IGNORE INTO \`${DDS_DATABASE}\`.physical_datasource (name, url, username) VALUES ('trade_00', 'jdbc:mysql://127.0.0.1:3306/${DDS_DATABASE}', '${DDS_DATABASE}')`,
    ];
    // A fresh datadir: root has no password yet; later runs: the saved one.
    const first = await this.rootSql(sql.join(';\n') + ';', '');
    if (first.code !== 0) {
      const again = await this.rootSql(sql.join(';\n') + ';', this.rootPassword);
      if (again.code !== 0) throw new Error(`MariaDB set-up failed: ${again.stderr.trim().split('\n').pop()}`);
    }
  }

  private rootSql(sql: string, password: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const cnf = path.join(this.dir, 'root.cnf');
    fs.writeFileSync(cnf, `[client]\nuser=root\npassword=${password}\nsocket=${this.socket}\n`, { mode: 0o600 });
    if (this.runAs) fs.chownSync(cnf, this.runAs.uid, this.runAs.gid);
    return runWithInput(this.bins.client, [`--defaults-file=${cnf}`, '--batch'], sql, this.runAs);
  }

  /** Connects as the database's own account and runs a query: the store is usable. */
  async probe(db: string): Promise<DbStatus> {
    const r = await this.query(db, 'SELECT 1');
    return this.setStatus(db, r.ok ? { ok: true, at: Date.now() } : { ok: false, error: r.error, at: Date.now() });
  }

  /** Runs SQL as the database's own account with the real client; rows as tab-separated fields. */
  async query(db: string, sql: string): Promise<{ ok: boolean; rows: string[][]; error?: string }> {
    const a = this.accounts[db];
    if (!this.ready || !a) return { ok: false, rows: [], error: 'database server not running' };
    const broken = this.broken.has(db);
    const cnf = this.clientConfig(db, a, broken);
    const r = await runWithInput(this.bins.client, [`--defaults-file=${cnf}`, '--batch', '--skip-column-names'], sql, this.runAs);
    if (r.code !== 0) return { ok: false, rows: [], error: r.stderr.trim().split('\n').pop() ?? `exit ${r.code}` };
    return { ok: true, rows: r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')) };
  }

  /**
   * The client's option file for an account (the stale password for a broken one), written once
   * per port and kept: probes run side by side and must never read one half written.
   */
  private clientConfig(db: string, a: Account, broken: boolean): string {
    const cnf = path.join(this.dir, `client-${db}${broken ? '-stale' : ''}.cnf`);
    const text = `[client]\nuser=${a.user}\npassword=${broken ? `${a.password}-stale` : a.password}\nhost=127.0.0.1\nport=${this.port}\ndatabase=${db}\nconnect-timeout=3\n`;
    if (this.written.get(cnf) === text) return cnf;
    const tmp = `${cnf}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    if (this.runAs) fs.chownSync(tmp, this.runAs.uid, this.runAs.gid);
    fs.renameSync(tmp, cnf);
    this.written.set(cnf, text);
    return cnf;
  }

  private readonly written = new Map<string, string>();

  private setStatus(db: string, s: DbStatus): DbStatus {
    this.status.set(db, s);
    return s;
  }

  /**
   * The DDS console's data source configuration goes stale (dds-datasource-broken): it keeps an
   * old password, so its real connections fail with "Access denied". Off: the right one again.
   */
  setBroken(dbs: Iterable<string>): void {
    this.broken = new Set(dbs);
    for (const db of this.databases) void this.probe(db).catch(() => undefined);
  }

  /** The database side of a relayed connection to an RDS container's :3306. */
  connect(): net.Socket | undefined {
    if (!this.ready) return undefined;
    return net.connect({ host: '127.0.0.1', port: this.port });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.ready = false;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // setpriv has exec'd the server: SIGTERM is its clean shutdown.
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
    if (this.socket.startsWith('/tmp/')) fs.rmSync(this.socket, { force: true });
  }
}

function run(cmd: string, args: string[], ids: { uid?: number; gid?: number }, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...ids, timeout: timeoutMs });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(cmd)} failed (exit ${code}): ${err.trim().split('\n').slice(-2).join('; ')}`))));
  });
}

function runWithInput(cmd: string, args: string[], input: string, runAs: HostIds | undefined): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}), timeout: 15_000 });
    let stderr = '';
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-100_000)));
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(input);
    child.once('error', (e) => resolve({ code: -1, stdout, stderr: e.message }));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ port: 0, host: '127.0.0.1' }, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The server listens on its port and its socket (the set-up talks to the socket). */
async function waitForPort(port: number, socket: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!fs.existsSync(socket)) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
