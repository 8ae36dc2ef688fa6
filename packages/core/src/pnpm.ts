/** How to call pnpm: the one running us (npm_execpath) when there is one, else the pinned `npx -y pnpm@10.34.9` (no global pnpm here). */
export function pnpmCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const execpath = env.npm_execpath;
  if (execpath && /pnpm/.test(execpath)) return /\.c?js$/.test(execpath) ? [process.execPath, execpath] : [execpath];
  return ['npx', '-y', 'pnpm@10.34.9'];
}
