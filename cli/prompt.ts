/** Reading what the user types or pipes in: secrets without echo, and yes/no confirmations. */
import { createInterface } from 'node:readline/promises';
import { CliError, exitCodes } from './errors.ts';
import type { Io } from './io.ts';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** One line typed at the terminal with the echo off (raw mode): a pasted secret never shows on screen. */
function readHidden(io: Io, prompt: string): Promise<string> {
  const { stdin } = io;
  io.stderr.write(prompt);
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (finish: () => void) => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.off('data', onData);
      io.stderr.write('\n');
      finish();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done(() => resolve(typed));
        if (char === '\u0003') return done(() => reject(new CliError(exitCodes.usage, 'Cancelled.')));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.on('data', onData);
  });
}

/** A secret from stdin: typed without echo on a terminal, else everything piped in; surrounding whitespace dropped. */
export async function readSecret(io: Io, prompt: string): Promise<string> {
  const text = io.stdin.isTTY ? await readHidden(io, prompt) : await readAll(io.stdin);
  return text.trim();
}

/** Asks on the terminal; true for y/yes. Ctrl-C is a no. */
export async function confirm(io: Io, question: string): Promise<boolean> {
  const readline = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream });
  const cancel = new AbortController();
  readline.once('SIGINT', () => cancel.abort());
  try {
    const answer = await readline.question(`${question} [y/N] `, { signal: cancel.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    readline.close();
  }
}
