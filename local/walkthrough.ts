/**
 * The curl walkthrough `npm start` prints and the README shows (a test keeps the README's copy equal to
 * this one, and another runs it in a shell against a live local stack).
 */
import { localPorts, localUrl } from './defaults.ts';
import { seed } from './logto-stand-in/index.ts';

export interface WalkthroughUrls {
  api: string;
  logto: string;
  ses: string;
  adminAudience: string;
}

export const defaultUrls: WalkthroughUrls = {
  api: localUrl(localPorts.api),
  logto: localUrl(localPorts.logto),
  ses: localUrl(localPorts.ses),
  adminAudience: seed.adminClient.resource,
};

const json = (expression: string) => `node -pe '${expression.replace('$', 'JSON.parse(require("fs").readFileSync(0))')}'`;

export function walkthrough({ api, logto, ses, adminAudience }: WalkthroughUrls, standIn = true): string {
  const tokenStep = standIn
    ? `TOKEN=$(curl -s -u ${seed.adminClient.id}:${seed.adminClient.secret} ${logto}/oidc/token \\
  -d grant_type=client_credentials -d resource=${adminAudience} \\
  --data-urlencode 'scope=invitations:read invitations:write' | ${json('$.access_token')})`
    : `TOKEN=...   # an access token from ${logto}/oidc/token for the resource ${adminAudience} with invitations:read invitations:write`;
  const lines = [
    '# 1. an admin access token from Logto (client credentials)',
    tokenStep,
    '',
    '# 2. invite someone, with a role, an organization (and a role in it), and metadata for their customData',
    `ID=$(curl -s ${api}/v1/invitations -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
  -d '{"email":"ada@example.com","roleIds":["role-member"],"organizationIds":["org-acme"],"organizationRoleIds":["orgrole-admin"],"metadata":{"team":"research"},"inviter":{"name":"Grace"}}' \\
  | ${json('const r=$; r.id ?? JSON.stringify(r)')}); echo $ID`,
    '',
    `# 3. the email in the local inbox (or open ${ses} in a browser)`,
    `LINK=$(curl -s ${ses}/store | ${json('$.emails.filter(e=>e.destination.to.includes("ada@example.com")).at(-1).body.text.match(/https?:\\/\\/\\S+registrationInvitation\\S+/)[0]')}); echo $LINK`,
    '',
    '# 4. accept: open $LINK in a browser and click "Accept invitation", or let curl click it',
    `curl -s -o /dev/null -w '%{url_effective}\\n' -L "$(echo "$LINK" | sed 's#/demo/landing#/demo/accept#')"`,
    '',
    '# 5. the invitation is accepted (Logto calls the webhook a moment after the sign-in) ...',
    `sleep 1; curl -s ${api}/v1/invitations/$ID -H "authorization: Bearer $TOKEN"; echo`,
    `curl -s ${api}/v1/invitations/$ID/events -H "authorization: Bearer $TOKEN"; echo`,
  ];
  if (standIn) {
    lines.push(
      '',
      '# 6. ... and the user exists at Logto, with the role',
      `M2M=$(curl -s -u ${seed.m2mApp.id}:${seed.m2mApp.secret} ${logto}/oidc/token \\
  -d grant_type=client_credentials -d resource=${seed.managementApiResource} -d scope=all | ${json('$.access_token')})`,
      `USER_ID=$(curl -s "${logto}/api/users?search.primaryEmail=ada@example.com&mode.primaryEmail=exact" -H "authorization: Bearer $M2M" | ${json('$[0].id')}); echo $USER_ID`,
      `curl -s ${logto}/api/users/$USER_ID/roles -H "authorization: Bearer $M2M"; echo`,
    );
  }
  return lines.join('\n');
}
