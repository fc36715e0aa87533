// Drift repair on the time-skipping server: the drift repair workflow with the real activities
// (PostgreSQL, octokit against the GitHub stand-in). Someone removed a paying customer on GitHub:
// invited again. A revoked customer is still there (the revoke was lost): removed. A collaborator
// our grants never named: untouched. A dry run reports the same and changes nothing.
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities';
import { strategies } from '../../benefits/registry';
import { createDataSource } from '../../db/data-source';
import { EngineClient } from '../../engine/engine-client';
import { createLogger } from '../../lib/logger';
import { grantStateQuery, workflowIds } from '../../workflows/definitions';
import { FakeGitHub } from '../fakes/github-server';
import { startTimeSkippingEnv } from '../fakes/time-skipping-env';
import { githubAppFor, seedGitHubGrant } from '../support/github-seed';

let env: TestWorkflowEnvironment;
let ds: DataSource;
let gh: FakeGitHub;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  ds = createDataSource({ url: process.env.TEST_DATABASE_URL! });
  await ds.initialize();
  gh = await new FakeGitHub().start();
  gh.install('drift-org', ['drifting']);
});
afterAll(async () => {
  await gh?.close();
  await ds?.destroy();
  await env?.teardown();
});

async function poll<T>(check: () => Promise<T | null | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('drift repair re-invites lost access, removes what no grant holds, leaves others alone', async () => {
  const taskQueue = `drift-${randomUUID()}`;
  const client = new Client({ connection: env.connection, namespace: 'default' });
  const engine = new EngineClient(client, taskQueue);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    activities: createActivities({
      dataSource: ds,
      engine,
      registry: strategies,
      providers: { github: githubAppFor(gh) },
      logger: createLogger('silent', 'test'),
      webhookAllowPrivateNetworks: false,
      webhookTimeoutMs: 1000,
    }),
  });
  const alice = await seedGitHubGrant(ds, gh, 'drifting', 'alice', 'drift-org');
  const bob = await seedGitHubGrant(ds, gh, 'drifting', 'bob', 'drift-org');
  // The workflow's result: one report per type with drift repair; this test reads GitHub's.
  const run = async (dryRun: boolean) => {
    const reports = (await client.workflow.execute('driftRepairWorkflow', {
      taskQueue,
      workflowId: `drift-${randomUUID()}`,
      args: [{ types: ['github_repository'], dryRun }],
    })) as any[];
    return reports.find((r) => r.type === 'github_repository');
  };

  await worker.runUntil(async () => {
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
  await Promise.all(
    [alice, bob].map((i) =>
      client.workflow
        .getHandle(workflowIds.grant(i.grantId))
        .terminate('test over')
        .catch(() => undefined),
    ),
  );
});
