// Drift repair for GitHub repositories: what GitHub shows (direct collaborators, pending
// invitations) against what our grants say. A granted account that lost access (removed by hand,
// invitation expired or deleted) is invited again; an account we gave access to whose grants are
// all gone is removed. Anyone our grants never named is left alone. Each change is made under the
// same per-account lock grants take, after reading the grants again.
import {
  accountsOnRepository,
  lockRepositoryAccess,
  otherHolders,
  repositoriesWeGranted,
} from '../../db/repositories/github-access.repository';
import type { GitHubApp } from '../../integrations/github/github-app.client';
import type { DriftContext, DriftReport } from '../strategy';
import { highestPermission } from './github-repository-rules';

const NO_GRANT = '00000000-0000-0000-0000-000000000000';

type Report = Omit<DriftReport, 'type'>;

export async function repairGitHubDrift(ctx: DriftContext): Promise<Report> {
  const report: Report = { dryRun: ctx.dryRun, checked: 0, repairs: [], unrepaired: [] };
  const gh = ctx.providers.github;
  if (!gh) {
    report.unrepaired.push({ target: 'github', accountId: null, reason: 'GitHub is not configured on this server' });
    return report;
  }
  for (const { owner, name } of await repositoriesWeGranted(ctx.dataSource)) {
    const resource = `${owner}/${name}`;
    const inst = await gh.installationFor(owner, name);
    if (inst === null) {
      report.unrepaired.push({ target: resource, accountId: null, reason: 'the GitHub App cannot reach this repository' });
      continue;
    }
    report.checked += 1;
    await repairRepository(ctx, gh, inst, owner, name, report);
    ctx.heartbeat({ repository: resource });
  }
  return report;
}

async function repairRepository(ctx: DriftContext, gh: GitHubApp, inst: number, owner: string, name: string, report: Report) {
  const resource = `${owner}/${name}`;
  const collaborators = new Set((await gh.collaborators(inst, owner, name)).map((c) => c.login.toLowerCase()));
  const invitations = await gh.invitations(inst, owner, name);
  const invited = new Set(invitations.filter((i) => !i.expired).map((i) => i.login.toLowerCase()));
  for (const account of await accountsOnRepository(ctx.dataSource, owner, name)) {
    const login = account.login.toLowerCase();
    const present = collaborators.has(login) || invited.has(login);
    const wanted = highestPermission(account.permissions);
    // An invitation re-sent MAX_REINVITES times and never accepted stays given up.
    if (wanted && !present && !account.invitationGivenUp) {
      report.repairs.push({ action: 'restored', target: resource, accountId: account.login, detail: `invite with ${wanted}` });
      if (ctx.dryRun) continue;
      await ctx.dataSource.transaction(async (em) => {
        await lockRepositoryAccess(em, owner, name, account.accountId);
        const now = highestPermission((await otherHolders(em, owner, name, account.accountId, NO_GRANT)).map((h) => h.permission));
        if (!now) return;
        for (const stale of invitations.filter((i) => i.login.toLowerCase() === login))
          await gh.deleteInvitation(inst, owner, name, stale.id);
        await gh.putCollaborator(inst, { owner, repo: name, username: account.login, permission: now });
      });
    } else if (!wanted && present) {
      report.repairs.push({
        action: 'removed',
        target: resource,
        accountId: account.login,
        detail: collaborators.has(login) ? 'remove collaborator' : 'delete invitation',
      });
      if (ctx.dryRun) continue;
      await ctx.dataSource.transaction(async (em) => {
        await lockRepositoryAccess(em, owner, name, account.accountId);
        if ((await otherHolders(em, owner, name, account.accountId, NO_GRANT)).length) return; // granted meanwhile
        if (collaborators.has(login)) await gh.removeCollaborator(inst, owner, name, account.login);
        for (const i of invitations.filter((x) => x.login.toLowerCase() === login)) await gh.deleteInvitation(inst, owner, name, i.id);
      });
    }
  }
}
