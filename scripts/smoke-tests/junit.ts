import type { SmokeResult } from '@pilot/analysis';

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JUnit XML that CI systems (GitHub, GitLab, Jenkins) read: one testcase per check. */
export function junitXml(suite: string, results: SmokeResult[]): string {
  const failures = results.filter((r) => !r.passed).length;
  const seconds = results.reduce((sum, r) => sum + r.ms, 0) / 1000;
  const cases = results.map((r) => {
    const head = `  <testcase classname="${suite}" name="${escapeXml(r.name)}" time="${(r.ms / 1000).toFixed(3)}"`;
    return r.passed
      ? `${head}/>`
      : `${head}>\n    <failure message="${escapeXml(r.error ?? 'failed')}"/>\n  </testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="${suite}" tests="${results.length}" failures="${failures}" time="${seconds.toFixed(3)}">\n${cases.join('\n')}\n</testsuite>\n`;
}
