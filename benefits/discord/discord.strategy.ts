// Discord roles: the bot adds the customer to the merchant's server with the role (their OAuth
// token lets it join them), takes the role back or kicks them on revoke, and moves holders to the
// new role when the benefit's role changes. Grant properties record what was done (guild_id,
// role_id, granted_account_id, kick_member), so revoke and drift repair act on those, never on
// the benefit's current configuration.
import { Routes, type APIGuildMember } from 'discord.js';
import { z } from 'zod';
import { DiscordGrantsRepository } from '../../db/repositories/discord-grants.repository';
import { DISCORD_REQUIRED_SETTINGS, type BenefitProviders, type DiscordProvider } from '../providers';
import { providerToGrant, providerToValidate, type ProviderSettings } from '../provider-required';
import { PropertiesValidationError, type BenefitStrategy, type GrantContext, type GrantOutcome, type Json } from '../strategy';
import { ActionRequiredError, InvalidConfigurationError, RetriableError } from '../strategy-errors';
import { DiscordCode, discordCall, isDiscordCode, translateDiscordError } from './discord-errors';
import { repairDiscordDrift } from './discord-drift';
import { loadGuild, roleProblem } from './discord-guild';
import { verifyGuildToken } from './discord-tokens';

const snowflake = z.string().regex(/^\d{1,20}$/, 'A Discord id (digits)');
// Bounded and without NUL, as api/validation's safeString (not imported: benefits must not depend on api).
const guildToken = z
  .string()
  .min(1)
  .max(1024)
  .refine((s) => !s.includes(String.fromCharCode(0)), 'String should not contain NUL characters');

const schema = z
  .object({
    guild_token: guildToken,
    role_id: snowflake,
    kick_member: z.boolean(),
    // Derived from the guild token on create and update; accepted (and replaced) on input so a
    // merchant may send back what the organization read shows.
    guild_id: snowflake.optional(),
  })
  .strict();
export type DiscordProperties = z.infer<typeof schema>;

interface Done {
  guild_id: string;
  role_id: string;
  granted_account_id: string;
  kick_member: boolean;
}

const grants = new DiscordGrantsRepository();

function settings(providers: BenefitProviders): ProviderSettings {
  return { subject: 'Discord is', missing: providers.unconfigured?.discord ?? DISCORD_REQUIRED_SETTINGS };
}

function need(ctx: GrantContext): DiscordProvider {
  return providerToGrant(ctx.providers.discord, settings(ctx.providers));
}

/**
 * The customer's OAuth token (identify guilds.join) that lets the bot add them to the server. The
 * grant activity renewed it if it had expired (activities/linked-account-tokens.ts): still expired
 * here, Discord refused the renewal (access revoked) or there was nothing to renew it with.
 */
function userAccessToken(ctx: GrantContext): string {
  const account = ctx.linkedAccount;
  if (!account) throw new ActionRequiredError('Link your Discord account to receive this benefit.');
  if (account.expiresAt && account.expiresAt.getTime() <= ctx.now.getTime()) {
    throw new ActionRequiredError('Your Discord authorization expired. Link your Discord account again.');
  }
  return account.accessToken;
}

function txOf(ctx: GrantContext) {
  if (!ctx.tx) throw new Error('discord strategy needs the grant transaction (GrantContext.tx)');
  return ctx.tx;
}

/** Joins the account to the server with the role, or gives the role to a member (204 on join). */
async function addRole(ctx: GrantContext, discord: DiscordProvider, guildId: string, roleId: string, userId: string): Promise<void> {
  const signal = ctx.signal;
  await grants.lockAccountInServer(txOf(ctx), guildId, userId);
  if (ctx.linkedAccount?.accountId === userId) {
    const token = userAccessToken(ctx);
    const joined = await discordCall('add the member to the server', () =>
      discord.rest.put(Routes.guildMember(guildId, userId), { body: { access_token: token, roles: [roleId] }, signal }),
    );
    // 201 answers the new member (it joined with the role); 204 (already a member) answers nothing.
    if ((joined as APIGuildMember | null)?.user) return;
  }
  await discordCall('assign the role', () => discord.rest.put(Routes.guildMemberRole(guildId, userId, roleId), { signal }));
}

