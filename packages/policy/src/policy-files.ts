import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { PolicyError } from './policy-error.ts';

const denyListSchema = z.strictObject({
  packages: z.array(z.strictObject({ name: z.string().min(1), reason: z.string().min(1) })).default([]),
});

const workflowRulesSchema = z.strictObject({
  /** Folder of the workflows, relative to the repository root. */
  dir: z.string().default('.github/workflows'),
  /** File-name globs of workflows that must declare a top-level concurrency group. */
  concurrencyRequired: z.array(z.string()).default([]),
  /** Write scopes each workflow (file-name glob) may grant at job level; everything else is read-only. */
  writeScopes: z.record(z.string(), z.array(z.string())).default({}),
  /** Action owners that may be referenced by tag instead of a SHA (empty: pin everything). */
  unpinnedOwners: z.array(z.string()).default([]),
});

const requiredFilesSchema = z.strictObject({
  files: z.array(z.strictObject({ path: z.string().min(1), why: z.string().min(1) })).default([]),
});

const secretAllowSchema = z.strictObject({
  allow: z
    .array(
      z
        .strictObject({
          /** Glob of tracked paths to allow (all rules, or `rule` only). */
          path: z.string().optional(),
          rule: z.string().optional(),
          /** A finding's fingerprint, as printed by policy-check. */
          fingerprint: z
            .string()
            .regex(/^[0-9a-f]{16}$/, 'expected the 16-hex fingerprint policy-check prints')
            .optional(),
          reason: z.string().min(1),
        })
        .refine((entry) => entry.path || entry.fingerprint, 'expected a path or a fingerprint'),
    )
    .default([]),
});

export type DenyList = z.output<typeof denyListSchema>;
export type WorkflowRules = z.output<typeof workflowRulesSchema>;
export type RequiredFiles = z.output<typeof requiredFilesSchema>;
export type SecretAllowList = z.output<typeof secretAllowSchema>;

/** The policy data files under `policies/`; a missing file turns its check off (required-files can insist on it). */
export const POLICY_FILES = {
  denyList: 'policies/deny-list.yaml',
  workflowRules: 'policies/workflow-rules.yaml',
  requiredFiles: 'policies/required-files.yaml',
  secretAllowList: 'policies/secret-allowlist.yaml',
} as const;

function load<S extends z.ZodType>(root: string, file: string, schema: S): z.output<S> | undefined {
  const path = join(root, file);
  if (!existsSync(path)) return undefined;
  let data: unknown;
  try {
    data = parse(readFileSync(path, 'utf8')) ?? {};
  } catch (error) {
    throw new PolicyError(`${file}: not valid YAML — ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PolicyError(`${file}: ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export interface Policies {
  denyList?: DenyList;
  workflowRules?: WorkflowRules;
  requiredFiles?: RequiredFiles;
  secretAllowList?: SecretAllowList;
}

/** Loads every policy data file present; an invalid one is a PolicyError (exit 2) naming file and field. */
export function loadPolicies(root: string): Policies {
  return {
    denyList: load(root, POLICY_FILES.denyList, denyListSchema),
    workflowRules: load(root, POLICY_FILES.workflowRules, workflowRulesSchema),
    requiredFiles: load(root, POLICY_FILES.requiredFiles, requiredFilesSchema),
    secretAllowList: load(root, POLICY_FILES.secretAllowList, secretAllowSchema),
  };
}
