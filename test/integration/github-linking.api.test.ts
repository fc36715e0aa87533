// The GitHub App's install flow and customers linking their GitHub account, end to end over HTTP:
// our API, the GitHub stand-in's pages and API, redirects followed by hand as a browser would.
import { createShop } from '../support/fixtures';
import { connectInstallation, follow, RETURN_TO, startGitHubStack, visit } from '../support/github.fixtures';
import { startTestStack, type TestStack } from '../support/harness';
import type { FakeGitHub } from '../fakes/github-server';

let stack: TestStack;
let gh: FakeGitHub;
let acme: number;
beforeAll(async () => {
  ({ stack, gh } = await startGitHubStack());
  acme = gh.install('acme', ['private-repo', 'docs']);
  gh.addUser('octocat');
});
afterAll(async () => {
  await stack?.close();
  await gh?.close();
});

const repoBenefit = (name = 'private-repo', permission = 'push') => ({
  type: 'github_repository',
  description: 'Source access',
  properties: { repository_owner: 'acme', repository_name: name, permission },
});

test('an organization connects an installation; only its own installations reach its benefits', async () => {
  const shop = await createShop(stack, 0);
  // Before connecting: the repository is installed on GitHub, but not for this organization.
  const before = await stack.http('POST', '/v1/benefits/', { token: shop.token, body: repoBenefit() });
  expect(before.status).toBe(422);
  expect(before.body.detail[0].loc).toEqual(['body', 'properties', 'repository_name']);
  expect(before.body.detail[0].msg).toMatch(/install it on acme/);
  expect((await stack.http('GET', '/v1/integrations/github/repositories', { token: shop.token })).body).toEqual({
    repositories: [],
    organizations: [],
  });

  const back = await connectInstallation(stack, shop.token);
  expect(back).toBe(`${RETURN_TO}?installation_id=${acme}`);
  const repos = await stack.http('GET', '/v1/integrations/github/repositories', { token: shop.token });
  expect(repos.body.repositories).toEqual([
    { repository_owner: 'acme', repository_name: 'private-repo' },
    { repository_owner: 'acme', repository_name: 'docs' },
  ]);
  expect(repos.body.organizations).toEqual([expect.objectContaining({ name: 'acme' })]);

  const created = await shop.polar.benefits.create(repoBenefit());
  expect(created.properties).toEqual({ repository_owner: 'acme', repository_name: 'private-repo', permission: 'push' });
  const missing = await stack.http('POST', '/v1/benefits/', { token: shop.token, body: repoBenefit('no-such-repo') });
  expect(missing.status).toBe(422);
  expect(missing.body.detail[0].loc).toEqual(['body', 'properties', 'repository_name']);
  const badPermission = await stack.http('POST', '/v1/benefits/', { token: shop.token, body: repoBenefit('docs', 'owner') });
  expect(badPermission.status).toBe(422);
  expect(badPermission.body.detail[0].loc).toEqual(['body', 'properties', 'permission']);
});

test('another organization cannot claim an installation by editing the setup URL', async () => {
  const mallory = await createShop(stack, 0);
  gh.addUser('mallory');
  gh.install('mallory-org', ['m-repo'], ['mallory']);
  gh.signedInAs = 'mallory';
  try {
    const res = await stack.http('GET', `/v1/integrations/github/install?return_to=${encodeURIComponent(RETURN_TO)}`, {
      token: mallory.token,
    });
    const installPage = await visit(res.body.url);
    const setup = new URL(installPage.location!);
    setup.searchParams.set('installation_id', String(acme));
    const claimed = await visit(setup.toString());
    expect(claimed.status).toBe(403);
    expect((await stack.http('GET', '/v1/integrations/github/repositories', { token: mallory.token })).body.repositories).toEqual([]);
    const benefit = await stack.http('POST', '/v1/benefits/', { token: mallory.token, body: repoBenefit() });
    expect(benefit.status).toBe(422);
    // The state was spent by the refused attempt: replaying it binds nothing either.
    setup.searchParams.set('installation_id', String(acme));
    expect((await visit(setup.toString())).status).toBe(400);
  } finally {
    gh.signedInAs = 'octocat';
  }
});

