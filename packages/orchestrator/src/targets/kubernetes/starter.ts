import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RefusedError, writeFileAtomic } from '@pilot/core';

const CONFIG = `// Pilot configuration for a service on Kubernetes: one file, validated when any pnpm command loads it.
// Reference: README.md#kubernetes. Durations are "30s", "15m", "6h" or seconds.
import { defineConfig } from '@pilot/core';

export default defineConfig({
  service: {
    // Lower-case name, used in release names and git tags.
    name: 'my-service',
    dir: 'packages/my-service',
    package: 'my-service',
    // Your build makes and pushes the image target.image names (with the release version as its tag).
    build: ['pnpm', 'run', 'build'],
    start: ['node', 'dist/server.js'],
    health: { live: '/health/live', ready: '/health/ready' },
  },
  environments: {
    staging: {
      // The local port Pilot's own checks reach the Service on (e.g. through \`kubectl port-forward service/my-service 8080:80\`).
      port: 8080,
      branch: 'main',
      rules: ['canary'],
      target: {
        kind: 'kubernetes',
        context: 'kind-pilot', // kubeconfig context; every kubectl call names it and the namespace
        namespace: 'my-service-staging',
        manifests: 'deploy/k8s/*.yaml', // your Deployment and Service (and optional HTTPRoute); Pilot derives each release from them
        image: 'ghcr.io/acme/my-service:{version}', // or 'ghcr.io/acme/my-service@{digest}'
        service: 'my-service',
        port: 80,
        // Canary weights through the Gateway API: the HTTPRoute in the manifests that points at the Service.
        // route: 'my-service',
        // Where the preview Service answers from here, for smoke tests before any user traffic.
        previewUrl: 'http://my-service-preview.staging.internal',
        rolloutTimeout: '5m',
      },
    },
  },
  // blue-green: the candidate beside stable, the Service selector patched to it, the old one kept warm for keepWarm.
  strategy: { kind: 'blue-green', analysisWindow: '60s', interval: '10s', keepWarm: '15m' },
  checks: {
    smoke: [{ name: 'hello', path: '/api/hello', expect: { status: 200 } }],
  },
  secrets: ['SLACK_WEBHOOK_URL'],
});
`;

const MANIFESTS = `# Your service as you would deploy it by hand. Pilot makes one Deployment per release from this one
# (my-service-<version>, labelled pilot.dev/release) and moves the Service's selector between releases.
# {version} and {env} are substituted; the image is set from target.image.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-service
  labels: { app: my-service }
spec:
  replicas: 2
  selector:
    matchLabels: { app: my-service }
  template:
    metadata:
      labels: { app: my-service }
    spec:
      containers:
        - name: my-service
          image: set-by-pilot
          ports: [{ containerPort: 8080 }]
          env:
            - { name: PORT, value: '8080' }
            - { name: PILOT_ENV, value: '{env}' }
          readinessProbe:
            httpGet: { path: /health/ready, port: 8080 }
          livenessProbe:
            httpGet: { path: /health/live, port: 8080 }
---
apiVersion: v1
kind: Service
metadata:
  name: my-service
spec:
  selector: { app: my-service }
  ports: [{ name: http, port: 80, targetPort: 8080 }]
`;

/** `pilot init --target kubernetes`: a starter pilot.config.ts and example manifests; refuses (before writing either) to overwrite. */
export async function writeKubernetesStarter(dir: string, force = false): Promise<string[]> {
  const files = [join(dir, 'pilot.config.ts'), join(dir, 'deploy', 'k8s', 'my-service.yaml')];
  const existing = files.filter((file) => existsSync(file));
  if (existing.length && !force)
    throw new RefusedError(
      `${existing.join(' and ')} already exist${existing.length === 1 ? 's — edit it' : ' — edit them'}, or pass --force to overwrite`,
    );
  await mkdir(join(dir, 'deploy', 'k8s'), { recursive: true });
  await writeFileAtomic(files[0], CONFIG);
  await writeFileAtomic(files[1], MANIFESTS);
  return files;
}
