import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Finding, lineAt } from '../finding.ts';
import type { RequiredFiles } from '../policy-files.ts';

/** Each listed file exists (runbooks, policies, the ledger, the workflows). */
export function checkRequiredFiles(root: string, required: RequiredFiles): Finding[] {
  const file = 'policies/required-files.yaml';
  const text = existsSync(join(root, file)) ? readFileSync(join(root, file), 'utf8') : '';
  return required.files
    .filter((entry) => !existsSync(join(root, entry.path)))
    .map((entry) => {
      // Point at the entry that asks for the file: the missing file has no line of its own.
      const at = text.indexOf(entry.path);
      return {
        rule: 'required-files/missing' as const,
        file,
        line: at >= 0 ? lineAt(text, at) : 1,
        message: `${entry.path} is missing (${entry.why})`,
      };
    });
}
