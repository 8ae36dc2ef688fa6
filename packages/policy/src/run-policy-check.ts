import { checkActionlint } from './checks/actionlint.ts';
import { checkDenyList } from './checks/deny-list.ts';
import { checkRequiredFiles } from './checks/required-files.ts';
import { checkWorkflowCalls } from './checks/workflow-commands.ts';
import { readWorkflows } from './checks/workflow-files.ts';
import { checkWorkflowRules } from './checks/workflows.ts';
import { type Finding, sortFindings } from './finding.ts';
import { POLICY_FILES, loadPolicies } from './policy-files.ts';
import { scanSecrets } from './secrets/scan.ts';

export const CHECK_NAMES = ['deny-list', 'workflows', 'required-files', 'secrets'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export interface CheckSummary {
  name: CheckName;
  status: 'pass' | 'fail' | 'skipped';
  findings: number;
  note?: string;
}

export interface PolicyReport {
  ok: boolean;
  findings: Finding[];
  checks: CheckSummary[];
}

/** Runs the policies over the repository at `root`. Invalid policy data throws a PolicyError (exit 2). */
export async function runPolicyCheck(
  root: string,
  options: { only?: readonly CheckName[] } = {},
): Promise<PolicyReport> {
  const policies = loadPolicies(root);
  const wanted = new Set(options.only?.length ? options.only : CHECK_NAMES);
  const checks: CheckSummary[] = [];
  const findings: Finding[] = [];
  const record = (name: CheckName, found: Finding[] | undefined, note?: string) => {
    if (found === undefined) checks.push({ name, status: 'skipped', findings: 0, ...(note ? { note } : {}) });
    else {
      findings.push(...found);
      checks.push({ name, status: found.length ? 'fail' : 'pass', findings: found.length, ...(note ? { note } : {}) });
    }
  };
  for (const name of CHECK_NAMES) {
    if (!wanted.has(name)) continue;
    if (name === 'deny-list') {
      record(
        name,
        policies.denyList && checkDenyList(root, policies.denyList),
        policies.denyList ? `${policies.denyList.packages.length} denied name(s)` : `no ${POLICY_FILES.denyList}`,
      );
    } else if (name === 'workflows') {
      if (!policies.workflowRules) {
        record(name, undefined, `no ${POLICY_FILES.workflowRules}`);
        continue;
      }
      const workflows = readWorkflows(root, policies.workflowRules.dir);
      const found = [
        ...checkWorkflowRules(workflows, policies.workflowRules),
        ...checkWorkflowCalls(root, workflows),
        ...(await checkActionlint(workflows)),
      ];
      record(name, found, `${workflows.length} workflow(s): structure rules, SHA pins, task names, actionlint`);
    } else if (name === 'required-files') {
      record(
        name,
        policies.requiredFiles && checkRequiredFiles(root, policies.requiredFiles),
        policies.requiredFiles ? `${policies.requiredFiles.files.length} file(s)` : `no ${POLICY_FILES.requiredFiles}`,
      );
    } else {
      const scan = await scanSecrets(root, policies.secretAllowList);
      record(name, scan.findings, `${scan.scanned} tracked file(s) scanned, ${scan.allowed} allow-listed`);
    }
  }
  const sorted = sortFindings(findings);
  return { ok: sorted.length === 0, findings: sorted, checks };
}
