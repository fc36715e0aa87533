// The GitHub App, through octokit: as itself (a JWT signed with the App's key), per installation
// (an installation token, cached until shortly before it expires) and as a user who authorized it
// (OAuth). Provider answers become the strategy errors (benefits/strategy-errors.ts): a rate limit
// is retried after GitHub's retry-after / x-ratelimit-reset, never sooner (octokit's own retry
// plugin would wait one second whatever GitHub said), 5xx and network failures are retried.
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { RetriableError } from '../../lib/retriable-error';
import { oauthTokensFrom, type OAuthTokens } from '../oauth-tokens';

export type RepositoryPermission = 'pull' | 'triage' | 'push' | 'maintain' | 'admin';

export interface GitHubAppSettings {
  appId: string;
  privateKey: string;
  clientId: string;
  clientSecret: string;
  apiUrl: string;
  webUrl: string;
}

export interface PendingInvitation {
  id: number;
  login: string;
  permission: string;
  createdAt: string;
  expired: boolean;
}

export type { OAuthTokens };

/** A provider answer the caller decides about (404 repository, 422 uninvitable user). */
export class GitHubAnswerError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'GitHubAnswerError';
  }
}

/** Installation tokens are renewed this long before GitHub says they expire. */
const TOKEN_MARGIN_MS = 5 * 60 * 1000;

export class GitHubApp {
  private readonly app: Octokit;
  private readonly tokens = new Map<number, { token: string; expiresAt: number }>();
  private slug: string | null = null;

  constructor(readonly settings: GitHubAppSettings) {
    this.app = new Octokit({
      baseUrl: settings.apiUrl,
      authStrategy: createAppAuth,
      auth: { appId: settings.appId, privateKey: settings.privateKey },
      log: quietLog,
    });
  }

  get webUrl(): string {
    return this.settings.webUrl;
  }

  /** The App's slug (its install page's path), read once with the App's JWT. */
  async appSlug(): Promise<string> {
    if (this.slug) return this.slug;
    const { data } = await call(() => this.app.rest.apps.getAuthenticated());
    this.slug = data?.slug ?? '';
    return this.slug;
  }

  /** The installation reaching a repository; null when the App is not installed there (or no such repo). */
  async installationFor(owner: string, repo: string, signal?: AbortSignal): Promise<number | null> {
    try {
      const { data } = await call(() => this.app.rest.apps.getRepoInstallation({ owner, repo, request: { signal } }));
      return data.id;
    } catch (err) {
      if (err instanceof GitHubAnswerError && err.status === 404) return null;
      throw err;
    }
  }

  async installationRepositories(installationId: number): Promise<{ owner: string; name: string }[]> {
    const octokit = await this.forInstallation(installationId);
    const out: { owner: string; name: string }[] = [];
    for (let page = 1; page <= 10; page++) {
      const { data } = await call(() => octokit.rest.apps.listReposAccessibleToInstallation({ per_page: 100, page }));
      out.push(...data.repositories.map((r) => ({ owner: r.owner.login, name: r.name })));
      if (data.repositories.length < 100) break;
    }
    return out;
  }

  /**
   * Invites (201, an invitation) or updates a collaborator (204): answers the invitation when one
   * is pending.
   */
  async putCollaborator(
    installationId: number,
    target: { owner: string; repo: string; username: string; permission: RepositoryPermission },
    signal?: AbortSignal,
  ): Promise<{ invitationId: number | null }> {
    const octokit = await this.forInstallation(installationId, signal);
    const res = await call(() => octokit.rest.repos.addCollaborator({ ...target, request: { signal } }));
    return { invitationId: res.status === 201 && res.data ? (res.data as { id: number }).id : null };
  }

  async removeCollaborator(installationId: number, owner: string, repo: string, username: string, signal?: AbortSignal): Promise<void> {
    const octokit = await this.forInstallation(installationId, signal);
    await call(() => octokit.rest.repos.removeCollaborator({ owner, repo, username, request: { signal } }));
  }

  async invitations(installationId: number, owner: string, repo: string, signal?: AbortSignal): Promise<PendingInvitation[]> {
    const octokit = await this.forInstallation(installationId, signal);
    const { data } = await call(() => octokit.rest.repos.listInvitations({ owner, repo, per_page: 100, request: { signal } }));
    return data.map((i) => ({
      id: i.id,
      login: i.invitee?.login ?? '',
      permission: i.permissions,
      createdAt: i.created_at,
      expired: Boolean(i.expired),
    }));
  }

  async deleteInvitation(installationId: number, owner: string, repo: string, invitationId: number, signal?: AbortSignal): Promise<void> {
    const octokit = await this.forInstallation(installationId, signal);
    await call(() => octokit.rest.repos.deleteInvitation({ owner, repo, invitation_id: invitationId, request: { signal } }));
  }

