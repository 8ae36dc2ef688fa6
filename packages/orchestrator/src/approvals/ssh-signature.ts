import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, shell } from '@pilot/core';

/** The signature namespace: a signature made for git commits or anything else cannot pass as an approval. */
export const APPROVAL_NAMESPACE = 'pilot-approval';

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pilot-sig-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Signs `text` with `ssh-keygen -Y sign`: with the private key file `key`, or (a public key file, or none) through the
 * ssh-agent. Returns the armored signature.
 */
export async function signText(text: string, o: { key?: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  const env = o.env ?? process.env;
  return withTemp(async (dir) => {
    let key = o.key;
    if (!key) {
      if (!env.SSH_AUTH_SOCK)
        throw new UsageError(
          'pilot approve: no signing key — pass --key ~/.ssh/id_ed25519, or start ssh-agent with your key (ssh-add)',
        );
      const listed = await shell({ env, nothrow: true })`ssh-add -L`;
      const first = String(listed.stdout)
        .split('\n')
        .find((l) => l.startsWith('ssh-'));
      if (listed.exitCode !== 0 || !first)
        throw new UsageError('pilot approve: the ssh-agent holds no key — `ssh-add ~/.ssh/id_ed25519`, or pass --key');
      key = join(dir, 'agent.pub');
      await writeFile(key, `${first}\n`);
    }
    const file = join(dir, 'statement');
    await writeFile(file, text);
    const r = await shell({
      env,
      nothrow: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })`ssh-keygen -Y sign -f ${key} -n ${APPROVAL_NAMESPACE} ${file}`;
    if (r.exitCode !== 0)
      throw new UsageError(
        `--key ${o.key ?? '(ssh-agent)'}: ssh-keygen could not sign (${String(r.stderr).trim().split('\n').at(-1)}) — pass an unencrypted private key, or load it into ssh-agent`,
      );
    return readFile(`${file}.sig`, 'utf8');
  });
}

/** Who signed: the principals of policies/allowed_signers whose key made `signature` (empty: not listed). */
export async function verifyText(
  text: string,
  signature: string,
  allowedSigners: string,
): Promise<{ ok: true; principals: string[] } | { ok: false; reason: string }> {
  return withTemp(async (dir) => {
    const sig = join(dir, 'statement.sig');
    await writeFile(sig, signature);
    const found = await shell({
      nothrow: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })`ssh-keygen -Y find-principals -s ${sig} -f ${allowedSigners}`;
    const principals = String(found.stdout)
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (found.exitCode !== 0 || principals.length === 0)
      return { ok: false, reason: 'signed with a key that is not in policies/allowed_signers' };
    const check = await shell({ nothrow: true })({
      input: text,
    })`ssh-keygen -Y verify -f ${allowedSigners} -I ${principals[0]} -n ${APPROVAL_NAMESPACE} -s ${sig}`;
    if (check.exitCode !== 0)
      return {
        ok: false,
        reason: `the signature of ${principals[0]} does not match the statement (altered after signing)`,
      };
    return { ok: true, principals };
  });
}

/** The roles each principal holds: the `roles=a,b` comment ending its line in allowed_signers. */
export async function readSignerRoles(allowedSigners: string): Promise<Map<string, string[]>> {
  const roles = new Map<string, string[]>();
  const text = await readFile(allowedSigners, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const principals = line.trim().split(/\s+/)[0].split(',');
    const held = /\sroles=([^\s]+)\s*$/.exec(line)?.[1].split(',').filter(Boolean) ?? [];
    for (const p of principals) roles.set(p, [...(roles.get(p) ?? []), ...held]);
  }
  return roles;
}
