/**
 * An off-host copy of the audit trail: each record, as written locally, is sent to a syslog
 * collector as an RFC 5424 message (TCP with octet-counting framing, RFC 6587, or one UDP datagram
 * per record), so a copy lives where the operator cannot edit it.
 *
 * Forwarding never holds up a run nor costs a local record: sending happens after the record is on
 * disk and nothing waits for it; a collector that is down, refuses or stalls is reported once (the
 * caller's `onError`) and later records are still tried. Sockets never keep the process alive once
 * their queue is empty, and a stalled connection is dropped after CONNECT_TIMEOUT_MS.
 * Records are already redacted (no secrets) when they get here.
 */
import * as dgram from 'dgram';
import * as net from 'net';
import * as os from 'os';

export interface SyslogTarget {
  protocol: 'tcp' | 'udp';
  host: string;
  port: number;
}

const CONNECT_TIMEOUT_MS = 3_000;
const MAX_QUEUED = 10_000;
/** RFC 5424 facility 13 (log audit), severity 5 (notice). */
const PRI = 13 * 8 + 5;
/** Structured-data id under the documentation enterprise number (RFC 5612). */
const SD_ID = 'sofaops@32473';

/** `tcp://host:port`, `udp://host:port` (IPv6 as `[addr]`); the message says what is wrong. */
export function parseSyslogTarget(text: string): SyslogTarget {
  const m = /^(tcp|udp):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(text.trim());
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) throw new Error(`syslog collector "${text}": expected tcp://HOST:PORT or udp://HOST:PORT`);
  return { protocol: m[1] as 'tcp' | 'udp', host: m[2].replace(/^\[|\]$/g, ''), port };
}

/** RFC 5424 PARAM-VALUE escaping: `"`, `\` and `]` are backslash-escaped. */
function sdValue(v: string): string {
  return v.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** PRINTUSASCII without spaces, at most `max` characters ("-" when empty). */
function header(v: string, max: number): string {
  const s = v.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return s || '-';
}

export interface SyslogRecord {
  seq: number;
  at: string;
  kind: string;
  hash: string;
  kid?: string;
}

/** One record as an RFC 5424 message: header, structured data naming the record, the JSON line as MSG. */
export function formatRfc5424(record: SyslogRecord, line: string, trail: string, hostname: string = os.hostname(), procId: number = process.pid): string {
  const sd = `[${SD_ID} seq="${record.seq}" hash="${sdValue(record.hash)}"${record.kid ? ` kid="${sdValue(record.kid)}"` : ''} trail="${sdValue(trail)}"]`;
  // BOM: the MSG is UTF-8 (RFC 5424 §6.4).
  return `<${PRI}>1 ${record.at} ${header(hostname, 255)} sofa-ops ${procId} ${header(record.kind, 32)} ${sd} \uFEFF${line}`;
}

export class SyslogForwarder {
  private tcp: net.Socket | undefined;
  private udp: dgram.Socket | undefined;
  private udpPending = 0;
  private reported = false;
  private closed = false;

  constructor(
    readonly target: SyslogTarget,
    private readonly onError: (message: string) => void,
  ) {}

  /** Queues one message; never throws, never waits. */
  send(message: string): void {
    if (this.closed) return;
    try {
      if (this.target.protocol === 'udp') this.sendUdp(Buffer.from(message, 'utf8'));
      else this.sendTcp(message);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /** Sends what is queued, then lets go (a stalled collector is dropped after the connect timeout). */
  close(): void {
    this.closed = true;
    this.tcp?.end();
    if (this.udp && this.udpPending === 0) this.closeUdp();
  }

  private sendTcp(message: string): void {
    let socket = this.tcp;
    if (!socket || socket.destroyed) {
      socket = net.connect({ host: this.target.host, port: this.target.port });
      socket.setNoDelay(true);
      socket.setTimeout(CONNECT_TIMEOUT_MS, () => {
        if (socket!.connecting || socket!.writableLength > 0) socket!.destroy(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`));
      });
      socket.on('error', (err) => this.fail(err));
      socket.on('close', () => {
        if (this.tcp === socket) this.tcp = undefined;
      });
      this.tcp = socket;
    }
    if (socket.writableLength > MAX_QUEUED * 512) return this.fail(new Error('the collector does not keep up; records dropped'));
    const bytes = Buffer.from(message, 'utf8');
    socket.ref();
    socket.write(`${bytes.length} `);
    socket.write(bytes, () => {
      if (socket!.writableLength === 0 && !socket!.connecting) socket!.unref();
    });
  }

  private sendUdp(bytes: Buffer): void {
    if (!this.udp) {
      this.udp = dgram.createSocket(net.isIPv6(this.target.host) ? 'udp6' : 'udp4');
      this.udp.on('error', (err) => this.fail(err));
    }
    if (this.udpPending >= MAX_QUEUED) return this.fail(new Error('the collector does not keep up; records dropped'));
    this.udpPending++;
    this.udp.ref();
    this.udp.send(bytes, this.target.port, this.target.host, (err) => {
      this.udpPending--;
      if (err) this.fail(err);
      if (this.udpPending === 0) {
        if (this.closed) this.closeUdp();
        else this.udp?.unref();
      }
    });
  }

  private closeUdp(): void {
    try {
      this.udp?.close();
    } catch {
      // already closed
    }
    this.udp = undefined;
  }

  private fail(err: Error): void {
    if (this.reported) return;
    this.reported = true;
    const where = `${this.target.protocol}://${this.target.host.includes(':') ? `[${this.target.host}]` : this.target.host}:${this.target.port}`;
    this.onError(`audit records are not reaching the syslog collector ${where}: ${err.message} (the local trail is complete; this is reported once)`);
  }
}
