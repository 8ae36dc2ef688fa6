export { SeriesWindow, bucketize, STEP_MS, SPAN_MS, type Point, type Sample } from './series.ts';
export { createUiHandler, type SeriesSource, type UiOptions } from './page/ui-handler.ts';
export { renderReport, describeEvidence, type ReportModel } from './report/render-report.ts';
export type {
  ActionName,
  ActionResult,
  DeploymentSummary,
  EnvironmentLink,
  EnvironmentView,
  OpenDeploymentView,
  RouterView,
  VerdictView,
} from './view.ts';
