import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FailedError, type Logger, pnpmCommand } from '@pilot/core';
import { findMissing, listProdDependencies } from './completeness.ts';
import { envWithoutPnpm, runTool } from './pnpm.ts';
import { validateSbom } from './validate.ts';

const CYCLONEDX_NPM = fileURLToPath(
  new URL('../../node_modules/@cyclonedx/cyclonedx-npm/bin/cyclonedx-npm-cli.js', import.meta.url),
);

export interface Sbom {
  package: string;
  /** The CycloneDX 1.6 JSON text, as cyclonedx-npm wrote it (reproducible). */
  json: string;
  components: number;
}

/**
 * CycloneDX 1.6 SBOM of a workspace package. cyclonedx-npm on a pnpm workspace silently drops workspace packages,
 * so it runs on a hoisted `pnpm deploy --prod` copy of the package (installed from the lockfile, as the release is), then the result is
 * validated against the schema and checked against `pnpm list --prod`.
 */
export async function generateSbom(o: { root: string; pkg: string; log: Logger; signal?: AbortSignal }): Promise<Sbom> {
  const work = await mkdtemp(join(tmpdir(), 'pilot-sbom-'));
  try {
    const app = join(work, 'app');
    o.log.info('attest.sbom', `packaging ${o.pkg} for its SBOM (pnpm deploy --prod, hoisted)`);
    await runTool(
      [
        ...pnpmCommand(),
        '--config.node-linker=hoisted',
        '--filter',
        o.pkg,
        'deploy',
        '--prod',
        '--prefer-offline',
        app,
      ],
      { cwd: o.root, env: { ...process.env, CI: 'true' }, signal: o.signal, what: `pnpm deploy of ${o.pkg}` },
    );
    const file = join(work, 'sbom.cdx.json');
    // --ignore-npm-errors: npm ls still calls the deployed `workspace:*` ranges invalid; completeness is checked below instead.
    await runTool(
      [
        process.execPath,
        CYCLONEDX_NPM,
        '--ignore-npm-errors',
        '--omit',
        'dev',
        '--output-reproducible',
        '--spec-version',
        '1.6',
        '--output-format',
        'JSON',
        '--output-file',
        file,
      ],
      { cwd: app, env: envWithoutPnpm(), signal: o.signal, what: `cyclonedx-npm for ${o.pkg}` },
    );
    const json = await readFile(file, 'utf8');
    await checkSbom(json, o.pkg, await listProdDependencies(o.root, o.pkg, o.signal));
    const bom = JSON.parse(json) as { components?: unknown[] };
    return { package: o.pkg, json, components: bom.components?.length ?? 0 };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Schema validation and completeness: throws a FailedError naming the invalid fields or the missing packages. */
export async function checkSbom(json: string, pkg: string, deps: { name: string; version: string }[]): Promise<void> {
  const problems = await validateSbom(json);
  if (problems.length)
    throw new FailedError(`the SBOM of ${pkg} is not valid CycloneDX 1.6: ${problems.slice(0, 5).join('; ')}`);
  const missing = findMissing(JSON.parse(json), deps);
  if (missing.length)
    throw new FailedError(
      `the SBOM of ${pkg} misses production dependencies that pnpm list reports: ${missing.join(', ')} — the SBOM is incomplete; report it with both outputs`,
    );
}
