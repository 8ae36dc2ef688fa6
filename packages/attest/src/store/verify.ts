import { createHash, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stateDir, statePaths } from '@pilot/core';
import { loadTrustedRoot } from '../keyless/trusted-root.ts';
import { type KeylessIdentity, verifyArchiveBundle, verifyProvenanceBundle } from '../keyless/verify-keyless.ts';
import { checkAttestation } from '../provenance/check-attestation.ts';
import { verifyBlob } from '../sign/blob.ts';
import { checkBundle } from '../sign/bundle.ts';
import { keyFingerprint, loadPublicKey } from '../sign/keys.ts';
import { type AttestationManifest, MANIFEST_FILE, readAttestationManifest } from './manifest.ts';
import { sha256File } from './release.ts';

export interface VerifyResult {
  ok: boolean;
  version: string;
  problems: string[];
  /** What was checked and held. */
  checked: string[];
  status?: AttestationManifest['status'];
  digest?: string;
  /** Which key verified: the one passed, or the one recorded in the manifest (integrity only, not identity). */
  keySource?: 'flag' | 'manifest';
  publicKeyFingerprint?: string;
  /** Keyless: who signed (from the Fulcio certificate) and the trusted root it was checked against. */
  signerIdentity?: KeylessIdentity;
  trustedRoot?: string;
}

export interface VerifyOptions {
  root: string;
  version: string;
  publicKey?: string;
  /** Keyless: the identity that must have signed (attest.identity). */
  identity?: KeylessIdentity;
  /** Keyless: a trusted_root.json (default: the public-good root shipped with @sigstore/tuf). */
  trustedRoot?: string;
  env?: NodeJS.ProcessEnv;
}

/** Re-hashes the archive and every attestation file, and verifies the signature, the bundle and the DSSE provenance. */
export async function verifyAttestation(o: VerifyOptions): Promise<VerifyResult> {
  const paths = statePaths(stateDir(o.root, o.env));
  const dir = paths.attestations(o.version);
  const result: VerifyResult = { ok: false, version: o.version, problems: [], checked: [] };
  const manifest = await readAttestationManifest(dir);
  if (!manifest) {
    result.problems.push(
      `no attestation for release ${o.version} (${join(dir, MANIFEST_FILE)} missing) — run \`pnpm attest --release ${o.version}\``,
    );
    return result;
  }
  Object.assign(result, { status: manifest.status, digest: manifest.release.digest });
  const archive = join(paths.releases, manifest.release.archive);
  const archiveDigest = existsSync(archive) ? await sha256File(archive) : undefined;
  if (!archiveDigest) result.problems.push(`release archive ${archive} is missing`);
  else if (archiveDigest !== manifest.release.digest)
    result.problems.push(
      `release archive ${archive} hashes to ${archiveDigest}, not the attested ${manifest.release.digest} (the archive was changed)`,
    );
  else result.checked.push(`archive digest ${archiveDigest}`);
  for (const [name, digest] of Object.entries(manifest.files)) {
    const file = join(dir, name);
    const actual = existsSync(file) ? await sha256File(file) : undefined;
    if (actual !== digest)
      result.problems.push(
        actual ? `${name} hashes to ${actual}, not ${digest} (changed after attestation)` : `${name} is missing`,
      );
  }
  const extra = (await readdir(dir)).filter((n) => n !== MANIFEST_FILE && !(n in manifest.files));
  if (extra.length) result.problems.push(`files not in the manifest: ${extra.join(', ')}`);
  if (!result.problems.length)
    result.checked.push(`${Object.keys(manifest.files).length} attestation files match the manifest`);
  if (manifest.status !== 'signed')
    result.problems.push(
      'the attestation is unsigned — sign it: `pnpm attest keygen`, set attest.key in pilot.config.ts and COSIGN_PASSWORD, then `pnpm attest`',
    );
  else if (manifest.signer.kind === 'cosign-keyless')
    result.problems.push(
      'keyless signatures are checked by cosign against the signer identity: `cosign verify-blob --bundle release.bundle.json --certificate-identity-regexp … --certificate-oidc-issuer … <archive>`',
    );
  else if (o.identity && manifest.signer.kind !== 'sigstore-keyless')
    result.problems.push(
      `signed by ${manifest.signer.kind} (${manifest.publicKeyFingerprint ?? 'no key recorded'}), but a keyless signature by ${o.identity.subject} (issuer ${o.identity.issuer}) is required — attest it with attest.keyless in CI`,
    );
  else if (manifest.signer.kind === 'sigstore-keyless') {
    if (archiveDigest) await checkKeyless(result, { dir, archive, identity: o.identity, trustedRoot: o.trustedRoot });
  } else if (archiveDigest) await checkSignatures(result, { dir, archive, manifest, publicKey: o.publicKey });
  result.ok = result.problems.length === 0;
  return result;
}

