// The provider clients strategies call (storage for downloadables, octokit for GitHub, discord.js
// REST for Discord), built once per process by its root (api/composition.ts, workers/main.ts)
// from config and handed to every strategy call in its context. A type that talks to a provider
// adds its client here and builds it in buildProviders; tests pass their own, pointed at the
// stand-ins under test/fakes. A client is absent when its settings are: the strategy then answers
// 422 naming the missing settings on create, instead of failing at grant time.
import path from 'node:path';
import { hkdfSync } from 'node:crypto';
import { REST } from 'discord.js';
import { githubAppPrivateKey, type Env } from '../config/config';
import { DiscordOAuth } from '../integrations/discord/discord-oauth.client';
import { GitHubApp } from '../integrations/github/github-app.client';
import { GcsStorage } from '../integrations/storage/gcs-storage';
import { LocalStorage } from '../integrations/storage/local-storage';
import { filesSigningSecret, UrlSigner } from '../lib/signed-token';
import type { ObjectStorage } from './downloadables/storage';

/** The Discord bot's REST client and the application settings around it. */
export interface DiscordProvider {
  /** discord.js REST, authenticated as the bot (`Authorization: Bot <DISCORD_BOT_TOKEN>`). */
  rest: REST;
  clientId: string;
  clientSecret: string;
  webUrl: string;
  /** Signs guild tokens and bot-install state (derived from the client secret). */
  signingKey: Buffer;
}

export interface BenefitProviders {
  /** Where downloadable files live (STORAGE: `local` disk by default, or `gcs`). */
  storage?: ObjectStorage;
  /** The Discord bot (roles, membership); absent without its settings. */
  discord?: DiscordProvider;
  /** The GitHub App (repository access, customers' GitHub accounts); absent without its settings. */
  github?: GitHubApp;
  /** Discord's OAuth client (customers' Discord accounts); absent without its settings. */
  discordOAuth?: DiscordOAuth;
  /** Per provider, the settings that are missing (why its client is absent), for the 422 that names them. */
  unconfigured?: { discord?: string[]; github?: string[]; discordOAuth?: string[] };
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

export const DISCORD_REQUIRED_SETTINGS = ['DISCORD_BOT_TOKEN', 'DISCORD_CLIENT_ID', 'DISCORD_CLIENT_SECRET'] as const;

export function buildProviders(config: Env): BenefitProviders {
  const providers: BenefitProviders = { storage: buildStorage(config), unconfigured: {} };
  const unconfigured = providers.unconfigured!;
  const missingDiscord = DISCORD_REQUIRED_SETTINGS.filter((name) => !config[name]);
  if (missingDiscord.length) unconfigured.discord = missingDiscord;
  else providers.discord = discordProvider(config);
  const missingGitHub = missingGitHubSettings(config);
  if (missingGitHub.length) unconfigured.github = missingGitHub;
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
    unconfigured.discordOAuth = (['DISCORD_CLIENT_ID', 'DISCORD_CLIENT_SECRET'] as const).filter((name) => !config[name]);
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

function discordProvider(config: Env): DiscordProvider {
  // DISCORD_API_URL carries the version (…/api/v10); discord.js wants the base and the version apart.
  const url = config.DISCORD_API_URL.replace(/\/+$/, '');
  const versioned = url.match(/^(.*)\/v(\d+)$/);
  const maxWaitMs = config.DISCORD_RATE_LIMIT_MAX_WAIT_SECONDS * 1000;
  const rest = new REST({
    api: versioned ? versioned[1] : url,
    version: versioned ? versioned[2] : '10',
    // discord.js waits out rate limits itself (Retry-After, X-RateLimit-Reset-After, the global
    // limit) and retries 5xx; a wait longer than this is thrown as a RateLimitError instead, which
    // the strategy turns into a retry-after Temporal honours.
    rejectOnRateLimit: (limit) => Math.max(limit.retryAfter, limit.timeToReset) > maxWaitMs,
    retries: 3,
    timeout: 15_000,
  }).setToken(config.DISCORD_BOT_TOKEN!);
  return {
    rest,
    clientId: config.DISCORD_CLIENT_ID!,
    clientSecret: config.DISCORD_CLIENT_SECRET!,
    webUrl: config.DISCORD_WEB_URL.replace(/\/+$/, ''),
    signingKey: Buffer.from(hkdfSync('sha256', config.DISCORD_CLIENT_SECRET!, 'discord', 'guild-token:v1', 32)),
  };
}

function buildStorage(config: Env): ObjectStorage {
  if (config.STORAGE === 'gcs') {
    return new GcsStorage({
      bucket: config.GCS_BUCKET!,
      projectId: config.GCS_PROJECT_ID,
      keyFilename: config.GOOGLE_APPLICATION_CREDENTIALS,
      apiEndpoint: config.GCS_API_ENDPOINT,
    });
  }
  const dir = config.STORAGE_LOCAL_DIR ?? path.join(config.DATA_DIR, 'files');
  return new LocalStorage(path.resolve(dir), new UrlSigner(filesSigningSecret(config)));
}
