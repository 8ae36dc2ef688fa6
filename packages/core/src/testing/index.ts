export { tempDir } from './temp-dir.ts';
export { cliArgv, runInTerminal, runScript, repoRoot, terminalAvailable, type ScriptRun } from './run-script.ts';
export {
  missing,
  startPostgres,
  startRedis,
  startPrometheus,
  type PrometheusTarget,
  type TestPostgres,
} from './services.ts';
export { startRegistry, makeLockedWorkspace, type TestRegistry, type LockedWorkspace } from './registry.ts';
export { startReceiver, type Received } from './receiver.ts';
