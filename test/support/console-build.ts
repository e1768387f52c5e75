/**
 * A stand-in for `npm run build:console`'s output (console/dist), laid out as Vite lays it out with base
 * `/console/`: `index.html` naming hashed `assets/*`, plus an unhashed file and a binary one. Tests of the
 * serving do not depend on the console's sources or on a Vite build.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ConsoleBuild {
  directory: string;
  files: Record<string, Buffer>;
}

const script = `${'// the console, minified by Vite\n'}${Array.from({ length: 200 }, (_, i) => `export const line${i} = ${JSON.stringify(`value ${i}`)};`).join('\n')}\n`;

/** Writes the build into a new directory under the (per-run) temporary directory. */
export function writeConsoleBuild(): ConsoleBuild {
  const directory = mkdtempSync(join(tmpdir(), 'console-dist-'));
  const files: Record<string, Buffer> = {
    'index.html': Buffer.from(
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Invitations · admin console</title>' +
        '<script type="module" crossorigin src="/console/assets/index-B1lE_z5V.js"></script>' +
        '<link rel="stylesheet" crossorigin href="/console/assets/index-DhHulbqH.css"></head><body><div id="app"></div></body></html>\n',
    ),
    'assets/index-B1lE_z5V.js': Buffer.from(script),
    'assets/index-DhHulbqH.css': Buffer.from('body{margin:0}\n'),
    'favicon.svg': Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>\n'),
    // Not text: must come through byte for byte.
    'assets/logo-Cx3p9s0a.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80]),
  };
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(join(directory, path, '..'), { recursive: true });
    writeFileSync(join(directory, path), body);
  }
  return { directory, files };
}
