// The router daemon: `node <compiled main> <routerDir>` (started by `pilot router start`, which writes router.json first).
// `pilot router start --foreground` runs the same runDaemon in its own process instead (under a supervisor).
import { ListenError, runDaemon } from './run.ts';

const controller = new AbortController();
process.on('SIGTERM', () => controller.abort('SIGTERM'));
process.on('SIGINT', () => controller.abort('SIGINT'));
try {
  await runDaemon(process.argv[2], { signal: controller.signal });
  process.exit(0);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(error instanceof ListenError ? 3 : 1);
}
