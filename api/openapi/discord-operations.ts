// Our extension for connecting a Discord server (api/routes/discord-integration.routes.ts).
import { botAuthorizeQuery, botCallbackQuery, guildLookupQuery } from '../schemas/discord.schemas';

// Typed where operations.ts spreads it (importing its Operation type here would make a cycle).
export const discordOperations = [
  {
    method: 'get',
    path: '/v1/integrations/discord/bot-authorize',
    summary: 'Start installing the Discord bot in a server',
    tag: 'integrations',
    query: botAuthorizeQuery,
    response: 'AuthorizeResponse',
    extension:
      "Answers `{url}`: Discord's bot-install page (scope `bot`; Manage Roles, Kick Members, Create Instant Invite) with our `bot-callback` and a signed state (15 minutes) naming this organization and `return_to`. Needs `DISCORD_BOT_TOKEN`, `DISCORD_CLIENT_ID`, `DISCORD_CLIENT_SECRET` (422 naming the missing ones).",
  },
  {
    method: 'get',
    path: '/v1/integrations/discord/bot-callback',
    summary: 'Where Discord sends the browser back after the bot install',
    tag: 'integrations',
    query: botCallbackQuery,
    status: 303,
    auth: 'none',
    extension:
      'No token: the signed `state` authenticates it. Exchanges `code` (it names the server the bot was installed in; it must be `guild_id`), checks the bot is in the server, then redirects (303) to `return_to?guild_token=<token>`, a signed token binding the organization to that server (`return_to?error=...` when the install was cancelled).',
  },
  {
    method: 'get',
    path: '/v1/integrations/discord/guild/lookup',
    summary: 'The connected server and its roles',
    tag: 'integrations',
    query: guildLookupQuery,
    response: 'DiscordGuild',
    extension:
      "Polar's `DiscordGuild` for a `guild_token` of this organization: roles highest first without @everyone, the bot's own role flagged `is_polar_bot`. A `discord` benefit's `role_id` must sit below that role.",
  },
] as const;
