// discord.js failures -> the three strategy error kinds (benefits/strategy-errors.ts).
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import { ActionRequiredError, InvalidConfigurationError, RetriableError } from '../strategy-errors';

/** Discord's JSON error codes the benefit acts on. */
export const DiscordCode = {
  UnknownGuild: 10004,
  UnknownMember: 10007,
  UnknownRole: 10011,
  UnknownUser: 10013,
  MissingPermissions: 50013,
  InvalidOAuthToken: 50025,
} as const;

export function isDiscordCode(err: unknown, code: number): boolean {
  return err instanceof DiscordAPIError && err.code === code;
}

/**
 * Rate limits longer than the REST client waits, and 5xx it already retried, are retriable with
 * Discord's delay; missing permissions, an unknown server or role are the merchant's to fix; a
 * customer who left the server or revoked our access must act. Anything else is a configuration
 * error shown on the grant, never a silent success.
 */
export function translateDiscordError(err: unknown, what: string): Error {
  if (err instanceof RateLimitError) {
    return new RetriableError(`Discord rate limit on ${what}${err.global ? ' (global)' : ''}`, Math.ceil(err.retryAfter));
  }
  if (err instanceof HTTPError) return new RetriableError(`Discord answered ${err.status} to ${what}`);
  if (err instanceof DiscordAPIError) {
    if (err.status === 429 || err.status >= 500) return new RetriableError(`Discord answered ${err.status} to ${what}`);
    switch (err.code) {
      case DiscordCode.MissingPermissions:
        return new InvalidConfigurationError(
          `Discord refused to ${what}: Missing Permissions. The bot needs Manage Roles (and Kick Members), and its role must sit above the benefit's role.`,
        );
      case DiscordCode.UnknownMember:
        return new ActionRequiredError(
          `Discord refused to ${what}: the account is not a member of the server. Link your Discord account again.`,
        );
      case DiscordCode.InvalidOAuthToken:
        return new ActionRequiredError(
          `Discord refused to ${what}: the Discord authorization expired or was revoked. Link your Discord account again.`,
        );
      case DiscordCode.UnknownGuild:
        return new InvalidConfigurationError(
          `Discord refused to ${what}: the bot is not in the server any more. Connect the server again.`,
        );
      case DiscordCode.UnknownRole:
        return new InvalidConfigurationError(`Discord refused to ${what}: the role does not exist any more.`);
    }
    if (err.status === 401) return new InvalidConfigurationError(`Discord refused the bot token (${what}): check DISCORD_BOT_TOKEN.`);
    return new InvalidConfigurationError(`Discord refused to ${what}: ${err.message}`);
  }
  // Network failures and timeouts (discord.js already retried them): worth another attempt.
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TypeError' || 'code' in err)) {
    return new RetriableError(`Discord unreachable (${what}): ${err.message}`);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Runs a Discord call, translating its failure. */
export async function discordCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateDiscordError(err, what);
  }
}
