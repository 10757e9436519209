// A real OpenID Connect provider for the end-to-end sign-in tests: the certified `oidc-provider`
// package with one client, the test's people and their claims, and a sign-in page of its own.
// Started by tests/oidc/test_oidc_browser.py; listens on 127.0.0.1 only.
//
// Environment: OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI (the app's
// /oauth2callback, also its post-logout address) and OIDC_USERS: JSON
// {"<login>": {"password": "...", "claims": {...}}}.
// POST /test/settings changes the ID tokens issued from then on: `offset=<seconds>` dates them (negative:
// in the past), so a test gets a token that is expired or too old without waiting; `tamper=1` edits the
// signed token on its way to the app (as a man in the middle would), so its signature no longer holds.

import { generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider, { interactionPolicy } from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const users = JSON.parse(process.env.OIDC_USERS);
const redirectUri = process.env.OIDC_REDIRECT_URI;

// Streamlit asks for prompt=select_account (as Entra ID offers); here it is the same sign-in page.
const policy = interactionPolicy.base();
policy.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 0);

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [redirectUri],
  }],
  jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256', kid: 'test-key' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // Like Entra ID: the claims go into the ID token (Streamlit reads only that, not /userinfo).
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub', 'groups', 'roles', 'tid', 'gemeente'],  // gemeente: the member municipality in a region
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  ttl: { IdToken: 12 * 3600, AccessToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Uitloggen', `<h1>Uitloggen bij de testorganisatie?</h1>${form}
          <button type="submit" form="op.logoutForm" name="logout" value="yes">Ja, uitloggen</button>`);
      },
    },
  },
  async findAccount(ctx, id) {
    const user = users[id];
    if (!user) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...user.claims }) };
  },
  // A first-party client: the person is not asked for consent.
  async loadExistingGrant(ctx) {
    const { client, session, result } = ctx.oidc;
    const grantId = result?.consent?.grantId || session.grantIdFor(client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    session.grantIdFor(client.clientId, grant.jti);
    return grant;
  },
});

function page(title, body) {
  return `<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>${title}</title></head>
    <body><main>${body}</main></body></html>`;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

let clockOffset = 0;
let tamper = false;
const realNow = Date.now;

// The ID token's claims made into an administrator's, the original signature kept.
function tampered(idToken) {
  const [header, payload, signature] = idToken.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  Object.assign(claims, { email: 'baas@gemeente.nl', email_verified: true, roles: ['beheerder'] });
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/test/settings' && ctx.method === 'POST') {
    const form = await formBody(ctx.req);
    clockOffset = Number(form.get('offset')) || 0;
    tamper = form.get('tamper') === '1';
    ctx.body = `offset ${clockOffset}, tamper ${tamper}`;
    return;
  }
  const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (match) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (match[2] && ctx.method === 'POST') {
      const form = await formBody(ctx.req);
      const login = form.get('login') || '';
      if (users[login] && users[login].password === form.get('password')) {
        const result = { select_account: {}, login: { accountId: login } };
        ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
        return;
      }
      ctx.status = 401;
    }
    ctx.type = 'html';
    ctx.body = page('Inloggen', `<h1>Inloggen bij de testorganisatie</h1>
      ${ctx.status === 401 ? '<p role="alert">Onbekende naam of verkeerd wachtwoord.</p>' : ''}
      <form method="post" action="/interaction/${escapeHtml(details.uid)}/login">
        <label>Gebruikersnaam <input name="login" autocomplete="username"></label>
        <label>Wachtwoord <input name="password" type="password" autocomplete="current-password"></label>
        <button type="submit">Inloggen</button>
      </form>`);
    return;
  }
  // The token endpoint is called by the app's server, never by the browser: shifting the clock only
  // there dates the ID token without expiring the browser's cookies at this provider.
  if (ctx.path === '/token') {
    Date.now = () => realNow() + clockOffset * 1000;
    try {
      await next();
    } finally {
      Date.now = realNow;
    }
    if (tamper && ctx.body?.id_token) ctx.body = { ...ctx.body, id_token: tampered(ctx.body.id_token) };
    return;
  }
  await next();
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc test provider ready on ${issuer}`);
});
