import { createHash, type KeyObject } from 'node:crypto';
import { type DsseEnvelope, openEnvelope } from '../sign/dsse.ts';
import type { Statement } from './statement.ts';

/** Reads an envelope from a file's text: a DSSE envelope, the first line of a .jsonl, or a sigstore bundle's dsseEnvelope. */
export function parseEnvelope(text: string): DsseEnvelope | undefined {
  for (const candidate of [text, text.trim().split('\n')[0]]) {
    try {
      const value = JSON.parse(candidate) as DsseEnvelope & { dsseEnvelope?: DsseEnvelope };
      return value.dsseEnvelope ?? value;
    } catch {
      // not JSON as a whole: try the first line (JSON Lines)
    }
  }
  return undefined;
}

/** Verifies a DSSE in-toto attestation for `blob`: signature by `key`, and a subject whose sha256 is the blob's. */
export function checkAttestation(
  envelopeText: string,
  blob: Buffer,
  key: KeyObject,
): { statement?: Statement; problem?: string } {
  const envelope = parseEnvelope(envelopeText);
  if (!envelope) return { problem: 'the signature file is not JSON (expected a DSSE envelope)' };
  if (envelope.payloadType !== 'application/vnd.in-toto+json')
    return { problem: `payloadType ${JSON.stringify(envelope.payloadType)} is not application/vnd.in-toto+json` };
  const opened = openEnvelope(envelope, key);
  if ('problem' in opened) return { problem: opened.problem };
  let statement: Statement;
  try {
    statement = JSON.parse(opened.payload.toString('utf8')) as Statement;
  } catch {
    return { problem: 'the envelope’s payload is not an in-toto statement (not JSON)' };
  }
  if (!/^https:\/\/in-toto\.io\/Statement\/v(0\.1|1)$/.test(statement._type))
    return { problem: `unknown statement type ${JSON.stringify(statement._type)}` };
  const sha256 = createHash('sha256').update(blob).digest('hex');
  if (!statement.subject?.some((s) => s.digest?.sha256 === sha256)) {
    const names = (statement.subject ?? []).map((s) => `${s.name} sha256:${s.digest?.sha256}`).join(', ');
    return { statement, problem: `the statement’s subject (${names}) does not match the file (sha256:${sha256})` };
  }
  return { statement };
}
