export interface CompileOptions {
  cacheDir: string;
  /** Files whose change (the lockfile, the install's bookkeeping) also means a rebuild. */
  stamps?: string[];
  /** Inline source maps, so stack traces name the source lines. */
  sourcemap?: boolean;
}
/** The output file of each entry (same order), rebuilt when a source, a stamp file or the entry list changed. */
export declare function compiled(options: CompileOptions & { entries: string[] }): Promise<string[]>;
/** Imports a TypeScript module through a cached compiled copy; a changed file gives a fresh module. */
export declare function importCompiled(file: string, options: CompileOptions): Promise<Record<string, unknown>>;
/** A reinstall (other dependency versions at other paths) means a rebuild: the lockfile and pnpm's bookkeeping. */
export declare function installStampsOf(install: string): string[];
