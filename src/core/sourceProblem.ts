/**
 * Problems found while reading catalog, inventory, runbook, log-catalog and known_hosts files, shown as
 * `file:line: message`. Its own module so catalog, ssh, inventory and runbook can share it without importing each other.
 */
export interface SourceProblem {
  /** Path as the user should see it (relative to the catalog root where possible). */
  file: string;
  /** 1-based line. */
  line: number;
  message: string;
}

export function formatProblem(problem: SourceProblem): string {
  return `${problem.file}:${problem.line}: ${problem.message}`;
}
