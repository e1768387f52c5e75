/** A team's own email templates for tests: the shipped ones plus French copies, in a temporary directory. */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emailKinds, shippedTemplatesDirectory } from '../../templates/index.ts';

export function teamTemplatesFactory() {
  const dirs: string[] = [];
  return {
    /** The shipped templates plus French ones (a French invitation subject), with `change` applied. */
    make(change: (dir: string) => void = () => undefined): string {
      const dir = mkdtempSync(join(tmpdir(), 'team-templates-'));
      dirs.push(dir);
      for (const kind of emailKinds) {
        cpSync(join(shippedTemplatesDirectory, kind), join(dir, kind), { recursive: true });
        cpSync(join(dir, kind, 'en'), join(dir, kind, 'fr'), { recursive: true });
      }
      writeFileSync(join(dir, 'invitation', 'fr', 'subject.txt'), '{{{inviterName}}} vous invite à rejoindre {{{appName}}}');
      change(dir);
      return dir;
    },
    removeAll(): void {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
