/**
 * A team's own templates directory and brand on the local stack: its locales are the ones emails go out
 * in, its brand is in every email, and a template the service cannot fill stops the start.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken, client, inbox } from '../support/local-stack.ts';
import { teamTemplatesFactory } from '../support/templates.ts';

const teamTemplates = teamTemplatesFactory();
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    logLevel: 'SILENT',
    templatesDirectory: teamTemplates.make(),
    env: { APP_NAME: 'Globex', BRAND_PRIMARY_COLOR: '#0a7c59', BRAND_LOGO_URL: 'https://cdn.globex.example/logo.png', BRAND_SUPPORT_EMAIL: 'help@globex.example' },
  });
});

afterAll(async () => {
  await stack?.close();
  teamTemplates.removeAll();
});

describe("a team's templates and brand", () => {
  it("mails in the team's added language, with its brand", async () => {
    // Prepare
    const admin = client(stack.apiUrl, await adminToken(stack));

    // Act
    const created = await admin.post('/v1/invitations', { email: 'amelie@example.com', locale: 'fr-CA', inviter: { name: 'Grace' } });
    const [mail] = await inbox(stack, 'amelie@example.com');

    // Assess
    expect(created.status).toBe(201);
    expect(mail!.subject).toBe('Grace vous invite à rejoindre Globex');
    expect(mail!.body.html).toContain('background-color:#0a7c59');
    expect(mail!.body.html).toContain('src="https://cdn.globex.example/logo.png"');
    expect(mail!.body.text).toContain('help@globex.example');
  });

  it('refuses to start with a template it cannot fill, naming it, or with a bad brand value', async () => {
    // Prepare
    const broken = teamTemplates.make((dir) => writeFileSync(join(dir, 'invitation', 'fr', 'body.html'), '<a href="{{{html.link}}}">{{{html.company}}}</a>'));

    // Act
    const templateError = await startLocalStack({ logLevel: 'SILENT', templatesDirectory: broken }).then(
      async (started) => {
        await started.close();
        return undefined;
      },
      (error: Error) => error.message,
    );
    const brandError = await startLocalStack({ logLevel: 'SILENT', env: { BRAND_PRIMARY_COLOR: 'green' } }).then(
      async (started) => {
        await started.close();
        return undefined;
      },
      (error: Error) => error.message,
    );

    // Assess
    expect(templateError).toContain('invitation/fr HTML part: uses {{html.company}}, which the mailer does not send');
    expect(brandError).toContain('BRAND_PRIMARY_COLOR: Must be a colour');
  });
});
