/**
 * Port and HTTP checks from inside the container's own network: an SSH `direct-tcpip` channel to
 * 127.0.0.1:PORT opened by the container's sshd, so a port is "listening" exactly when the
 * container itself can connect to it (no netstat needed, no firewall between us and it), and the
 * guide's `curl localhost:9615/health/check` is an HTTP request over that same channel.
 */
import type { Duplex } from 'stream';

/** Opens a TCP stream from inside the host (SshConnection.forwardOut). */
export type Forwarder = (host: string, port: number) => Promise<Duplex>;

export interface PortProbe {
  open: boolean;
  /** "listening" or the reason the container could not connect. */
  detail: string;
  durationMs: number;
}

export async function probePort(forward: Forwarder, port: number, timeoutMs = 5000): Promise<PortProbe> {
  const started = Date.now();
  try {
    const stream = await withTimeout(forward('127.0.0.1', port), timeoutMs, `no answer on ${port} within ${timeoutMs} ms`);
    stream.on('error', () => undefined);
    stream.destroy();
    return { open: true, detail: 'listening', durationMs: Date.now() - started };
  } catch (err) {
    return { open: false, detail: refusalText(err), durationMs: Date.now() - started };
  }
}

export interface HttpProbe {
  status?: number;
  body: string;
  /** Set when no HTTP answer came back (refused, timeout, not HTTP). */
  error?: string;
  durationMs: number;
}

const MAX_BODY = 256 * 1024;

export async function probeHttp(forward: Forwarder, request: { port: number; path: string; method?: string }, timeoutMs = 10_000): Promise<HttpProbe> {
  const started = Date.now();
  let stream: Duplex;
  try {
    stream = await withTimeout(forward('127.0.0.1', request.port), timeoutMs, `no answer on ${request.port} within ${timeoutMs} ms`);
  } catch (err) {
    return { body: '', error: refusalText(err), durationMs: Date.now() - started };
  }
  return new Promise<HttpProbe>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const done = (result: Omit<HttpProbe, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.destroy();
      resolve({ ...result, durationMs: Date.now() - started });
    };
    const finish = () => {
      const parsed = parseHttpResponse(Buffer.concat(chunks));
      done(parsed ?? { body: '', error: 'the answer is not HTTP' });
    };
    const timer = setTimeout(() => done({ body: '', error: `no HTTP answer from ${request.port} within ${timeoutMs} ms` }), timeoutMs);
    stream.on('data', (chunk: Buffer) => {
      if (size < MAX_BODY) chunks.push(chunk);
      size += chunk.length;
    });
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', (err: Error) => done({ body: '', error: err.message }));
    // HTTP/1.0-style exchange (Connection: close, read to EOF): no agent, no keep-alive, and no
    // dependence on node's http module, which VS Code's extension host patches for proxies.
    stream.end(`${request.method ?? 'GET'} ${request.path} HTTP/1.1\r\nHost: localhost:${request.port}\r\nUser-Agent: sofa-ops-inspect\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
  });
}

/** Status and body of a complete HTTP/1.x response (chunked or not); undefined if it is not one. */
export function parseHttpResponse(raw: Buffer): { status: number; body: string } | undefined {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const head = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
  if (!status) return undefined;
  let body = raw.subarray(headEnd + 4);
  if (head.some((h) => /^transfer-encoding:\s*chunked/i.test(h))) {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = body.indexOf('\r\n', at);
      if (lineEnd < 0) break;
      const n = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
      if (!Number.isFinite(n) || n <= 0) break;
      parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + n));
      at = lineEnd + 2 + n + 2;
    }
    body = Buffer.concat(parts);
  }
  return { status: Number(status[1]), body: body.toString('utf8') };
}

function refusalText(err: unknown): string {
  const message = (err as Error)?.message ?? String(err);
  // ssh2 reports the server's reason for refusing the channel: "(SSH) Channel open failure: Connection refused".
  const reason = /open failure:\s*(.+)$/i.exec(message)?.[1];
  const text = (reason ?? message).trim().toLowerCase();
  return text || 'refused: nothing accepts connections on it';
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new Error(message));
    }, ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        // A channel that opens after we gave up must not stay open.
        if (late) (v as { destroy?: () => void })?.destroy?.();
        else resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
