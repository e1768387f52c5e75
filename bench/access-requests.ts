/**
 * How long asking to be invited takes for each kind of email, side by side in one run: a new one, one
 * already waiting, one with an invitation pending, one that is a Logto user, and a bot's (the honeypot).
 * The answers are the same; this shows how close their timing is (compare the ratios, not the absolute
 * figures, on a shared machine). Run: `npm run bench access-requests [-- --quick]`.
 */
import { request } from 'node:http';
import { startLocalStack } from '../local/stack.ts';
import { adminToken, client, logtoView } from '../test/support/local-stack.ts';

const rounds = process.argv.includes('--quick') ? 10 : 40;
const stack = await startLocalStack({ logLevel: 'SILENT', env: { ACCESS_REQUESTS_PER_IP_HOUR: '100000', ACCESS_REQUESTS_PER_EMAIL_DAY: '100000' } });
let ip = 10;

function ask(body: Record<string, unknown>): Promise<number> {
  const localAddress = `127.0.${Math.floor(ip / 250)}.${(ip++ % 250) + 2}`;
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(`${stack.apiUrl}/v1/access-requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, localAddress }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 202 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

try {
  const admin = client(stack.apiUrl, await adminToken(stack));
  const logto = (await logtoView(stack)).logto;
  await admin.post('/v1/invitations', { email: 'bench-invited@example.com' });
  await logto.post('/api/users', { primaryEmail: 'bench-user@example.com' });
  await ask({ email: 'bench-waiting@example.com' });
  const kinds: Record<string, (i: number) => Record<string, unknown>> = {
    new: (i) => ({ email: `bench-new-${i}@example.com` }),
    waiting: () => ({ email: 'bench-waiting@example.com' }),
    invited: () => ({ email: 'bench-invited@example.com' }),
    registered: () => ({ email: 'bench-user@example.com' }),
    bot: (i) => ({ email: `bench-bot-${i}@example.com`, website: 'https://spam.example' }),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(kinds).map((kind) => [kind, []]));
  for (let i = 0; i < 5; i += 1) for (const make of Object.values(kinds)) await ask(make(-1 - i)); // warm-up
  // Interleaved, so a slow moment of the machine hits every kind alike.
  for (let i = 0; i < rounds; i += 1) for (const [kind, make] of Object.entries(kinds)) times[kind]!.push(await ask(make(i)));
  const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
  const baseline = quantile(times.new!, 0.5);
  console.log(`access requests, ${rounds} rounds per kind (ms; ratio of medians to "new")`);
  for (const [kind, values] of Object.entries(times)) {
    console.log(`  ${kind.padEnd(10)} p50 ${quantile(values, 0.5).toFixed(1).padStart(6)}  p95 ${quantile(values, 0.95).toFixed(1).padStart(6)}  x${(quantile(values, 0.5) / baseline).toFixed(2)}`);
  }
} finally {
  await stack.close();
}
