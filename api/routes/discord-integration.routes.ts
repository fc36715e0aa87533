// Connecting a Discord server (our extension to Polar's contract): the merchant's browser goes to
// the bot-install page (bot-authorize), Discord sends it back to bot-callback, which checks the
// server and hands return_to a guild token binding this organization to that server; guild/lookup
// shows the server's roles for picking the benefit's role. bot-callback carries no organization
// token (Discord redirects the browser there): the signed state alone authenticates it.
import { Router, type Request, type Response } from 'express';
import { Routes } from 'discord.js';
import { DiscordCode, isDiscordCode, translateDiscordError } from '../../benefits/discord/discord-errors';
import { loadGuild } from '../../benefits/discord/discord-guild';
import { botInstallUrl } from '../../benefits/discord/discord-install';
import { signGuildToken, signInstallState, verifyGuildToken, verifyInstallState } from '../../benefits/discord/discord-tokens';
import type { DiscordProvider } from '../../benefits/providers';
import { RetriableError } from '../../benefits/strategy-errors';
import { serializeDiscordGuild } from '../../wire/discord-guild.serializer';
import type { ApiServices } from '../composition';
import { organizationIdOf } from '../auth';
import { RequestValidationError, ServiceUnavailableError } from '../errors';
import { botAuthorizeQuery, botCallbackQuery, guildLookupQuery } from '../schemas/discord.schemas';
import { parseQuery } from '../validation';
import { INTEGRATION_CALLBACKS_PATH } from './integrations.routes';

const STATE_TTL_MS = 15 * 60_000;
const CALLBACK_ROUTE = '/discord/bot-callback';
const CALLBACK_PATH = INTEGRATION_CALLBACKS_PATH + CALLBACK_ROUTE;

function discordOf(services: ApiServices): DiscordProvider {
  const discord = services.providers.discord;
  if (!discord) {
    const missing = services.providers.unconfigured?.discord ?? ['DISCORD_BOT_TOKEN', 'DISCORD_CLIENT_ID', 'DISCORD_CLIENT_SECRET'];
    throw RequestValidationError.at(['query'], `Discord is not configured on this server: set ${missing.join(', ')}`);
  }
  return discord;
}

function callbackUrl(services: ApiServices, req: Request): string {
  const base = services.config.PUBLIC_BASE_URL ?? `${req.protocol}://${req.get('host')}`;
  return `${base.replace(/\/+$/, '')}${CALLBACK_PATH}`;
}

/** A Discord failure at `loc`: Discord busy or down is a 503 to retry; a refusal names the field. */
function discordFailure(err: unknown, loc: string[], refused: string): Error {
  if (err instanceof RetriableError) return new ServiceUnavailableError(Math.max(1, Math.ceil((err.retryAfterMs ?? 1000) / 1000)));
  return RequestValidationError.at(loc, `${refused}: ${(err as Error).message}`);
}

function withParams(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** bot-authorize and guild/lookup, behind the organization token. */
export function discordIntegrationRoutes(services: ApiServices): Router {
  const router = Router();

  router.get('/integrations/discord/bot-authorize', (req: Request, res: Response) => {
    const q = parseQuery(botAuthorizeQuery, req);
    const discord = discordOf(services);
    const state = signInstallState(discord.signingKey, {
      organizationId: organizationIdOf(res),
      returnTo: q.return_to,
      expiresAt: Date.now() + STATE_TTL_MS,
    });
    res.json({ url: botInstallUrl(discord, callbackUrl(services, req), state) });
  });

  router.get('/integrations/discord/guild/lookup', async (req: Request, res: Response) => {
    const q = parseQuery(guildLookupQuery, req);
    const discord = discordOf(services);
    const claims = verifyGuildToken(discord.signingKey, q.guild_token);
    if (!claims || claims.organizationId !== organizationIdOf(res)) {
      throw RequestValidationError.at(['query', 'guild_token'], 'Invalid guild token: connect the Discord server again');
    }
    try {
      res.json(serializeDiscordGuild(await loadGuild(discord, claims.guildId)));
    } catch (err) {
      throw discordFailure(err, ['query', 'guild_token'], 'The Discord server cannot be read');
    }
  });
  return router;
}

/** bot-callback: where Discord sends the merchant's browser back (no organization token; mounted at INTEGRATION_CALLBACKS_PATH). */
export function discordBotCallbackRoutes(services: ApiServices): Router {
  const router = Router();
  router.get(CALLBACK_ROUTE, async (req: Request, res: Response) => {
    const q = parseQuery(botCallbackQuery, req);
    const discord = discordOf(services);
    const state = verifyInstallState(discord.signingKey, q.state);
    if (!state) throw RequestValidationError.at(['query', 'state'], 'Invalid or expired state: start again from bot-authorize');
    // The merchant cancelled on Discord's page: tell the merchant's app.
    if (q.error) return res.redirect(303, withParams(state.returnTo, { error: q.error }));
    if (!q.code) throw RequestValidationError.at(['query', 'code'], 'Field required', 'missing');
    if (!q.guild_id) throw RequestValidationError.at(['query', 'guild_id'], 'Field required', 'missing');
    const guildId = q.guild_id;

    // The code proves which server the merchant installed the bot in; a guild_id alone could name
    // any server the bot is in.
    let installedIn: string | null;
    try {
      installedIn = await discord.oauth.exchangeInstallCode(q.code, callbackUrl(services, req));
    } catch (err) {
      throw discordFailure(err, ['query', 'code'], 'Discord refused the install code');
    }
    if (installedIn !== guildId) throw RequestValidationError.at(['query', 'code'], 'The install code is not valid for this server');
    try {
      await discord.rest.get(Routes.guild(guildId));
    } catch (err) {
      if (isDiscordCode(err, DiscordCode.UnknownGuild) || (err as { status?: number }).status === 403) {
        throw RequestValidationError.at(['query', 'guild_id'], 'The bot is not in this Discord server');
      }
      throw discordFailure(translateDiscordError(err, 'read the server'), ['query', 'guild_id'], 'The Discord server cannot be read');
    }
    const guildToken = signGuildToken(discord.signingKey, { organizationId: state.organizationId, guildId });
    res.redirect(303, withParams(state.returnTo, { guild_token: guildToken }));
  });
  return router;
}
