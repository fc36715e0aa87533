// Customers link a GitHub or Discord account (OAuth): authorize hands out the provider's page with
// a one-time state bound to the customer; the callback exchanges the code, stores the account and
// tells every grant acting on that platform (their strategy's linkedPlatform) through the engine's
// command outbox: a waiting grant resumes, a grant on a replaced account moves to the new one
// (revoked on the old account first). Unlinking revokes what the account held; its grants wait again.
import type { DataSource } from 'typeorm';
import type { BenefitProviders } from '../../benefits/providers';
import type { StrategyRegistry } from '../../benefits/registry';
import { portalReturnOrigins, type Env } from '../../config/config';
import type { RecordedCommand } from '../../db/repositories/engine-commands.repository';
import { GrantsRepository, type Queryable } from '../../db/repositories/grants.repository';
import { LinkedAccountsRepository, type LinkedPlatform } from '../../db/repositories/linked-accounts.repository';
import { OAuthStatesRepository } from '../../db/repositories/oauth-states.repository';
import type { OAuthTokens } from '../../integrations/github/github-app.client';
import type { SecretBox } from '../../lib/secret-box';
import { BadRequestError, NotFoundError, RequestValidationError, ServiceUnavailableError } from '../errors';
import { GitHubAnswerError } from '../../integrations/github/github-app.client';
import { RetriableError } from '../../lib/retriable-error';
import type { EngineDispatcher } from './engine-dispatcher';

/** What linking needs of a provider's OAuth client (GitHub App, Discord). */
export interface OAuthClient {
  authorizeUrl(redirectUri: string, state: string): string;
  exchangeCode(code: string, redirectUri: string): Promise<OAuthTokens | null>;
  user(accessToken: string): Promise<{ id: string; login: string }>;
}

const STATE_TTL_MS = 10 * 60 * 1000;

export interface AccountLinkingDeps {
  dataSource: DataSource;
  config: Env;
  providers: BenefitProviders;
  registry: StrategyRegistry;
  dispatcher: EngineDispatcher;
  secretBox: SecretBox | null;
}

export class AccountLinkingService {
  private readonly states: OAuthStatesRepository;
  private readonly accounts: LinkedAccountsRepository;
  private readonly grants: GrantsRepository;

  constructor(private readonly deps: AccountLinkingDeps) {
    this.states = new OAuthStatesRepository(deps.dataSource);
    this.accounts = new LinkedAccountsRepository(deps.dataSource, deps.secretBox);
    this.grants = new GrantsRepository(deps.dataSource);
  }

  /** The provider's authorize page for this customer; `returnTo` checked against the allowed origins. */
  async authorize(customer: { id: string; organizationId: string }, platform: LinkedPlatform, returnTo: string, ownOrigin: string) {
    const client = this.client(platform, ['query', 'platform']);
    checkReturnTo(this.deps.config, returnTo, ['query', 'return_to'], ownOrigin);
    const state = await this.states.create(
      { purpose: 'link_account', platform, organizationId: customer.organizationId, customerId: customer.id, returnTo },
      STATE_TTL_MS,
    );
    return client.authorizeUrl(callbackUrl(this.deps.config, ownOrigin, platform), state);
  }

  /** The provider sent the customer back: link, resume grants, and answer where to redirect. */
  async callback(platform: LinkedPlatform, query: Record<string, unknown>, ownOrigin: string): Promise<string> {
    const client = this.client(platform, ['path', 'platform']);
    const state = await this.states.consume(String(query.state ?? ''), 'link_account', platform);
    if (!state || !state.customerId) throw new BadRequestError('Invalid, expired or already used state', 'InvalidOAuthState');
    if (typeof query.error === 'string' && query.error) return withParams(state.returnTo, { error: query.error.slice(0, 100) });
    if (typeof query.code !== 'string' || !query.code) throw new BadRequestError('Missing code', 'InvalidOAuthCode');
    const code = query.code;
    const tokens = await providerCall(() => client.exchangeCode(code, callbackUrl(this.deps.config, ownOrigin, platform)));
    if (!tokens) throw new BadRequestError('The provider refused the authorization code', 'InvalidOAuthCode');
    const user = await providerCall(() => client.user(tokens.accessToken));
    const customerId = state.customerId;
    await this.deps.dataSource.transaction(async (em) => {
      const { replaced } = await this.accounts.link(em, {
        organizationId: state.organizationId,
        customerId,
        platform,
        accountId: user.id,
        accountUsername: user.login,
        ...tokens,
      });
      const moved = replaced !== null && replaced.accountId !== user.id;
      const out: RecordedCommand[] = [];
      for (const grant of await this.grantsOn(em, customerId, platform)) {
        const { granted, ...ref } = grant;
        if (granted && !moved) continue;
        // A grant held on the replaced account: revoke there first, then grant on the new one.
        if (granted) out.push(await this.deps.dispatcher.commandGrant(em, ref, { action: 'accountUnlinked' }));
        out.push(await this.deps.dispatcher.commandGrant(em, ref, { action: 'accountLinked', accountId: user.id }));
      }
      return out;
    });
    return withParams(state.returnTo, { linked: platform });
  }

