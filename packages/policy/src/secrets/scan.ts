import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { shell } from '@pilot/core';
import type { Finding } from '../finding.ts';
import { globMatcher } from '../glob.ts';
import type { SecretAllowList } from '../policy-files.ts';
import { PolicyError } from '../policy-error.ts';
import { TOKEN_PATTERNS, highEntropyStrings, isPlaceholderPassword } from './patterns.ts';

const MAX_BYTES = 2 * 1024 * 1024;

/** First 16 hex of sha256(secret): names a finding for the allow-list without revealing it. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

/** The files git tracks (and files added but not committed), repository-relative. */
export async function trackedFiles(root: string): Promise<string[]> {
  const result = await shell({ cwd: root, nothrow: true })`git ls-files -z --cached`;
  if (result.exitCode !== 0)
    throw new PolicyError(
      `secret scan: \`git ls-files\` failed in ${root} — run policy-check inside a git work tree (${result.stderr.trim()})`,
    );
  return result.stdout.split('\0').filter(Boolean);
}

/** Scans text for known token formats and high-entropy strings; findings carry file:line and a fingerprint, never the secret. */
export function scanText(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  text.split('\n').forEach((line, index) => {
    const covered: [number, number][] = [];
    for (const pattern of TOKEN_PATTERNS) {
      for (const match of line.matchAll(pattern.regex)) {
        const start = match.index ?? 0;
        covered.push([start, start + match[0].length]);
        const secret = match[1] ?? match[0];
        if (pattern.id === 'url-credentials' && isPlaceholderPassword(secret)) continue;
        findings.push({
          rule: 'secrets/token',
          file,
          line: index + 1,
          column: start + 1,
          fingerprint: fingerprint(secret),
          message: `${pattern.description} (${pattern.id})`,
        });
      }
    }
    for (const hit of highEntropyStrings(line)) {
      if (covered.some(([from, to]) => hit.index >= from && hit.index < to)) continue;
      findings.push({
        rule: 'secrets/entropy',
        file,
        line: index + 1,
        column: hit.index + 1,
        fingerprint: fingerprint(hit.value),
        message: `high-entropy string (${hit.value.length} chars)`,
      });
    }
  });
  return findings;
}

/** Scans every tracked text file; binary files (a NUL in the first 8 KiB) and files over 2 MiB are skipped. */
export async function scanSecrets(
  root: string,
  allowList: SecretAllowList = { allow: [] },
): Promise<{ findings: Finding[]; scanned: number; allowed: number }> {
  const findings: Finding[] = [];
  let scanned = 0;
  for (const file of await trackedFiles(root)) {
    const abs = join(root, file);
    let text: string;
    try {
      if (statSync(abs).size > MAX_BYTES) continue;
      const bytes = readFileSync(abs);
      if (bytes.subarray(0, 8192).includes(0)) continue;
      text = bytes.toString('utf8');
    } catch {
      // Deleted in the work tree but still in the index: nothing to scan.
      continue;
    }
    scanned += 1;
    findings.push(...scanText(file, text));
  }
  const allow = allowList.allow.map((entry) => ({
    ...entry,
    matchPath: entry.path ? globMatcher([entry.path]) : () => true,
  }));
  const kept = findings.filter(
    (finding) =>
      !allow.some(
        (entry) =>
          entry.matchPath(finding.file ?? '') &&
          (!entry.rule || entry.rule === finding.rule) &&
          (!entry.fingerprint || entry.fingerprint === finding.fingerprint),
      ),
  );
  return { findings: kept, scanned, allowed: findings.length - kept.length };
}
