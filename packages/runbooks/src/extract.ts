/** A `pnpm <script> …` command found in a runbook, with where it stands. */
export interface RunbookCommand {
  file: string;
  line: number;
  /** The words after `pnpm`: script name first. */
  argv: string[];
  text: string;
}

// `pnpm <script> …` at the start of a code line or of an inline code span, optionally after VAR=value assignments.
const COMMAND = /(?:^|`)\s*(?:[A-Z_][A-Z0-9_]*=\S+\s+)*pnpm\s+([^`\n]+)/g;

/** Finds every pnpm command in a markdown runbook: fenced code lines and inline `code`. */
export function extractCommands(file: string, markdown: string): RunbookCommand[] {
  const found: RunbookCommand[] = [];
  markdown.split('\n').forEach((lineText, index) => {
    for (const match of lineText.matchAll(COMMAND)) {
      const text = match[1].trim();
      found.push({ file, line: index + 1, argv: splitWords(text), text: `pnpm ${text}` });
    }
  });
  return found;
}

function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3]);
  return words;
}
