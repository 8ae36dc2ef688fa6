import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type EnvContext, type Logger, pilotScriptArgs } from '@pilot/core';

// @pilot/attest (ajv, CycloneDX, NaCl) loads only when a gate needs it, not on every pilot command's start-up.
const attest = () => import('@pilot/attest');

/**
 * Starts `attest --release V` as a detached process right after the release is built, so the SBOM and signatures are
 * made while the canary runs; its output goes to `.pilot/attestations/<version>.log`. Returns the child's pid.
 */
export function startAttestation(ctx: EnvContext, version: string, log: Logger): number | undefined {
  const dir = join(ctx.paths.root, 'attestations');
  mkdirSync(dir, { recursive: true });
  const out = openSync(join(dir, `${version}.log`), 'a');
  // spawn, not the shell: a detached process that outlives this one (unref'd, output to its log file), never awaited.
  const child = spawn(process.execPath, [...pilotScriptArgs('attest'), '--release', version], {
    cwd: ctx.root,
    detached: true,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      PILOT_STATE_DIR: ctx.paths.root,
      PILOT_ENV: ctx.envName,
      PILOT_LOG_FORMAT: 'json',
      NO_COLOR: '1',
    },
  });
  child.unref();
  closeSync(out);
  log.info(
    'attestation.started',
    `attestation of ${version} started in the background (pid ${child.pid}); \`pnpm pilot status\` shows it`,
    { pid: child.pid },
  );
  return child.pid;
}

/**
 * Verifies a release's attestation against the pinned signer — `attest.publicKey`, or for keyless `attest.identity`
 * (issuer and subject of the Fulcio certificate, Rekor entry, provenance subject = the archive) — the manifest's own key
 * would only prove the files are intact. No problem: verified.
 */
export async function verifyPinnedAttestation(
  ctx: EnvContext,
  version: string,
): Promise<{ problems: string[]; checked: string[] }> {
  const { keyless, identity, publicKey: pinned, sigstore } = ctx.config.attest;
  if (keyless && !identity)
    return {
      checked: [],
      problems: [
        'attest.identity is not set in pilot.config.ts — pin who must sign keylessly: { issuer: "https://token.actions.githubusercontent.com", subject: "https://github.com/ORG/REPO/.github/workflows/WORKFLOW.yml@refs/heads/main" }',
      ],
    };
  if (!keyless && !pinned)
    return {
      checked: [],
      problems: [
        'attest.publicKey is not set in pilot.config.ts — pin the public key releases must be signed with (`pnpm attest public-key --key K`)',
      ],
    };
  const { verifyAttestation } = await attest();
  return keyless
    ? await verifyAttestation({
        root: ctx.root,
        version,
        identity,
        trustedRoot: sigstore.trustedRoot ? resolve(ctx.root, sigstore.trustedRoot) : undefined,
      })
    : await verifyAttestation({ root: ctx.root, version, publicKey: resolve(ctx.root, pinned!) });
}

/** Waits for the release's attestation, making it now if none ran; the error when it could not be made. */
export async function awaitAttestation(
  ctx: EnvContext,
  version: string,
  log: Logger,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const { attestRelease } = await attest();
  try {
    await attestRelease({ root: ctx.root, config: ctx.config, version, wait: true, log, signal });
    return undefined;
  } catch (error) {
    return `attesting ${version} failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * The final promotion's gate: waits for the release's attestation (making it now if none ran) and verifies it against
 * the pinned signer. Returns the problems, none when verified.
 */
export async function requireVerifiedAttestation(
  ctx: EnvContext,
  version: string,
  log: Logger,
  signal?: AbortSignal,
): Promise<string[]> {
  const { keyless, identity, publicKey: pinned } = ctx.config.attest;
  if (keyless ? !identity : !pinned) return (await verifyPinnedAttestation(ctx, version)).problems;
  const failed = await awaitAttestation(ctx, version, log, signal);
  if (failed) return [failed];
  const verified = await verifyPinnedAttestation(ctx, version);
  if (verified.problems.length === 0) log.info('attestation.verified', `attestation of ${version} verified`, {});
  return verified.problems;
}
