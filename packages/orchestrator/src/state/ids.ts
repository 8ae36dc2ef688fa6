import { randomBytes } from 'node:crypto';

/** A sortable, readable deployment id: `<env>-<yyyymmdd-hhmmss>-<4 hex>`. */
export function newDeploymentId(env: string, kind: 'deploy' | 'rollback' = 'deploy', now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${kind === 'rollback' ? 'rb-' : ''}${env}-${stamp}-${randomBytes(2).toString('hex')}`;
}
