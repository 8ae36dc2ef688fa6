import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type Finding, lineAt } from '../finding.ts';
import { globMatcher } from '../glob.ts';
import type { DenyList } from '../policy-files.ts';
import { workspacePackages } from './workspace.ts';

const FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

/** Denied packages in any workspace package.json, and anywhere in pnpm-lock.yaml (transitive ones too). */
export function checkDenyList(root: string, denyList: DenyList): Finding[] {
  const findings: Finding[] = [];
  const rules = denyList.packages.map((entry) => ({ ...entry, match: globMatcher([entry.name]) }));
  const denied = (name: string) => rules.find((rule) => rule.match(name));
  for (const dir of workspacePackages(root)) {
    const file = dir ? `${dir}/package.json` : 'package.json';
    const text = readFileSync(join(root, file), 'utf8');
    const manifest = JSON.parse(text) as Partial<Record<(typeof FIELDS)[number], Record<string, string>>>;
    for (const field of FIELDS) {
      for (const name of Object.keys(manifest[field] ?? {})) {
        const rule = denied(name);
        if (!rule) continue;
        const at = text.indexOf(`"${name}"`);
        findings.push({
          rule: 'deny-list/dependency',
          file,
          line: at >= 0 ? lineAt(text, at) : 1,
          message: `${field} has ${name}, denied by "${rule.name}": ${rule.reason}`,
        });
      }
    }
  }
  const lockfile = join(root, 'pnpm-lock.yaml');
  if (existsSync(lockfile)) {
    const text = readFileSync(lockfile, 'utf8');
    const lock = (parse(text) ?? {}) as { packages?: Record<string, unknown> };
    const seen = new Set<string>();
    for (const key of Object.keys(lock.packages ?? {})) {
      const name = packageName(key);
      const rule = denied(name);
      if (!rule || seen.has(key)) continue;
      seen.add(key);
      const at = text.indexOf(`\n  ${key}:`) >= 0 ? text.indexOf(`\n  ${key}:`) + 1 : text.indexOf(`'${key}':`);
      findings.push({
        rule: 'deny-list/lockfile',
        file: 'pnpm-lock.yaml',
        line: at >= 0 ? lineAt(text, at) : 1,
        message: `the lockfile resolves ${key}, denied by "${rule.name}": ${rule.reason}`,
      });
    }
  }
  return findings;
}

/** `@scope/name@1.2.3(peer@1)` → `@scope/name`. */
export function packageName(key: string): string {
  const bare = key.replace(/\(.*$/, '');
  const at = bare.indexOf('@', 1);
  return at > 0 ? bare.slice(0, at) : bare;
}
