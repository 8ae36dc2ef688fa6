/** One policy violation, located as precisely as the data allows. */
export interface Finding {
  /** Rule id, e.g. `deny-list/dependency`; see RULES. */
  rule: RuleId;
  message: string;
  /** Repository-relative POSIX path. */
  file?: string;
  line?: number;
  column?: number;
  /** Stable id of a secret finding (sha256 prefix of the match) — for the allow-list; the secret itself is never shown. */
  fingerprint?: string;
}

/** The rule catalogue: ids, one-line descriptions, and where the data lives (SARIF `rules`). */
export const RULES = {
  'deny-list/dependency': 'A workspace package depends on a denied package (policies/deny-list.yaml).',
  'deny-list/lockfile': 'The lockfile resolves a denied package, directly or transitively (policies/deny-list.yaml).',
  'workflow/timeout': 'Every job declares timeout-minutes.',
  'workflow/concurrency': 'Deploy and attestation workflows declare a concurrency group.',
  'workflow/pinned-action': 'Actions are pinned to a full 40-hex commit SHA (docker images to a sha256 digest).',
  'workflow/permissions':
    'permissions are declared at the top level (read-only) and write scopes only where policies/workflow-rules.yaml allows them.',
  'workflow/unknown-task':
    'Every `turbo run X` and `pnpm X` a workflow calls exists in turbo.json or the root package.json.',
  'workflow/actionlint': 'actionlint finds no error in the workflow.',
  'workflow/parse': 'The workflow file is valid YAML with jobs.',
  'required-files/missing': 'A required file (policies/required-files.yaml) is missing.',
  'secrets/token': 'A tracked file contains a string in a known token format.',
  'secrets/entropy': 'A tracked file contains a high-entropy string that looks like a secret.',
  'policy/config': 'A policy data file is invalid.',
} as const;
export type RuleId = keyof typeof RULES;

/** Sorts findings by file, line and rule so every output is stable. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.rule.localeCompare(b.rule) ||
      a.message.localeCompare(b.message),
  );
}

/** 1-based line of a character offset in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}
