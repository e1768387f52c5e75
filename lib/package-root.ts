/**
 * Files the package reads beside its code at run time: the Lambda sources esbuild bundles at synth time,
 * the email templates, package.json. They are found from this module's own place, which is `lib/` when the
 * TypeScript runs from a checkout (tests, `cdk synth`, `npm start`) and `dist/lib/` when the compiled
 * package runs from node_modules: one folder deeper, while the sources stay at the package's root.
 */
import { fileURLToPath } from 'node:url';

const compiled = !import.meta.url.endsWith('.ts');
const root = new URL(compiled ? '../../' : '../', import.meta.url);

/** The absolute path of `relative` (e.g. `lambdas/entry/api.ts`) inside the package. */
export function packagePath(relative: string): string {
  return fileURLToPath(new URL(relative, root));
}
