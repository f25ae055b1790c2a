/** File:line problems of our YAML/Markdown files (catalog, inventory, runbooks) as Problems-panel entries. */
import * as vscode from 'vscode';
import type { SourceProblem } from '../core/sourceProblem';

export function problemDiagnostic(problem: SourceProblem, source: string): vscode.Diagnostic {
  const line = Math.max(0, problem.line - 1);
  const diagnostic = new vscode.Diagnostic(new vscode.Range(line, 0, line, 1000), problem.message, vscode.DiagnosticSeverity.Error);
  diagnostic.source = source;
  return diagnostic;
}

/** Replaces everything in the collection with these problems, grouped by file. */
export function publishProblems(collection: vscode.DiagnosticCollection, problems: SourceProblem[], source: string): void {
  collection.clear();
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const p of problems) byFile.set(p.file, [...(byFile.get(p.file) ?? []), problemDiagnostic(p, source)]);
  for (const [file, list] of byFile) collection.set(vscode.Uri.file(file), list);
}
