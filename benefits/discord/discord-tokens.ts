// Signed tokens for the bot-install flow (pure: node:crypto only). A guild token binds one
// organization to one Discord server: the merchant's browser carries it from our bot-install
// callback into the benefit's `guild_token`, and create/update accept it only for that
// organization. The install state carries the organization and where to send the browser back.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface GuildClaims {
  organizationId: string;
  guildId: string;
}

export interface InstallState {
  organizationId: string;
  returnTo: string;
  /** Epoch ms after which the state is refused. */
  expiresAt: number;
}

type Purpose = 'guild-token' | 'bot-install-state';

function mac(key: Buffer, purpose: Purpose, payload: string): string {
  return createHmac('sha256', key).update(`${purpose}.${payload}`).digest('base64url');
}

function sign(key: Buffer, purpose: Purpose, claims: object): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${mac(key, purpose, payload)}`;
}

function verify(key: Buffer, purpose: Purpose, token: string): Record<string, unknown> | null {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length) return null;
  const expected = Buffer.from(mac(key, purpose, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

export function signGuildToken(key: Buffer, claims: GuildClaims): string {
  return sign(key, 'guild-token', { o: claims.organizationId, g: claims.guildId });
}

/** The claims of a guild token we signed, or null (altered, another key, not a guild token). */
export function verifyGuildToken(key: Buffer, token: string): GuildClaims | null {
  const c = verify(key, 'guild-token', token);
  return c && typeof c.o === 'string' && typeof c.g === 'string' ? { organizationId: c.o, guildId: c.g } : null;
}

export function signInstallState(key: Buffer, state: InstallState): string {
  return sign(key, 'bot-install-state', {
    o: state.organizationId,
    r: state.returnTo,
    e: state.expiresAt,
    n: randomBytes(8).toString('hex'),
  });
}

/** The state we signed, or null; an expired state is refused as well. */
export function verifyInstallState(key: Buffer, token: string, now = Date.now()): InstallState | null {
  const c = verify(key, 'bot-install-state', token);
  if (!c || typeof c.o !== 'string' || typeof c.r !== 'string' || typeof c.e !== 'number' || c.e < now) return null;
  return { organizationId: c.o, returnTo: c.r, expiresAt: c.e };
}
