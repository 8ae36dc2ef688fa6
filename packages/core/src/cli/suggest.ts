import { UsageError } from '../errors.ts';

/** Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours each cost 1. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The choice closest to `word` when it is plausibly a typo of it (at most 2 edits, and fewer than half the word). */
export function closestWord(word: string, choices: readonly string[]): string | undefined {
  let best: { choice: string; distance: number } | undefined;
  for (const choice of choices) {
    const distance = editDistance(word.toLowerCase(), choice.toLowerCase());
    if (!best || distance < best.distance) best = { choice, distance };
  }
  return best && best.distance <= Math.min(2, Math.ceil(word.length / 2) - (word.length > 1 ? 0 : 1))
    ? best.choice
    : undefined;
}

/**
 * The error for a word that names no command or action: exit 2 with the closest choice ("did you mean 'status'?"),
 * else the list of choices. `elsewhere` maps words that are other scripts to how to run them.
 */
export function unknownWordError(
  where: string,
  kind: string,
  word: string,
  choices: readonly string[],
  elsewhere: Record<string, string> = {},
): UsageError {
  const other = Object.hasOwn(elsewhere, word) ? word : closestWord(word, Object.keys(elsewhere));
  const near = closestWord(word, choices);
  const hint = near ? `did you mean '${near}'?` : other ? `did you mean \`${elsewhere[other]}\`?` : '';
  const listed = `${kind}s: ${choices.join(', ')}`;
  return new UsageError(
    `${where}: unknown ${kind} '${word}' — ${hint ? `${hint} (${listed})` : listed}; nothing was done`,
  );
}

/** Checks an action word (`pilot lock status|release`) against its choices: a typo is exit 2 with the closest one. */
export function pickAction<const A extends string>(
  where: string,
  word: string | undefined,
  choices: readonly A[],
  fallback?: A,
): A {
  if (word === undefined && fallback !== undefined) return fallback;
  if (word !== undefined && (choices as readonly string[]).includes(word)) return word as A;
  if (word === undefined) throw new UsageError(`${where}: name an action — one of ${choices.join(', ')}`);
  throw unknownWordError(where, 'action', word, choices);
}
