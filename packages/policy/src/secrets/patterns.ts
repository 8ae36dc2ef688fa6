/** Known token formats. Each regex matches the secret itself, which is never printed. */
export const TOKEN_PATTERNS: { id: string; description: string; regex: RegExp }[] = [
  { id: 'aws-access-key-id', description: 'AWS access key id', regex: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { id: 'github-token', description: 'GitHub token', regex: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g },
  {
    id: 'github-fine-grained-pat',
    description: 'GitHub fine-grained token',
    regex: /\bgithub_pat_[A-Za-z0-9_]{60,255}\b/g,
  },
  { id: 'slack-token', description: 'Slack token', regex: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g },
  {
    id: 'slack-webhook',
    description: 'Slack incoming webhook URL',
    regex: /https:\/\/hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9_/-]{20,}/g,
  },
  {
    id: 'teams-webhook',
    description: 'Microsoft Teams webhook URL',
    regex: /https:\/\/[a-z0-9-]+\.webhook\.office\.com\/webhookb2\/[A-Za-z0-9@/_-]{20,}/g,
  },
  {
    id: 'private-key',
    description: 'private key block',
    regex: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----/g,
  },
  { id: 'stripe-secret-key', description: 'Stripe secret key', regex: /\b[sr]k_live_[A-Za-z0-9]{20,}\b/g },
  { id: 'google-api-key', description: 'Google API key', regex: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { id: 'npm-token', description: 'npm access token', regex: /\bnpm_[A-Za-z0-9]{36}\b/g },
  {
    id: 'jwt',
    description: 'JSON Web Token',
    regex: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g,
  },
  {
    id: 'url-credentials',
    description: 'password in a URL',
    regex: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/'"`]+:([^\s:@/'"`$<>{}]{6,})@[^\s'"`]+/g,
  },
];

/** A URL password that documents the shape rather than holding a secret: `USER:PASSWORD@`, `:password@`, `:****@`. */
export function isPlaceholderPassword(password: string): boolean {
  return /^[A-Z][A-Z0-9_]*$/.test(password) || /^(?:password|passwd|secret|changeme|\*+|x+)$/i.test(password);
}

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

// Candidates: runs of base64/base64url characters long enough to be a key.
const CANDIDATE = /[A-Za-z0-9+/_=-]{24,}/g;
// Integrity hashes and the like are digests, not secrets.
const DIGEST_PREFIX = /(?:sha1|sha256|sha384|sha512|sha-256|md5)[-:]$/i;
// The key of an OpenSSH public key line (authorized_keys, allowed_signers): public by design.
const SSH_PUBLIC_KEY_PREFIX =
  /(?:^|\s)(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) $/;

/**
 * High-entropy strings: ≥ 24 characters mixing upper case, lower case and digits, with entropy
 * ≥ 4.3 bits/char (random base64 of that length scores ~4.4–5; identifiers and prose score lower).
 * Pure hex (digests, commit SHAs) is left out on purpose: too many legitimate ones.
 */
export function highEntropyStrings(line: string): { index: number; value: string }[] {
  const found: { index: number; value: string }[] = [];
  for (const match of line.matchAll(CANDIDATE)) {
    // An OpenSSH public key is public; judged whole, before a '/' in its base64 could split it as a path.
    if (match[0].startsWith('AAAA') && SSH_PUBLIC_KEY_PREFIX.test(line.slice(0, match.index))) continue;
    // Path-like runs (a/b/c) are split and judged part by part.
    const parts =
      match[0].includes('/') && !/[+=]/.test(match[0])
        ? splitKeep(match[0], match.index ?? 0)
        : [{ value: match[0], index: match.index ?? 0 }];
    for (const part of parts) {
      const value = part.value.replace(/^[-_=]+|[-_]+$/g, '');
      if (value.length < 24 || !/[A-Z]/.test(value) || !/[a-z]/.test(value) || !/[0-9]/.test(value)) continue;
      if (DIGEST_PREFIX.test(line.slice(0, part.index)) || /^(?:sha1|sha256|sha384|sha512|md5)-/i.test(part.value))
        continue;
      if (isCharacterSet(value)) continue;
      if (entropy(value) >= 4.3) found.push({ index: part.index, value });
    }
  }
  return found;
}

function splitKeep(text: string, start: number): { value: string; index: number }[] {
  const parts: { value: string; index: number }[] = [];
  let offset = start;
  for (const value of text.split('/')) {
    parts.push({ value, index: offset });
    offset += value.length + 1;
  }
  return parts;
}

// A run of 8 consecutive characters (abcdefgh, 01234567) marks a character-set literal (an RFC's tchar list), not a key:
// random base64 of any length we scan almost never holds one.
function isCharacterSet(value: string): boolean {
  let run = 1;
  for (let i = 1; i < value.length; i++) {
    run = value.charCodeAt(i) === value.charCodeAt(i - 1) + 1 ? run + 1 : 1;
    if (run >= 8) return true;
  }
  return false;
}
