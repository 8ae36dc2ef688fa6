export { createBackup, stamp, type CreateBackupOptions, type BackupResult } from './create.ts';
export { verifyBackup, assertVerified, type VerifyResult } from './verify.ts';
export { listBackups, pruneBackups, type ListedBackup } from './list.ts';
export { restoreBackup, RESTORE_LIMITS, type RestoreOptions, type RestoreResult } from './restore.ts';
export { type BackupMeta, sha256Line } from './meta.ts';
export { encodeHeader, rawHeader, END_OF_ARCHIVE, padding, type TarEntry } from './tar/header.ts';
export { readTar } from './tar/reader.ts';
