// A user's OAuth tokens as GitHub and Discord answer them at their token endpoints (the standard
// RFC 6749 fields), read the same way for both.

export interface OAuthTokens {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
  scope: string | null;
}

/** The tokens in a token endpoint's JSON answer; null when it carries no access token (refused). */
export function oauthTokensFrom(body: Record<string, any>, now = Date.now()): OAuthTokens | null {
  if (typeof body.access_token !== 'string') return null;
  return {
    accessToken: body.access_token,
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : null,
    expiresAt: typeof body.expires_in === 'number' ? new Date(now + body.expires_in * 1000) : null,
    scope: typeof body.scope === 'string' ? body.scope : null,
  };
}
