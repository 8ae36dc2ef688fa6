/** Options of a cosign sign-blob call. */
export interface SignBlobArgs {
  file: string;
  bundle: string;
  /** Key file (offline key signing); without it, keyless (OIDC, Fulcio, Rekor). */
  key?: string;
}

/**
 * `cosign sign-blob` argv for a major version. 2.x: opt into the protobuf bundle and skip the transparency log for key
 * signing. 3.x: the bundle is the default, but it fetches a signing config over the network unless told not to.
 */
export function signBlobArgs(major: number, o: SignBlobArgs): string[] {
  const common = ['sign-blob', '--yes', '--bundle', o.bundle];
  if (!o.key) return major >= 3 ? [...common, o.file] : [...common, '--new-bundle-format=true', o.file];
  if (major >= 3)
    return [
      ...common,
      '--key',
      o.key,
      '--new-bundle-format=true',
      '--use-signing-config=false',
      '--tlog-upload=false',
      o.file,
    ];
  return [...common, '--key', o.key, '--new-bundle-format=true', '--tlog-upload=false', o.file];
}

/** Options of a cosign verify-blob call: a key with a signature or a bundle, or a keyless bundle with the expected identity. */
export interface VerifyBlobArgs {
  file: string;
  key?: string;
  signature?: string;
  bundle?: string;
  identity?: { identityRegexp: string; issuer: string };
}

/** `cosign verify-blob` argv: offline for a key (no transparency log), against Rekor and Fulcio for keyless bundles. */
export function verifyBlobArgs(major: number, o: VerifyBlobArgs): string[] {
  const args = ['verify-blob'];
  if (o.key) args.push('--key', o.key, '--insecure-ignore-tlog=true');
  if (o.signature) args.push('--signature', o.signature, ...(major >= 3 ? ['--new-bundle-format=false'] : []));
  if (o.bundle) args.push('--bundle', o.bundle, '--new-bundle-format=true');
  if (o.identity)
    args.push(
      '--certificate-identity-regexp',
      o.identity.identityRegexp,
      '--certificate-oidc-issuer',
      o.identity.issuer,
    );
  return [...args, o.file];
}
