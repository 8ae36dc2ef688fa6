import type { PilotEvent } from './events.ts';

const paint = (code: number) => (text: string, on: boolean) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);
const dim = paint(2);
const red = paint(31);
const green = paint(32);
const yellow = paint(33);
const cyan = paint(36);

// Fields that are shown in the line itself, not repeated as key=value.
const SHOWN = new Set(['ts', 'level', 'event', 'msg', 'kind', 'step', 'total', 'index']);

/** One human line per event: a symbol by level or step state, the message, and the remaining fields as key=value. */
export function renderHuman(event: PilotEvent, color: boolean): string {
  // Metrics records are for log pipelines (JSON); people see the figures in the command's own output.
  if (event.kind === 'metrics') return '';
  const progress =
    typeof event.index === 'number' && typeof event.total === 'number' ? `[${event.index}/${event.total}] ` : '';
  const text = event.msg ?? event.event;
  const extras = Object.entries(event)
    .filter(([key, value]) => !SHOWN.has(key) && value !== undefined && typeof value !== 'object')
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  const tail = extras ? ` ${dim(extras, color)}` : '';
  if (event.event.endsWith('.started')) return `${cyan('→', color)} ${progress}${text}${tail}`;
  if (event.event.endsWith('.completed') || event.event.endsWith('.passed'))
    return `${green('✓', color)} ${progress}${text}${tail}`;
  switch (event.level) {
    case 'error':
      return `${red('✗', color)} ${progress}${text}${tail}`;
    case 'warn':
      return `${yellow('!', color)} ${progress}${text}${tail}`;
    case 'debug':
      return dim(`· ${text}${extras ? ` ${extras}` : ''}`, color);
    default:
      return `  ${progress}${text}${tail}`;
  }
}
