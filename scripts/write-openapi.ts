/** `npm run openapi`: writes openapi.json from the route table and zod schemas. */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../lambdas/handlers/http/openapi.ts';

writeFileSync(new URL('../openapi.json', import.meta.url), `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log('openapi.json written');
