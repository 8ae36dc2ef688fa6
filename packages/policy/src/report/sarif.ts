import type { Log, ReportingDescriptor, Result } from 'sarif';
import { type Finding, RULES, type RuleId } from '../finding.ts';

/** SARIF 2.1.0 for GitHub code scanning: one run, the full rule catalogue, one result per finding. */
export function toSarif(findings: Finding[], version = '0.1.0'): Log {
  const ids = Object.keys(RULES) as RuleId[];
  const rules: ReportingDescriptor[] = ids.map((id) => ({
    id,
    name: id.replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase()),
    shortDescription: { text: RULES[id] },
    defaultConfiguration: { level: 'error' },
  }));
  const results: Result[] = findings.map((finding) => ({
    ruleId: finding.rule,
    ruleIndex: ids.indexOf(finding.rule),
    level: 'error',
    message: { text: finding.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: finding.file ?? 'policies', uriBaseId: '%SRCROOT%' },
          region: { startLine: finding.line ?? 1, ...(finding.column ? { startColumn: finding.column } : {}) },
        },
      },
    ],
    ...(finding.fingerprint ? { partialFingerprints: { secretSha256Prefix: finding.fingerprint } } : {}),
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'pilot-policy-check', version, rules } }, results }],
  };
}