  /** Unlinks: what the account was granted is revoked and its grants wait for a new account. */
  async unlink(customerId: string, platform: LinkedPlatform): Promise<void> {
    await this.deps.dataSource.transaction(async (em) => {
      const account = await this.accounts.unlink(em, customerId, platform);
      if (!account) throw new NotFoundError('No linked account on this platform');
      const out: RecordedCommand[] = [];
      for (const { granted, ...ref } of await this.grantsOn(em, customerId, platform)) {
        if (granted) out.push(await this.deps.dispatcher.commandGrant(em, ref, { action: 'accountUnlinked' }));
      }
      return out;
    });
  }

  /** The account the customer linked on a platform (the portal PATCH accepts only this one). */
  async linkedAccountId(customerId: string, platform: LinkedPlatform): Promise<string | null> {
    return (await this.accounts.find(this.deps.dataSource, customerId, platform))?.accountId ?? null;
  }

  async linkedAccounts(customerId: string) {
    return this.accounts.listPublic(customerId);
  }

  private grantsOn(q: Queryable, customerId: string, platform: LinkedPlatform) {
    const types = Object.values(this.deps.registry)
      .filter((s) => s.linkedPlatform === platform)
      .map((s) => s.type);
    return this.grants.liveOfCustomerByTypes(customerId, types, q);
  }

  private client(platform: LinkedPlatform, loc: string[]): OAuthClient {
    const client = platform === 'github' ? this.deps.providers.github : this.deps.providers.discordOAuth;
    if (client) return client as OAuthClient;
    const missing = this.deps.providers.unconfigured?.[platform === 'github' ? 'github' : 'discordOAuth'] ?? [];
    throw RequestValidationError.at(loc, `Linking a ${platform} account is not configured on this server: set ${missing.join(', ')}`);
  }
}

/** Our callback, on the API's public URL (PUBLIC_BASE_URL, else the origin the request came to). */
export function callbackUrl(config: Env, ownOrigin: string, platform: string): string {
  return `${publicBase(config, ownOrigin)}/v1/integrations/${platform}/callback`;
}

export function publicBase(config: Env, ownOrigin: string): string {
  return (config.PUBLIC_BASE_URL ?? ownOrigin).replace(/\/$/, '');
}

/** 422 at `loc` unless `returnTo` is an http(s) URL on an allowed origin (PORTAL_RETURN_ORIGINS). */
export function checkReturnTo(config: Env, returnTo: string, loc: string[], ownOrigin: string): void {
  const origins = config.PORTAL_RETURN_ORIGINS ? portalReturnOrigins(config) : [...portalReturnOrigins(config), new URL(ownOrigin).origin];
  let url: URL | null = null;
  try {
    url = new URL(returnTo);
  } catch {
    // answered below
  }
  const allowed =
    url !== null &&
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    origins.some((o) => {
      if (!o.endsWith(':*')) return o === url!.origin;
      return `${url!.protocol}//${url!.hostname}` === o.slice(0, -2);
    });
  if (!allowed) throw RequestValidationError.at(loc, 'Must be a URL on an allowed origin (PORTAL_RETURN_ORIGINS)');
}

/**
 * A provider call made while answering a request: down or rate-limited is a 503 (retry later), a
 * refusal a 400; never a 500.
 */
export async function providerCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RetriableError) throw new ServiceUnavailableError(Math.ceil((err.retryAfterMs ?? 1000) / 1000));
    if (err instanceof GitHubAnswerError) throw new BadRequestError(`The provider refused: ${err.message}`, 'ProviderRefused');
    if (err instanceof Error && /answered HTTP/.test(err.message)) throw new BadRequestError(err.message, 'ProviderRefused');
    throw err;
  }
}

export function withParams(target: string, params: Record<string, string>): string {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}
