import picomatch from 'picomatch';

/** Matches package names (`@slack/*`) and file paths with one glob dialect; dotfiles count. */
export function globMatcher(patterns: readonly string[]): (value: string) => boolean {
  if (patterns.length === 0) return () => false;
  return picomatch([...patterns], { dot: true });
}
