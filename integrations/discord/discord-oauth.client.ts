// Discord's OAuth2, through discord.js's REST at DISCORD_API_URL (a stand-in's in tests): the
// customer's authorize page, the code exchange and the user behind a token (account linking), the
// refresh of an expired user token (grants), and the bot-install code exchange naming the server
// a merchant picked. The client credentials go as HTTP Basic, never in a body an error carries.
// Failures come out in two kinds only: Discord busy, down or unreachable is a RetriableError
// (with Discord's wait); a refusal is null, or an Error naming the HTTP status. discord.js's own
// errors never leave this file: they hold the request body (codes, refresh tokens).
import { DiscordAPIError, HTTPError, RateLimitError, Routes, type APIUser, type REST } from 'discord.js';
import { RetriableError } from '../../lib/retriable-error';
import { oauthTokensFrom, type OAuthTokens } from '../oauth-tokens';
import { discordRest, type DiscordRestSettings } from './discord-rest';

export interface DiscordOAuthSettings extends DiscordRestSettings {
  clientId: string;
  clientSecret: string;
  /** DISCORD_WEB_URL: where the authorize pages are. */
  webUrl: string;
}

/** `guilds.join` lets the bot add the customer to a server. */
export const DISCORD_SCOPES = 'identify guilds.join';

export class DiscordOAuth {
  private readonly rest: REST;

  constructor(private readonly settings: DiscordOAuthSettings) {
    this.rest = discordRest(settings);
  }

  get clientId(): string {
    return this.settings.clientId;
  }

  get webUrl(): string {
    return this.settings.webUrl;
  }

  /** The page where a customer lets us identify them and add them to servers. */
  authorizeUrl(redirectUri: string, state: string): string {
    const url = new URL(`${this.settings.webUrl}/oauth2/authorize`);
    url.search = new URLSearchParams({
      client_id: this.settings.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: DISCORD_SCOPES,
      state,
      prompt: 'consent',
    }).toString();
    return url.toString();
  }

  /** Null when Discord refuses the code (bad, used or expired). */
  async exchangeCode(code: string, redirectUri: string, signal?: AbortSignal): Promise<OAuthTokens | null> {
    const body = await this.token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }, signal);
    return body && oauthTokensFrom(body);
  }

  /** Discord access tokens expire (about a week): the refresh token renews them. Null when refused (revoked). */
  async refresh(refreshToken: string, signal?: AbortSignal): Promise<OAuthTokens | null> {
    const body = await this.token({ grant_type: 'refresh_token', refresh_token: refreshToken }, signal);
    return body && oauthTokensFrom(body);
  }

  /** The server a bot-install code was issued for; null when Discord refuses the code. */
  async exchangeInstallCode(code: string, redirectUri: string, signal?: AbortSignal): Promise<string | null> {
    const body = await this.token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }, signal);
    const guild = body?.guild as { id?: unknown } | undefined;
    return typeof guild?.id === 'string' ? guild.id : null;
  }

  /** Who the token belongs to; a refused token is an Error naming Discord's HTTP status. */
  async user(accessToken: string, signal?: AbortSignal): Promise<{ id: string; login: string }> {
    let me: APIUser;
    try {
      me = (await this.rest.get(Routes.user(), { auth: false, headers: { Authorization: `Bearer ${accessToken}` }, signal })) as APIUser;
    } catch (err) {
      throw transportFailure(err) ?? new Error(`Discord answered HTTP ${(err as DiscordAPIError).status} for the user`);
    }
    return { id: String(me.id), login: me.username };
  }

  /** The token endpoint's JSON answer; null when Discord refuses the request (4xx). */
  private async token(params: Record<string, string>, signal?: AbortSignal): Promise<Record<string, any> | null> {
    const basic = Buffer.from(`${this.settings.clientId}:${this.settings.clientSecret}`).toString('base64');
    try {
      return (await this.rest.post(Routes.oauth2TokenExchange(), {
        body: new URLSearchParams(params),
        passThroughBody: true,
        auth: false,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${basic}` },
        signal,
      })) as Record<string, any>;
    } catch (err) {
      const failure = transportFailure(err);
      if (failure) throw failure;
      return null;
    }
  }
}

/**
 * Discord busy (rate limits longer than the client waits), down (5xx it already retried) or out of
 * reach: a RetriableError with Discord's wait. Null for Discord's refusals (4xx), the caller's to read.
 */
function transportFailure(err: unknown): RetriableError | null {
  if (err instanceof RateLimitError) {
    return new RetriableError(`Discord rate limit on OAuth2${err.global ? ' (global)' : ''}`, Math.ceil(err.retryAfter));
  }
  if (err instanceof HTTPError) return new RetriableError(`Discord answered HTTP ${err.status}`);
  if (err instanceof DiscordAPIError) {
    return err.status === 429 || err.status >= 500 ? new RetriableError(`Discord answered HTTP ${err.status}`) : null;
  }
  return new RetriableError(`Discord unreachable: ${err instanceof Error ? err.message : String(err)}`);
}
