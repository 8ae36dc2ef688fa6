import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shell } from '@pilot/core';
import { repoRoot } from '@pilot/core/testing';
import { sha256File } from './release.ts';

/** Test helper: a release `<state>/releases/<version>/` (manifest + app/ with `files`) and its archive `<version>.tar.gz`. */
export async function makeRelease(
  state: string,
  version: string,
  files: Record<string, string>,
): Promise<{ archive: string; digest: string }> {
  const dir = join(state, 'releases', version);
  const appDir = join(dir, 'app');
  await mkdir(appDir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(appDir, name), text);
  const archive = join(state, 'releases', `${version}.tar.gz`);
  await shell()`tar --sort=name --mtime=@0 --owner=0 --group=0 -czf ${archive} -C ${appDir} .`;
  const digest = await sha256File(archive);
  const commit = (await shell({ cwd: repoRoot })`git rev-parse HEAD`).stdout.trim();
  await writeFile(
    join(dir, 'manifest.json'),
    JSON.stringify({ version, commit, created: new Date().toISOString(), configHash: 'sha256:00', digest }),
  );
  return { archive, digest };
}
