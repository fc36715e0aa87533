// Organizations connect GitHub App installations: install hands out the App's install page with a
// one-time state naming the organization; GitHub sends the browser back to setup with the
// installation and a code from the user who installed it, and the installation is bound only when
// GitHub lists it among that user's installations (so an edited URL claims nothing).
import type { DataSource } from 'typeorm';
import type { BenefitProviders } from '../../benefits/providers';
import type { Env } from '../../config/config';
import { GitHubInstallationsRepository } from '../../db/repositories/github-installations.repository';
import { OAuthStatesRepository } from '../../db/repositories/oauth-states.repository';
import type { GitHubApp } from '../../integrations/github/github-app.client';
import { BadRequestError, NotPermittedError, RequestValidationError } from '../errors';
import { checkReturnTo, providerCall, withParams } from './account-linking.service';

const STATE_TTL_MS = 30 * 60 * 1000;

export class GitHubInstallationsService {
  private readonly states: OAuthStatesRepository;
  readonly installations: GitHubInstallationsRepository;

  constructor(private readonly deps: { dataSource: DataSource; config: Env; providers: BenefitProviders }) {
    this.states = new OAuthStatesRepository(deps.dataSource);
    this.installations = new GitHubInstallationsRepository(deps.dataSource);
  }

  async installUrl(organizationId: string, returnTo: string, ownOrigin: string): Promise<string> {
    const app = this.app(['query', 'return_to']);
    checkReturnTo(this.deps.config, returnTo, ['query', 'return_to'], ownOrigin);
    const state = await this.states.create(
      { purpose: 'install_app', platform: 'github', organizationId, customerId: null, returnTo },
      STATE_TTL_MS,
    );
    return providerCall(() => app.installUrl(state));
  }

  /** Binds the installation when the user who authorized administers it; answers where to go. */
  async setup(query: Record<string, unknown>): Promise<string> {
    const app = this.app(['query', 'installation_id']);
    const state = await this.states.consume(String(query.state ?? ''), 'install_app', 'github');
    if (!state) throw new BadRequestError('Invalid, expired or already used state', 'InvalidOAuthState');
    const installationId = Number(query.installation_id);
    if (!Number.isSafeInteger(installationId) || installationId <= 0) {
      throw RequestValidationError.at(['query', 'installation_id'], 'Must be an installation id');
    }
    const code = typeof query.code === 'string' ? query.code : '';
    const tokens = code ? await providerCall(() => app.exchangeCode(code)) : null;
    if (!tokens)
      throw new NotPermittedError('GitHub did not confirm who installed the App (request user authorization during installation)');
    const mine = await providerCall(() => app.userInstallations(tokens.accessToken));
    const installation = mine.find((i) => i.id === installationId);
    if (!installation) throw new NotPermittedError('This GitHub user cannot administer that installation');
    await this.installations.bind(state.organizationId, installationId, installation.account);
    return withParams(state.returnTo, { installation_id: String(installationId) });
  }

  /** Polar's `GitHubInvitesBenefitRepositories`, from the organization's installations only. */
  async repositories(organizationId: string) {
    const app = this.app([]);
    const repositories: { repository_owner: string; repository_name: string }[] = [];
    const organizations = new Map<string, { name: string; is_personal: boolean; plan_name: string; is_free: boolean }>();
    for (const { installationId, accountLogin } of await this.installations.listForOrganization(organizationId)) {
      for (const repo of await providerCall(() => app.installationRepositories(installationId))) {
        repositories.push({ repository_owner: repo.owner, repository_name: repo.name });
      }
      organizations.set(accountLogin, { name: accountLogin, is_personal: false, plan_name: 'unknown', is_free: false });
    }
    return { repositories, organizations: [...organizations.values()] };
  }

  private app(loc: string[]): GitHubApp {
    const app = this.deps.providers.github;
    if (app) return app;
    const missing = this.deps.providers.unconfigured?.github ?? [];
    throw RequestValidationError.at(loc, `The GitHub App is not configured on this server: set ${missing.join(', ')}`);
  }
}
