import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailedError, Logger } from '@pilot/core';
import { makeLockedWorkspace, repoRoot } from '@pilot/core/testing';
import { findMissing, listProdDependencies } from './completeness.ts';
import { checkSbom, generateSbom } from './generate.ts';
import { validateSbom } from './validate.ts';

const log = new Logger({ stream: { write: () => true } as unknown as NodeJS.WritableStream });

// @pilot/backup depends on two workspace packages (core, etag) and their registry dependencies: the case cyclonedx-npm alone gets wrong.
test('SBOM of a workspace package: valid CycloneDX 1.6, complete against pnpm list --prod, reproducible; broken ones fail', async () => {
  const sbom = await generateSbom({ root: repoRoot, pkg: '@pilot/backup', log });
  const bom = JSON.parse(sbom.json);
  assert.equal(bom.specVersion, '1.6');
  assert.deepEqual(await validateSbom(sbom.json), []);
  const deps = await listProdDependencies(repoRoot, '@pilot/backup');
  const names = deps.map((d) => d.name);
  assert.ok(
    names.includes('@pilot/core') && names.includes('@pilot/etag') && names.includes('zod'),
    `pnpm list found ${names.join(', ')}`,
  );
  assert.deepEqual(findMissing(bom, deps), []);
  assert.equal(bom.serialNumber, undefined, 'reproducible output has no random serial number');

  // Schema: a wrong type is caught offline.
  const broken = { ...bom, specVersion: 1.6 };
  assert.ok((await validateSbom(JSON.stringify(broken))).length > 0);
  await assert.rejects(checkSbom(JSON.stringify(broken), '@pilot/backup', deps), /not valid CycloneDX 1\.6/);

  // Completeness: remove zod from the SBOM and the check names it.
  const zod = deps.find((d) => d.name === 'zod')!;
  const pruned = {
    ...bom,
    components: bom.components.filter((c: { name: string }) => c.name !== 'zod'),
    dependencies: undefined,
  };
  await assert.rejects(checkSbom(JSON.stringify(pruned), '@pilot/backup', deps), (error: Error) => {
    assert.ok(error instanceof FailedError);
    assert.match(
      error.message,
      new RegExp(`misses production dependencies that pnpm list reports: zod@${zod.version.replaceAll('.', '\\.')}`),
    );
    return true;
  });
});

test('the SBOM describes the locked dependency versions, not newer ones published since the lockfile was written', async (t) => {
  const { root } = await makeLockedWorkspace(t);
  const sbom = await generateSbom({ root, pkg: 'svc', log });
  const components = (JSON.parse(sbom.json).components as { name: string; group?: string; version: string }[]).map(
    (c) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`,
  );
  assert.deepEqual(components.sort(), ['@shop/dep@1.0.0', 'lib@1.0.0']);
});
