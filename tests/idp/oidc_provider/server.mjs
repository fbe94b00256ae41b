// A second, independent OpenID Connect provider for the interop tests: panva's oidc-provider (OpenID Certified).
//
//   node server.mjs --port P --redirect-uri URI --people people.json --jwks jwks.json   (env OIDC_CLIENT_SECRET)
//
// Issuer http://127.0.0.1:P/; one confidential client "cybercollege" (client_secret_basic, PKCE S256 required);
// ID tokens RS256 with the private JWKs of jwks.json (the first key signs, the others stay published).
// people.json: [{login, password, claims}] written by tests/idp/oidc_provider.py from tests/idp/people.py.
// A real login form checks the passwords (devInteractions accept any); consent is granted automatically.
import { readFileSync } from 'node:fs';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'redirect-uri': { type: 'string' },
    people: { type: 'string' },
    jwks: { type: 'string' },
    'client-id': { type: 'string', default: 'cybercollege' },
  },
});
const secret = process.env.OIDC_CLIENT_SECRET;
if (!args.port || !args['redirect-uri'] || !args.people || !args.jwks || !secret) {
  console.error('usage: OIDC_CLIENT_SECRET=… node server.mjs --port P --redirect-uri URI --people F --jwks F');
  process.exit(2);
}
const people = new Map(JSON.parse(readFileSync(args.people, 'utf8')).map((p) => [p.login, p]));
const CLIENT_ID = args['client-id'];
const SDET = ['ENTPersonProfils', 'ENTPersonStructRattach', 'ENTPersonJointure', 'ENTAuxEnsClasses', 'ENTEleveClasses'];

const provider = new Provider(`http://127.0.0.1:${args.port}/`, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: secret,
    redirect_uris: [args['redirect-uri']],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: JSON.parse(readFileSync(args.jwks, 'utf8')),
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  // Claims per scope; with a code flow oidc-provider puts them at userinfo only (conformIdTokenClaims).
  claims: { openid: ['sub'], profile: ['given_name', 'family_name', 'name'], sdet: SDET },
  scopes: ['openid'],
  responseTypes: ['code'],
  features: { devInteractions: { enabled: false } },
  ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
  pkce: { required: () => true }, // the default requires PKCE only for public (and FAPI) clients
  enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
  async findAccount(ctx, sub) {
    const person = people.get(sub);
    if (!person) return undefined;
    return { accountId: sub, async claims() { return { sub, ...person.claims }; } };
  },
});

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, login = '', error = '') {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>ENT de test — connexion</title></head>
<body><h1>ENT de test (oidc-provider)</h1>${error ? `<p role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<label for="login">Identifiant</label> <input id="login" name="login" value="${esc(login)}" required autofocus>
<label for="password">Mot de passe</label> <input id="password" name="password" type="password" required>
<button type="submit">Se connecter</button></form></body></html>`;
}

async function readForm(req, limit = 16 * 1024) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > limit) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function passwordMatches(person, password) {
  const a = Buffer.from(person?.password ?? ''), b = Buffer.from(password);
  return person !== undefined && a.length === b.length && timingSafeEqual(a, b);
}

// Consent for our own first-party client: grant what the prompt says is missing (oidc-provider's koa example).
async function grantConsent(details) {
  const { prompt: { details: missing }, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scope] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scope.join(' '));
  }
  const saved = await grant.save();
  return grantId ? {} : { grantId: saved };
}

async function finish(ctx, result, merge) {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(ctx.path);
  if (!match) return next();
  ctx.set('cache-control', 'no-store');
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== match[1]) ctx.throw(400, 'interaction mismatch');
  const { prompt, params } = details;
  if (ctx.method === 'GET' && !match[2]) {
    if (prompt.name === 'login') {
      ctx.type = 'html';
      ctx.body = loginPage(details.uid);
      return undefined;
    }
    if (prompt.name === 'consent' && params.client_id === CLIENT_ID) {
      return finish(ctx, { consent: await grantConsent(details) }, true);
    }
    return finish(ctx, { error: 'access_denied', error_description: `unhandled prompt ${prompt.name}` }, false);
  }
  if (ctx.method === 'POST' && match[2] && prompt.name === 'login') {
    const form = await readForm(ctx.req);
    const login = form.get('login') ?? '', person = people.get(login);
    if (!passwordMatches(person, form.get('password') ?? '')) {
      console.log(`login refused for ${JSON.stringify(login)}`);
      ctx.status = 401;
      ctx.type = 'html';
      ctx.body = loginPage(details.uid, login, 'Identifiant ou mot de passe incorrect.');
      return undefined;
    }
    console.log(`login ${login}`);
    return finish(ctx, { login: { accountId: login } }, false);
  }
  return ctx.throw(405);
});

for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error', 'discovery.error']) {
  provider.on(event, (...a) => console.error(event, ...a.filter((x) => x instanceof Error)));
}

provider.listen(Number(args.port), '127.0.0.1', () => console.log(`oidc-provider ready at ${provider.issuer}`));
