import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Document, LineCounter, parseDocument } from 'yaml';

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
  const lineOf = (path: (string | number)[]) => {
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return 1;
  };
  return { file, name, source, doc, data, lineOf };
}
