import type { Finding } from '../finding.ts';
import { globMatcher } from '../glob.ts';
import type { WorkflowRules } from '../policy-files.ts';
import type { Job, WorkflowFile } from './workflow-files.ts';

const SHA = /^[0-9a-f]{40}$/;

/** Structure rules: timeout-minutes on every job, concurrency where required, pinned actions, least-privilege permissions. */
export function checkWorkflowRules(workflows: WorkflowFile[], rules: WorkflowRules): Finding[] {
  const findings: Finding[] = [];
  const needsConcurrency = globMatcher(rules.concurrencyRequired);
  const unpinnedOk = new Set(rules.unpinnedOwners.map((owner) => owner.toLowerCase()));
  for (const wf of workflows) {
    const at = (path: (string | number)[], rule: Finding['rule'], message: string) =>
      findings.push({ rule, file: wf.file, line: wf.lineOf(path), message });
    if (!wf.data || typeof wf.data !== 'object' || !wf.data.jobs || typeof wf.data.jobs !== 'object') {
      const error = wf.doc.errors[0];
      at(
        [],
        'workflow/parse',
        error ? `not valid YAML: ${error.message.split('\n')[0]}` : 'no jobs: a workflow needs a `jobs` map',
      );
      continue;
    }
    const jobs = Object.entries(wf.data.jobs);
    if (needsConcurrency(wf.name) && wf.data.concurrency === undefined) {
      at(
        ['on'],
        'workflow/concurrency',
        `${wf.name} must declare a top-level concurrency group (deploy/attestation workflows never run twice at once)`,
      );
    }
    checkPermissions(wf, jobs, rules, at);
    for (const [id, job] of jobs) {
      if (!job || typeof job !== 'object') continue;
      // A job that calls a reusable workflow cannot take timeout-minutes; the called workflow's jobs carry it.
      if (job.uses === undefined && job['timeout-minutes'] === undefined) {
        at(['jobs', id], 'workflow/timeout', `job ${id} has no timeout-minutes (the default is 6 hours)`);
      }
      if (typeof job.uses === 'string') checkRef(job.uses, ['jobs', id, 'uses']);
      (Array.isArray(job.steps) ? job.steps : []).forEach((step, index) => {
        if (step && typeof step.uses === 'string') checkRef(step.uses, ['jobs', id, 'steps', index, 'uses']);
      });
    }
    function checkRef(uses: string, path: (string | number)[]) {
      if (uses.startsWith('./')) return;
      if (uses.startsWith('docker://')) {
        if (!/@sha256:[0-9a-f]{64}$/.test(uses))
          at(path, 'workflow/pinned-action', `${uses} must be pinned to an image digest (docker://image@sha256:…)`);
        return;
      }
      const [action, ref = ''] = uses.split('@');
      const owner = action.split('/')[0].toLowerCase();
      if (!SHA.test(ref) && !unpinnedOk.has(owner)) {
        at(
          path,
          'workflow/pinned-action',
          `${uses} is not pinned to a full commit SHA — use ${action}@<40-hex sha> # ${ref || 'tag'}`,
        );
      }
    }
  }
  return findings;
}

type At = (path: (string | number)[], rule: Finding['rule'], message: string) => void;

function checkPermissions(wf: WorkflowFile, jobs: [string, Job][], rules: WorkflowRules, at: At): void {
  const top = wf.data?.permissions;
  const allowed = new Set(
    Object.entries(rules.writeScopes).flatMap(([glob, scopes]) => (globMatcher([glob])(wf.name) ? scopes : [])),
  );
  if (top === undefined) {
    const missing = jobs
      .filter(([, job]) => job && typeof job === 'object' && job.permissions === undefined)
      .map(([id]) => id);
    if (missing.length > 0)
      at(
        ['on'],
        'workflow/permissions',
        `no top-level permissions, and job(s) ${missing.join(', ')} declare none: the token gets the repository default — add \`permissions: { contents: read }\``,
      );
  } else {
    for (const scope of writeScopesOf(top, wf, ['permissions'], at)) {
      at(
        ['permissions', scope],
        'workflow/permissions',
        `top-level permissions grant ${scope}: write to every job — keep the top level read-only and grant writes on the job that needs them`,
      );
    }
  }
  for (const [id, job] of jobs) {
    if (!job || typeof job !== 'object' || job.permissions === undefined) continue;
    for (const scope of writeScopesOf(job.permissions, wf, ['jobs', id, 'permissions'], at)) {
      if (!allowed.has(scope)) {
        at(
          ['jobs', id, 'permissions', scope],
          'workflow/permissions',
          `job ${id} grants ${scope}: write, which policies/workflow-rules.yaml does not allow for ${wf.name} (writeScopes)`,
        );
      }
    }
  }
}

function writeScopesOf(permissions: unknown, wf: WorkflowFile, path: (string | number)[], at: At): string[] {
  if (permissions === 'write-all' || permissions === 'read-all') {
    at(
      path,
      'workflow/permissions',
      `${wf.name}: permissions: ${permissions} — list the scopes the job needs instead (least privilege)`,
    );
    return [];
  }
  if (!permissions || typeof permissions !== 'object') return [];
  return Object.entries(permissions as Record<string, unknown>)
    .filter(([, level]) => level === 'write')
    .map(([scope]) => scope);
}
