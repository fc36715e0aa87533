// The provider clients strategies call (storage for downloadables, octokit for GitHub, discord.js
// REST for Discord), built once per process by its root (api/composition.ts, workers/main.ts)
// from config and handed to every strategy call in its context. A type that talks to a provider
// adds its client here and builds it in buildProviders; tests pass their own, pointed at the
// stand-ins under test/fakes. A client is absent when its settings are: the strategy then answers
// 422 naming the missing settings on create, instead of failing at grant time.
import { githubAppPrivateKey, type Env } from '../config/config';
import { GitHubApp } from '../integrations/github/github-app.client';
import { DiscordOAuth } from '../integrations/discord/discord-oauth.client';

export interface BenefitProviders {
  /** The GitHub App (repository access, customers' GitHub accounts); absent without its settings. */
  github?: GitHubApp;
  /** Discord's OAuth client (customers' Discord accounts); absent without its settings. */
  discordOAuth?: DiscordOAuth;
  /** The settings each absent client lacks, by name, for the 422 that says what to set. */
  missingSettings?: { github?: string[]; discordOAuth?: string[] };
}

/** The GitHub settings a `github_repository` benefit needs, by name, that are not set. */
export function missingGitHubSettings(config: Env): string[] {
  const missing: string[] = [];
  if (!config.GITHUB_APP_ID) missing.push('GITHUB_APP_ID');
  if (!config.GITHUB_APP_PRIVATE_KEY && !config.GITHUB_APP_PRIVATE_KEY_FILE) missing.push('GITHUB_APP_PRIVATE_KEY');
  if (!config.GITHUB_CLIENT_ID) missing.push('GITHUB_CLIENT_ID');
  if (!config.GITHUB_CLIENT_SECRET) missing.push('GITHUB_CLIENT_SECRET');
  return missing;
}

export function buildProviders(config: Env): BenefitProviders {
  const providers: BenefitProviders = { missingSettings: {} };
  const missingGitHub = missingGitHubSettings(config);
  if (missingGitHub.length) providers.missingSettings!.github = missingGitHub;
  else {
    providers.github = new GitHubApp({
      appId: config.GITHUB_APP_ID!,
      privateKey: githubAppPrivateKey(config)!,
      clientId: config.GITHUB_CLIENT_ID!,
      clientSecret: config.GITHUB_CLIENT_SECRET!,
      apiUrl: config.GITHUB_API_URL.replace(/\/$/, ''),
      webUrl: config.GITHUB_WEB_URL.replace(/\/$/, ''),
    });
  }
  if (!config.DISCORD_CLIENT_ID || !config.DISCORD_CLIENT_SECRET) {
    providers.missingSettings!.discordOAuth = ['DISCORD_CLIENT_ID', 'DISCORD_CLIENT_SECRET'].filter(
      (name) => !config[name as 'DISCORD_CLIENT_ID'],
    );
  } else {
    providers.discordOAuth = new DiscordOAuth({
      clientId: config.DISCORD_CLIENT_ID,
      clientSecret: config.DISCORD_CLIENT_SECRET,
      apiUrl: config.DISCORD_API_URL.replace(/\/$/, ''),
      webUrl: config.DISCORD_WEB_URL.replace(/\/$/, ''),
    });
  }
  return providers;
}
