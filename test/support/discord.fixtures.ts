// Connecting a Discord server the way a merchant's browser does, redirects followed by hand:
// bot-authorize -> the stand-in's install page -> our bot-callback -> return_to?guild_token=...
import type { FakeDiscord } from '../fakes/discord-server';
import type { TestStack } from './harness';

export const RETURN_TO = 'https://merchant.example/discord/done?step=2';

export interface InstallTrip {
  authorizeUrl: URL;
  /** Where bot-callback sent the browser. */
  returnedTo: URL;
  guildToken: string | null;
}

export async function installBot(stack: TestStack, fake: FakeDiscord, token: string, guildId: string): Promise<InstallTrip> {
  fake.installInto = guildId;
  const start = await stack.http('GET', `/v1/integrations/discord/bot-authorize?return_to=${encodeURIComponent(RETURN_TO)}`, { token });
  if (start.status !== 200) throw new Error(`bot-authorize answered ${start.status}: ${JSON.stringify(start.body)}`);
  const authorizeUrl = new URL(start.body.url);
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  if (page.status !== 302) throw new Error(`install page answered ${page.status}`);
  const callback = await fetch(page.headers.get('location')!, { redirect: 'manual' });
  if (callback.status !== 303) throw new Error(`bot-callback answered ${callback.status}: ${await callback.text()}`);
  const returnedTo = new URL(callback.headers.get('location')!);
  return { authorizeUrl, returnedTo, guildToken: returnedTo.searchParams.get('guild_token') };
}

export async function connectGuild(stack: TestStack, fake: FakeDiscord, token: string, guildId: string): Promise<string> {
  const trip = await installBot(stack, fake, token, guildId);
  if (!trip.guildToken) throw new Error('no guild_token');
  return trip.guildToken;
}
