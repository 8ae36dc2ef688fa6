import { FailedError } from '@pilot/core';
import { execa } from 'execa';

/** The cosign binary found on PATH and its version; the major version picks the flags (2.x vs 3.x). */
export interface CosignInfo {
  version: string;
  major: number;
}

/** Where to get cosign, for the error shown when it is missing. */
export const COSIGN_INSTALL_HINT =
  'install cosign (https://docs.sigstore.dev/cosign/system_config/installation/; in GitHub Actions: sigstore/cosign-installer), or sign with the built-in signer (attest.signer: "builtin" with a key from `pnpm attest keygen`)';

/** Runs `cosign version`; undefined when cosign is not on PATH. */
export async function detectCosign(env: NodeJS.ProcessEnv = process.env): Promise<CosignInfo | undefined> {
  const r = await execa('cosign', ['version'], {
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 15_000,
  });
  // No exit code means it never ran (ENOENT: not on PATH).
  if (r.exitCode === undefined) return undefined;
  // `cosign version` prints a table: "GitVersion:    v2.4.1"; older builds print just the version.
  const match =
    /GitVersion:\s*v?(\d+)\.(\d+)\.(\d+)/.exec(r.stdout) ?? /v?(\d+)\.(\d+)\.(\d+)/.exec(`${r.stdout}\n${r.stderr}`);
  if (!match)
    throw new FailedError(
      `cannot tell the cosign version from \`cosign version\` (exit ${r.exitCode}): ${r.stdout.split('\n')[0] || r.stderr.split('\n')[0]}`,
    );
  return { version: `${match[1]}.${match[2]}.${match[3]}`, major: Number(match[1]) };
}

/** detectCosign, or a FailedError saying how to install it. */
export async function requireCosign(env: NodeJS.ProcessEnv = process.env, why = 'this signer'): Promise<CosignInfo> {
  const info = await detectCosign(env);
  if (!info) throw new FailedError(`cosign is not installed (needed for ${why}) — ${COSIGN_INSTALL_HINT}`);
  if (info.major < 2)
    throw new FailedError(`cosign ${info.version} is too old (2.x or 3.x needed) — ${COSIGN_INSTALL_HINT}`);
  return info;
}
