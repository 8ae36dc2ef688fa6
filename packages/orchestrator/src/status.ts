// The light entry for `pilot status`: what it needs and nothing of the deployment engine, so it starts fast.
export { environmentStatus, type EnvStatus } from './commands/status.ts';
export { formatDeploymentLine } from './commands/format.ts';
