// GitHub expires repository invitations after 7 days (Polar issue 6628). The real grant workflow
// and activities (PostgreSQL, octokit against the GitHub stand-in) on the time-skipping server: an
// invitation left pending is looked at just after 7 days, deleted and sent again once expired, a
// bounded number of times; nothing happens before; an accepted one is left alone.
import { MAX_REINVITES } from '../../benefits/github-repository/github-repository-rules';
import { grantStateQuery, workflowIds } from '../../workflows/definitions';
import { realActivitiesWorker } from '../fakes/real-activities-env';
import { DAY_MS, poll } from '../fakes/time-skipping-env';
import { githubAppFor, seedGitHubGrant, startGitHubEngineEnv } from '../support/github-seed';

let t: Awaited<ReturnType<typeof startGitHubEngineEnv>>;
beforeAll(async () => {
  t = await startGitHubEngineEnv('acme', ['repo-a', 'repo-b']);
});
afterAll(async () => {
  await t?.close();
});

const invites = (repo: string, login: string) =>
  t.gh.log.filter((c) => c.method === 'PUT' && c.path === `/repos/acme/${repo}/collaborators/${login}`).length;
const properties = async (grantId: string) =>
  (await t.ds.query(`SELECT properties FROM benefit_grants WHERE id = $1`, [grantId]))[0].properties;

test('an expired invitation is deleted and sent again after 7 days, a bounded number of times', async () => {
  const { env, ds, gh } = t;
  const { engine, client, runUntil } = await realActivitiesWorker(t, { providers: { github: githubAppFor(gh) } });
  const expiring = await seedGitHubGrant(ds, gh, 'repo-a', 'slowpoke');
  const accepting = await seedGitHubGrant(ds, gh, 'repo-b', 'quick');
  const grantWorkflows = [expiring, accepting].map((i) => workflowIds.grant(i.grantId));
  const advance = (ms: number) => env.sleep(ms);

  await runUntil(grantWorkflows, async () => {
    for (const input of [expiring, accepting]) {
      await engine.commandGrant(input, { action: 'grant' });
      await poll(
        async () => (await client.workflow.getHandle(workflowIds.grant(input.grantId)).query(grantStateQuery)).status === 'granted',
        'grant',
      );
    }
    expect(gh.access('acme', 'repo-a').invitations).toEqual({ slowpoke: 'push' });
    gh.accept('acme', 'repo-b', 'quick');

    // Six days on: nothing looked at, nothing sent again.
    await advance(6 * DAY_MS);
    expect(invites('repo-a', 'slowpoke')).toBe(1);

    for (let n = 1; n <= MAX_REINVITES; n++) {
      gh.expireInvitations('acme', 'repo-a');
      await advance(7 * DAY_MS + 2 * 60 * 60 * 1000);
      await poll(async () => invites('repo-a', 'slowpoke') === n + 1, `re-invite ${n}`);
      await poll(async () => (await properties(expiring.grantId)).reinvites === n, `reinvites ${n}`);
      expect(gh.access('acme', 'repo-a').invitations).toEqual({ slowpoke: 'push' });
      expect(gh.repo('acme', 'repo-a').invitations.size).toBe(1); // the expired one was deleted
    }

    // Past the bound: the expired invitation is marked on the grant and not sent again.
    gh.expireInvitations('acme', 'repo-a');
    await advance(8 * DAY_MS);
    await poll(async () => (await properties(expiring.grantId)).invitation_expired === true, 'marked expired');
    await advance(30 * DAY_MS);
    expect(invites('repo-a', 'slowpoke')).toBe(MAX_REINVITES + 1);

    // The accepted invitation was looked at once and is no longer pending on the grant.
    const accepted = await properties(accepting.grantId);
    expect(accepted.invitation_url).toBeUndefined();
    expect(invites('repo-b', 'quick')).toBe(1);
    expect(gh.access('acme', 'repo-b').collaborators).toEqual({ quick: 'push' });
  });
});
