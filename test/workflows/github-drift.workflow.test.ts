// Drift repair on the time-skipping server: the drift repair workflow with the real activities
// (PostgreSQL, octokit against the GitHub stand-in). Someone removed a paying customer on GitHub:
// invited again. A revoked customer is still there (the revoke was lost): removed. A collaborator
// our grants never named: untouched. A dry run reports the same and changes nothing.
import { randomUUID } from 'node:crypto';
import { grantStateQuery, workflowIds } from '../../workflows/definitions';
import { realActivitiesWorker } from '../fakes/real-activities-env';
import { poll } from '../fakes/time-skipping-env';
import { githubAppFor, seedGitHubGrant, startGitHubEngineEnv } from '../support/github-seed';

let t: Awaited<ReturnType<typeof startGitHubEngineEnv>>;
beforeAll(async () => {
  t = await startGitHubEngineEnv('drift-org', ['drifting']);
});
afterAll(async () => {
  await t?.close();
});

test('drift repair re-invites lost access, removes what no grant holds, leaves others alone', async () => {
  const { ds, gh } = t;
  const { engine, client, runUntil } = await realActivitiesWorker(t, { providers: { github: githubAppFor(gh) } });
  const alice = await seedGitHubGrant(ds, gh, 'drifting', 'alice', 'drift-org');
  const bob = await seedGitHubGrant(ds, gh, 'drifting', 'bob', 'drift-org');
  const grantWorkflows = [alice, bob].map((i) => workflowIds.grant(i.grantId));
  // The workflow's result: one report per type with drift repair; this test reads GitHub's.
  const run = async (dryRun: boolean) => {
    const reports = (await client.workflow.execute('driftRepairWorkflow', {
      taskQueue: engine.taskQueue,
      workflowId: `drift-${randomUUID()}`,
      args: [{ types: ['github_repository'], dryRun }],
    })) as any[];
    return reports.find((r) => r.type === 'github_repository');
  };

  await runUntil(grantWorkflows, async () => {
    for (const input of [alice, bob]) {
      await engine.commandGrant(input, { action: 'grant' });
      await poll(
        async () => (await client.workflow.getHandle(workflowIds.grant(input.grantId)).query(grantStateQuery)).status === 'granted',
        'grant',
      );
    }
    gh.accept('drift-org', 'drifting', 'alice');
    gh.accept('drift-org', 'drifting', 'bob');
    gh.addUser('carol');
    gh.addCollaboratorOnGitHub('drift-org', 'drifting', 'carol', 'admin');
    // Drift: alice removed by hand; bob's grant revoked while the call to GitHub was lost.
    gh.removeOnGitHub('drift-org', 'drifting', 'alice');
    await ds.query(`UPDATE benefit_grants SET granted_at = NULL, revoked_at = now(), revoke_reason = 'refunded' WHERE id = $1`, [
      bob.grantId,
    ]);
    const before = gh.access('drift-org', 'drifting');
    expect(before).toEqual({ collaborators: { bob: 'push', carol: 'admin' }, invitations: {} });

    const dry = await run(true);
    // (Repositories other test files left in the shared database are not on this stand-in: skipped.)
    expect(dry.dryRun).toBe(true);
    expect(dry.repairs).toHaveLength(2);
    expect(dry.repairs).toEqual(
      expect.arrayContaining([
        { action: 'restored', target: 'drift-org/drifting', accountId: 'alice', detail: 'invite with push' },
        { action: 'removed', target: 'drift-org/drifting', accountId: 'bob', detail: 'remove collaborator' },
      ]),
    );
    expect(dry.unrepaired.map((s: any) => s.target)).not.toContain('drift-org/drifting');
    expect(gh.access('drift-org', 'drifting')).toEqual(before);

    const real = await run(false);
    expect(real.dryRun).toBe(false);
    expect(real.repairs.map((r: any) => `${r.action}:${r.accountId}`).sort()).toEqual(['removed:bob', 'restored:alice']);
    expect(gh.access('drift-org', 'drifting')).toEqual({ collaborators: { carol: 'admin' }, invitations: { alice: 'push' } });

    // Nothing left to repair: a second pass changes nothing.
    const again = await run(false);
    expect(again).toMatchObject({ repairs: [] });
  });
});
