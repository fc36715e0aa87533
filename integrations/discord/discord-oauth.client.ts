// Discord's OAuth2 for customers linking their Discord account: the authorize page, the code
// exchange and the user behind a token (plain HTTP against DISCORD_API_URL, so a stand-in serves
// it). The bot that hands out roles is a separate client.
import { RetriableError } from '../../lib/retriable-error';
import { oauthTokensFrom, type OAuthTokens } from '../oauth-tokens';

export interface DiscordOAuthSettings {
  clientId: string;
  clientSecret: string;
  apiUrl: string;
  webUrl: string;
}

/** `guilds.join` lets the bot add the customer to a server. */
export const DISCORD_SCOPES = 'identify guilds.join';

export class DiscordOAuth {
  constructor(readonly settings: DiscordOAuthSettings) {}

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
  async exchangeCode(code: string, redirectUri: string): Promise<OAuthTokens | null> {
    return this.token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
  }

  /** Discord access tokens expire (about a week): the refresh token renews them. */
  async refresh(refreshToken: string): Promise<OAuthTokens | null> {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  async user(accessToken: string): Promise<{ id: string; login: string }> {
    const res = await send(`${this.settings.apiUrl}/users/@me`, { headers: { authorization: `Bearer ${accessToken}` } });
    if (!res.ok) throw new Error(`Discord answered HTTP ${res.status} for the user`);
    const body = (await res.json()) as { id: string; username: string };
    return { id: String(body.id), login: body.username };
  }

  private async token(params: Record<string, string>): Promise<OAuthTokens | null> {
    const res = await send(`${this.settings.apiUrl}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${this.settings.clientId}:${this.settings.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams(params).toString(),
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, any>;
    return res.ok ? oauthTokensFrom(body) : null;
  }
}

async function send(url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new RetriableError(`Discord unreachable: ${(err as Error).message}`);
  }
  if (res.status === 429 || res.status >= 500) {
    const after = Number(res.headers.get('retry-after'));
    throw new RetriableError(`Discord answered HTTP ${res.status}`, Number.isFinite(after) && after > 0 ? after * 1000 : undefined);
  }
  return res;
}
