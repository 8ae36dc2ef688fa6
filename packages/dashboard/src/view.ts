/** One verdict of an analysis step, with its evidence (each rule or metric: observed vs threshold, test, samples). */
export interface VerdictView {
  step: string;
  decision: string;
  ts: string;
  reasons: Record<string, unknown>[];
}

/** A deployment as the page lists it. */
export interface DeploymentSummary {
  id: string;
  status: string;
  release?: string;
  previous?: string;
  startedAt?: string;
  updatedAt?: string;
  durationMs?: number;
  /** True when its report.html exists (served at /ui/report/<id>). */
  report: boolean;
}

/** The open deployment: where it is, since when, what comes next and why it waits. */
export interface OpenDeploymentView extends DeploymentSummary {
  step?: { name: string; index?: number; total: number; completed: boolean; since?: string };
  weight?: number;
  next?: string;
  pauseReason?: string;
  dueAt?: string;
}

/** What the page shows about an environment, from the journal, the lock and the history (`pilot status`'s readers). */
export interface EnvironmentView {
  env: string;
  service?: string;
  live?: string;
  lastKnownGood?: string;
  lock: { held: boolean; deploymentId?: string; state?: string; actor?: string; since?: string };
  open?: OpenDeploymentView;
  verdicts: VerdictView[];
  recent: DeploymentSummary[];
  /** What the buttons would do, and the CLI command each one is. */
  actions: { name: 'promote' | 'promote-full' | 'abort' | 'resume'; enabled: boolean; command: string }[];
}

/** The router's live routes and releases (its admin status); for a target without a router, the journal's. */
export interface RouterView {
  /** `healthy` is absent where nothing probes the release (a target without a router). */
  stable: { version: string; healthy?: boolean; weight: number } | null;
  candidate: { version: string; healthy?: boolean; weight: number } | null;
  maintenance: { message: string } | null;
  releases: {
    version: string;
    state: string;
    pid?: number;
    port?: number;
    retiring?: boolean;
    restarts?: number;
    inFlight?: number;
  }[];
  /** Where the routes shown come from, when it is not a router (shown under the table). */
  source?: string;
}

/** One environment's page, for the switcher of a server that shows several. */
export interface EnvironmentLink {
  env: string;
  /** The page's path on the same server. */
  href: string;
  target: string;
}

/** What an action from the page answered. */
export interface ActionResult {
  ok: boolean;
  message: string;
}

export type ActionName = EnvironmentView['actions'][number]['name'];
