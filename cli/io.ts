/**
 * What the CLI touches outside itself, injected so the commands never reach for `process` directly: the
 * streams, the environment, `fetch` and the clock. `processIo` is the real thing; and `Output` is how a
 * command writes, in human or `--json` form.
 */
import { paintFor, type Paint } from './format.ts';

export interface Io {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  env: Record<string, string | undefined>;
  fetch: typeof fetch;
  now: () => Date;
}

export const processIo = (): Io => ({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  fetch: globalThis.fetch,
  now: () => new Date(),
});

export interface Output {
  /** `--json`: commands print the API's JSON (`data`) and no human text on stdout. */
  readonly json: boolean;
  /** stdout is a terminal: a progress bar may redraw its line. */
  readonly interactive: boolean;
  readonly paint: Paint;
  readonly paintError: Paint;
  /** A line of human output on stdout. */
  line(text?: string): void;
  /** Text on stdout as it is (no newline added): a redrawn progress line. */
  raw(text: string): void;
  /** One JSON document on one line of stdout. */
  data(value: unknown): void;
}

export function createOutput(io: Io, json: boolean): Output {
  return {
    json,
    interactive: io.stdout.isTTY === true,
    paint: paintFor(io.stdout, io.env),
    paintError: paintFor(io.stderr, io.env),
    line: (text = '') => void io.stdout.write(`${text}\n`),
    raw: (text) => void io.stdout.write(text),
    data: (value) => void io.stdout.write(`${JSON.stringify(value)}\n`),
  };
}