  /** Direct collaborators (not organization members) by login, with their role. */
  async collaborators(
    installationId: number,
    owner: string,
    repo: string,
    signal?: AbortSignal,
  ): Promise<{ login: string; role: string }[]> {
    const octokit = await this.forInstallation(installationId, signal);
    const { data } = await call(() =>
      octokit.rest.repos.listCollaborators({ owner, repo, affiliation: 'direct', per_page: 100, request: { signal } }),
    );
    return data.map((c) => ({ login: c.login, role: (c as { role_name?: string }).role_name ?? '' }));
  }

  // ---- the user's side (OAuth) ----

  authorizeUrl(redirectUri: string, state: string): string {
    const url = new URL(`${this.settings.webUrl}/login/oauth/authorize`);
    url.search = new URLSearchParams({ client_id: this.settings.clientId, redirect_uri: redirectUri, state }).toString();
    return url.toString();
  }

  async installUrl(state: string): Promise<string> {
    return `${this.settings.webUrl}/apps/${encodeURIComponent(await this.appSlug())}/installations/new?state=${encodeURIComponent(state)}`;
  }

  /** Exchanges an authorization code for the user's tokens; null when GitHub refuses the code. */
  async exchangeCode(code: string, redirectUri?: string): Promise<OAuthTokens | null> {
    return this.userToken({ code, ...(redirectUri ? { redirect_uri: redirectUri } : {}) });
  }

  /** Renews an expiring user token (Apps that expire user tokens); null when GitHub refuses. */
  async refresh(refreshToken: string): Promise<OAuthTokens | null> {
    return this.userToken({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  private async userToken(params: Record<string, string>): Promise<OAuthTokens | null> {
    // GitHub's web host, not its API: the same octokit request path, with call()'s retry rules.
    const web = new Octokit({ baseUrl: this.settings.webUrl, log: quietLog });
    try {
      const { data } = await call(() =>
        web.request('POST /login/oauth/access_token', {
          client_id: this.settings.clientId,
          client_secret: this.settings.clientSecret,
          ...params,
          headers: { accept: 'application/json' },
        }),
      );
      return oauthTokensFrom(data as Record<string, any>);
    } catch (err) {
      if (err instanceof GitHubAnswerError) return null;
      throw err;
    }
  }

  async user(userToken: string): Promise<{ id: string; login: string }> {
    const { data } = await call(() => this.asUser(userToken).rest.users.getAuthenticated());
    return { id: String(data.id), login: data.login };
  }

  /** Installation ids the user can administer (GitHub lists only those). */
  async userInstallations(userToken: string): Promise<{ id: number; account: string }[]> {
    const { data } = await call(() => this.asUser(userToken).rest.apps.listInstallationsForAuthenticatedUser({ per_page: 100 }));
    return data.installations.map((i) => ({ id: i.id, account: (i.account as { login?: string } | null)?.login ?? '' }));
  }

  private asUser(token: string): Octokit {
    return new Octokit({ baseUrl: this.settings.apiUrl, auth: token, log: quietLog });
  }

  private async forInstallation(installationId: number, signal?: AbortSignal): Promise<Octokit> {
    let cached = this.tokens.get(installationId);
    if (!cached || cached.expiresAt - TOKEN_MARGIN_MS <= Date.now()) {
      const { data } = await call(() =>
        this.app.rest.apps.createInstallationAccessToken({ installation_id: installationId, request: { signal } }),
      );
      cached = { token: data.token, expiresAt: Date.parse(data.expires_at) };
      this.tokens.set(installationId, cached);
    }
    return new Octokit({ baseUrl: this.settings.apiUrl, auth: cached.token, log: quietLog });
  }
}

const quietLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Runs one octokit call, translating GitHub's answers into retriable errors or GitHubAnswerError. */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (typeof status !== 'number') throw new RetriableError(`GitHub unreachable: ${(err as Error).message}`);
    const headers = ((err as { response?: { headers?: Record<string, string> } }).response?.headers ?? {}) as Record<string, string>;
    const wait = retryAfterMs(headers);
    if (status === 429 || (status === 403 && (wait !== null || headers['x-ratelimit-remaining'] === '0'))) {
      throw new RetriableError(`GitHub rate limit (HTTP ${status})`, wait ?? 60_000);
    }
    if (status >= 500) throw new RetriableError(`GitHub answered HTTP ${status}`);
    const message = (err as { response?: { data?: { message?: string } } }).response?.data?.message ?? (err as Error).message;
    throw new GitHubAnswerError(status, message);
  }
}

/** GitHub's wait: `retry-after` (seconds), else `x-ratelimit-reset` (epoch seconds) when exhausted. */
export function retryAfterMs(headers: Record<string, string | undefined>): number | null {
  const after = headers['retry-after'];
  if (after && /^\d+$/.test(after)) return Number(after) * 1000;
  const reset = headers['x-ratelimit-reset'];
  if (reset && /^\d+$/.test(reset)) return Math.max(Number(reset) * 1000 - Date.now(), 1000);
  return null;
}
