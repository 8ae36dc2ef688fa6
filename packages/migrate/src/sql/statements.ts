import { parse } from 'libpg-query';

/** One parsed SQL statement of a migration file. */
export interface Statement {
  /** The statement's text from its first token, without the trailing semicolon. */
  sql: string;
  /** 1-based line of its first token in the file. */
  line: number;
  /** Character offset of its first token in the file. */
  offset: number;
  /** Parse-tree node type, e.g. `IndexStmt`, `AlterTableStmt`. */
  kind: string;
  // biome-ignore lint/suspicious/noExplicitAny: libpg-query's JSON parse tree, walked by the rules
  node: any;
  /** The `-- pilot:allow RULE… reason` directives right above it: rule id → reason. */
  allows: Map<string, string>;
  /** The comment lines right above it. */
  comments: string[];
}

/** A syntax error with its line in the file. */
export interface SyntaxProblem {
  message: string;
  line: number;
}

const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

/** Splits SQL into statements with the real PostgreSQL parser, keeping line numbers and the comments above each. */
export async function parseStatements(
  sql: string,
): Promise<{ statements: Statement[]; leadingComments: string[]; error?: SyntaxProblem }> {
  let tree: { stmts?: Array<{ stmt: Record<string, unknown>; stmt_location?: number; stmt_len?: number }> };
  try {
    tree = await parse(sql);
  } catch (error) {
    const position = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition ?? 0;
    return {
      statements: [],
      leadingComments: commentBlockAbove(sql),
      error: { message: (error as Error).message, line: lineAt(sql, position) },
    };
  }
  // The parser reports UTF-8 byte offsets; slice bytes, then count characters.
  const bytes = Buffer.from(sql, 'utf8');
  const statements = (tree.stmts ?? []).map(({ stmt, stmt_location = 0, stmt_len = 0 }) => {
    const rawStart = bytes.subarray(0, stmt_location).toString('utf8').length;
    const raw = bytes.subarray(stmt_location, stmt_len ? stmt_location + stmt_len : bytes.length).toString('utf8');
    const noise = LEADING_NOISE.exec(raw)?.[0].length ?? 0;
    const start = rawStart + noise;
    const [kind] = Object.keys(stmt);
    const comments = commentBlockAbove(sql.slice(0, start));
    return {
      sql: raw.slice(noise).trim(),
      line: lineAt(sql, start),
      offset: start,
      kind,
      node: stmt[kind],
      allows: parseAllows(comments),
      comments,
    };
  });
  const firstStart = statements.length ? statements[0].offset : sql.length;
  return {
    statements,
    leadingComments: sql
      .slice(0, firstStart)
      .split('\n')
      .filter((l) => l.trim().startsWith('--')),
  };
}

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

// The `--` lines directly above the end of `before` (a blank line ends the block).
function commentBlockAbove(before: string): string[] {
  const lines = before.split('\n');
  lines.pop();
  const block: string[] = [];
  for (let i = lines.length - 1; i >= 0 && lines[i].trim().startsWith('--'); i--) block.unshift(lines[i].trim());
  return block;
}

const ALLOW = /^--\s*pilot:allow\s+(.+)$/;

function parseAllows(comments: string[]): Map<string, string> {
  const allows = new Map<string, string>();
  for (const comment of comments) {
    const match = ALLOW.exec(comment);
    if (!match) continue;
    // Rule ids first (comma or space separated), then the reason.
    const words = match[1].trim().split(/[\s,]+/);
    const rules: string[] = [];
    let ended = false;
    // A colon after a rule id ends the list ("drop-column: reason").
    while (!ended && words.length && /^[a-z]+(?:-[a-z]+)*:?$/.test(words[0]) && words[0].includes('-')) {
      const word = words.shift() as string;
      ended = word.endsWith(':');
      rules.push(word.replace(/:$/, ''));
    }
    const reason = words.join(' ').replace(/^[-—:]\s*/, '');
    for (const rule of rules) allows.set(rule, reason);
  }
  return allows;
}
