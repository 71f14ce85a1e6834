// A real OpenID Provider for the tests: the npm `oidc-provider` (v9, the certified Node
// implementation), configured from a JSON file named on the command line:
//   { "issuer": "http://127.0.0.1:PORT", "port": PORT, "module": "<path to oidc-provider's entry>",
//     "client": {"client_id", "client_secret", "redirect_uri"}, "audience": "<resource>",
//     "jwks": {"keys": [private JWKs]}, "accounts": {"<sub>": {"email": ..., "email_verified": ...}} }
//
// Sign-in is a real authorization-code flow with PKCE. The interaction (login and consent pages)
// is answered at once for the account named by the request's `login_hint`, so a test can script
// the whole flow over HTTP with no browser. Access tokens are JWTs (RFC 9068) for `audience`
// through resource indicators, ID tokens carry the email claims.
//
// Beside the provider, two routes for the test to drive it:
//   POST /test/jwks      {"keys": [...]}: rotate the signing keys (a new provider, same issuer)
//   POST /test/accounts  {"<sub>": {...}}: add or replace accounts
//   GET  /test/stats     how many times discovery and the JWKS were fetched
import fs from 'node:fs';
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { default: Provider } = await import(pathToFileURL(config.module).href);

const accounts = { ...config.accounts };
const stats = { discovery: 0, jwks: 0 };

function build(jwks) {
  const provider = new Provider(config.issuer, {
    clients: [{
      client_id: config.client.client_id,
      client_secret: config.client.client_secret,
      redirect_uris: [config.client.redirect_uri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    jwks,
    conformIdTokenClaims: false, // the ID token of a code flow carries the email claims itself
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    async findAccount(_ctx, id) {
      if (!accounts[id]) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...accounts[id] }; } };
    },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => config.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'api', audience: config.audience, accessTokenTTL: 600, accessTokenFormat: 'jwt',
        }),
      },
    },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { IdToken: 600, AccessToken: 600, AuthorizationCode: 60, Session: 600, Grant: 600, Interaction: 600 },
    cookies: { keys: ['test-cookie-key'] },
  });
  return provider;
}

let provider = build(config.jwks);

async function finishInteraction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const accountId = details.params.login_hint;
  if (!accounts[accountId]) {
    await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'no such account' },
      { mergeWithLastSubmission: false });
    return;
  }
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  grant.addOIDCClaims(['email', 'email_verified']);
  grant.addResourceScope(config.audience, 'api');
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } },
    { mergeWithLastSubmission: false });
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => { try { resolve(JSON.parse(body || '{}')); } catch (error) { reject(error); } });
  });
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.url.startsWith('/interaction/')) {
      await finishInteraction(req, res);
      return;
    }
    if (req.url === '/test/jwks' && req.method === 'POST') {
      provider = build(await readJson(req));
      res.writeHead(204).end();
      return;
    }
    if (req.url === '/test/accounts' && req.method === 'POST') {
      Object.assign(accounts, await readJson(req));
      res.writeHead(204).end();
      return;
    }
    if (req.url === '/test/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      return;
    }
    if (req.url.startsWith('/.well-known/openid-configuration')) stats.discovery += 1;
    if (req.url.startsWith('/jwks')) stats.jwks += 1;
    provider.callback()(req, res);
  } catch (error) {
    console.error(error);
    if (!res.headersSent) res.writeHead(500);
    res.end(String(error));
  }
});

server.listen(config.port, '127.0.0.1', () => { console.log(`openid provider listening on ${config.issuer}`); });
