import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';

interface Level {
  /** Maps a path relative to the tagged root to one relative to this level's folder, or undefined when outside it. */
  local(rel: string): string | undefined;
  rules: Ignore;
}

/** gitignore semantics across levels: deeper files override shallower ones, `!pattern` re-includes. */
export class IgnoreRules {
  readonly #levels: Level[] = [];
  readonly #forced = ignore();
  readonly #loaded = new Set<string>();

  /** Patterns in gitignore syntax, anchored at the tagged root (config `etag.ignore`, `--ignore`); no .gitignore can re-include them. */
  addPatterns(patterns: readonly string[]): void {
    this.#forced.add([...patterns]);
  }

  /** Reads `<root>/<dir>/.gitignore` once, if it exists (`dir` relative to the root, '' for the root). */
  loadGitignore(root: string, dir: string): void {
    if (this.#loaded.has(dir)) return;
    this.#loaded.add(dir);
    const file = join(root, dir, '.gitignore');
    if (existsSync(file)) this.#addGitignore(dir, readFileSync(file, 'utf8'));
  }

  #addGitignore(dir: string, text: string): void {
    const prefix = dir === '' ? '' : `${dir}/`;
    this.#levels.push({
      local: (rel) => (prefix === '' ? rel : rel.startsWith(prefix) ? rel.slice(prefix.length) : undefined),
      rules: ignore().add(text),
    });
  }

  /** .gitignore files of the folders above `root` up to the git work tree's top (a tree tagged inside a repo obeys the repo's rules). */
  addAncestorGitignores(root: string): void {
    const top = findGitTop(root);
    if (!top) return;
    const chain: string[] = [];
    for (let dir = dirname(root); ; dir = dirname(dir)) {
      if (relative(top, dir).startsWith('..')) break;
      chain.unshift(dir);
      if (dir === top || dirname(dir) === dir) break;
    }
    for (const dir of chain) {
      const file = join(dir, '.gitignore');
      if (!existsSync(file)) continue;
      const prefix = relative(dir, root).split(sep).join('/');
      this.#levels.push({ local: (rel) => `${prefix}/${rel}`, rules: ignore().add(readFileSync(file, 'utf8')) });
    }
  }

  /** Whether `rel` (POSIX, relative to the root) is ignored; folders are tested with a trailing slash as git does. */
  ignores(rel: string, isDir: boolean): boolean {
    let ignored = false;
    for (const level of this.#levels) {
      const local = level.local(rel);
      if (!local) continue;
      const result = level.rules.test(isDir ? `${local}/` : local);
      if (result.ignored) ignored = true;
      else if (result.unignored) ignored = false;
    }
    return ignored || this.#forced.ignores(isDir ? `${rel}/` : rel);
  }
}

function findGitTop(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}
