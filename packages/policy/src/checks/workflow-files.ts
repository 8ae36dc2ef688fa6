import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Document, LineCounter, type Node, type Scalar, isMap, isScalar, isSeq, parseDocument } from 'yaml';

/** A parsed workflow with a way to find the line of any node. */
export interface WorkflowFile {
  /** Repository-relative POSIX path. */
  file: string;
  name: string;
  source: string;
  doc: Document;
  data: Workflow | undefined;
  /** 1-based line of the node at `path` (e.g. ['jobs', 'build', 'steps', 0, 'uses']), or of the nearest parent present. */
  lineOf(path: (string | number)[]): number;
}

export interface Step {
  uses?: string;
  run?: string;
  [key: string]: unknown;
}
export interface Job {
  uses?: string;
  steps?: Step[];
  permissions?: unknown;
  'timeout-minutes'?: unknown;
  [key: string]: unknown;
}
export interface Workflow {
  permissions?: unknown;
  concurrency?: unknown;
  jobs?: Record<string, Job>;
  [key: string]: unknown;
}

/** Reads every .yml/.yaml file in `dir` (repository-relative), sorted by name. */
export function readWorkflows(root: string, dir: string): WorkflowFile[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => parseWorkflow(`${dir}/${name}`, name, readFileSync(join(abs, name), 'utf8')));
}

export function parseWorkflow(file: string, name: string, source: string): WorkflowFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true });
  const data = doc.errors.length === 0 ? (doc.toJS() as Workflow | undefined) : undefined;
  // The line of the key (`build:` for ['jobs', 'build']), not of its value, which may start a line later.
  const lineOf = (path: (string | number)[]) => {
    for (let depth = path.length; depth > 0; depth -= 1) {
      const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
      const last = path[depth - 1];
      let range: [number, number, number] | null | undefined;
      if (isMap(parent))
        range = (parent.items.find((pair) => isScalar(pair.key) && pair.key.value === last)?.key as Scalar | undefined)
          ?.range;
      else if (isSeq(parent) && typeof last === 'number') range = (parent.items[last] as Node | undefined)?.range;
      if (range) return lineCounter.linePos(range[0]).line;
    }
    return 1;
  };
  return { file, name, source, doc, data, lineOf };
}
