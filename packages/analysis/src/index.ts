export {
  describeSmokeFailures,
  runSmokeTests,
  type SmokeOptions,
  type SmokeResult,
  type SmokeCheckSpec,
  type DependencySpec,
} from './smoke/run-smoke.ts';
export { parsePrometheusText, type MetricSample } from './providers/prometheus-text.ts';
export { queryPrometheus, queryPrometheusRange, queryPrometheusVector } from './providers/prometheus-api.ts';
export { loadRuleSets, ruleSchema, type Rule } from './rules/rules.ts';
export { evaluateRules, percentile, type Finding, type Observation, type Sample } from './rules/evaluate.ts';
export { judgeCanary, type Judgement, type JudgeOptions } from './judge/judge.ts';
export { mannWhitneyGreater } from './judge/tests.ts';
export { twoProportionGreater } from './judge/two-proportion.ts';
export {
  addLook,
  judgeEvidence,
  newEvidence,
  sequentialAlphas,
  type Evidence,
  type SequentialOptions,
} from './judge/sequential/sequential-judge.ts';
export {
  analyseStep,
  reasonOf,
  verdictOf,
  type Verdict,
  type AnalyseStepOptions,
  type SequentialJudge,
} from './analyse-step.ts';
export { Watch, type WatchOptions } from './watch.ts';
export { runMonitor, type MonitorOptions, type MonitorSummary } from './monitor.ts';
export {
  PrometheusVersionSource,
  increaseBetween,
  type PrometheusVersionSelectors,
  type VersionTotals,
  type VersionIncrease,
} from './providers/prometheus-versions.ts';
