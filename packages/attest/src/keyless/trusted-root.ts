import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { UsageError } from '@pilot/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { type TrustMaterial, toTrustMaterial } from '@sigstore/verify';

const require = createRequire(import.meta.url);
const PUBLIC_GOOD = 'https://tuf-repo-cdn.sigstore.dev';

/** Where the trusted root came from, for what `attest verify` prints. */
export interface LoadedTrustedRoot {
  source: string;
  material: TrustMaterial;
}

/**
 * The Sigstore public-good trusted root (Fulcio CAs, Rekor and CT log keys) as shipped inside @sigstore/tuf's seeds:
 * no network. A newer one comes from TUF (`npx sigstore …` refreshes it); pass it with attest.sigstore.trustedRoot.
 */
export function publicGoodTrustedRoot(): unknown {
  const seeds = require('@sigstore/tuf/seeds.json') as Record<string, { targets: Record<string, string> }>;
  return JSON.parse(Buffer.from(seeds[PUBLIC_GOOD].targets['trusted_root.json'], 'base64').toString('utf8'));
}

/** A trusted root JSON file (protobuf-specs TrustedRoot), or the public-good one shipped with the library. */
export async function loadTrustedRoot(file?: string, flag = 'attest.sigstore.trustedRoot'): Promise<LoadedTrustedRoot> {
  if (!file)
    return {
      source: `Sigstore public-good trusted root (shipped with @sigstore/tuf)`,
      material: toTrustMaterial(TrustedRoot.fromJSON(publicGoodTrustedRoot())),
    };
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `${flag} ${JSON.stringify(file)}: cannot read it as JSON (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}) — pass a Sigstore trusted_root.json, or leave it unset for the public-good root`,
      { cause: error },
    );
  }
  try {
    return { source: file, material: toTrustMaterial(TrustedRoot.fromJSON(json)) };
  } catch (error) {
    throw new UsageError(
      `${flag} ${JSON.stringify(file)}: not a Sigstore trusted root (${(error as Error).message}) — pass a trusted_root.json (application/vnd.dev.sigstore.trustedroot+json)`,
      { cause: error },
    );
  }
}
