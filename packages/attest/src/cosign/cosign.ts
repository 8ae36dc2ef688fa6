import { readFile } from 'node:fs/promises';
import { FailedError, UsageError } from '@pilot/core';
import { execa } from 'execa';
import { type SignBlobArgs, type VerifyBlobArgs, signBlobArgs, verifyBlobArgs } from './args.ts';
import { requireCosign } from './version.ts';

export interface CosignRunOptions {
  env?: NodeJS.ProcessEnv;
  /** The key's password; COSIGN_PASSWORD is always set (empty when unknown) so cosign never waits on stdin. */
  password?: string;
  signal?: AbortSignal;
}

async function runCosign(args: string[], o: CosignRunOptions): Promise<{ exitCode: number; output: string }> {
  const base = o.env ?? process.env;
  const env = { ...base, COSIGN_PASSWORD: o.password ?? base.COSIGN_PASSWORD ?? '', COSIGN_YES: 'true' };
  const r = await execa('cosign', args, {
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    cancelSignal: o.signal,
    all: true,
  });
  if (r.isCanceled) throw new FailedError('cosign was interrupted');
  return { exitCode: r.exitCode ?? 1, output: String(r.all ?? '').trim() };
}

/** `cosign sign-blob` with a key or keyless; returns the bundle it wrote and the signature inside it. */
export async function cosignSignBlob(
  o: SignBlobArgs & CosignRunOptions,
): Promise<{ bundle: string; signature?: string; cosignVersion: string }> {
  const info = await requireCosign(o.env, o.key ? 'attest.signer "cosign"' : 'keyless signing');
  const r = await runCosign(signBlobArgs(info.major, o), o);
  if (r.exitCode !== 0) {
    const reason = /decrypt|password/i.test(r.output)
      ? `wrong password for ${o.key} (COSIGN_PASSWORD)`
      : r.output.split('\n').slice(-5).join('\n');
    const error = `cosign ${info.version} sign-blob failed (exit ${r.exitCode}): ${reason}`;
    throw /wrong password/.test(reason) ? new UsageError(error) : new FailedError(error);
  }
  const bundle = await readFile(o.bundle, 'utf8');
  const signature = (JSON.parse(bundle) as { messageSignature?: { signature?: string } }).messageSignature?.signature;
  return { bundle, signature, cosignVersion: info.version };
}

/** `cosign verify-blob`; returns the reason it failed, or undefined when cosign verified it. */
export async function cosignVerifyBlob(o: VerifyBlobArgs & CosignRunOptions): Promise<string | undefined> {
  const info = await requireCosign(o.env, 'cosign verify-blob');
  const r = await runCosign(verifyBlobArgs(info.major, o), o);
  return r.exitCode === 0
    ? undefined
    : `cosign ${info.version} verify-blob failed (exit ${r.exitCode}): ${r.output.split('\n').slice(-3).join(' ')}`;
}
