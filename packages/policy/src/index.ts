export {
  runPolicyCheck,
  CHECK_NAMES,
  type CheckName,
  type CheckSummary,
  type PolicyReport,
} from './run-policy-check.ts';
export { type Finding, RULES, type RuleId } from './finding.ts';
export { toSarif } from './report/sarif.ts';
export { renderHuman } from './report/human.ts';
export { loadPolicies, POLICY_FILES, type Policies } from './policy-files.ts';
export { PolicyError } from './policy-error.ts';
export { workflowCalls, type WorkflowCall } from './checks/workflow-commands.ts';
export { readWorkflows, type WorkflowFile } from './checks/workflow-files.ts';
export { checkActionlint } from './checks/actionlint.ts';
export { scanText, fingerprint } from './secrets/scan.ts';
export { PREMERGE_STEPS, type PremergeStep } from './premerge/steps.ts';
export {
  runPremerge,
  renderSummary,
  type PremergeOptions,
  type StepResult,
  type StepStatus,
} from './premerge/run-premerge.ts';
