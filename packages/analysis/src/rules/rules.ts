import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@pilot/core';
import { parse } from 'yaml';
import { z } from 'zod';

const severity = z.enum(['warning', 'critical']).default('critical');

/** The rule kinds of policies/rules.yaml. */
export const ruleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('consecutive_failures'), max: z.number().int().min(1), severity }),
  z.strictObject({
    kind: z.literal('success_rate'),
    min: z.number().min(0).max(1),
    minChecks: z.number().int().min(1).default(5),
    severity,
  }),
  z.strictObject({
    kind: z.literal('p95_latency'),
    maxMs: z.number().positive(),
    minSamples: z.number().int().min(1).default(5),
    severity,
  }),
  z.strictObject({
    kind: z.literal('error_rate'),
    max: z.number().min(0).max(1),
    minSamples: z.number().int().min(1).default(10),
    severity,
  }),
  z.strictObject({
    kind: z.literal('availability'),
    min: z.number().min(0).max(1),
    minSamples: z.number().int().min(1).default(5),
    severity,
  }),
  z.strictObject({ kind: z.literal('failing_for'), maxMs: z.number().positive(), severity }),
  z.strictObject({ kind: z.literal('cpu_percent'), max: z.number().positive(), severity }),
  z.strictObject({ kind: z.literal('memory_percent'), max: z.number().positive().max(100), severity }),
  z.strictObject({
    kind: z.literal('prometheus'),
    name: z.string().min(1),
    query: z.string().min(1),
    min: z.number().optional(),
    max: z.number().optional(),
    severity,
  }),
]);
export type Rule = z.output<typeof ruleSchema>;

/** Loads named rule sets from `policies/rules.yaml`; an unknown name or a bad rule is a ConfigError naming it. */
export async function loadRuleSets(root: string, names: readonly string[]): Promise<Rule[]> {
  const file = join(root, 'policies', 'rules.yaml');
  let doc: Record<string, unknown>;
  try {
    doc = (parse(await readFile(file, 'utf8')) ?? {}) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`${file}: cannot be read: ${(error as Error).message}`);
  }
  const rules: Rule[] = [];
  for (const name of names) {
    const set = doc[name];
    if (!Array.isArray(set))
      throw new ConfigError(
        `${file}: no rule set ${JSON.stringify(name)} — it defines: ${Object.keys(doc).join(', ')}`,
      );
    set.forEach((raw, index) => {
      const parsed = ruleSchema.safeParse(raw);
      if (!parsed.success)
        throw new ConfigError(
          `${file}: ${name}[${index}] ${JSON.stringify(raw)}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'rule'}: ${i.message}`).join('; ')}`,
        );
      rules.push(parsed.data);
    });
  }
  return rules;
}
