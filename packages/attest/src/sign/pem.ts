import { UsageError } from '@pilot/core';

/** One PEM block: its label (e.g. "PUBLIC KEY") and its decoded body. */
export interface PemBlock {
  label: string;
  der: Buffer;
}

/** Reads the first PEM block of `text`; `source` names the file in the error. */
export function decodePem(text: string, source: string): PemBlock {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!match)
    throw new UsageError(
      `${source} is not a PEM file (no -----BEGIN …----- block) — pass a cosign key file (cosign.key or cosign.pub)`,
    );
  return { label: match[1], der: Buffer.from(match[2].replace(/\s+/g, ''), 'base64') };
}

/** Writes a PEM block with 64-character lines, as Go's encoding/pem does. */
export function encodePem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
