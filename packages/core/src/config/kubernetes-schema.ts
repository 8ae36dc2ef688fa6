import { z } from 'zod';
import { duration } from './duration-schema.ts';

// A DNS-1123 label: what Kubernetes accepts as a namespace, a Service or a Deployment name.
const k8sName = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    'expected a Kubernetes name (lower-case letters, digits, -; at most 63)',
  );

/** The `kubernetes` target: the team's own Deployment and Service manifests, driven from outside through kubectl. */
export const kubernetesTargetSchema = z.strictObject({
  kind: z.literal('kubernetes'),
  /** kubeconfig context; default: the current context, read once and then passed explicitly on every call. */
  context: z.string().min(1).optional(),
  namespace: k8sName,
  /** The manifests (files, or `dir/*.yaml`): one Deployment, the Service named by `service`, anything else applied as is. */
  manifests: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** The image of a release: `{version}`, `{digest}`, `{commit}`, `{env}` substituted (`ghcr.io/acme/api:{version}`). */
  image: z
    .string()
    .regex(
      /\{(version|digest|commit)\}/,
      'expected an image reference naming the release, e.g. "ghcr.io/acme/api:{version}" or "ghcr.io/acme/api@{digest}"',
    ),
  /** The container whose image is set (default: the Deployment's first). */
  container: k8sName.optional(),
  /** The Service in the manifests that users reach: its selector is what moves between releases. */
  service: k8sName,
  /** The Service's port, for smoke tests through the preview Service. */
  port: z.number().int().min(1).max(65535),
  /** An HTTPRoute in the manifests whose rules point at `service`: canary weights go through it (Gateway API); without it, replica ratios (approximate). */
  route: k8sName.optional(),
  /** Where the preview Service answers from where Pilot runs (`{version}` substituted); default: a `kubectl port-forward` Pilot opens and closes. */
  previewUrl: z
    .string()
    .regex(/^https?:\/\/\S+$/, 'expected an http(s):// URL')
    .optional(),
  /** How long `kubectl rollout status` may wait for a release to be available. */
  rolloutTimeout: duration.default('5m'),
});
