import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type FileHash, hashFileSync } from './hash-worker.mjs';

export type { FileHash };

export interface HashOptions {
  /** Worker threads to use; default: one per core (at most 8). 0 hashes on the calling thread. */
  workers?: number;
}

// Below this many files a worker's start-up (~30 ms) costs more than it saves.
const INLINE_LIMIT = 200;
// Files per message: large enough to amortise postMessage, small enough to balance the cores.
const BATCH = 64;

/** Hashes files (absolute paths) in parallel; the results are in the order of `paths`. */
export async function hashFiles(paths: string[], options: HashOptions = {}): Promise<FileHash[]> {
  const wanted = options.workers ?? Math.min(availableParallelism(), 8);
  const count = Math.min(wanted, Math.ceil(paths.length / BATCH));
  if (count <= 0 || (paths.length < INLINE_LIMIT && options.workers === undefined)) return paths.map(hashFileSync);
  return hashInWorkers(paths, count);
}

async function hashInWorkers(paths: string[], count: number): Promise<FileHash[]> {
  const results: FileHash[] = new Array(paths.length);
  const url = new URL('./hash-worker.mjs', import.meta.url);
  // No execArgv: the worker is plain JS and need not load the TypeScript loader again.
  const workers = Array.from(
    { length: count },
    () => new Worker(url, { workerData: { pilotEtagWorker: true }, execArgv: [] }),
  );
  let next = 0;
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            let inFlight = 0;
            const send = () => {
              if (next >= paths.length) return false;
              const start = next;
              next = Math.min(paths.length, next + BATCH);
              inFlight += 1;
              worker.postMessage({ id: start, paths: paths.slice(start, next) });
              return true;
            };
            worker.on('message', (message: { id: number; results: FileHash[] }) => {
              inFlight -= 1;
              message.results.forEach((result, index) => {
                results[message.id + index] = result;
              });
              if (!send() && inFlight === 0) resolve();
            });
            worker.on('error', reject);
            worker.on('exit', (code) => {
              if (inFlight > 0 || next < paths.length) reject(new Error(`e-tag hash worker exited with code ${code}`));
            });
            // Two batches in flight keep a worker busy while its last answer travels back.
            if (!send()) resolve();
            else send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return results;
}
