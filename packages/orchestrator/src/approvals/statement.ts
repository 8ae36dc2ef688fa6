/** What an approver signs: one release (by version and digest) for one environment, in one role, until a time. */
export interface ApprovalStatement {
  service: string;
  env: string;
  version: string;
  digest: string;
  role: string;
  approver: string;
  time: string;
  expires: string;
}

const HEADER = 'pilot-approval/v1';
const FIELDS = ['service', 'env', 'version', 'digest', 'role', 'approver', 'time', 'expires'] as const;

/** The canonical text signed: a header, then one `field: value` line per field in a fixed order, LF-terminated. */
export function formatStatement(s: ApprovalStatement): string {
  for (const field of FIELDS) {
    if (/[\r\n]/.test(s[field])) throw new Error(`approval statement field ${field} must be one line`);
  }
  return `${HEADER}\n${FIELDS.map((f) => `${f}: ${s[f]}`).join('\n')}\n`;
}

/** Reads a statement back; undefined unless it is exactly in canonical form (so what is checked is what was signed). */
export function parseStatement(text: string): ApprovalStatement | undefined {
  const lines = text.split('\n');
  if (lines[0] !== HEADER || lines.length !== FIELDS.length + 2 || lines.at(-1) !== '') return undefined;
  const out: Record<string, string> = {};
  for (const [i, field] of FIELDS.entries()) {
    const line = lines[i + 1];
    if (!line.startsWith(`${field}: `)) return undefined;
    out[field] = line.slice(field.length + 2);
  }
  const statement = out as unknown as ApprovalStatement;
  return formatStatement(statement) === text ? statement : undefined;
}
