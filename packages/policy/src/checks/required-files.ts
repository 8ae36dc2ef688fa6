import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from '../finding.ts';
import type { RequiredFiles } from '../policy-files.ts';

/** Each listed file exists (runbooks, policies, the ledger, the workflows). */
export function checkRequiredFiles(root: string, required: RequiredFiles): Finding[] {
  return required.files
    .filter((entry) => !existsSync(join(root, entry.path)))
    .map((entry) => ({ rule: 'required-files/missing' as const, file: 'policies/required-files.yaml', message: `${entry.path} is missing (${entry.why})` }));
}
