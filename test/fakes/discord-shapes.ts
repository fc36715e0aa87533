// The stand-in Discord's state and the JSON it answers with (test/fakes/discord-server.ts).

export interface FakeRole {
  id: string;
  name: string;
  position: number;
  color: number;
  managed: boolean;
  /** Set on a bot's own managed role. */
  botId?: string;
}

export interface FakeGuild {
  id: string;
  name: string;
  roles: FakeRole[];
  /** user id -> role ids */
  members: Map<string, Set<string>>;
  /** The bot lacks Manage Roles / Kick Members here: role changes and kicks answer 403 50013. */
  missingPermissions?: boolean;
}

export interface Injected {
  method?: string;
  /** Matches the decoded path after /api/v10 (e.g. /guilds/1/members/2). */
  path?: RegExp;
  status: number;
  /** For 429: seconds, sent as `retry_after` and `Retry-After`. */
  retryAfter?: number;
  global?: boolean;
  times: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | null;
  body: any;
  status: number;
  at: number;
}

/** Discord's 429: retry_after in the body, Retry-After and X-RateLimit-* headers (global or per route). */
export function rateLimited(hit: Injected): { body: unknown; headers: Record<string, string> } {
  const retryAfter = hit.retryAfter ?? 1;
  return {
    body: { message: 'You are being rate limited.', retry_after: retryAfter, global: !!hit.global },
    headers: {
      'retry-after': String(Math.ceil(retryAfter)),
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset-after': String(retryAfter),
      'x-ratelimit-bucket': 'fake-bucket',
      'x-ratelimit-scope': hit.global ? 'global' : 'user',
      ...(hit.global ? { 'x-ratelimit-global': 'true' } : {}),
    },
  };
}

export function wireRole(r: FakeRole) {
  return {
    id: r.id,
    name: r.name,
    position: r.position,
    color: r.color,
    managed: r.managed,
    permissions: '0',
    hoist: false,
    mentionable: false,
    ...(r.botId ? { tags: { bot_id: r.botId } } : {}),
  };
}

export function wireMember(userId: string, roles: Set<string>) {
  return { user: { id: userId, username: `user${userId}` }, roles: [...roles], joined_at: new Date(0).toISOString() };
}
