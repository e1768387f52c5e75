/** A command: its spec (options, help) and what it does. */
import type { CommandSpec, OptionSpec, Parsed } from './args.ts';
import type { Context } from './context.ts';
import type { ExitCode } from './errors.ts';

export interface Command<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  spec: CommandSpec<O>;
  /** Resolves to the exit code (0 when it returns nothing); failures throw `CliError`. */
  run(context: Context, parsed: Parsed<O>): Promise<ExitCode | void>;
}

/** Keeps the option names' literal types, so `parsed.values` is typed by the spec. */
export const defineCommand = <const O extends Record<string, OptionSpec>>(command: Command<O>): Command<O> => command;

/** An id or other path segment, encoded: a value with `/` or `?` must not change which route is called. */
export const segment = (value: string) => encodeURIComponent(value);
