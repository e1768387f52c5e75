/**
 * Runs the Logto stand-in on its own: `npx tsx local/logto-stand-in/main.ts`.
 * Env: PORT (default 4001), API_BASE_URL (the invitations API, default http://127.0.0.1:4000).
 * State lives in `.local/logto.json`, so a restart keeps users, tokens, hooks and the signing key.
 */
import { seed, startLogtoStandIn } from './index.ts';

const standIn = await startLogtoStandIn({
  port: Number(process.env.PORT ?? 4001),
  dataFile: '.local/logto.json',
  apiBaseUrl: process.env.API_BASE_URL,
});

console.log(`Logto stand-in listening on ${standIn.url}`);
console.log(`  issuer ${standIn.issuer}, Management API resource ${seed.managementApiResource}`);
console.log(`  M2M app ${seed.m2mApp.id} / ${seed.m2mApp.secret}; admin client ${seed.adminClient.id} / ${seed.adminClient.secret}`);
console.log(`  console app ${seed.consoleApp.id} (SPA); sign in as ${seed.adminUser.username} / ${seed.adminUser.password} at ${standIn.url}/sign-in`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void standIn.close().then(() => process.exit(0));
  });
}
