export { runSmokeTests, type SmokeOptions, type SmokeResult, type SmokeCheckSpec, type DependencySpec } from './smoke/run-smoke.ts';
export { parsePrometheusText, type MetricSample } from './providers/prometheus-text.ts';
export { queryPrometheus, queryPrometheusRange } from './providers/prometheus-api.ts';
export { loadRuleSets, ruleSchema, type Rule } from './rules/rules.ts';
export { evaluateRules, percentile, type Finding, type Observation, type Sample } from './rules/evaluate.ts';
export { judgeCanary, type Judgement, type JudgeOptions } from './judge/judge.ts';
export { mannWhitneyGreater, twoProportionGreater } from './judge/tests.ts';
export { analyseStep, reasonOf, type Verdict, type AnalyseStepOptions } from './analyse-step.ts';
export { Watch, type WatchOptions } from './watch.ts';
