import pg from 'pg';
import { pgBin, shell } from '@pilot/core';

/** A relation in the database that the dump does not hold. */
export interface ExtraRelation {
  kind: 'TABLE' | 'VIEW' | 'MATERIALIZED VIEW' | 'SEQUENCE';
  schema: string;
  name: string;
}

const KINDS: Record<string, ExtraRelation['kind']> = {
  r: 'TABLE',
  p: 'TABLE',
  v: 'VIEW',
  m: 'MATERIALIZED VIEW',
  S: 'SEQUENCE',
};

// `pg_restore --list` lines: "<id>; <tableoid> <oid> <DESC> <schema> <name> <owner>".
const TOC_LINE = /^\d+; \d+ \d+ (TABLE|VIEW|MATERIALIZED VIEW|SEQUENCE) (\S+) (\S+) /;

/** `schema.name` of every relation the dump creates, from its table of contents. */
export async function relationsInDump(dump: string, env: Record<string, string>): Promise<Set<string>> {
  const { stdout } = await shell({ env })`${pgBin('pg_restore')} --list ${dump}`;
  const names = new Set<string>();
  for (const line of stdout.split('\n')) {
    const match = TOC_LINE.exec(line);
    if (match) names.add(`${match[2]}.${match[3]}`);
  }
  return names;
}

/**
 * Relations in the database's own schemas that the dump does not hold — created after it (by the migration being
 * undone). `pg_restore --clean` leaves them in place, so a restore drops them to get back to the dump's state.
 * Sequences owned by a column and objects of extensions go with their owners and are not listed.
 */
export async function relationsAfterDump(url: string, inDump: Set<string>): Promise<ExtraRelation[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ schema: string; name: string; relkind: string }>(`
      SELECT n.nspname AS schema, c.relname AS name, c.relkind
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
        AND NOT c.relispartition
      ORDER BY 1, 2`);
    return rows
      .filter((r) => !inDump.has(`${r.schema}.${r.name}`))
      .map((r) => ({ kind: KINDS[r.relkind], schema: r.schema, name: r.name }));
  } finally {
    await client.end();
  }
}

/** `DROP … IF EXISTS "schema"."name" CASCADE;` for each relation. */
export function dropStatements(extra: ExtraRelation[]): string {
  const quote = (id: string) => `"${id.replaceAll('"', '""')}"`;
  return extra.map((r) => `DROP ${r.kind} IF EXISTS ${quote(r.schema)}.${quote(r.name)} CASCADE;\n`).join('');
}
