// Our extensions for GitHub and for customers' linked accounts: connecting the GitHub App to an
// organization, and customers linking (and unlinking) a GitHub or Discord account from the portal.
import { authorizeQuery, githubSetupQuery, oauthCallbackQuery, returnToQuery } from '../schemas/integrations.schemas';
import type { Operation } from './operation';

export const integrationOperations: Operation[] = [
  {
    method: 'get',
    path: '/v1/integrations/github/install',
    summary: 'Install the GitHub App for this organization',
    tag: 'integrations',
    query: returnToQuery,
    extension:
      'Returns `{"url"}`: the GitHub App\'s install page, with a one-time state (30 minutes) naming the organization. `return_to` must be on an allowed origin (PORTAL_RETURN_ORIGINS; 422 at `query.return_to`). 422 naming the missing settings when the App is not configured.',
  },
  {
    method: 'get',
    path: '/v1/integrations/github/setup',
    summary: 'GitHub sends the browser back after an installation',
    tag: 'integrations',
    query: githubSetupQuery,
    status: 302,
    auth: 'none',
    extension:
      "The App's setup URL (request user authorization during installation). The installation is bound to the organization named by the state only when `GET /user/installations` for the user who authorized lists it (403 otherwise); then 302 to `return_to?installation_id=...`. A bad, expired or used state answers 400.",
  },
  {
    method: 'get',
    path: '/v1/integrations/github/repositories',
    summary: 'Repositories the App reaches for this organization',
    tag: 'integrations',
    response: 'GitHubInvitesBenefitRepositories',
    extension: "Only installations this organization connected (`/v1/integrations/github/install`); another organization's are not listed.",
  },
  {
    method: 'get',
    path: '/v1/integrations/{platform}/callback',
    summary: 'The provider sends the customer back after authorizing (github, discord)',
    tag: 'integrations',
    query: oauthCallbackQuery,
    status: 302,
    auth: 'none',
    extension:
      "Exchanges the code, reads the provider's user, stores the account (tokens encrypted at rest) as the customer's one account on that platform, resumes the customer's grants waiting on it (a grant held by a replaced account is revoked there first, then granted to the new one), and redirects (302) to `return_to?linked=<platform>`. `error=access_denied` redirects to `return_to?error=access_denied` and links nothing. A bad, expired or used state answers 400.",
  },
  {
    method: 'get',
    path: '/v1/customer-portal/oauth-accounts/authorize',
    summary: 'Link a GitHub or Discord account',
    tag: 'customer-portal',
    query: authorizeQuery,
    auth: 'customer',
    extension:
      'Returns `{"url"}`: the provider\'s authorize page (GitHub `{GITHUB_WEB_URL}/login/oauth/authorize`; Discord `{DISCORD_WEB_URL}/oauth2/authorize`, scopes `identify guilds.join`) with our callback as `redirect_uri` and a one-time state (10 minutes) bound to the customer. `return_to` must be on an allowed origin (422).',
  },
  {
    method: 'delete',
    path: '/v1/customer-portal/oauth-accounts/{platform}',
    summary: 'Unlink an account',
    tag: 'customer-portal',
    status: 204,
    auth: 'customer',
    extension: 'Access granted through that account is revoked and its grants wait for a linked account again (404 when none is linked).',
  },
];
