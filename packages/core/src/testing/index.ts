export { tempDir } from './temp-dir.ts';
export { runScript, repoRoot, type ScriptRun } from './run-script.ts';
