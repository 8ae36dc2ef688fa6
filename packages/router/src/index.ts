export { createLocalTarget, type AdminStatus, type LocalTargetOptions } from './local-target.ts';
export {
  startRouter,
  stopRouter,
  routerRunning,
  routerDirOf,
  adminPortOf,
  type OrphanRelease,
  type RouterLocation,
} from './control.ts';
export { superviseRouter } from './supervise/foreground.ts';
export { installRouterUnit, routerUnitOptions, routerUnitName, type InstallResult } from './supervise/systemd-unit.ts';
export { routerClient, type RouterClient } from './client.ts';
export { routerFiles, type RouterSettings } from './config.ts';
export { candidateTurn, stickyBucket } from './daemon/routes.ts';
export { ROUTER_HEALTH_PATH, readRouterState } from './daemon/router.ts';
export type { Sample } from './daemon/metrics.ts';
