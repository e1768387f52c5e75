#!/usr/bin/env node
// The CLI's `bin`. Until the package ships compiled JavaScript, it runs the TypeScript in cli/ through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const { processIo } = await import('../cli/io.ts');
process.exitCode = await main(process.argv.slice(2), processIo());
