import { FailedError } from '@pilot/core';
import { CIContextProvider, type IdentityProvider } from '@sigstore/sign';

/**
 * The OIDC token Fulcio certifies: SIGSTORE_ID_TOKEN when given, else the CI's own (GitHub Actions with
 * `id-token: write`, audience "sigstore"). The token is a credential: it is only ever handed to Fulcio.
 */
export function identityProviderFrom(
  env: NodeJS.ProcessEnv,
  onToken: (token: string) => void = () => undefined,
): IdentityProvider {
  return {
    async getToken() {
      const given = env.SIGSTORE_ID_TOKEN;
      if (given) return given;
      if (!env.ACTIONS_ID_TOKEN_REQUEST_URL) {
        throw new FailedError(
          'keyless signing needs an OIDC token: run it in GitHub Actions with `permissions: id-token: write`, or set SIGSTORE_ID_TOKEN — or sign with a key (`pnpm attest keygen`, attest.key)',
        );
      }
      // CIContextProvider reads ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN from process.env.
      const token = await withEnv(env, () => new CIContextProvider('sigstore').getToken()).catch((error: Error) => {
        throw new FailedError(
          `could not get an OIDC token from GitHub Actions (${error.message}) — does the job have \`permissions: id-token: write\`?`,
          { cause: error },
        );
      });
      onToken(token);
      return token;
    },
  };
}

async function withEnv<T>(env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  if (env === process.env) return fn();
  const names = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'] as const;
  const saved = names.map((n) => process.env[n]);
  for (const n of names) process.env[n] = env[n];
  try {
    return await fn();
  } finally {
    names.forEach((n, i) => {
      if (saved[i] === undefined) delete process.env[n];
      else process.env[n] = saved[i];
    });
  }
}
