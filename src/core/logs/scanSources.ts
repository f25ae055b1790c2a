/**
 * Feeding a LogScanner from where logs come from: a local file (read into one reused buffer, the
 * fast path behind `sofa-ops logs scan FILE`) or any stream of chunks (stdin, an SSH channel
 * running `tail -F` or `cat` on a host).
 */
import { promises as fs } from 'fs';
import type { LogMatcher } from './logMatcher';
import { LogScanner, type ScanOptions, type ScanTotals } from './logScanner';

const CHUNK_BYTES = 4 << 20;

export interface SourceOptions extends ScanOptions {
  /** Stop reading when aborted (the reader went away, the user cancelled): totals so far come back. */
  signal?: AbortSignal;
}

export async function scanFile(matcher: LogMatcher, file: string, options: SourceOptions = {}): Promise<ScanTotals> {
  const scanner = new LogScanner(matcher, options);
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    while (!options.signal?.aborted) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      scanner.push(buf.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return scanner.end();
}

/**
 * Scan a stream of Buffers or strings to its end (or until `signal` aborts). A stream that fails
 * fails the scan with its error.
 */
export async function scanStream(matcher: LogMatcher, stream: AsyncIterable<Buffer | string>, options: SourceOptions = {}): Promise<ScanTotals> {
  const scanner = new LogScanner(matcher, options);
  for await (const chunk of stream) {
    if (options.signal?.aborted) break;
    scanner.push(chunk);
  }
  return scanner.end();
}
