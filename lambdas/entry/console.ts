/**
 * The console Lambda: the admin console's files, which the build copied next to this bundle
 * (`console/` beside `index.mjs`), and its config.json. No Powertools: it has nothing to count, and
 * Lambda's JSON log format already structures what little it logs.
 */
import { fileURLToPath } from 'node:url';
import { awsConsolePorts } from '../composition/aws/console.ts';
import { makeConsoleHandler } from '../handlers/console.ts';

export const handler = makeConsoleHandler(awsConsolePorts(fileURLToPath(new URL('console', import.meta.url))));
