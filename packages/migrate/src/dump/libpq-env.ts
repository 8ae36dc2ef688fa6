// Query parameters of a postgres:// URL that libpq also reads from the environment.
const PARAMS: Record<string, string> = {
  host: 'PGHOST',
  port: 'PGPORT',
  sslmode: 'PGSSLMODE',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  sslrootcert: 'PGSSLROOTCERT',
  sslpassword: 'PGSSLPASSWORD',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  application_name: 'PGAPPNAME',
  options: 'PGOPTIONS',
  target_session_attrs: 'PGTARGETSESSIONATTRS',
};

/**
 * libpq environment variables (PGHOST, PGPASSWORD, …) for a database URL, so pg_dump / pg_restore get the
 * password without it appearing in their argument list (visible to every user in `ps`).
 */
export function libpqEnv(url: string): Record<string, string> {
  const parsed = new URL(url);
  const env: Record<string, string> = {};
  const set = (name: string, value: string) => {
    if (value) env[name] = value;
  };
  set('PGHOST', decodeURIComponent(parsed.hostname.replace(/^\[|\]$/g, '')));
  set('PGPORT', parsed.port);
  set('PGUSER', decodeURIComponent(parsed.username));
  set('PGPASSWORD', decodeURIComponent(parsed.password));
  set('PGDATABASE', decodeURIComponent(parsed.pathname.replace(/^\//, '')));
  for (const [key, value] of parsed.searchParams) if (PARAMS[key]) set(PARAMS[key], value);
  return env;
}
