import { Spec, Validation } from '@cyclonedx/cyclonedx-library';

/** Validates a CycloneDX 1.6 JSON document offline against the schema shipped by cyclonedx-library; returns the problems. */
export async function validateSbom(json: string): Promise<string[]> {
  const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
  const errors = (await validator.validate(json)) as { instancePath?: string; message?: string }[] | null;
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}
