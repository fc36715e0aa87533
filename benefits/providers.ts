// The provider clients strategies call (storage for downloadables, octokit for GitHub, discord.js
// REST for Discord), handed to every strategy call in its context. Each process root
// (api/composition.ts, workers/main.ts, the admin CLI) calls buildProviders once; a client is built
// on its first use, once, so a process builds only the clients it calls. A type that talks to a
// provider adds its client here and a getter in buildProviders; tests pass their own, pointed at
// the stand-ins under test/fakes. A client is absent when its settings are: the strategy then
// answers 422 naming the missing settings on create, instead of failing at grant time.
import path from 'node:path';
import { hkdfSync } from 'node:crypto';
import type { REST } from 'discord.js';
import { githubAppPrivateKey, type Env } from '../config/config';
import { DiscordOAuth } from '../integrations/discord/discord-oauth.client';
import { discordRest } from '../integrations/discord/discord-rest';
import { GitHubApp } from '../integrations/github/github-app.client';
import { GcsStorage } from '../integrations/storage/gcs-storage';
import { LocalStorage } from '../integrations/storage/local-storage';
import { filesSigningSecret, UrlSigner } from '../lib/signed-token';
import type { ObjectStorage } from './downloadables/storage';

/** The Discord bot's REST client and the application around it. */
export interface DiscordProvider {
  /** discord.js REST, authenticated as the bot (`Authorization: Bot <DISCORD_BOT_TOKEN>`). */
  rest: REST;
  /** The application's OAuth2 (bot install, customers' tokens): the same client as `discordOAuth`. */
  oauth: DiscordOAuth;
  /** Signs guild tokens and bot-install state (derived from the client secret). */
  signingKey: Buffer;
}

export interface BenefitProviders {
  /** Where downloadable files live (STORAGE: `local` disk by default, or `gcs`). */
  readonly storage?: ObjectStorage;
  /** The Discord bot (roles, membership); absent without its settings. */
  readonly discord?: DiscordProvider;
  /** The GitHub App (repository access, customers' GitHub accounts); absent without its settings. */
  readonly github?: GitHubApp;
  /** Discord's OAuth client (customers' Discord accounts); absent without its settings. */
  readonly discordOAuth?: DiscordOAuth;
  /** Per provider, the settings that are missing (why its client is absent), for the 422 that names them. */
  readonly unconfigured?: { discord?: string[]; github?: string[]; discordOAuth?: string[] };
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
const DISCORD_OAUTH_SETTINGS = ['DISCORD_CLIENT_ID', 'DISCORD_CLIENT_SECRET'] as const;

/**
 * The clients for this config, each built on its first read (octokit with the App's auth,
 * discord.js's REST, the storage driver), by a process that calls it. Which are absent, and why,
 * is known at once: it is only config.
 */
export function buildProviders(config: Env): BenefitProviders {
  const unconfigured: NonNullable<BenefitProviders['unconfigured']> = {};
  const missingDiscord = DISCORD_REQUIRED_SETTINGS.filter((name) => !config[name]);
  if (missingDiscord.length) unconfigured.discord = missingDiscord;
  const missingGitHub = missingGitHubSettings(config);
  if (missingGitHub.length) unconfigured.github = missingGitHub;
  const missingOAuth = DISCORD_OAUTH_SETTINGS.filter((name) => !config[name]);
  if (missingOAuth.length) unconfigured.discordOAuth = missingOAuth;

  // The App's key is read now: an unreadable GITHUB_APP_PRIVATE_KEY_FILE stops the process at start.
  const githubKey = missingGitHub.length ? null : githubAppPrivateKey(config)!;

  const storage = once(() => buildStorage(config));
  const discordOAuth = once(() => (missingOAuth.length ? undefined : discordOAuthClient(config)));
  const discord = once(() => (missingDiscord.length ? undefined : discordProvider(config, discordOAuth()!)));
  const github = once(() => (githubKey === null ? undefined : gitHubApp(config, githubKey)));
  return {
    get storage() {
      return storage();
    },
    get discord() {
      return discord();
    },
    get github() {
      return github();
    },
    get discordOAuth() {
      return discordOAuth();
    },
    unconfigured,
  };
}

/** `build` on the first call; its result (client or undefined) on every call after. */
function once<T>(build: () => T): () => T {
  let built: { value: T } | null = null;
  return () => (built ??= { value: build() }).value;
}

function rateLimitMaxWaitMs(config: Env): number {
  return config.DISCORD_RATE_LIMIT_MAX_WAIT_SECONDS * 1000;
}

function discordOAuthClient(config: Env): DiscordOAuth {
  return new DiscordOAuth({
    clientId: config.DISCORD_CLIENT_ID!,
    clientSecret: config.DISCORD_CLIENT_SECRET!,
    apiUrl: config.DISCORD_API_URL,
    webUrl: config.DISCORD_WEB_URL.replace(/\/+$/, ''),
    rateLimitMaxWaitMs: rateLimitMaxWaitMs(config),
  });
}

function discordProvider(config: Env, oauth: DiscordOAuth): DiscordProvider {
  return {
    rest: discordRest({ apiUrl: config.DISCORD_API_URL, rateLimitMaxWaitMs: rateLimitMaxWaitMs(config) }).setToken(
      config.DISCORD_BOT_TOKEN!,
    ),
    oauth,
    signingKey: Buffer.from(hkdfSync('sha256', config.DISCORD_CLIENT_SECRET!, 'discord', 'guild-token:v1', 32)),
  };
}

function gitHubApp(config: Env, privateKey: string): GitHubApp {
  return new GitHubApp({
    appId: config.GITHUB_APP_ID!,
    privateKey,
    clientId: config.GITHUB_CLIENT_ID!,
    clientSecret: config.GITHUB_CLIENT_SECRET!,
    apiUrl: config.GITHUB_API_URL.replace(/\/$/, ''),
    webUrl: config.GITHUB_WEB_URL.replace(/\/$/, ''),
  });
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
