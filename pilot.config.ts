// Pilot's own demo deployment: the bundled demo service on the local router.
// Reference: README.md#configuration.
import { defineConfig } from '@pilot/core';

export default defineConfig({
  service: {
    name: 'demo-app',
    dir: 'packages/demo-app',
    package: '@pilot/demo-app',
    build: ['pnpm', 'run', 'build'],
    start: ['node', 'dist/server.js'],
    health: { live: '/health/live', ready: '/health/ready' },
    metricsPath: '/metrics',
  },
  environments: {
    staging: { port: 18080, branch: 'main', rules: ['canary'], watch: '0s' },
    production: {
      port: 19080,
      branch: 'main',
      upstream: 'staging',
      rules: ['production'],
      approvals: { count: 1, roles: [] },
    },
    // The demo service on a Kubernetes cluster (README#kubernetes): `pnpm pilot --env k8s-example --dry-run` prints
    // every manifest and kubectl command and applies nothing. `pnpm pilot demo` does not use it.
    'k8s-example': {
      port: 18090,
      branch: 'main',
      rules: ['canary'],
      watch: '0s',
      target: {
        kind: 'kubernetes',
        context: 'kind-pilot',
        namespace: 'demo',
        manifests: 'deploy/k8s/*.yaml',
        image: 'ghcr.io/acme/demo-app:{version}',
        service: 'demo-app',
        port: 80,
        route: 'demo-app',
        previewUrl: 'http://demo-app-preview.demo.svc.cluster.local',
      },
    },
  },
  strategy: { kind: 'canary', steps: [5, 25, 50, 100], analysisWindow: '30s', interval: '5s' },
  checks: {
    smoke: [{ name: 'hello', path: '/api/hello', expect: { status: 200, json: { path: 'service', equals: 'demo-app' } } }],
  },
  secrets: ['SLACK_WEBHOOK_URL', 'PILOT_WEBHOOK_URL'],
  etag: { folders: ['packages/core', 'packages/demo-app'], ignore: ['node_modules', 'dist'] },
});
