/** One stage of the pre-merge run: a command, and how to read a failure. */
export interface PremergeStep {
  id: string;
  title: string;
  /** argv; a leading `pnpm` is replaced with the pnpm that runs us. */
  command: string[];
  /** Looks at a failed step's output: 'unavailable' when the failure is the environment's (no network), not the code's. */
  classify?: (output: string) => { status: 'unavailable'; note: string } | undefined;
}

// pnpm's errors when the registry's audit endpoint cannot be reached or does not answer.
const OFFLINE =
  /ERR_PNPM_AUDIT_BAD_RESPONSE|ERR_PNPM_AUDIT_ENDPOINT|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|getaddrinfo|network/i;

/** What premerge-validation.yml runs (lint, typecheck, unit tests, pnpm audit, policies, the e-tag ledger), in that order. */
export const PREMERGE_STEPS: PremergeStep[] = [
  { id: 'lint', title: 'lint (biome)', command: ['pnpm', 'exec', 'turbo', 'run', 'lint'] },
  { id: 'typecheck', title: 'typecheck (tsc)', command: ['pnpm', 'exec', 'turbo', 'run', 'typecheck'] },
  { id: 'test', title: 'unit tests', command: ['pnpm', 'exec', 'turbo', 'run', 'test'] },
  { id: 'policy-check', title: 'policy-check', command: ['pnpm', 'policy-check'] },
  { id: 'etag', title: 'generate-etag --check', command: ['pnpm', 'generate-etag', '--check'] },
  {
    id: 'audit',
    title: 'pnpm audit',
    command: ['pnpm', 'audit', '--audit-level', 'high'],
    classify: (output) => {
      const match = OFFLINE.exec(output);
      return match
        ? {
            status: 'unavailable',
            note: `unavailable offline (${match[0]}: the registry's audit endpoint did not answer)`,
          }
        : undefined;
    },
  },
];