test('a customer links their GitHub account: state single-use, return_to checked, tokens sealed', async () => {
  const shop = await createShop(stack, 0);
  const session = await shop.polar.customerSessions.create({ customer_id: shop.customer.id });
  const portal = (path: string, method = 'GET') => stack.http(method, path, { token: session.token });

  const elsewhere = await portal(
    `/v1/customer-portal/oauth-accounts/authorize?platform=github&return_to=${encodeURIComponent('https://evil.example/x')}`,
  );
  expect(elsewhere.status).toBe(422);
  expect(elsewhere.body.detail[0].loc).toEqual(['query', 'return_to']);
  const discord = await portal(`/v1/customer-portal/oauth-accounts/authorize?platform=discord&return_to=${encodeURIComponent(RETURN_TO)}`);
  expect(discord.status).toBe(422);
  expect(discord.body.detail[0].msg).toMatch(/DISCORD_CLIENT_ID, DISCORD_CLIENT_SECRET/);

  const auth = await portal(`/v1/customer-portal/oauth-accounts/authorize?platform=github&return_to=${encodeURIComponent(RETURN_TO)}`);
  const authorizeUrl = new URL(auth.body.url);
  expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(`${gh.url}/login/oauth/authorize`);
  expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(`${stack.baseUrl}/v1/integrations/github/callback`);
  const toCallback = await visit(auth.body.url);
  const callback = await visit(toCallback.location!);
  expect(callback.status).toBe(302);
  expect(callback.location).toBe(`${RETURN_TO}?linked=github`);

  const me = await portal('/v1/customer-portal/customers/me');
  const octocat = gh.addUser('octocat-probe'); // ids are assigned in order: octocat's is lower
  expect(me.body.oauth_accounts).toEqual({ github: { account_id: expect.any(String), account_username: 'octocat' } });
  expect(Number(me.body.oauth_accounts.github.account_id)).toBeLessThan(octocat.id);
  const [row] = await stack.dataSource.query(`SELECT access_token FROM oauth_accounts WHERE customer_id = $1`, [shop.customer.id]);
  expect(row.access_token).toMatch(/^enc:v1:/);

  // The same state again, a forged one, and a denied consent link nothing.
  expect((await visit(toCallback.location!)).status).toBe(400);
  expect((await visit(`${stack.baseUrl}/v1/integrations/github/callback?code=x&state=forged`)).status).toBe(400);
  await stack.http('DELETE', '/v1/customer-portal/oauth-accounts/github', { token: session.token });
  const again = await portal(`/v1/customer-portal/oauth-accounts/authorize?platform=github&return_to=${encodeURIComponent(RETURN_TO)}`);
  const denied = await follow(`${again.body.url}&deny=1`, RETURN_TO);
  expect(denied.url).toBe(`${RETURN_TO}?error=access_denied`);
  expect((await portal('/v1/customer-portal/customers/me')).body.oauth_accounts).toEqual({});
  expect((await stack.http('DELETE', '/v1/customer-portal/oauth-accounts/github', { token: session.token })).status).toBe(404);
});

test('without the GitHub settings, creating the type answers 422 naming them', async () => {
  const bare = await startTestStack({ worker: false });
  try {
    const shop = await createShop(bare, 0);
    const res = await bare.http('POST', '/v1/benefits/', { token: shop.token, body: repoBenefit() });
    expect(res.status).toBe(422);
    expect(res.body.detail[0].loc).toEqual(['body', 'properties']);
    expect(res.body.detail[0].msg).toMatch(/GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET/);
  } finally {
    await bare.close();
  }
});