/** Removes what a grant gave, unless another granted grant still gives it; a member gone is done. */
async function takeBack(ctx: GrantContext, discord: DiscordProvider, done: Done): Promise<void> {
  const tx = txOf(ctx);
  const { guild_id: guildId, role_id: roleId, granted_account_id: userId } = done;
  await grants.lockAccountInServer(tx, guildId, userId);
  // A member who left (or a role deleted) has nothing left to take back.
  const quietly = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      if (isDiscordCode(err, DiscordCode.UnknownMember) || isDiscordCode(err, DiscordCode.UnknownRole)) return;
      throw translateDiscordError(err, what);
    }
  };
  if (done.kick_member && !(await grants.serverHeldElsewhere(tx, ctx.grant.id, guildId, userId))) {
    return quietly('remove the member from the server', () =>
      discord.rest.delete(Routes.guildMember(guildId, userId), { signal: ctx.signal }),
    );
  }
  if (await grants.roleHeldElsewhere(tx, ctx.grant.id, { guildId, roleId }, userId)) return;
  await quietly('remove the role', () => discord.rest.delete(Routes.guildMemberRole(guildId, userId, roleId), { signal: ctx.signal }));
}

function doneOf(properties: Json): Done | null {
  const p = properties as Partial<Done>;
  if (!p.guild_id || !p.role_id || !p.granted_account_id) return null;
  return { guild_id: p.guild_id, role_id: p.role_id, granted_account_id: p.granted_account_id, kick_member: p.kick_member === true };
}

function outcome(accountId: string, props: DiscordProperties): GrantOutcome {
  return {
    properties: {
      account_id: accountId,
      guild_id: props.guild_id,
      role_id: props.role_id,
      granted_account_id: accountId,
      kick_member: props.kick_member,
    },
  };
}

export const discordStrategy: BenefitStrategy<DiscordProperties> = {
  type: 'discord',
  propertiesSchema: schema,
  sharedAccess: true,
  linkedPlatform: 'discord',

  async validateProperties(ctx, p) {
    const discord = providerToValidate(ctx.providers.discord, settings(ctx.providers));
    const claims = verifyGuildToken(discord.signingKey, p.guild_token);
    if (!claims || claims.organizationId !== ctx.organizationId) {
      throw new PropertiesValidationError(
        ['guild_token'],
        'Invalid guild token: connect the Discord server with bot-authorize and use the guild_token it returns',
      );
    }
    let guild;
    try {
      guild = await loadGuild(discord, claims.guildId);
    } catch (err) {
      if (err instanceof RetriableError) {
        throw new PropertiesValidationError(['guild_token'], 'Discord could not be reached to check the server; try again');
      }
      throw new PropertiesValidationError(['guild_token'], `The Discord server cannot be read: ${(err as Error).message}`);
    }
    const problem = roleProblem(guild, p.role_id);
    if (problem) throw new PropertiesValidationError(['role_id'], problem);
    return { ...p, guild_id: claims.guildId };
  },

  async grant(ctx) {
    const discord = need(ctx);
    const props = ctx.benefit.properties as DiscordProperties;
    const userId = ctx.linkedAccount?.accountId ?? ctx.accountId;
    if (!userId || !props.guild_id) throw new InvalidConfigurationError('The benefit has no Discord server or account to grant to');
    await addRole(ctx, discord, props.guild_id, props.role_id, userId);
    return outcome(userId, props);
  },

  async revoke(ctx) {
    const done = doneOf(ctx.grant.properties);
    if (done) await takeBack(ctx, need(ctx), done);
    return { properties: ctx.grant.properties };
  },

  async update(ctx) {
    const discord = need(ctx);
    const props = ctx.benefit.properties as DiscordProperties;
    const done = doneOf(ctx.grant.properties);
    if (!done || !props.guild_id) return { properties: ctx.grant.properties };
    if (done.guild_id === props.guild_id && done.role_id === props.role_id) {
      return outcome(done.granted_account_id, props);
    }
    // The old role first (never kick on a move), then the new one.
    await takeBack(ctx, discord, { ...done, kick_member: false });
    await addRole(ctx, discord, props.guild_id, props.role_id, done.granted_account_id);
    return outcome(done.granted_account_id, props);
  },

  cycle: async (ctx) => ({ properties: ctx.grant.properties }),

  requiresUpdate: (previous, next) =>
    previous.guild_id !== next.guild_id || previous.role_id !== next.role_id || previous.kick_member !== next.kick_member,

  repairDrift: repairDiscordDrift,

  publicProperties: (p) => ({ guild_id: p.guild_id ?? null, role_id: p.role_id, kick_member: p.kick_member, guild_token: p.guild_token }),
};
