import { type FlagSpecs, commonFlags } from './parse.ts';

export interface HelpSpec {
  name: string;
  summary: string;
  usage?: string[];
  flags: FlagSpecs;
  subcommands?: Record<string, { summary: string }>;
  examples?: string[];
}

/** Renders `--help` text: usage, subcommands, flags, examples. */
export function renderHelp(spec: HelpSpec): string {
  const lines = [`${spec.name} — ${spec.summary}`, ''];
  lines.push('Usage:');
  for (const usage of spec.usage ?? [`${spec.name} [flags]`]) lines.push(`  ${usage}`);
  if (spec.subcommands) {
    lines.push('', 'Commands:');
    const width = Math.max(...Object.keys(spec.subcommands).map((name) => name.length));
    for (const [name, sub] of Object.entries(spec.subcommands)) lines.push(`  ${name.padEnd(width)}  ${sub.summary}`);
  }
  const all: FlagSpecs = { ...spec.flags, ...commonFlags };
  const labels = Object.entries(all).map(([name, flag]) => {
    const short = flag.short ? `-${flag.short}, ` : '';
    const value = flag.type === 'string' ? ` ${flag.placeholder ?? name.toUpperCase()}` : '';
    return [
      `${short}--${name}${value}`,
      flag.description + (flag.choices ? ` (${flag.choices.join('|')})` : ''),
    ] as const;
  });
  const width = Math.max(...labels.map(([label]) => label.length));
  lines.push('', 'Flags:');
  for (const [label, description] of labels) lines.push(`  ${label.padEnd(width)}  ${description}`);
  if (spec.examples?.length) {
    lines.push('', 'Examples:');
    for (const example of spec.examples) lines.push(`  ${example}`);
  }
  return `${lines.join('\n')}\n`;
}
