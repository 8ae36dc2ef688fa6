import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { globMatcher } from '../glob.ts';

/** Repository-relative folders of the workspace packages (pnpm-workspace.yaml), the root ('') first. */
export function workspacePackages(root: string): string[] {
  const file = join(root, 'pnpm-workspace.yaml');
  const patterns: string[] = existsSync(file)
    ? ((parse(readFileSync(file, 'utf8')) as { packages?: string[] } | null)?.packages ?? [])
    : [];
  const include = globMatcher(patterns.filter((p) => !p.startsWith('!')).map(trimSlash));
  const exclude = globMatcher(patterns.filter((p) => p.startsWith('!')).map((p) => trimSlash(p.slice(1))));
  const found = listDirs(root, '', 4).filter(
    (dir) => include(dir) && !exclude(dir) && existsSync(join(root, dir, 'package.json')),
  );
  return ['', ...found.sort()];
}

function trimSlash(pattern: string): string {
  return pattern.replace(/^\.\//, '').replace(/\/$/, '');
}

function listDirs(root: string, dir: string, depth: number): string[] {
  if (depth === 0) return [];
  const entries = readdirSync(join(root, dir), { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.'))
    .flatMap((e) => {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      return [rel, ...listDirs(root, rel, depth - 1)];
    });
}
