/**
 * `npm run bench -- console`: the admin console built for production (console/vite.config.ts) into a
 * temporary directory; prints each file's size raw and gzipped (level 9, what a CDN or browser would see
 * at most), the JavaScript total against the issue's target (under 150 KB gzipped), and the packages the
 * JavaScript is made of. Prints figures; asserts nothing.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Rolldown } from 'vite';

const targetGzipBytes = 150 * 1024;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)}`;

const outDir = mkdtempSync(join(tmpdir(), 'bench-console-'));
try {
  const started = performance.now();
  const output = (await build({
    configFile: new URL('../console/vite.config.ts', import.meta.url).pathname,
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true },
  })) as Rolldown.RolldownOutput;
  const buildMs = performance.now() - started;

  const files = readdirSync(outDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      const bytes = readFileSync(path);
      return { name: path.slice(outDir.length + 1), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  console.log(['file', 'KB', 'gzip KB'].join('\t'));
  for (const file of files) console.log([file.name, kb(file.raw), kb(file.gzip)].join('\t'));
  const js = files.filter((file) => file.name.endsWith('.js'));
  const jsGzip = js.reduce((sum, file) => sum + file.gzip, 0);
  console.log(`\nJavaScript: ${kb(js.reduce((sum, file) => sum + file.raw, 0))} KB, ${kb(jsGzip)} KB gzipped; target under ${kb(targetGzipBytes)} KB gzipped: ${jsGzip < targetGzipBytes ? 'met' : 'NOT met'}`);
  console.log(`build: ${(buildMs / 1000).toFixed(1)} s`);

  // What the JavaScript is made of, by package (rendered bytes before minification's whitespace, so shares only).
  const byPackage = new Map<string, number>();
  for (const chunk of [output].flat().flatMap((result) => result.output)) {
    if (chunk.type !== 'chunk') continue;
    for (const [id, module] of Object.entries(chunk.modules)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id);
      const name = match ? match[1]! : 'console (ours)';
      byPackage.set(name, (byPackage.get(name) ?? 0) + module.renderedLength);
    }
  }
  const total = [...byPackage.values()].reduce((sum, bytes) => sum + bytes, 0);
  console.log(
    `made of: ${[...byPackage]
      .sort((a, b) => b[1] - a[1])
      .map(([name, bytes]) => `${name} ${((100 * bytes) / total).toFixed(0)}%`)
      .join(', ')}`,
  );
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
