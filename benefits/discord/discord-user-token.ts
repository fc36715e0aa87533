// The customer's Discord OAuth token (identify guilds.join) that lets the bot add them to a server.
// Discord's tokens expire (a week); an expired one is refreshed with the client credentials at
// DISCORD_API_URL/oauth2/token and the rotated pair is stored sealed in the grant's transaction.
import { DiscordAPIError, Routes, type RESTPostOAuth2AccessTokenResult } from 'discord.js';
import type { DiscordProvider } from '../providers';
import type { GrantContext } from '../strategy';
import { ActionRequiredError } from '../strategy-errors';
import { discordCall } from './discord-errors';

/** Refresh a little before expiry, so the token does not lapse between here and Discord. */
const EARLY_MS = 60_000;

export async function userAccessToken(ctx: GrantContext, discord: DiscordProvider): Promise<string> {
  const account = ctx.linkedAccount;
  if (!account) throw new ActionRequiredError('Link your Discord account to receive this benefit.');
  if (!account.expiresAt || account.expiresAt.getTime() > ctx.now.getTime() + EARLY_MS) return account.accessToken;
  if (!account.refreshToken) throw new ActionRequiredError('Your Discord authorization expired. Link your Discord account again.');
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: account.refreshToken,
    client_id: discord.clientId,
    client_secret: discord.clientSecret,
  });
  let fresh: RESTPostOAuth2AccessTokenResult;
  try {
    fresh = (await discord.rest.post(Routes.oauth2TokenExchange(), {
      body,
      passThroughBody: true,
      auth: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      signal: ctx.signal,
    })) as RESTPostOAuth2AccessTokenResult;
  } catch (err) {
    // invalid_grant: the customer revoked our access; only linking again helps.
    if (err instanceof DiscordAPIError && err.status === 400) {
      throw new ActionRequiredError('Your Discord authorization expired. Link your Discord account again.');
    }
    return discordCall('refresh the Discord authorization', () => Promise.reject(err));
  }
  const tokens = {
    accessToken: fresh.access_token,
    refreshToken: fresh.refresh_token ?? account.refreshToken,
    expiresAt: fresh.expires_in ? new Date(ctx.now.getTime() + fresh.expires_in * 1000) : null,
  };
  await ctx.saveLinkedAccountTokens?.(tokens);
  return tokens.accessToken;
}
