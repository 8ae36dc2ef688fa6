import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const DEBIAN_ROOT = '/usr/lib/postgresql';

/**
 * Path of a PostgreSQL program: PILOT_PG_BIN, else the newest Debian-packaged version that has it (pg_dump must be at
 * least the server's version, and Debian keeps versions side by side), else the name on PATH. Used by the migrations
 * and by the tests' throwaway clusters alike.
 */
export function pgBin(
  name: 'pg_dump' | 'pg_restore' | 'psql' | 'initdb' | 'pg_ctl' | 'postgres',
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (env.PILOT_PG_BIN) return join(env.PILOT_PG_BIN, name);
  const versions = existsSync(DEBIAN_ROOT)
    ? readdirSync(DEBIAN_ROOT)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const dir = versions.map((v) => join(DEBIAN_ROOT, v, 'bin')).find((d) => existsSync(join(d, name)));
  return dir ? join(dir, name) : name;
}
