// Rows for workflow tests that run the real activities without the API: an organization, a customer
// with a linked GitHub account, a github_repository benefit, an order and its (not yet started) grant.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { LinkedAccountsRepository } from '../../db/repositories/linked-accounts.repository';
import { OrganizationsRepository } from '../../db/repositories/organizations.repository';
import { GitHubApp } from '../../integrations/github/github-app.client';
import type { FakeGitHub } from '../fakes/github-server';

export function githubAppFor(gh: FakeGitHub): GitHubApp {
  return new GitHubApp({
    appId: String(gh.appId),
    privateKey: gh.privateKeyPem,
    clientId: gh.clientId,
    clientSecret: gh.clientSecret,
    apiUrl: gh.url,
    webUrl: gh.url,
  });
}

/** A customer with a linked GitHub account, a github_repository benefit on `repo`, an order and its grant. */
export async function seedGitHubGrant(ds: DataSource, gh: FakeGitHub, repo: string, login: string, owner = 'acme') {
  const user = gh.addUser(login);
  const { organization } = await new OrganizationsRepository(ds).createWithToken(`Invites ${randomUUID()}`);
  const org = organization.id;
  const [customer] = await ds.query(`INSERT INTO customers (organization_id, email) VALUES ($1, $2) RETURNING id`, [
    org,
    `${randomUUID()}@example.com`,
  ]);
  const properties = { repository_owner: owner, repository_name: repo, permission: 'push' };
  const [benefit] = await ds.query(
    `INSERT INTO benefits (organization_id, type, description, properties) VALUES ($1, 'github_repository', 'Repo', $2) RETURNING id`,
    [org, JSON.stringify(properties)],
  );
  const [order] = await ds.query(
    `INSERT INTO orders (organization_id, customer_id, billing_reason) VALUES ($1, $2, 'purchase') RETURNING id`,
    [org, customer.id],
  );
  const [grant] = await ds.query(
    `INSERT INTO benefit_grants (organization_id, customer_id, benefit_id, order_id) VALUES ($1, $2, $3, $4) RETURNING id`,
    [org, customer.id, benefit.id, order.id],
  );
  await new LinkedAccountsRepository(ds, null).link(ds, {
    organizationId: org,
    customerId: customer.id,
    platform: 'github',
    accountId: String(user.id),
    accountUsername: login,
    accessToken: 'gho_test',
    refreshToken: null,
    expiresAt: null,
    scope: null,
  });
  return { grantId: grant.id, organizationId: org, customerId: customer.id, benefitId: benefit.id, benefitType: 'github_repository' };
}
