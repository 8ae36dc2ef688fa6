import { hostname } from 'node:os';

/** An in-toto Statement v1 (https://in-toto.io/Statement/v1). */
export interface Statement {
  _type: string;
  subject: { name: string; digest: Record<string, string> }[];
  predicateType: string;
  predicate: unknown;
}

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
/** What a Pilot release build is: git archive of a commit → pnpm install → build → pnpm deploy --prod → reproducible tar.gz. */
export const PILOT_BUILD_TYPE = 'https://github.com/pilot-deploy/pilot/release-build/v1';

export interface ProvenanceInput {
  /** The release archive's file name and sha256 (hex). */
  artifact: { name: string; sha256: string };
  version: string;
  commit: string;
  service: { name: string; package?: string; build?: string[] };
  configHash?: string;
  /** Source repository URI when known (CI), else the local checkout. */
  sourceUri: string;
  startedOn?: string;
  byproducts: { name: string; sha256: string }[];
  env?: NodeJS.ProcessEnv;
}

/** The builder running us: the CI workflow when there is one, else this host (honest: a local build is not hardened). */
export function builderOf(env: NodeJS.ProcessEnv = process.env): { id: string; invocationId?: string } {
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_WORKFLOW_REF) {
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    return {
      id: `${server}/${env.GITHUB_WORKFLOW_REF}`,
      invocationId: `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}/attempts/${env.GITHUB_RUN_ATTEMPT ?? '1'}`,
    };
  }
  return { id: `urn:pilot:local-builder:${hostname()}` };
}

/** Builds the SLSA provenance v1 statement whose subject is the release archive. */
export function createProvenance(o: ProvenanceInput): Statement {
  const builder = builderOf(o.env);
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: o.artifact.name, digest: { sha256: o.artifact.sha256 } }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: PILOT_BUILD_TYPE,
        externalParameters: {
          version: o.version,
          service: o.service.name,
          package: o.service.package,
          build: o.service.build,
          source: { uri: o.sourceUri, commit: o.commit },
        },
        internalParameters: o.configHash ? { configHash: o.configHash } : {},
        resolvedDependencies: [{ uri: `git+${o.sourceUri}@${o.commit}`, digest: { gitCommit: o.commit } }],
      },
      runDetails: {
        builder: { id: builder.id },
        metadata: {
          ...(builder.invocationId ? { invocationId: builder.invocationId } : {}),
          ...(o.startedOn ? { startedOn: o.startedOn } : {}),
          finishedOn: new Date().toISOString(),
        },
        byproducts: o.byproducts.map((b) => ({ name: b.name, digest: { sha256: b.sha256 } })),
      },
    },
  };
}
