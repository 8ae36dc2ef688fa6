import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { shell } from '@pilot/core';

/** Builds a throwaway git repository with `files` (path → text), all added to the index; removed after the test. */
export async function fixtureRepo(
  t: { after(fn: () => unknown): void },
  files: Record<string, string>,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pilot-policy-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  const $$ = shell({ cwd: dir });
  await $$`git init -q -b main`;
  await $$`git add -A`;
  return dir;
}

/** A minimal workspace that passes every policy: the base the violating fixtures change one thing in. */
export const cleanWorkspace: Record<string, string> = {
  'package.json': JSON.stringify(
    { name: 'fixture', private: true, scripts: { lint: 'true', 'policy-check': 'true' } },
    null,
    2,
  ),
  'pnpm-workspace.yaml': 'packages:\n  - "packages/*"\n',
  'packages/a/package.json': JSON.stringify({ name: '@fixture/a', dependencies: { undici: '^7.0.0' } }, null, 2),
  'pnpm-lock.yaml': "lockfileVersion: '9.0'\npackages:\n  undici@7.1.0:\n    resolution: {integrity: sha512-AAAA}\n",
  'turbo.json': JSON.stringify({ tasks: { lint: {}, test: {} } }),
  'policies/deny-list.yaml':
    'packages:\n  - { name: "@slack/*", reason: "use webhooks" }\n  - { name: request, reason: deprecated }\n',
  'policies/workflow-rules.yaml': 'concurrencyRequired: ["deploy*.yml"]\nwriteScopes:\n  deploy.yml: [id-token]\n',
  'policies/required-files.yaml': 'files:\n  - { path: README.md, why: docs }\n',
  'policies/secret-allowlist.yaml': 'allow: []\n',
  'README.md': '# fixture\n',
  '.github/workflows/ci.yml': `name: ci
on: pull_request
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      - run: pnpm exec turbo run lint test
      - run: pnpm policy-check
`,
};
