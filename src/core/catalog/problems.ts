/** Problems found while reading catalog (and later inventory/runbook) files, as `file:line: message`. */
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
