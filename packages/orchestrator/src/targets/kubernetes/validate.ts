import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { UsageError } from '@pilot/core';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

/** An object Pilot will apply, and the manifest it was derived from. */
export interface RenderedObject {
  /** The source manifest (relative path) and document index, or `derived` for objects Pilot makes itself. */
  from: string;
  object: Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string } };
}

interface Validatable {
  validate(): void;
}
type Model = new (data: never) => Validatable;

// Static imports (the compiled scripts bundle them): the kinds a service's own manifests usually hold.
const MODELS: Record<string, Model> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/ServiceAccount': ServiceAccount,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'gateway.networking.k8s.io/v1/HTTPRoute': HTTPRoute,
};

/** The Kubernetes kinds Pilot can check offline, as `apiVersion/kind`. */
export const KNOWN_KINDS = Object.keys(MODELS);

/**
 * Checks every object against the Kubernetes OpenAPI schema (kubernetes-models, offline) before anything is applied.
 * The first invalid object is exit 2 naming its file, the object and each field with what was wrong.
 */
export function validateObjects(objects: RenderedObject[]): void {
  for (const { from, object } of objects) {
    const key = `${object.apiVersion}/${object.kind}`;
    const Model = MODELS[key];
    const name = `${object.kind}/${object.metadata.name}`;
    if (!Model)
      throw new UsageError(
        `${from}: ${name} has apiVersion/kind ${key}, which Pilot cannot validate offline (known: ${KNOWN_KINDS.join(', ')}) — apply it yourself, outside target.manifests`,
      );
    try {
      new Model(object as never).validate();
    } catch (error) {
      const fields = (
        error as { errors?: { instancePath: string; message?: string; params?: Record<string, unknown> }[] }
      ).errors;
      const detail = fields?.length
        ? fields
            .map(
              (f) =>
                `${fieldPath(f.instancePath)} ${f.message ?? 'is invalid'}${f.params?.allowedValues ? ` (${JSON.stringify(f.params.allowedValues)})` : ''}`,
            )
            .join('; ')
        : (error as Error).message;
      throw new UsageError(`${from}: ${name} is not a valid ${object.kind}: ${detail} — fix the manifest`);
    }
  }
}

// "/spec/template/spec/containers/0/ports/0/containerPort" → "spec.template.spec.containers[0].ports[0].containerPort"
const fieldPath = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')
    .replace(/^\./, '') || '(the object)';
