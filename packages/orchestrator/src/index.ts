export { deploy, type DeployOptions, type DeployResult } from './engine/deploy.ts';
export { retryDeployment } from './engine/retry.ts';
export { resumeDeployment, resumeDue, abortDeployment, type AbortResult } from './engine/control.ts';
export { registerStepHook, type StepHook, type HookContext } from './engine/hooks.ts';
export { planSteps, type StepSpec, type StepKind } from './engine/plan.ts';
export type { AnalysisPort, Verdict, SmokeOutcome } from './analysis/port.ts';
export { rollback, type RollbackOptions, type RollbackResult } from './commands/rollback.ts';
export { environmentStatus, deploymentLogs, type EnvStatus } from './commands/status.ts';
export { appLogFile, followJournal, streamFile } from './commands/logs.ts';
export { approveRelease } from './commands/approve.ts';
export {
  type ApprovalCheck,
  type ApprovalVerdict,
  allowedSignersPath,
  checkApprovals,
  releaseDigest,
  signatureContext,
} from './state/approvals.ts';
export { formatDeployResult, formatDeploymentLine } from './commands/format.ts';
export { createCommandTarget, expandArgv } from './targets/command.ts';
export { createTarget } from './targets/create.ts';
export { writeKubernetesStarter } from './targets/kubernetes/starter.ts';
export { buildRelease, cloneRelease } from './release/build.ts';
export { readManifest, writeManifest, type ReleaseManifest } from './release/manifest.ts';
export { readHistory, currentLive, lastKnownGood } from './state/history.ts';
export { listDeployments, findOpenDeployment } from './state/deployments.ts';
export { useAnalysis } from './engine/setup.ts';
export { runDemo, formatDemo, type DemoResult } from './demo/demo.ts';
export { notifyOnce } from './wiring/notify.ts';
export { writeLcmExport, type LcmExportResult } from './export/lcm-export.ts';
export { runGate, type GateResult } from './gate/gate.ts';
