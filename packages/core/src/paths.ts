import { join, resolve } from 'node:path';

/** Where Pilot keeps its state for a repository: `.pilot/` (gitignored), or PILOT_STATE_DIR. */
export function stateDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.PILOT_STATE_DIR ? resolve(env.PILOT_STATE_DIR) : join(root, '.pilot');
}

/** The fixed layout under the state dir, so every package agrees where things are. */
export function statePaths(state: string) {
  return {
    root: state,
    deployments: join(state, 'deployments'),
    journal: (deploymentId: string) => join(state, 'deployments', `${deploymentId}.jsonl`),
    locks: join(state, 'locks'),
    lock: (env: string) => join(state, 'locks', `${env}.lock`),
    audit: join(state, 'audit.jsonl'),
    releases: join(state, 'releases'),
    release: (version: string) => join(state, 'releases', version),
    router: (env: string) => join(state, 'router', env),
    backups: (env: string) => join(state, 'backups', env),
    attestations: (release: string) => join(state, 'attestations', release),
    data: (env: string) => join(state, 'data', env),
  };
}

/**
 * The folder whose data outlives releases (`service.dataDir`, `{env}` substituted, relative to the repository; default
 * `<state>/data/<env>/`): given to every release as PILOT_DATA_DIR and `{dataDir}`, kept across deployments and
 * rollbacks, and included in the pre-deploy backup.
 */
export function serviceDataDir(
  root: string,
  dataDir: string | undefined,
  envName: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return dataDir ? resolve(root, dataDir.replaceAll('{env}', envName)) : statePaths(stateDir(root, env)).data(envName);
}
