/**
 * Commands described once, as data: the same spec drives Node's `parseArgs` and the `--help` text, so
 * the help cannot list an option the parser does not know (or miss one it does).
 */
import { parseArgs } from 'node:util';
import { usageError } from './errors.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** May be given more than once; the values collect in order. */
  multiple?: boolean;
  /** The value's placeholder in the help: `--mode <mode>`. */
  value?: string;
  /** A boolean that is on unless `--no-<name>` is given; the help shows `--no-<name>`. */
  negatable?: boolean;
  description: string;
}

export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  name: string;
  /** One line, for the root help's command list. */
  summary: string;
  /** Required positional arguments, in order: `['email']` reads `<email>`. */
  args: readonly string[];
  /** Paragraphs after the usage line. */
  description?: readonly string[];
  options: O;
  examples?: readonly string[];
}

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['multiple'] extends true
    ? string[]
    : string | undefined;

export type Values<O extends Record<string, OptionSpec>> = { [K in keyof O]: ValueOf<O[K]> } & { help: boolean };

export interface Parsed<O extends Record<string, OptionSpec>> {
  values: Values<O>;
  args: string[];
}

/** Options every command that calls the API takes. */
export const apiOptions = {
  api: { type: 'string', value: 'url', description: 'The invitations API (default: $LOGTO_INVITATIONS_API, the saved login, or http://127.0.0.1:4000)' },
  json: { type: 'boolean', description: "Print the API's JSON as is, one document per line" },
} as const satisfies Record<string, OptionSpec>;

const helpOption: OptionSpec = { type: 'boolean', short: 'h', description: 'Show this help' };

/** Parses a command's arguments (after its name); a mistake is a usage error naming the command. */
export function parseCommand<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, argv: readonly string[]): Parsed<O> {
  const options: Record<string, OptionSpec> = { ...spec.options, help: helpOption };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      allowNegative: true,
      options: Object.fromEntries(
        Object.entries(options).map(([name, option]) => [
          name,
          {
            type: option.type,
            ...(option.short && { short: option.short }),
            ...(option.multiple && { multiple: true }),
            ...(option.type === 'boolean' && { default: option.negatable === true }),
            ...(option.multiple && { default: [] }),
          },
        ]),
      ),
    });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error), spec.name);
  }
  const values = parsed.values as Values<O>;
  if (values.help) return { values, args: parsed.positionals };
  for (const [name, option] of Object.entries(options)) {
    // `--no-x` of an option that is not negatable would otherwise pass silently as false.
    if (option.type === 'boolean' && !option.negatable && argv.includes(`--no-${name}`)) {
      throw usageError(`Unknown option '--no-${name}'.`, spec.name);
    }
  }
  const [extra] = parsed.positionals.slice(spec.args.length);
  if (extra !== undefined) {
    const takes = spec.args.length === 0 ? 'no arguments' : spec.args.map((arg) => `<${arg}>`).join(' ');
    throw usageError(`Unexpected argument '${extra}': \`${spec.name}\` takes ${takes}.`, spec.name);
  }
  const missing = spec.args.slice(parsed.positionals.length);
  if (missing.length > 0) throw usageError(`Missing ${missing.map((arg) => `<${arg}>`).join(' ')}.`, spec.name);
  return { values, args: parsed.positionals };
}

const optionLabel = (name: string, option: OptionSpec) =>
  option.negatable
    ? `--no-${name}`
    : `${option.short ? `-${option.short}, ` : ''}--${name}${option.type === 'string' ? ` <${option.value ?? 'value'}>` : ''}`;

/** Two columns: labels padded to the widest, then the description. */
export function columns(rows: readonly (readonly [string, string])[], indent = '  '): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, text]) => `${indent}${label.padEnd(width)}  ${text}`);
}

/** A paragraph broken into lines of at most `width` characters, at spaces. */
export function wrap(text: string, width = 100): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/)) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  return current ? [...lines, current] : lines;
}

export function commandHelp(spec: CommandSpec): string {
  const options: Record<string, OptionSpec> = { ...spec.options, help: helpOption };
  const usage = ['logto-invitations', spec.name, ...spec.args.map((arg) => `<${arg}>`), '[options]'].join(' ');
  const optionRows = Object.entries(options).map(
    ([name, option]) => [optionLabel(name, option), `${option.description}${option.multiple ? ' (repeatable)' : ''}`] as const,
  );
  return [
    `Usage: ${usage}`,
    '',
    spec.summary,
    ...(spec.description ?? []).flatMap((paragraph) => ['', ...wrap(paragraph)]),
    '',
    'Options:',
    ...columns(optionRows),
    ...(spec.examples?.length ? ['', 'Examples:', ...spec.examples.map((example) => `  ${example}`)] : []),
  ].join('\n');
}
