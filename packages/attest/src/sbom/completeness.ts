import { pnpmCommand } from '@pilot/core';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from './pnpm.ts';

/** A package by name and version, e.g. `@pilot/core@0.1.0`. */
export interface PackageRef {
  name: string;
  version: string;
}

interface PnpmNode {
  version?: string;
  path?: string;
  dependencies?: Record<string, PnpmNode>;
  optionalDependencies?: Record<string, PnpmNode>;
}

/** Every production dependency of `pkg` (transitively) as `pnpm list --prod` reports it; workspace links get their package.json version. */
export async function listProdDependencies(root: string, pkg: string, signal?: AbortSignal): Promise<PackageRef[]> {
  const out = await runTool([...pnpmCommand(), 'list', '--prod', '--json', '--depth', 'Infinity', '--filter', pkg], {
    cwd: root,
    signal,
    what: `listing the production dependencies of ${pkg}`,
  });
  const projects = JSON.parse(out || '[]') as PnpmNode[];
  const found = new Map<string, PackageRef>();
  // pnpm prints a package's dependencies once; where it appears again they may be left out (deduped), and whichever
  // comes first in the output may be that bare copy: a package counts as walked only once seen with its children.
  const walked = new Set<string>();
  const visit = async (name: string, node: PnpmNode) => {
    let version = node.version ?? '';
    // Workspace packages are listed as links ("link:../core"): their version lives in their package.json.
    if (/^(link|file|workspace):/.test(version) && node.path)
      version =
        (JSON.parse(await readFile(join(node.path, 'package.json'), 'utf8')) as { version?: string }).version ??
        version;
    const key = `${name}@${version}`;
    const children = Object.entries(childrenOf(node));
    if (walked.has(key) || (found.has(key) && children.length === 0)) return;
    found.set(key, { name, version });
    if (children.length > 0) walked.add(key);
    for (const [child, sub] of children) await visit(child, sub);
  };
  for (const project of projects) {
    for (const [child, sub] of Object.entries(childrenOf(project))) await visit(child, sub);
  }
  return [...found.values()];
}

// An optional dependency for another platform (esbuild's @esbuild/darwin-arm64 on Linux) is listed, with a path
// where it would be, but never installed: only what is on disk ships.
function childrenOf(node: PnpmNode): Record<string, PnpmNode> {
  return Object.fromEntries(
    Object.entries({ ...node.dependencies, ...node.optionalDependencies }).filter(
      ([, sub]) => !sub.path || existsSync(sub.path),
    ),
  );
}

interface CdxComponent {
  name: string;
  group?: string;
  version?: string;
  components?: CdxComponent[];
}

/** name@version of every component in a CycloneDX BOM, nested ones included. */
export function sbomPackages(bom: { components?: CdxComponent[] }): Set<string> {
  const out = new Set<string>();
  const visit = (c: CdxComponent) => {
    out.add(`${c.group ? `${c.group}/` : ''}${c.name}@${c.version ?? ''}`);
    for (const sub of c.components ?? []) visit(sub);
  };
  for (const c of bom.components ?? []) visit(c);
  return out;
}

/** The production dependencies missing from the SBOM, as name@version. */
export function findMissing(bom: { components?: CdxComponent[] }, deps: PackageRef[]): string[] {
  const have = sbomPackages(bom);
  return deps.map((d) => `${d.name}@${d.version}`).filter((ref) => !have.has(ref));
}
