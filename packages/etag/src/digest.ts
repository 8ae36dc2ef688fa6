// `@pilot/etag/digest`: the tag's encoding without the walker, the hashing pool and the ledger (≈10 MB less to load),
// for callers that hash their own entries, such as a backup that reads every file anyway.
export { type EtagEntry, EtagDigest, digestEntries, formatEtag } from './encode.ts';
