// Polar's `DiscordGuild` (the bot-install lookup): the server's name and its roles, highest first,
// @everyone left out, colours as #rrggbb, the bot's own managed role flagged `is_polar_bot`.
import { isBotRole, type GuildSnapshot } from '../benefits/discord/discord-guild';

export interface DiscordGuildBody {
  name: string;
  roles: { id: string; name: string; position: number; is_polar_bot: boolean; color: string }[];
}

export function serializeDiscordGuild(guild: GuildSnapshot): DiscordGuildBody {
  return {
    name: guild.name,
    roles: guild.roles
      .filter((r) => r.id !== guild.id)
      .sort((a, b) => b.position - a.position)
      .map((r) => ({
        id: r.id,
        name: r.name,
        position: r.position,
        is_polar_bot: isBotRole(guild, r),
        color: `#${r.color.toString(16).padStart(6, '0')}`,
      })),
  };
}
