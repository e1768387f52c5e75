/**
 * The console's built files from a directory, read into memory at once and kept: in Lambda the directory
 * is the bundle's own copy of `console/dist`, which never changes. Locally `reloadWhenChanged` re-reads it
 * after a rebuild (a new `index.html`), so `npm run build:console` needs no restart.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { StaticFiles } from '../handlers/console.ts';

export interface DirectoryStaticFilesOptions {
  /** The build's root, holding `index.html`. */
  directory: string;
  /** Check `index.html` on every load and re-read everything when it changed. @default false */
  reloadWhenChanged?: boolean;
}

export class DirectoryStaticFiles implements StaticFiles {
  private files: ReadonlyMap<string, Buffer> | undefined;
  private version: string | undefined;

  constructor(private readonly options: DirectoryStaticFilesOptions) {}

  load(): ReadonlyMap<string, Buffer> | undefined {
    if (this.files && !this.options.reloadWhenChanged) return this.files;
    // Missing (not built yet, or mid-rebuild): looked for again on the next request.
    const version = this.indexVersion();
    if (version === undefined) return (this.files = undefined);
    if (this.files && version === this.version) return this.files;
    this.files = this.read();
    this.version = version;
    return this.files;
  }

  private indexVersion(): string | undefined {
    try {
      const stat = statSync(join(this.options.directory, 'index.html'));
      return stat.isFile() ? `${stat.mtimeMs}:${stat.size}` : undefined;
    } catch {
      return undefined;
    }
  }

  private read(): ReadonlyMap<string, Buffer> {
    const files = new Map<string, Buffer>();
    for (const entry of readdirSync(this.options.directory, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      files.set(relative(this.options.directory, path).split(sep).join('/'), readFileSync(path));
    }
    return files;
  }
}