async function checkSignatures(
  result: VerifyResult,
  o: { dir: string; archive: string; manifest: AttestationManifest; publicKey?: string },
): Promise<void> {
  const key = o.publicKey
    ? await loadPublicKey(o.publicKey, '--key')
    : o.manifest.publicKey
      ? createPublicKey(o.manifest.publicKey)
      : undefined;
  if (!key) {
    result.problems.push('no public key: pass --key cosign.pub');
    return;
  }
  result.keySource = o.publicKey ? 'flag' : 'manifest';
  result.publicKeyFingerprint = keyFingerprint(key);
  const data = await readFile(o.archive);
  const read = (name: string) => readFile(join(o.dir, name), 'utf8').catch(() => undefined);
  const sig = await read('release.sig');
  if (sig === undefined || !verifyBlob(data, sig, key))
    result.problems.push('release.sig does not verify for the archive with this public key');
  else result.checked.push('release.sig');
  const bundleText = await read('release.bundle.json');
  let bundle: unknown;
  try {
    bundle = JSON.parse(bundleText ?? '');
  } catch {
    bundle = undefined;
  }
  const bundleProblem = checkBundle(bundle, data, key);
  if (bundleProblem) result.problems.push(`release.bundle.json: ${bundleProblem}`);
  else result.checked.push('release.bundle.json');
  const dsse = checkAttestation((await read('provenance.intoto.jsonl')) ?? '', data, key);
  if (dsse.problem) result.problems.push(`provenance.intoto.jsonl: ${dsse.problem}`);
  else result.checked.push('provenance.intoto.jsonl (DSSE, subject = archive)');
}

const readJson = async (file: string): Promise<unknown> => {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
};

/** Keyless: both bundles against the trusted root (signature, certificate chain, Rekor entry), the identity, and the provenance subject = the archive. */
async function checkKeyless(
  result: VerifyResult,
  o: { dir: string; archive: string; identity?: KeylessIdentity; trustedRoot?: string },
): Promise<void> {
  const trust = await loadTrustedRoot(o.trustedRoot);
  result.trustedRoot = trust.source;
  const data = await readFile(o.archive);
  const archive = verifyArchiveBundle(
    await readJson(join(o.dir, 'release.bundle.json')),
    data,
    trust.material,
    o.identity,
  );
  result.signerIdentity = archive.signer;
  if (archive.problem) result.problems.push(`release.bundle.json: ${archive.problem}`);
  else
    result.checked.push(
      `release.bundle.json (keyless signature, Rekor entry, signed by ${o.identity?.subject} via ${o.identity?.issuer})`,
    );
  const sha256 = createHash('sha256').update(data).digest('hex');
  const provenance = verifyProvenanceBundle(
    await readJson(join(o.dir, 'provenance.bundle.json')),
    sha256,
    trust.material,
    o.identity,
  );
  if (provenance.problem) result.problems.push(`provenance.bundle.json: ${provenance.problem}`);
  else result.checked.push('provenance.bundle.json (DSSE, Rekor entry, same identity, subject = archive)');
}
