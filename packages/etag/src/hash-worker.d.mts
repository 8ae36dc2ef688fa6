export type FileHash = { size: number; exec: boolean; sha256: string } | { error: string };
export declare function hashFileSync(path: string): FileHash;
