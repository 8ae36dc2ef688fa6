import { readFile, readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { git } from '../git/git.ts';
import type { Criterion } from './criteria.ts';

/** The parts of a `turbo run --summarize` run summary (`.turbo/runs/<id>.json`, turbo 2.x) the gate reads. */
interface TurboRunSummary {
  id: string;
  execution?: { command?: string; exitCode?: number; endTime?: number };
  globalCacheInputs?: { files?: Record<string, string> };
  tasks?: {
    taskId: string;
    task: string;
    directory?: string;
    inputs?: Record<string, string>;
    cache?: { status?: string };
    execution?: { exitCode?: number };
  }[];
  scm?: { sha?: string };
}

/** The git blob of every file in `commit`: what turbo's input hashes (git object ids) are compared with. */
async function commitBlobs(root: string, commit: string): Promise<Map<string, string>> {
  const listing = await git(root, ['ls-tree', '-r', '-z', commit], { raw: true });
  const blobs = new Map<string, string>();
  for (const entry of listing.split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab > 0) blobs.set(entry.slice(tab + 1), entry.slice(0, tab).split(' ')[2]);
  }
  return blobs;
}

async function readSummaries(dir: string): Promise<TurboRunSummary[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
  const summaries: TurboRunSummary[] = [];
  for (const name of names) {
    try {
      summaries.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as TurboRunSummary);
    } catch {
      // A summary cut short or not turbo's: not evidence.
    }
  }
  return summaries.sort((a, b) => (b.execution?.endTime ?? 0) - (a.execution?.endTime ?? 0));
}

/** Files a run's inputs hashed differently from `commit` (a dirty or untracked file): that run did not test the commit. */
function changedInputs(summary: TurboRunSummary, blobs: Map<string, string>): string[] {
  const inputs = Object.entries(summary.globalCacheInputs?.files ?? {});
  for (const task of summary.tasks ?? [])
    if (task.task === 'test')
      for (const [file, hash] of Object.entries(task.inputs ?? {}))
        inputs.push([posix.join(task.directory ?? '', file), hash]);
  return [...new Set(inputs.filter(([file, hash]) => blobs.get(file) !== hash).map(([file]) => file))];
}

/**
 * Tests from turbo: the newest `turbo run test --summarize` summary in `.turbo/runs/` whose git sha is the release's
 * commit and whose every input file is that commit's (turbo hashes inputs as git blobs; a summary only names HEAD).
 */
export async function turboTestsCriterion(root: string, commit: string): Promise<Criterion> {
  const name = 'tests';
  const short = commit.slice(0, 12);
  const dir = join(root, '.turbo', 'runs');
  const fix = `\`turbo run test --summarize\` on a clean checkout of ${short}, or pass --ci-result FILE (CI's JUnit XML)`;
  const ofCommit = (await readSummaries(dir)).filter(
    (s) => s.scm?.sha === commit && s.tasks?.some((t) => t.task === 'test'),
  );
  if (ofCommit.length === 0)
    return {
      name,
      status: 'fail',
      detail: `no test result for commit ${short}: no turbo run summary of it in .turbo/runs — ${fix}`,
    };
  const blobs = await commitBlobs(root, commit);
  const run = ofCommit.find((s) => changedInputs(s, blobs).length === 0);
  if (!run) {
    const changed = changedInputs(ofCommit[0], blobs);
    return {
      name,
      status: 'fail',
      detail: `the turbo runs of ${short} tested a changed work tree (${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ', …' : ''} not as committed) — ${fix}`,
      evidence: `.turbo/runs/${ofCommit[0].id}.json`,
    };
  }
  const tests = run.tasks!.filter((t) => t.task === 'test');
  const failed = tests.filter((t) => t.execution?.exitCode !== 0);
  const cached = tests.filter((t) => t.cache?.status === 'HIT').length;
  const at = run.execution?.endTime ? new Date(run.execution.endTime).toISOString() : 'an unknown time';
  const evidence = `.turbo/runs/${run.id}.json: \`${run.execution?.command ?? 'turbo run test'}\` on ${short} at ${at}, ${tests.length} test tasks (${cached} from cache), exit ${run.execution?.exitCode}`;
  if (failed.length)
    return {
      name,
      status: 'fail',
      detail: `${failed.length} of ${tests.length} test tasks failed: ${failed.map((t) => `${t.taskId} (exit ${t.execution?.exitCode ?? 'none'})`).join(', ')}`,
      evidence,
    };
  return { name, status: 'pass', detail: `${tests.length} test tasks passed (turbo run test on ${short})`, evidence };
}
