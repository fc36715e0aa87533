// Installing the bot in a merchant's server: the authorize page Discord shows (scope bot, the
// permissions the benefit needs), and the callback's proof of which server the merchant picked
// (the install code, exchanged by the application's OAuth client, names the server).
import { PermissionFlagsBits } from 'discord.js';
import type { DiscordProvider } from '../providers';

/** Manage Roles (grant, take back), Kick Members (kick_member), Create Instant Invite. */
export const BOT_PERMISSIONS = PermissionFlagsBits.ManageRoles | PermissionFlagsBits.KickMembers | PermissionFlagsBits.CreateInstantInvite;

export function botInstallUrl(discord: DiscordProvider, redirectUri: string, state: string): string {
  const url = new URL(`${discord.oauth.webUrl}/oauth2/authorize`);
  url.search = new URLSearchParams({
    client_id: discord.oauth.clientId,
    scope: 'bot',
    permissions: BOT_PERMISSIONS.toString(),
    response_type: 'code',
    redirect_uri: redirectUri,
    state,
  }).toString();
  return url.toString();
}
