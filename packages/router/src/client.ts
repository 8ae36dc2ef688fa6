import { readFile } from 'node:fs/promises';
import { PilotError } from '@pilot/core';
import { routerFiles } from './config.ts';

/** Talks to a running router's admin API with the token from its 0600 file. */
export interface RouterClient {
  get<T = unknown>(path: string): Promise<T>;
  post<T = unknown>(path: string, body?: Record<string, unknown>): Promise<T>;
  getText(path: string): Promise<string>;
}

export function routerClient(routerDir: string, adminPort: number): RouterClient {
  let token: string | undefined;
  const call = async (method: string, path: string, body?: Record<string, unknown>): Promise<Response> => {
    token ??= (await readFile(routerFiles(routerDir).token, 'utf8')).trim();
    let res: Response;
    try {
      res = await fetch(`http://127.0.0.1:${adminPort}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(120_000),
      });
    } catch (error) {
      throw new PilotError(
        `the router's admin API on 127.0.0.1:${adminPort} does not answer — is the router running? (\`pnpm pilot router status\`)`,
        1,
        { cause: error },
      );
    }
    if (!res.ok) {
      const detail = await res.json().then(
        (j: { error?: string }) => j.error,
        () => res.statusText,
      );
      throw new PilotError(`router: ${detail}`);
    }
    return res;
  };
  return {
    get: async (path) => (await call('GET', path)).json(),
    post: async (path, body) => (await call('POST', path, body ?? {})).json(),
    getText: async (path) => (await call('GET', path)).text(),
  };
}
