import { randomBytes } from 'node:crypto';

/** A sortable, readable deployment id: `<env>-<yyyymmdd-hhmmss>-<4 hex>`. */
export function newDeploymentId(env: string, kind: 'deploy' | 'rollback' = 'deploy', now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${kind === 'rollback' ? 'rb-' : ''}${env}-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Whether a deployment id can be of `env` by its shape (`[rb-]<env>-<stamp>-<hex>`); an id of another shape may be. */
export function idMayBeOf(id: string, env: string): boolean {
  const head = /^(.*)-\d{8}-\d{6}-[0-9a-f]{4}$/.exec(id)?.[1];
  return head === undefined || head === env || head === `rb-${env}`;
}
