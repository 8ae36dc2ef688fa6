import assert from 'node:assert/strict';
import type { RecordingBackend } from './recording-backend.ts';
import { fieldValues } from './strict-parser.ts';

/**
 * The smuggling invariant: what reached the release reads strictly, as no more requests than the router decided to
 * forward (one refused mid-body may never have left), each with one X-Forwarded-For ending in the router's client
 * address.
 */
export function assertOnlyRouted(backend: RecordingBackend, routed: number, what = ''): void {
  assert.equal(backend.error(), undefined, `${what}: the release could not read what was forwarded`);
  assert.ok(
    backend.heads() <= routed,
    `${what}: the release saw ${backend.heads()} request heads, the router forwarded ${routed}`,
  );
  for (const request of backend.requests()) {
    const xff = fieldValues(request, 'x-forwarded-for');
    assert.equal(
      xff.length,
      1,
      `${what}: ${request.method} ${request.target} has ${xff.length} X-Forwarded-For fields`,
    );
    assert.match(xff[0], /(^|, )127\.0\.0\.1$/, `${what}: X-Forwarded-For ${xff[0]}`);
  }
}
