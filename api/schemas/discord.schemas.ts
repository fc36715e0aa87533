import { z } from 'zod';
import { safeString } from '../validation';

const snowflake = z.string().regex(/^\d{1,20}$/, 'A Discord id (digits)');

export const botAuthorizeQuery = z.object({
  return_to: z.url({ protocol: /^https?$/ }).max(2048),
});

/** Discord sends the browser back with code, state and guild_id, or with error on a cancel. */
export const botCallbackQuery = z.object({
  state: safeString(2048).min(1),
  code: safeString(512).min(1).optional(),
  guild_id: snowflake.optional(),
  error: safeString(256).optional(),
});

export const guildLookupQuery = z.object({
  guild_token: safeString(1024).min(1),
});
