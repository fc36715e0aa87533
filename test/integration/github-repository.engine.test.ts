// `github_repository` grants through the real API, workflows, activities and PostgreSQL against the
// GitHub stand-in: a grant waits for the customer's account, linking resumes it; two benefits on
// one repository keep the higher permission until the last goes, across organizations too;
// unlinking and relinking move access; GitHub's rate limit is waited out for as long as GitHub says; refusals become errors.
import { createShop, grantsOf, settled, type Shop } from '../support/fixtures';
import { connectInstallation, linkAccount, startGitHubStack } from '../support/github.fixtures';
import { eventually, type TestStack } from '../support/harness';
import type { FakeGitHub } from '../fakes/github-server';

let stack: TestStack;
let gh: FakeGitHub;
beforeAll(async () => {
  ({ stack, gh } = await startGitHubStack());
  gh.install('acme', ['private-repo', 'docs', 'limited', 'other', 'shared']);
  for (const login of ['octocat', 'hubot', 'patient']) gh.addUser(login);
  gh.addUser('blocked', { uninvitable: true });
});
afterAll(async () => {
  await stack?.close();
  await gh?.close();
});

/** A shop whose one-time product carries GitHub benefits on `repo`, one per permission. */
async function githubShop(repo: string, permissions: string[]): Promise<Shop & { session: string; benefitIds: string[] }> {
  const shop = await createShop(stack, 0);
  await connectInstallation(stack, shop.token);
  const benefitIds: string[] = [];
  for (const permission of permissions) {
    const b = await shop.polar.benefits.create({
      type: 'github_repository',
      description: `${repo} ${permission}`,
      properties: { repository_owner: 'acme', repository_name: repo, permission },
    });
    benefitIds.push(b.id);
  }
  await shop.polar.products.updateBenefits(shop.oneTime.id, { benefits: benefitIds });
  await settled(stack, shop.organizationId);
  const session = await shop.polar.customerSessions.create({ customer_id: shop.customer.id });
  return { ...shop, session: session.token, benefitIds };
}

const granted = (shop: Shop, n: number) =>
  eventually(async () => {
    const g = await grantsOf(shop, { is_granted: true });
    return g.length === n ? g : null;
  });

test('a grant waits for the customer, then linking grants: invitation with the permission', async () => {
  const shop = await githubShop('private-repo', ['push']);
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  const [waiting] = await eventually(async () => {
    const g = await grantsOf(shop);
    return g.length === 1 && g[0].properties?.account_id === null ? g : null;
  });
  expect(waiting).toMatchObject({ is_granted: false, error: null });
  expect(gh.access('acme', 'private-repo')).toEqual({ collaborators: {}, invitations: {} });

  // The portal PATCH takes only the account the customer linked.
  const patch = await stack.http('PATCH', `/v1/customer-portal/benefit-grants/${waiting.id}`, {
    token: shop.session,
    body: { benefit_type: 'github_repository', properties: { account_id: '999999' } },
  });
  expect(patch.status).toBe(422);
  expect(patch.body.detail[0].loc).toEqual(['body', 'properties', 'account_id']);

  expect((await linkAccount(stack, shop.session)).status).toBe(302);
  const [grant] = await granted(shop, 1);
  const me = await stack.http('GET', '/v1/customer-portal/customers/me', { token: shop.session });
  expect(grant.properties).toMatchObject({
    account_id: me.body.oauth_accounts.github.account_id,
    granted_account_id: me.body.oauth_accounts.github.account_id,
    repository_owner: 'acme',
    repository_name: 'private-repo',
    permission: 'push',
    invitation_url: `${gh.url}/acme/private-repo/invitations`,
  });
  expect(gh.access('acme', 'private-repo').invitations).toEqual({ octocat: 'push' });
  // The customer sees the spec's fields only, not the grant's internals.
  const portalGrant = await stack.http('GET', `/v1/customer-portal/benefit-grants/${grant.id}`, { token: shop.session });
  expect(portalGrant.body.properties).toEqual({
    account_id: grant.properties.account_id,
    granted_account_id: grant.properties.account_id,
    repository_owner: 'acme',
    repository_name: 'private-repo',
    permission: 'push',
  });

  // Unlinking takes access back and the grant waits again; linking another account moves it there.
  gh.accept('acme', 'private-repo', 'octocat');
  expect((await stack.http('DELETE', '/v1/customer-portal/oauth-accounts/github', { token: shop.session })).status).toBe(204);
  await eventually(async () => ((await grantsOf(shop))[0].properties?.account_id === null ? true : null));
  expect(gh.access('acme', 'private-repo')).toEqual({ collaborators: {}, invitations: {} });
  expect((await grantsOf(shop))[0]).toMatchObject({ is_granted: false, error: null });

  gh.signedInAs = 'hubot';
  try {
    await linkAccount(stack, shop.session);
  } finally {
    gh.signedInAs = 'octocat';
  }
  await granted(shop, 1);
  expect(gh.access('acme', 'private-repo')).toEqual({ collaborators: {}, invitations: { hubot: 'push' } });
});

