// `github_repository`: the customer's linked GitHub account is made a collaborator of a repository
// through the GitHub App. Access is shared: an account reaching one repository through several
// grants (of any organization that connected the repository's installation: see
// db/repositories/github-access.repository.ts) keeps the highest permission any of them gives, and
// loses access only with the last one.
import { GitHubAnswerError, type GitHubApp } from '../../integrations/github/github-app.client';
import { isInstallationBound } from '../../db/repositories/github-installations.repository';
import { lockRepositoryAccess, otherHolders } from '../../db/repositories/github-access.repository';
import { providerToGrant, providerToValidate } from '../provider-required';
import { ActionRequiredError, InvalidConfigurationError } from '../strategy-errors';
import { PropertiesValidationError, type BenefitStrategy, type GrantContext, type GrantOutcome, type Json } from '../strategy';
import { repairGitHubDrift } from './github-drift';
import {
  githubRepositorySchema,
  highestPermission,
  invitationUrl,
  MAX_REINVITES,
  RECHECK_AFTER_INVITE_MS,
  RECHECK_PENDING_MS,
  type GitHubRepositoryProperties,
  type Permission,
} from './github-repository-rules';

/** What a grant stores: enough to undo it without the benefit's current configuration. */
interface Held {
  repository_owner: string;
  repository_name: string;
  permission: Permission;
  granted_account_id: string;
  account_username: string;
}

function app(ctx: GrantContext): GitHubApp {
  return providerToGrant(ctx.providers.github, { subject: 'GitHub is', missing: ctx.providers.unconfigured?.github ?? [] });
}

function held(properties: Json): Held | null {
  const p = properties as Partial<Held>;
  return p.granted_account_id && p.account_username && p.repository_owner && p.repository_name ? (p as Held) : null;
}

async function installation(gh: GitHubApp, owner: string, name: string, signal?: AbortSignal): Promise<number> {
  const id = await gh.installationFor(owner, name, signal);
  if (id === null)
    throw new InvalidConfigurationError(`Repository ${owner}/${name} was not found or the GitHub App is not installed on it`);
  return id;
}

/** Gives `login` the highest permission its grants on the repository give; answers the invitation state. */
async function apply(ctx: GrantContext, target: Held): Promise<Json> {
  const gh = app(ctx);
  const { repository_owner: owner, repository_name: name, granted_account_id: accountId, account_username: login } = target;
  if (ctx.tx) await lockRepositoryAccess(ctx.tx, owner, name, accountId);
  const others = ctx.tx ? await otherHolders(ctx.tx, owner, name, accountId, ctx.grant.id) : [];
  const permission = highestPermission([target.permission, ...others.map((o) => o.permission)])!;
  const inst = await installation(gh, owner, name, ctx.signal);
  let invitationId: number | null;
  try {
    ({ invitationId } = await gh.putCollaborator(inst, { owner, repo: name, username: login, permission }, ctx.signal));
  } catch (err) {
    if (err instanceof GitHubAnswerError && err.status === 404) {
      throw new InvalidConfigurationError(`Repository ${owner}/${name} or GitHub user ${login} was not found`);
    }
    if (err instanceof GitHubAnswerError && err.status === 422) {
      throw new ActionRequiredError(`GitHub refused to invite ${login} to ${owner}/${name}: ${err.message}`);
    }
    throw err;
  }
  const out: Json = { ...target, account_id: accountId };
  if (invitationId === null) return out;
  return { ...out, invitation_id: invitationId, invitation_url: invitationUrl(gh.webUrl, owner, name), invited_at: ctx.now.toISOString() };
}

/** Takes back what a grant gave, unless other grants still give that account the repository. */
async function withdraw(ctx: GrantContext, stored: Held): Promise<void> {
  const gh = app(ctx);
  const { repository_owner: owner, repository_name: name, granted_account_id: accountId, account_username: login } = stored;
  if (ctx.tx) await lockRepositoryAccess(ctx.tx, owner, name, accountId);
  const others = ctx.tx ? await otherHolders(ctx.tx, owner, name, accountId, ctx.grant.id) : [];
  const inst = await gh.installationFor(owner, name, ctx.signal);
  if (inst === null) return; // the App left the repository (or it is gone): nothing we can hold there
  const remaining = highestPermission(others.map((o) => o.permission));
  if (remaining) {
    // Still held at this grant's permission or higher: nothing to change.
    if (highestPermission([remaining, stored.permission]) === remaining) return;
    await gh.putCollaborator(inst, { owner, repo: name, username: login, permission: remaining }, ctx.signal).catch(ignore404);
    return;
  }
  await gh.removeCollaborator(inst, owner, name, login, ctx.signal).catch(ignore404);
  for (const invitation of await gh.invitations(inst, owner, name, ctx.signal)) {
    if (invitation.login.toLowerCase() === login.toLowerCase()) {
      await gh.deleteInvitation(inst, owner, name, invitation.id, ctx.signal).catch(ignore404);
    }
  }
}

