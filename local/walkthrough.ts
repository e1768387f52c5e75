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

/** The walkthroughs of the other two modes (they reuse `TOKEN` from step 1 of {@link walkthrough}). */
export function modeWalkthroughs({ api, ses }: Pick<WalkthroughUrls, 'api' | 'ses'>): { acceptLink: string; provision: string } {
  const auth = '-H "authorization: Bearer $TOKEN"';
  const create = (body: string) =>
    `ID=$(curl -s ${api}/v1/invitations ${auth} -H 'content-type: application/json' \\
  -d '${body}' | ${json('const r=$; r.id ?? JSON.stringify(r)')}); echo $ID`;
  const linkTo = (variable: string, to: string, path: string) =>
    `${variable}=$(curl -s ${ses}/store | ${json(`$.emails.filter(e=>e.destination.to.includes("${to}")).at(-1).body.text.match(/https?:\\/\\/\\S+${path}\\?\\S+/)[0]`)}); echo $${variable}`;
  const acceptLink = [
    '# accept-link: the email links to our accept page; its form creates the Logto user',
    create('{"email":"lin@example.com","mode":"accept-link","name":"Lin","roleIds":["role-member"],"inviter":{"name":"Grace"}}'),
    linkTo('LINK', 'lin@example.com', '\\/v1\\/accept'),
    '',
    '# open $LINK in a browser and submit the form, or let curl do what the browser does (keep the page\'s cookie and hidden field)',
    'JAR=$(mktemp); CSRF=$(curl -s -c "$JAR" "$LINK" | grep -o \'name="csrf" value="[^"]*"\' | cut -d\'"\' -f4)',
    `curl -s -o /dev/null -w '%{http_code} %{redirect_url}\\n' -b "$JAR" -H 'origin: ${api}' --data-urlencode "token=\${LINK#*token=}" \\
  --data-urlencode "csrf=$CSRF" --data-urlencode name=Lin --data-urlencode password=Correct-Horse-7-Battery ${api}/v1/accept; rm -f "$JAR"`,
    '# 303 to the app\'s sign-in with login_hint and first_screen=identifier:sign_in; the invitation is accepted',
    `curl -s ${api}/v1/invitations/$ID ${auth}; echo`,
  ].join('\n');
  const provision = [
    '# provision: the account is created with the invitation (the password goes to Logto only); the first sign-in accepts it',
    create('{"email":"pat@example.com","mode":"provision","name":"Pat","password":"Correct-Horse-7-Battery","inviter":{"name":"Grace"}}'),
    linkTo('SIGNIN', 'pat@example.com', '\\/demo\\/sign-in'),
    `curl -s ${api}/v1/invitations/$ID ${auth} | ${json('$.status')}   # pending: the account is ready, nobody signed in yet`,
    '',
    '# sign in: open $SIGNIN in a browser, or let curl follow it through Logto\'s sign-in',
    `curl -s -o /dev/null -w '%{url_effective}\\n' -L "$SIGNIN"`,
    `sleep 1; curl -s ${api}/v1/invitations/$ID ${auth}; echo`,
  ].join('\n');
  return { acceptLink, provision };
}

/** Collecting who to invite: someone asks, an admin approves (it reuses `TOKEN` from step 1 of {@link walkthrough}). */
export function requestWalkthrough({ api, ses }: Pick<WalkthroughUrls, 'api' | 'ses'>): string {
  const auth = '-H "authorization: Bearer $TOKEN"';
  return [
    '# someone asks to be invited: no token (anyone may; the form is at /v1/request-access), and the same answer for every email',
    `curl -s ${api}/v1/access-requests -H 'content-type: application/json' -d '{"email":"sam@example.com","name":"Sam","message":"I run the Acme team."}'; echo`,
    '',
    '# an admin finds it among the pending requests and approves it into an invitation, choosing mode and roles',
    `REQ=$(curl -s "${api}/v1/access-requests?status=pending" ${auth} | ${json('$.data.find(r=>r.email==="sam@example.com").id')}); echo $REQ`,
    `curl -s ${api}/v1/access-requests/$REQ/approve ${auth} -H 'content-type: application/json' -d '{"mode":"accept-link","roleIds":["role-member"]}'; echo`,
    '',
    '# the request is approved, and its invitation email is in the inbox',
    `curl -s ${api}/v1/access-requests?status=approved ${auth}; echo`,
    `curl -s ${ses}/store | ${json('$.emails.filter(e=>e.destination.to.includes("sam@example.com")).at(-1).subject')}`,
  ].join('\n');
}

/** A referral: a signed-in user invites a friend (locally the stand-in mints the user's token). */
export function referralWalkthrough({ api, logto, adminAudience }: Pick<WalkthroughUrls, 'api' | 'logto' | 'adminAudience'>): string {
  return [
    '# Ada (registered in the walkthrough above, holding role-member) signs in to your app, which gets her an access',
    '# token for this API with invitations:refer; locally the stand-in mints it (Logto would, after her sign-in)',
    `M2M=$(curl -s -u ${seed.m2mApp.id}:${seed.m2mApp.secret} ${logto}/oidc/token \\
  -d grant_type=client_credentials -d resource=${seed.managementApiResource} -d scope=all | ${json('$.access_token')})`,
    `ADA=$(curl -s "${logto}/api/users?search.primaryEmail=ada@example.com&mode.primaryEmail=exact" -H "authorization: Bearer $M2M" | ${json('$[0].id')})`,
    `ADA_TOKEN=$(curl -s ${logto}/__standin/user-token -H 'content-type: application/json' \\
  -d "{\\"userId\\":\\"$ADA\\",\\"resource\\":\\"${adminAudience}\\",\\"scope\\":\\"invitations:refer\\"}" | ${json('$.access_token')})`,
    '',
    '# she refers a friend into a role she holds: invited, with Ada as the inviter (into role-editor, which she lacks: 403)',
    `curl -s ${api}/v1/referrals -H "authorization: Bearer $ADA_TOKEN" -H 'content-type: application/json' \\
  -d '{"email":"bob@example.com","name":"Bob","roleIds":["role-member"]}'; echo`,
    `curl -s -o /dev/null -w '%{http_code}\\n' ${api}/v1/referrals -H "authorization: Bearer $ADA_TOKEN" -H 'content-type: application/json' \\
  -d '{"email":"eve@example.com","roleIds":["role-editor"]}'`,
  ].join('\n');
}

/** Many at once: a CSV file, its rejected row, and the batch's progress (it reuses `TOKEN` from step 1 of {@link walkthrough}). */
export function batchWalkthrough({ api }: Pick<WalkthroughUrls, 'api'>): string {
  const auth = '-H "authorization: Bearer $TOKEN"';
  return [
    '# invite a team from a CSV file: each row becomes an invitation or is rejected with its reason (here, not-an-email)',
    `REPLY=$(curl -s ${api}/v1/invitations/batch ${auth} -H 'content-type: text/csv' -H 'idempotency-key: onboarding-1' \\
  --data-binary @templates/batch-example.csv); echo "$REPLY"`,
    `BATCH=$(echo "$REPLY" | ${json('$.batchId')})`,
    '',
    '# the emails go out through the job queue, paced to what SES and Logto allow; the progress, for a progress bar',
    `sleep 3; curl -s ${api}/v1/invitations/batches/$BATCH ${auth}; echo`,
  ].join('\n');
}
