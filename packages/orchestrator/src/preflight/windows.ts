import type { EnvironmentConfig } from '@pilot/core';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** True when `now` (UTC) is inside one of the environment's deploy windows, or when it has none. A window may wrap midnight. */
export function insideDeployWindow(windows: EnvironmentConfig['windows'], now = new Date()): boolean {
  if (windows.length === 0) return true;
  const day = DAYS[now.getUTCDay()];
  const minutes = now.getUTCHours() * 60 + now.getUTCMinutes();
  const toMin = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return windows.some((w) => {
    const start = toMin(w.start);
    const end = toMin(w.end);
    if (start <= end) return w.days.includes(day) && minutes >= start && minutes < end;
    const yesterday = DAYS[(now.getUTCDay() + 6) % 7];
    return (w.days.includes(day) && minutes >= start) || (w.days.includes(yesterday) && minutes < end);
  });
}

export function describeWindows(windows: EnvironmentConfig['windows']): string {
  return windows.map((w) => `${w.days.join(',')} ${w.start}–${w.end} UTC`).join('; ');
}
