import { RefusedError } from '@pilot/core';
import type { GateResult } from './gate.ts';

/** NO-GO from the gate `pilot` runs: refused (exit 3), with the decision and its sign-off report. */
export class GateRefusedError extends RefusedError {
  constructor(readonly gate: GateResult) {
    const failed = gate.criteria.filter((c) => c.status === 'fail').map((c) => `  ✗ ${c.name}: ${c.detail}`);
    super(
      `Go/No-Go gate: NO-GO for ${gate.version} on ${gate.env} (${failed.length} of ${gate.criteria.length} criteria failed):\n${failed.join('\n')}\nsign-off report: ${gate.report}`,
    );
  }
}
