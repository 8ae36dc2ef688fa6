import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const OWN = fileURLToPath(new URL('../../assets/', import.meta.url));

/** Where one of the page's files is: its own (assets/) or uPlot's, from this package's node_modules (no CDN). */
export function assetFile(name: string): string {
  if (name === 'uplot.js') return require.resolve('uplot/dist/uPlot.iife.min.js');
  if (name === 'uplot.css') return require.resolve('uplot/dist/uPlot.min.css');
  return `${OWN}${name}`;
}
