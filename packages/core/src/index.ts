export * from './errors.ts';
export * from './duration.ts';
export * from './paths.ts';
export { createExclusive, writeFileAtomic, fsyncDir } from './fs/atomic-write.ts';
export { sha256File } from './fs/sha256-file.ts';
export { compiledEntry, pilotScriptArgs } from './compile/cache.ts';
export { pnpmCommand } from './pnpm.ts';
export * from './cli/parse.ts';
export { renderHelp, type HelpSpec } from './cli/help.ts';
export * from './cli/run.ts';
export { closestWord, editDistance, pickAction, unknownWordError } from './cli/suggest.ts';
export * from './config/schema.ts';
export * from './config/load.ts';
export { writeStarterConfig } from './config/init.ts';
export * from './log/events.ts';
export * from './log/logger.ts';
export * from './log/redact.ts';
export * from './journal/journal.ts';
export * from './journal/state.ts';
export * from './lock/lock.ts';
export * from './lock/freeze.ts';
export * from './lock/process-info.ts';
export * from './context.ts';
export * from './target.ts';
export * from './bench.ts';
export { freePort } from './net.ts';
export { pgBin } from './pg-bin.ts';
export { acquireFileLock, breakStaleLock, readFileLock, type FileLockOptions } from './lock/file-lock.ts';
export {
  shell,
  dryShell,
  commandLine,
  redactCommand,
  ProcessOutput,
  type ProcessPromise,
  type Shell,
  type ShellOptions,
} from './exec/shell.ts';
export { onPath } from './exec/on-path.ts';
export { seededRandom } from './random/seeded.ts';
