/** Who gets traffic: swapped as a whole (one assignment), never edited in place, so a request sees one consistent table. */
export interface RouteTable {
  stable?: string;
  candidate?: string;
  /** Share of requests (0–100) for the candidate. */
  weight: number;
  maintenance?: { message: string };
}

/**
 * Deterministic weighted split by request count: over any 100 consecutive requests the candidate gets exactly
 * `weight` of them, spread evenly (request n goes to the candidate when floor((n+1)w/100) > floor(nw/100)).
 */
export function candidateTurn(counter: number, weight: number): boolean {
  if (weight <= 0) return false;
  if (weight >= 100) return true;
  return Math.floor(((counter + 1) * weight) / 100) > Math.floor((counter * weight) / 100);
}

/** Sticky bucket for a header value: the same value always lands in the same 0–99 bucket (FNV-1a). */
export function stickyBucket(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 100;
}

/** The value of one cookie from a Cookie header, without parsing the rest. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
