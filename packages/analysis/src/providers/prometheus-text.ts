/** One sample of the Prometheus text exposition format (0.0.4). */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** Parses Prometheus text; a malformed line throws with its line number and content. */
export function parsePrometheusText(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    if (line.startsWith('#')) {
      if (/^# (HELP|TYPE) /.test(line) && !/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]*( |$)/.test(line))
        fail(index, raw, 'bad metric name in # HELP/# TYPE');
      if (/^# TYPE /.test(line) && !/ (counter|gauge|histogram|summary|untyped)$/.test(line))
        fail(index, raw, 'unknown metric type');
      return;
    }
    const name = NAME.exec(line)?.[0];
    if (!name) fail(index, raw, 'expected a metric name');
    let rest = line.slice(name!.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      const end = parseLabels(rest, labels);
      if (end < 0) fail(index, raw, 'malformed labels');
      rest = rest.slice(end + 1);
    }
    const [valueText, timestamp, extra] = rest.trim().split(/\s+/);
    const value = parseValue(valueText);
    if (value === undefined || extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp)))
      fail(index, raw, 'expected a value and an optional integer timestamp');
    samples.push({ name: name!, labels, value: value! });
  });
  return samples;
}

function parseValue(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  return text !== '' && !Number.isNaN(value) ? value : undefined;
}

// Returns the index of the closing brace, or -1.
function parseLabels(text: string, into: Record<string, string>): number {
  let i = 1;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return i;
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i))?.[0];
    if (!name || text[i + name.length] !== '=' || text[i + name.length + 1] !== '"') return -1;
    i += name.length + 2;
    let value = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        const next = text[i + 1];
        value += next === 'n' ? '\n' : next;
        i += 2;
      } else value += text[i++];
    }
    if (text[i] !== '"') return -1;
    into[name] = value;
    i++;
  }
  return -1;
}

function fail(index: number, line: string, why: string): never {
  throw new Error(`metrics line ${index + 1}: ${why}: ${JSON.stringify(line.slice(0, 120))}`);
}
