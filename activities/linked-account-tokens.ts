// A linked account's tokens, renewed before a strategy uses them when they have expired (Discord's
// last a week; a GitHub App may expire user tokens after 8 hours): the provider's refresh token
// buys new ones, stored sealed in the grant's transaction.
import type { BenefitProviders } from '../benefits/providers';
import type { Queryable } from '../db/repositories/grants.repository';
import type { LinkedAccount, LinkedAccountsRepository } from '../db/repositories/linked-accounts.repository';
import type { OAuthTokens } from '../integrations/github/github-app.client';
import { RetriableError } from '../lib/retriable-error';
import { translateStrategyError } from './failures';

/** Tokens this close to expiring are renewed first. */
const MARGIN_MS = 60_000;

export async function withFreshTokens(
  providers: BenefitProviders,
  accounts: LinkedAccountsRepository,
  q: Queryable,
  account: LinkedAccount,
): Promise<LinkedAccount> {
  if (!account.expiresAt || account.expiresAt.getTime() > Date.now() + MARGIN_MS || !account.refreshToken) return account;
  const client: { refresh(token: string): Promise<OAuthTokens | null> } | undefined =
    account.platform === 'github' ? providers.github : providers.discordOAuth;
  if (!client) return account;
  // Provider busy or down: the attempt fails with the provider's wait, as a strategy's would.
  const tokens = await client.refresh(account.refreshToken).catch((err: unknown) => {
    if (err instanceof RetriableError) translateStrategyError(err);
    throw err;
  });
  // Refused (revoked on the provider): the strategy meets the expired token and says what to do.
  if (!tokens) return account;
  const renewed = {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken ?? account.refreshToken,
    expiresAt: tokens.expiresAt,
  };
  await accounts.updateTokens(q, account.id, renewed);
  return { ...account, ...renewed };
}