function ignore404(err: unknown): void {
  if (err instanceof GitHubAnswerError && err.status === 404) return;
  throw err;
}

function withoutInvitation(p: Json): Json {
  const { invitation_id: _i, invitation_url: _u, invited_at: _a, ...rest } = p;
  return rest;
}

/** A fresh invitation is looked at again just after GitHub would expire it. */
function outcome(properties: Json): GrantOutcome {
  return { properties, recheckInMs: typeof properties.invitation_id === 'number' ? RECHECK_AFTER_INVITE_MS : null };
}

function target(ctx: GrantContext, p: GitHubRepositoryProperties): Held {
  const stored = ctx.grant.properties as Partial<Held>;
  const login = ctx.linkedAccount?.accountUsername ?? stored.account_username;
  const accountId = ctx.linkedAccount?.accountId ?? ctx.accountId ?? stored.granted_account_id;
  if (!login || !accountId) throw new ActionRequiredError('Link your GitHub account to get access');
  return { ...p, granted_account_id: accountId, account_username: login };
}

export const githubRepositoryStrategy: BenefitStrategy<GitHubRepositoryProperties> = {
  type: 'github_repository',
  propertiesSchema: githubRepositorySchema,
  sharedAccess: true,
  linkedPlatform: 'github',

  async validateProperties(ctx, p) {
    const gh = providerToValidate(ctx.providers.github, {
      subject: 'GitHub repository benefits are',
      missing: ctx.providers.unconfigured?.github ?? [],
    });
    const inst = await gh.installationFor(p.repository_owner, p.repository_name).catch((err) => {
      if (err instanceof GitHubAnswerError)
        throw new PropertiesValidationError([], `GitHub refused the App (HTTP ${err.status}): ${err.message}`);
      throw err;
    });
    // Another organization's installation answers as an uninstalled one: nothing about it leaks.
    if (inst === null || !ctx.db || !(await isInstallationBound(ctx.db, ctx.organizationId, inst))) {
      throw new PropertiesValidationError(
        ['repository_name'],
        `The GitHub App cannot reach ${p.repository_owner}/${p.repository_name}: install it on ${p.repository_owner} with access to that repository and connect it to this organization (GET /v1/integrations/github/install)`,
      );
    }
    return p;
  },

  async grant(ctx) {
    return outcome(await apply(ctx, target(ctx, ctx.benefit.properties as GitHubRepositoryProperties)));
  },

  async revoke(ctx) {
    const stored = held(ctx.grant.properties);
    if (stored) await withdraw(ctx, stored);
    return { properties: withoutInvitation(ctx.grant.properties) };
  },

  async update(ctx, previous) {
    const next = ctx.benefit.properties as GitHubRepositoryProperties;
    const stored = held(ctx.grant.properties);
    const moved =
      stored &&
      (stored.repository_owner.toLowerCase() !== next.repository_owner.toLowerCase() ||
        stored.repository_name.toLowerCase() !== next.repository_name.toLowerCase());
    // Another repository: the old one is revoked first.
    if (stored && moved) await withdraw(ctx, stored);
    const applied = await apply(ctx, target(ctx, next));
    // A lower permission takes effect once no other grant holds the higher one (apply keeps the highest).
    void previous;
    return outcome(applied);
  },

  async cycle(ctx) {
    return { properties: ctx.grant.properties };
  },

  /** A pending invitation past GitHub's 7 days: deleted and sent again, a bounded number of times. */
  async recheck(ctx) {
    const stored = held(ctx.grant.properties);
    const p = ctx.grant.properties;
    if (!stored || typeof p.invitation_id !== 'number') return { properties: p };
    const gh = app(ctx);
    const inst = await installation(gh, stored.repository_owner, stored.repository_name, ctx.signal);
    const pending = (await gh.invitations(inst, stored.repository_owner, stored.repository_name, ctx.signal)).find(
      (i) => i.login.toLowerCase() === stored.account_username.toLowerCase(),
    );
    if (!pending) return { properties: withoutInvitation(p) }; // accepted (or declined)
    if (!pending.expired) return { properties: p, recheckInMs: RECHECK_PENDING_MS };
    const reinvites = Number(p.reinvites ?? 0);
    if (reinvites >= MAX_REINVITES) return { properties: { ...p, invitation_expired: true } };
    await gh.deleteInvitation(inst, stored.repository_owner, stored.repository_name, pending.id, ctx.signal).catch(ignore404);
    return outcome({ ...(await apply(ctx, stored)), reinvites: reinvites + 1 });
  },

  repairDrift: (ctx) => repairGitHubDrift(ctx),

  requiresUpdate: (previous, next) =>
    previous.repository_owner !== next.repository_owner ||
    previous.repository_name !== next.repository_name ||
    previous.permission !== next.permission,

  publicProperties: (p) => ({ repository_owner: p.repository_owner, repository_name: p.repository_name, permission: p.permission }),
};
