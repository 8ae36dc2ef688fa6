#!/usr/bin/env tsx
// `pnpm attest` — SBOMs, provenance and signatures for a release; cosign-style verbs for single files.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExitCode, type Logger, UsageError, defineCommand, learnSecrets, loadConfig, runCli } from '@pilot/core';
import {
  attestRelease,
  checkAttestation,
  checkBundle,
  createBundle,
  generateKeyFiles,
  loadTrustedRoot,
  loadPrivateKey,
  loadPublicKey,
  newestRelease,
  passwordFrom,
  publicKeyPem,
  signBlob,
  verifyArchiveBundle,
  verifyAttestation,
  verifyBlob,
  verifyProvenanceBundle,
} from '@pilot/attest';

const release = {
  type: 'string',
  placeholder: 'V',
  description: 'release version (default: the newest under .pilot/releases)',
} as const;

/** A required flag or positional, with the fix in the message. */
function need(value: string | undefined, what: string, fix: string): string {
  if (!value) throw new UsageError(`${what} is required — ${fix}`);
  return value;
}

async function readInput(file: string, flag: string): Promise<Buffer> {
  return readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`${flag} ${JSON.stringify(file)}: cannot read it (${error.code}) — pass an existing file`);
  });
}

const attest = defineCommand({
  name: 'attest',
  summary: 'SBOM, signed provenance and signatures for a release into .pilot/attestations/<release>/',
  usage: ['attest [--release V] [--key FILE] [--keyless] [--no-wait]'],
  flags: {
    release,
    key: {
      type: 'string',
      placeholder: 'FILE',
      description: 'cosign-format private key (default: attest.key); password from COSIGN_PASSWORD',
    },
    keyless: {
      type: 'boolean',
      description:
        'sign keylessly with sigstore-js: Fulcio certificate for the CI OIDC token, Rekor entry (attest.signer "cosign": through cosign)',
    },
    'no-wait': {
      type: 'boolean',
      description: 'refuse (exit 3) instead of waiting when another run attests the same release',
    },
  },
  examples: [
    'pnpm attest',
    'COSIGN_PASSWORD=… pnpm attest --release v42 --key cosign.key',
    'pnpm attest verify --release v42 --key cosign.pub',
  ],
  async run({ flags, cwd, env, log, signal, result }) {
    const { config, root } = await loadConfig(cwd);
    learnSecrets(log, config, env);
    // attestRelease reads COSIGN_PASSWORD itself, so a missing one is recorded where `pilot status` looks.
    const r = await attestRelease({
      root,
      config,
      version: flags.release,
      key: flags.key,
      keyless: flags.keyless,
      wait: !flags['no-wait'],
      log,
      signal,
      env,
    }).catch(async (error: Error) => {
      // Started by a deployment (PILOT_ENV): its environment's channels hear that the release has no attestation.
      if (env.PILOT_ENV) await tellAttestationFailed(cwd, env.PILOT_ENV, flags.release, error.message, log);
      throw error;
    });
    const files = Object.keys(r.files).join(', ');
    const how =
      'to sign: `pnpm attest keygen`, set attest.key: "cosign.key" in pilot.config.ts, export COSIGN_PASSWORD, then `pnpm attest` again';
    const text = {
      signed: `✓ release ${r.version} signed (${r.digest})\n  ${r.dir}: ${files}\n  check it: pnpm attest verify --release ${r.version}`,
      unsigned: `⚠ release ${r.version} attested but UNSIGNED (no key): ${r.dir}: ${files}\n  ${how}`,
      'already-attested': `release ${r.version} (${r.digest}) is already attested (${r.manifest.status}) in ${r.dir}`,
    }[r.status];
    result({ status: r.status, version: r.version, dir: r.dir, digest: r.digest, files: r.files }, text);
  },
});

async function tellAttestationFailed(
  cwd: string,
  envName: string,
  version: string | undefined,
  reason: string,
  log: Logger,
): Promise<void> {
  const [{ openEnv }, { notifyOnce }] = await Promise.all([import('@pilot/core'), import('@pilot/orchestrator')]);
  const ctx = await openEnv(cwd, envName, log);
  await notifyOnce(ctx, log, { event: 'attestation.failed', version, reason, actor: 'pnpm attest' });
}

