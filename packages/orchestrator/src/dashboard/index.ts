// The monitoring page's and the report's entry (`@pilot/orchestrator/dashboard`): what `pilot logs --html` and
// `pilot dashboard` need, without the deployment engine.
export { writeDeploymentReport, type ReportOptions } from './report.ts';
export { environmentView, reportPath } from './view.ts';
export { runPageAction } from './actions.ts';
export { startDashboardServer, type DashboardServer, type DashboardServerOptions } from './server.ts';
export { dashboardToken } from './admin-token.ts';
export { DASHBOARD_PORT } from '../engine/urls.ts';
