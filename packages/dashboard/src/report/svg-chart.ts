import type { Point } from '../series.ts';

export const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2'];
const W = 460;
const H = 150;
const PAD = { left: 62, right: 8, top: 18, bottom: 22 };

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A line chart as inline SVG (no script, prints as drawn): one line per release, x = time, y from 0 to the max. */
export function svgChart(
  title: string,
  series: Record<string, Point[]>,
  value: (p: Point) => number | null,
  unit: string,
): string {
  const versions = Object.keys(series).sort();
  const all = versions.flatMap((v) => series[v]);
  if (all.length === 0)
    return `<figure class="chart"><figcaption>${esc(title)}</figcaption><p class="muted">no traffic recorded</p></figure>`;
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(...all.map((p) => p.t), t0 + 1);
  const ys = all.map(value).filter((y): y is number => y !== null);
  const max = Math.max(...ys, 0) || 1;
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  const lines = versions.map((v, i) => {
    const segments: string[][] = [[]];
    for (const p of series[v]) {
      const val = value(p);
      if (val === null) segments.push([]);
      else segments.at(-1)!.push(`${x(p.t).toFixed(1)},${y(val).toFixed(1)}`);
    }
    return segments
      .filter((s) => s.length)
      .map(
        (s) =>
          `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5" points="${s.join(' ')}"/>`,
      )
      .join('');
  });
  const legend = versions.map((v, i) => `<tspan fill="${COLORS[i % COLORS.length]}">■ ${esc(v)}</tspan>`).join(' ');
  const time = (t: number) => new Date(t).toISOString().slice(11, 19);
  return `<figure class="chart"><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">
<text x="${PAD.left}" y="12" font-size="11">${esc(title)} ${legend}</text>
<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#999"/>
<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="#999"/>
<text x="${PAD.left - 4}" y="${PAD.top + 8}" font-size="10" text-anchor="end">${esc(fmt(max))}${esc(unit)}</text>
<text x="${PAD.left - 4}" y="${H - PAD.bottom}" font-size="10" text-anchor="end">0</text>
<text x="${PAD.left}" y="${H - 6}" font-size="10">${time(t0)}</text>
<text x="${W - PAD.right}" y="${H - 6}" font-size="10" text-anchor="end">${time(t1)} UTC</text>
${lines.join('\n')}
</svg></figure>`;
}

const fmt = (v: number) => (v >= 100 ? String(Math.round(v)) : String(Math.round(v * 100) / 100));