const verify = defineCommand({
  name: 'attest verify',
  summary:
    're-hash the archive and the attestation files, verify signature, bundle and DSSE provenance (keyless: identity, Rekor entry); exit 1 naming what failed',
  usage: [
    'attest verify [--release V] [--key PUB] [--certificate-identity S --certificate-oidc-issuer I] [--trusted-root F]',
  ],
  flags: {
    release,
    key: {
      type: 'string',
      placeholder: 'PUB',
      description: 'public key to verify with (default: the one recorded in the attestation — integrity only)',
    },
    'certificate-identity': {
      type: 'string',
      placeholder: 'S',
      description: 'keyless: the signer’s certificate subject (default: attest.identity.subject)',
    },
    'certificate-oidc-issuer': {
      type: 'string',
      placeholder: 'I',
      description: 'keyless: the signer’s OIDC issuer (default: attest.identity.issuer)',
    },
    'trusted-root': {
      type: 'string',
      placeholder: 'F',
      description:
        'keyless: Sigstore trusted_root.json (default: attest.sigstore.trustedRoot, else the public-good root shipped with sigstore-js)',
    },
  },
  async run({ flags, cwd, env, log, result }) {
    const { config, root } = await loadConfig(cwd);
    learnSecrets(log, config, env);
    const version = flags.release ?? (await newestRelease(root));
    if (!version) throw new UsageError('attest verify: no release found under .pilot/releases — pass --release V');
    const identity = identityFrom(
      flags['certificate-identity'],
      flags['certificate-oidc-issuer'],
      config.attest.identity,
      'verify',
    );
    const trustedRoot =
      flags['trusted-root'] ??
      (config.attest.sigstore.trustedRoot ? resolve(root, config.attest.sigstore.trustedRoot) : undefined);
    const r = await verifyAttestation({ root, version, publicKey: flags.key, identity, trustedRoot });
    const note =
      r.keySource === 'manifest'
        ? '\n  (verified with the key recorded in the attestation; pass --key cosign.pub to check who signed)'
        : '';
    result(
      r,
      r.ok
        ? `✓ release ${version}: ${r.checked.join('; ')}${note}`
        : `✗ release ${version}:\n${r.problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    return r.ok ? ExitCode.ok : ExitCode.failed;
  },
});

/** The keyless identity to enforce: both flags, or attest.identity; one flag alone is bad input. */
function identityFrom(
  subject: string | undefined,
  issuer: string | undefined,
  configured?: { issuer: string; subject: string },
  verb = 'verify-blob',
) {
  if (!subject !== !issuer) {
    const neither = verb === 'verify' ? ', or neither (attest.identity in pilot.config.ts is used)' : '';
    throw new UsageError(
      `attest ${verb}: ${subject ? '--certificate-oidc-issuer' : '--certificate-identity'} is missing — pass both --certificate-identity and --certificate-oidc-issuer${neither}`,
    );
  }
  return subject && issuer ? { subject, issuer } : configured;
}

const signBlobCommand = defineCommand({
  name: 'attest sign-blob',
  summary: 'sign a file like `cosign sign-blob --key` (signature to stdout, bundle v0.3 with --bundle)',
  usage: ['attest sign-blob --key KEY [--bundle OUT] [--output-signature SIG] FILE'],
  flags: {
    key: { type: 'string', placeholder: 'KEY', description: 'cosign-format private key (password: COSIGN_PASSWORD)' },
    bundle: { type: 'string', placeholder: 'OUT', description: 'write a sigstore bundle (v0.3 JSON) here' },
    'output-signature': {
      type: 'string',
      placeholder: 'SIG',
      description: 'write the base64 signature here instead of stdout',
    },
  },
  async run({ flags, positionals, env, result }) {
    const file = need(positionals[0], 'attest sign-blob: FILE', 'name the file to sign');
    const keyFile = need(
      flags.key,
      'attest sign-blob: --key',
      'pass --key cosign.key (create one with `pnpm attest keygen`)',
    );
    const key = await loadPrivateKey(keyFile, passwordFrom(env, keyFile));
    const data = await readInput(file, 'FILE');
    const signature = signBlob(data, key);
    if (flags.bundle) await writeFile(flags.bundle, `${JSON.stringify(createBundle(data, signature, key), null, 2)}\n`);
    if (flags['output-signature']) await writeFile(flags['output-signature'], `${signature}\n`);
    result(
      { file, signature, bundle: flags.bundle, outputSignature: flags['output-signature'] },
      flags['output-signature'] ? `signature written to ${flags['output-signature']}` : signature,
    );
  },
});

const keylessFlags = {
  'certificate-identity': {
    type: 'string',
    placeholder: 'S',
    description: 'keyless bundle: the signer’s certificate subject (SAN)',
  },
  'certificate-oidc-issuer': {
    type: 'string',
    placeholder: 'I',
    description: 'keyless bundle: the signer’s OIDC issuer',
  },
  'trusted-root': {
    type: 'string',
    placeholder: 'F',
    description: 'keyless bundle: Sigstore trusted_root.json (default: the public-good root shipped with sigstore-js)',
  },
} as const;

/** A keyless bundle's checks: identity from both flags (required), trusted root from the flag or the public-good one. */
async function keylessInputs(
  verb: string,
  flags: { 'certificate-identity'?: string; 'certificate-oidc-issuer'?: string; 'trusted-root'?: string },
  bundleFile: string,
) {
  const identity = identityFrom(flags['certificate-identity'], flags['certificate-oidc-issuer'], undefined, verb);
  if (!identity)
    throw new UsageError(
      `attest ${verb}: pass --key PUB, or for a keyless bundle --certificate-identity S and --certificate-oidc-issuer I (who must have signed it)`,
    );
  const trust = await loadTrustedRoot(flags['trusted-root'], '--trusted-root');
  return { identity, trust, bundle: parseJson((await readInput(bundleFile, '--bundle')).toString('utf8')) };
}

const verifyBlobCommand = defineCommand({
  name: 'attest verify-blob',
  summary:
    'verify a file’s signature or bundle like `cosign verify-blob` (offline): with --key, or a keyless bundle with the signer’s identity',
  usage: [
    'attest verify-blob --key PUB (--signature SIG | --bundle B) FILE',
    'attest verify-blob --bundle B --certificate-identity S --certificate-oidc-issuer I [--trusted-root F] FILE',
  ],
  flags: {
    key: { type: 'string', placeholder: 'PUB', description: 'public key (cosign.pub)' },
    signature: { type: 'string', placeholder: 'SIG', description: 'base64 signature file' },
    bundle: { type: 'string', placeholder: 'B', description: 'sigstore bundle file' },
    ...keylessFlags,
  },
  async run({ flags, positionals, result }) {
    const file = need(positionals[0], 'attest verify-blob: FILE', 'name the file to verify');
    if (!flags.key && flags.bundle) {
      const { identity, trust, bundle } = await keylessInputs('verify-blob', flags, flags.bundle);
      const r = verifyArchiveBundle(bundle, await readInput(file, 'FILE'), trust.material, identity);
      result(
        { file, ok: !r.problem, problem: r.problem, signer: r.signer, trustedRoot: trust.source },
        r.problem
          ? `✗ ${file}: ${r.problem}`
          : `Verified OK (signed by ${identity.subject}, issuer ${identity.issuer}; Rekor entry checked)`,
      );
      return r.problem ? ExitCode.failed : ExitCode.ok;
    }
    const key = await loadPublicKey(
      need(
        flags.key,
        'attest verify-blob: --key',
        'pass --key cosign.pub, or --bundle B with --certificate-identity and --certificate-oidc-issuer for a keyless bundle',
      ),
    );
    if (!flags.signature === !flags.bundle)
      throw new UsageError('attest verify-blob: pass exactly one of --signature SIG or --bundle B');
    const data = await readInput(file, 'FILE');
    let problem: string | undefined;
    if (flags.signature)
      problem = verifyBlob(data, (await readInput(flags.signature, '--signature')).toString('utf8'), key)
        ? undefined
        : `the signature in ${flags.signature} does not verify ${file} with this public key (wrong key, or the file or signature changed)`;
    else {
      const text = (await readInput(flags.bundle!, '--bundle')).toString('utf8');
      problem = checkBundle(parseJson(text), data, key);
    }
    result({ file, ok: !problem, problem }, problem ? `✗ ${file}: ${problem}` : 'Verified OK');
    return problem ? ExitCode.failed : ExitCode.ok;
  },
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const verifyBlobAttestation = defineCommand({
  name: 'attest verify-blob-attestation',
  summary:
    'verify a DSSE in-toto attestation for a file like `cosign verify-blob-attestation` (checks the subject digest): with --key, or a keyless bundle with the signer’s identity',
  usage: [
    'attest verify-blob-attestation --key PUB --signature ENVELOPE FILE',
    'attest verify-blob-attestation --bundle B --certificate-identity S --certificate-oidc-issuer I [--trusted-root F] FILE',
  ],
  flags: {
    key: { type: 'string', placeholder: 'PUB', description: 'public key (cosign.pub)' },
    signature: {
      type: 'string',
      placeholder: 'ENVELOPE',
      description: 'DSSE envelope (JSON, .jsonl or a bundle with dsseEnvelope)',
    },
    bundle: { type: 'string', placeholder: 'B', description: 'keyless sigstore bundle holding a DSSE envelope' },
    ...keylessFlags,
  },
  async run({ flags, positionals, result }) {
    const file = need(positionals[0], 'attest verify-blob-attestation: FILE', 'name the file the attestation is about');
    if (!flags.key && flags.bundle) {
      const { identity, trust, bundle } = await keylessInputs('verify-blob-attestation', flags, flags.bundle);
      const sha256 = createHash('sha256')
        .update(await readInput(file, 'FILE'))
        .digest('hex');
      const r = verifyProvenanceBundle(bundle, sha256, trust.material, identity);
      result(
        {
          file,
          ok: !r.problem,
          problem: r.problem,
          signer: r.signer,
          predicateType: r.statement?.predicateType,
          trustedRoot: trust.source,
        },
        r.problem
          ? `✗ ${file}: ${r.problem}`
          : `Verified OK (${r.statement?.predicateType}, signed by ${identity.subject}, issuer ${identity.issuer})`,
      );
      return r.problem ? ExitCode.failed : ExitCode.ok;
    }
    const key = await loadPublicKey(
      need(
        flags.key,
        'attest verify-blob-attestation: --key',
        'pass --key cosign.pub, or --bundle B with --certificate-identity and --certificate-oidc-issuer for a keyless bundle',
      ),
    );
    const envelope = (
      await readInput(
        need(flags.signature, 'attest verify-blob-attestation: --signature', 'pass --signature ENVELOPE'),
        '--signature',
      )
    ).toString('utf8');
    const r = checkAttestation(envelope, await readInput(file, 'FILE'), key);
    result(
      { file, ok: !r.problem, problem: r.problem, predicateType: r.statement?.predicateType },
      r.problem ? `✗ ${file}: ${r.problem}` : `Verified OK (${r.statement?.predicateType})`,
    );
    return r.problem ? ExitCode.failed : ExitCode.ok;
  },
});

const publicKey = defineCommand({
  name: 'attest public-key',
  summary: 'print the public key of a cosign private key (like `cosign public-key --key`)',
  usage: ['attest public-key --key KEY'],
  flags: {
    key: { type: 'string', placeholder: 'KEY', description: 'cosign-format private key (password: COSIGN_PASSWORD)' },
  },
  async run({ flags, env, result }) {
    const keyFile = need(flags.key, 'attest public-key: --key', 'pass --key cosign.key');
    const pem = publicKeyPem(await loadPrivateKey(keyFile, passwordFrom(env, keyFile)));
    result({ publicKey: pem }, pem.trimEnd());
  },
});

const keygen = defineCommand({
  name: 'attest keygen',
  summary: 'write a cosign-compatible key pair: <prefix>.key (encrypted with COSIGN_PASSWORD) and <prefix>.pub',
  usage: ['attest keygen [--output-key-prefix P]'],
  flags: {
    'output-key-prefix': { type: 'string', placeholder: 'P', description: 'file name prefix (default: cosign)' },
  },
  async run({ flags, env, result }) {
    const prefix = flags['output-key-prefix'] ?? 'cosign';
    const files = await generateKeyFiles(prefix, passwordFrom(env, `${prefix}.key`));
    result(
      files,
      `Private key written to ${files.privateKey}\nPublic key written to ${files.publicKey}\n  use it: attest.key: "${files.privateKey}" in pilot.config.ts, COSIGN_PASSWORD in the environment; keep ${files.privateKey} out of git`,
    );
  },
});

await runCli({
  name: 'attest',
  summary: 'SBOM, signing and provenance',
  commands: {
    verify,
    'sign-blob': signBlobCommand,
    'verify-blob': verifyBlobCommand,
    'verify-blob-attestation': verifyBlobAttestation,
    'public-key': publicKey,
    keygen,
  },
  default: attest,
});
