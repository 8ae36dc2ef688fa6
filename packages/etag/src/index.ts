export { computeEtag, type ComputeEtagOptions, type EtagResult } from './compute-etag.ts';
export { type EtagEntry, digestEntries, formatEtag, isEtag } from './encode.ts';
export {
  LEDGER_FILE,
  type Ledger,
  type LedgerEntry,
  readLedger,
  parseLedger,
  formatLedger,
} from './ledger/ledger-file.ts';
export type { BaseLedger } from './ledger/git-base.ts';
export {
  checkEtags,
  recordEtags,
  tagFolders,
  type CheckResult,
  type FolderTag,
  type LedgerOptions,
  type LedgerProblem,
  type LedgerProblemKind,
  type RecordResult,
} from './ledger/ledger.ts';
