// What the bot sees of a server: its roles, the bot's own managed role and the highest role the
// bot holds (it can only assign roles below that one), and the rules a benefit's role must meet.
import { Routes, type APIGuild, type APIGuildMember, type APIRole, type APIUser } from 'discord.js';
import type { DiscordProvider } from '../providers';
import { discordCall } from './discord-errors';

export interface GuildSnapshot {
  id: string;
  name: string;
  roles: APIRole[];
  botUserId: string;
  /** Position of the highest role the bot holds (0: only @everyone). */
  botTopPosition: number;
}

const botIds = new WeakMap<DiscordProvider, Promise<string>>();

/** The bot's user id, asked once per provider. */
export function botUserId(discord: DiscordProvider, signal?: AbortSignal): Promise<string> {
  let id = botIds.get(discord);
  if (!id) {
    id = discordCall('read the bot user', async () => ((await discord.rest.get(Routes.user('@me'), { signal })) as APIUser).id);
    id.catch(() => botIds.delete(discord));
    botIds.set(discord, id);
  }
  return id;
}

export async function loadGuild(discord: DiscordProvider, guildId: string, signal?: AbortSignal): Promise<GuildSnapshot> {
  const guild = (await discordCall('read the server', () => discord.rest.get(Routes.guild(guildId), { signal }))) as APIGuild;
  const bot = await botUserId(discord, signal);
  const member = (await discordCall('read the bot member', () =>
    discord.rest.get(Routes.guildMember(guildId, bot), { signal }),
  )) as APIGuildMember;
  const held = new Set(member.roles);
  const botTopPosition = Math.max(0, ...guild.roles.filter((r) => held.has(r.id)).map((r) => r.position));
  return { id: guild.id, name: guild.name, roles: guild.roles, botUserId: bot, botTopPosition };
}

/** Why the bot cannot grant this role, or null when it can. */
export function roleProblem(guild: GuildSnapshot, roleId: string): string | null {
  const role = guild.roles.find((r) => r.id === roleId);
  if (!role) return `Role ${roleId} does not exist in the Discord server '${guild.name}'`;
  if (role.id === guild.id) return 'The @everyone role cannot be granted: every member already has it';
  if (role.managed) return `Role '${role.name}' is managed by an integration (a bot or a subscription) and cannot be assigned`;
  if (role.position >= guild.botTopPosition) {
    return `Role '${role.name}' sits at or above the bot's highest role: move the bot's role above it in the server settings`;
  }
  return null;
}

/** The bot's own managed role (tags.bot_id), shown as `is_polar_bot`. */
export function isBotRole(guild: GuildSnapshot, role: APIRole): boolean {
  return role.managed && role.tags?.bot_id === guild.botUserId;
}
