// Installing the bot in a merchant's server: the authorize page Discord shows (scope bot, the
// permissions the benefit needs), and the callback's proof of which server the merchant picked
// (the install code exchanged with our client credentials names the server).
import { DiscordAPIError, PermissionFlagsBits, Routes, type RESTPostOAuth2AccessTokenResult } from 'discord.js';
import type { DiscordProvider } from '../providers';
import { discordCall } from './discord-errors';

/** Manage Roles (grant, take back), Kick Members (kick_member), Create Instant Invite. */
export const BOT_PERMISSIONS = PermissionFlagsBits.ManageRoles | PermissionFlagsBits.KickMembers | PermissionFlagsBits.CreateInstantInvite;

export function botInstallUrl(discord: DiscordProvider, redirectUri: string, state: string): string {
  const url = new URL(`${discord.webUrl}/oauth2/authorize`);
  url.search = new URLSearchParams({
    client_id: discord.clientId,
    scope: 'bot',
    permissions: BOT_PERMISSIONS.toString(),
    response_type: 'code',
    redirect_uri: redirectUri,
    state,
  }).toString();
  return url.toString();
}

/** The server the install code was issued for; null when Discord refuses the code. */
export async function exchangeInstallCode(discord: DiscordProvider, code: string, redirectUri: string): Promise<string | null> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: discord.clientId,
    client_secret: discord.clientSecret,
  });
  try {
    const token = (await discord.rest.post(Routes.oauth2TokenExchange(), {
      body,
      passThroughBody: true,
      auth: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    })) as RESTPostOAuth2AccessTokenResult & { guild?: { id: string } };
    return token.guild?.id ?? null;
  } catch (err) {
    if (err instanceof DiscordAPIError && err.status === 400) return null;
    return discordCall('exchange the install code', () => Promise.reject(err));
  }
}
