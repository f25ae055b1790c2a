/** Where CLI commands write; tests pass buffers, the bin passes the process streams. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

export const processIO: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/**
 * Bad arguments: main prints the message and the command's usage and exits 2. Recognised by its
 * name, not instanceof: each command is its own bundle with its own copy of this class.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