test('relinking another account revokes on the old account first, then grants on the new one', async () => {
  const shop = await githubShop('other', ['pull']);
  await linkAccount(stack, shop.session);
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  await granted(shop, 1);
  gh.accept('acme', 'other', 'octocat');
  expect(gh.access('acme', 'other').collaborators).toEqual({ octocat: 'pull' });
  gh.signedInAs = 'patient';
  try {
    await linkAccount(stack, shop.session);
  } finally {
    gh.signedInAs = 'octocat';
  }
  await eventually(async () => (Object.keys(gh.access('acme', 'other').invitations).length ? true : null));
  await eventually(async () => (Object.keys(gh.access('acme', 'other').collaborators).length === 0 ? true : null));
  expect(gh.access('acme', 'other')).toEqual({ collaborators: {}, invitations: { patient: 'pull' } });
  const removed = gh.log.findIndex((c) => c.method === 'DELETE' && c.path === '/repos/acme/other/collaborators/octocat');
  const invited = gh.log.findIndex((c) => c.method === 'PUT' && c.path === '/repos/acme/other/collaborators/patient');
  expect(removed).toBeGreaterThan(-1);
  expect(removed).toBeLessThan(invited);
});

test('two benefits on one repository: the higher permission holds until its benefit goes', async () => {
  const shop = await githubShop('docs', ['pull', 'maintain']);
  await linkAccount(stack, shop.session);
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  await granted(shop, 2);
  gh.accept('acme', 'docs', 'octocat');
  expect(gh.access('acme', 'docs').collaborators).toEqual({ octocat: 'maintain' });

  await shop.polar.benefits.delete(shop.benefitIds[1]); // maintain goes: pull remains
  await eventually(async () => (gh.access('acme', 'docs').collaborators.octocat === 'pull' ? true : null));
  await shop.polar.benefits.delete(shop.benefitIds[0]); // the last one: access goes
  await eventually(async () => (Object.keys(gh.access('acme', 'docs').collaborators).length === 0 ? true : null));
});

test('two organizations on one installation: revoking in one keeps what the other still gives', async () => {
  // Both shops connected acme's one installation (its administrator runs both), and one GitHub
  // account bought in each: GitHub has one collaborator for it, which either shop's grant keeps.
  const first = await githubShop('shared', ['maintain']);
  const second = await githubShop('shared', ['pull']);
  expect(first.organizationId).not.toBe(second.organizationId);
  for (const shop of [first, second]) {
    await linkAccount(stack, shop.session);
    await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
    await granted(shop, 1);
  }
  gh.accept('acme', 'shared', 'octocat');
  expect(gh.access('acme', 'shared')).toEqual({ collaborators: { octocat: 'maintain' }, invitations: {} });

  const unlink = (shop: Shop & { session: string }) =>
    stack.http('DELETE', '/v1/customer-portal/oauth-accounts/github', { token: shop.session });
  const revoked = (shop: Shop) => eventually(async () => ((await grantsOf(shop))[0].properties?.account_id === null ? true : null));
  // The first shop's grant goes: the second shop's pull remains (lowered from maintain, not removed).
  expect((await unlink(first)).status).toBe(204);
  await revoked(first);
  expect(gh.access('acme', 'shared')).toEqual({ collaborators: { octocat: 'pull' }, invitations: {} });
  // The last grant goes: access goes.
  expect((await unlink(second)).status).toBe(204);
  await revoked(second);
  expect(gh.access('acme', 'shared')).toEqual({ collaborators: {}, invitations: {} });
});

test("a rate limit is waited out for as long as GitHub says; a refused invitation is the grant's error", async () => {
  const shop = await githubShop('limited', ['triage']);
  await linkAccount(stack, shop.session);
  gh.failNext({ method: 'PUT', path: /^\/repos\/acme\/limited\/collaborators\//, status: 429, headers: { 'retry-after': '3' } });
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  await granted(shop, 1);
  const puts = gh.log.filter((c) => c.method === 'PUT' && c.path.startsWith('/repos/acme/limited/'));
  expect(puts.map((c) => c.status)).toEqual([429, 201]);
  expect(puts[1].at - puts[0].at).toBeGreaterThanOrEqual(3000);

  const blocked = await githubShop('limited', ['pull']);
  gh.signedInAs = 'blocked';
  try {
    await linkAccount(stack, blocked.session);
  } finally {
    gh.signedInAs = 'octocat';
  }
  await blocked.polar.orders.create({ customer_id: blocked.customer.id, product_id: blocked.oneTime.id });
  const [failed] = await eventually(async () => {
    const g = await grantsOf(blocked);
    return g.length === 1 && g[0].error ? g : null;
  });
  expect(failed.is_granted).toBe(false);
  expect(failed.error).toMatchObject({ type: 'action_required', message: expect.stringMatching(/refused to invite blocked/) });
});

test('the worker keeps a drift repair schedule: created once, its interval updated', async () => {
  const id = await stack.engine.ensureDriftRepairSchedule(24);
  await stack.engine.ensureDriftRepairSchedule(6); // a second worker with another setting
  const handle = stack.temporal.schedule.getHandle(id);
  try {
    const described = await handle.describe();
    expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 6 * 3_600_000 })]);
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'driftRepairWorkflow', taskQueue: stack.taskQueue });
  } finally {
    await handle.delete();
  }
});
