// Drift repair for Discord roles: for each (server, role) our grants name, compare the server's
// members with the grants. A granted account that lost the role gets it back; an account we gave
// the role whose grants of it are all revoked loses it. Members we never granted are not touched,
// and a granted account that left the server is reported (only the customer can rejoin it).
// Listing members needs the bot's Server Members intent (Discord Developer Portal).
import { Routes, type APIGuildMember } from 'discord.js';
import { DiscordGrantsRepository, type DiscordRoleBinding } from '../../db/repositories/discord-grants.repository';
import type { DiscordProvider } from '../providers';
import type { DriftContext, DriftReport } from '../strategy';
import { RetriableError } from '../strategy-errors';
import { discordCall } from './discord-errors';

const PAGE = 1000;
const grants = new DiscordGrantsRepository();

async function membersOf(discord: DiscordProvider, guildId: string, ctx: DriftContext): Promise<Map<string, Set<string>>> {
  const members = new Map<string, Set<string>>();
  let after = '0';
  for (;;) {
    const page = (await discordCall('list the server members', () =>
      discord.rest.get(Routes.guildMembers(guildId), { query: new URLSearchParams({ limit: String(PAGE), after }), signal: ctx.signal }),
    )) as APIGuildMember[];
    for (const m of page) if (m.user) members.set(m.user.id, new Set(m.roles));
    ctx.heartbeat({ guildId, members: members.size });
    if (page.length < PAGE) return members;
    after = page[page.length - 1].user!.id;
  }
}

type Report = Omit<DriftReport, 'type'>;

async function repairRole(
  discord: DiscordProvider,
  ctx: DriftContext,
  binding: DiscordRoleBinding,
  members: Map<string, Set<string>>,
  report: Report,
): Promise<void> {
  const { guildId, roleId } = binding;
  const target = `discord:${guildId}/${roleId}`;
  const holders = await grants.roleHolders(ctx.db, binding);
  for (const accountId of holders.granted) {
    const roles = members.get(accountId);
    if (!roles) {
      report.unrepaired.push({ target, accountId, reason: 'granted, but not a member of the server any more' });
    } else if (!roles.has(roleId)) {
      report.repairs.push({ action: 'restored', target, accountId });
      if (ctx.dryRun) continue;
      await discordCall('restore the role', () =>
        discord.rest.put(Routes.guildMemberRole(guildId, accountId, roleId), { signal: ctx.signal }),
      );
      roles.add(roleId);
    }
  }
  for (const accountId of holders.revoked) {
    const roles = members.get(accountId);
    if (roles?.has(roleId)) {
      report.repairs.push({ action: 'removed', target, accountId });
      if (ctx.dryRun) continue;
      await discordCall('remove the role', () =>
        discord.rest.delete(Routes.guildMemberRole(guildId, accountId, roleId), { signal: ctx.signal }),
      );
      roles.delete(roleId);
    }
  }
}

export async function repairDiscordDrift(ctx: DriftContext): Promise<Report> {
  const report: Report = { dryRun: ctx.dryRun, checked: 0, repairs: [], unrepaired: [] };
  const bindings = await grants.roleBindings(ctx.db);
  if (!bindings.length) return report;
  const discord = ctx.providers.discord;
  if (!discord) {
    report.unrepaired.push({ target: 'discord', accountId: null, reason: 'Discord is not configured on this worker' });
    return report;
  }
  const guilds = new Map<string, Map<string, Set<string>> | null>();
  // Busy or down: the whole pass is retried after Discord's delay (repairs are idempotent). Any
  // other refusal (the bot lost the server, or its permissions) is reported and the pass goes on.
  const unrepairable = (target: string, err: unknown) => {
    if (err instanceof RetriableError) throw err;
    report.unrepaired.push({ target, accountId: null, reason: (err as Error).message });
  };
  for (const binding of bindings) {
    if (!guilds.has(binding.guildId)) {
      try {
        guilds.set(binding.guildId, await membersOf(discord, binding.guildId, ctx));
      } catch (err) {
        guilds.set(binding.guildId, null);
        unrepairable(`discord:${binding.guildId}`, err);
      }
    }
    const members = guilds.get(binding.guildId);
    if (!members) continue;
    try {
      await repairRole(discord, ctx, binding, members, report);
      report.checked++;
    } catch (err) {
      unrepairable(`discord:${binding.guildId}/${binding.roleId}`, err);
    }
    ctx.heartbeat({ guildId: binding.guildId, roleId: binding.roleId });
  }
  return report;
}
