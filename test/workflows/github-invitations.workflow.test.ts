// GitHub expires repository invitations after 7 days (Polar issue 6628). The real grant workflow
// and activities (PostgreSQL, octokit against the GitHub stand-in) on the time-skipping server: an
// invitation left pending is looked at just after 7 days, deleted and sent again once expired, a
// bounded number of times; nothing happens before; an accepted one is left alone.
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { githubAppFor, seedGitHubGrant } from '../support/github-seed';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities';
import { MAX_REINVITES } from '../../benefits/github-repository/github-repository-rules';
import { strategies } from '../../benefits/registry';
import { createDataSource } from '../../db/data-source';
import { EngineClient } from '../../engine/engine-client';
import { createLogger } from '../../lib/logger';
import { grantStateQuery, workflowIds } from '../../workflows/definitions';
import { FakeGitHub } from '../fakes/github-server';
import { DAY_MS, startTimeSkippingEnv } from '../fakes/time-skipping-env';

let env: TestWorkflowEnvironment;
let ds: DataSource;
let gh: FakeGitHub;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  ds = createDataSource({ url: process.env.TEST_DATABASE_URL! });
  await ds.initialize();
  gh = await new FakeGitHub().start();
  gh.install('acme', ['repo-a', 'repo-b']);
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

const invites = (repo: string, login: string) =>
  gh.log.filter((c) => c.method === 'PUT' && c.path === `/repos/acme/${repo}/collaborators/${login}`).length;
const properties = async (grantId: string) =>
  (await ds.query(`SELECT properties FROM benefit_grants WHERE id = $1`, [grantId]))[0].properties;

test('an expired invitation is deleted and sent again after 7 days, a bounded number of times', async () => {
  const taskQueue = `gh-${randomUUID()}`;
  const client = new Client({ connection: env.connection, namespace: 'default' });
  const engine = new EngineClient(client, taskQueue);
  const github = githubAppFor(gh);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    activities: createActivities({
      dataSource: ds,
      engine,
      registry: strategies,
      providers: { github },
      logger: createLogger('silent', 'test'),
      webhookAllowPrivateNetworks: false,
      webhookTimeoutMs: 1000,
    }),
  });
  const expiring = await seedGitHubGrant(ds, gh, 'repo-a', 'slowpoke');
  const accepting = await seedGitHubGrant(ds, gh, 'repo-b', 'quick');
  const advance = (ms: number) => env.sleep(ms);

  await worker.runUntil(async () => {
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
  await Promise.all(
    [expiring, accepting].map((i) =>
      client.workflow
        .getHandle(workflowIds.grant(i.grantId))
        .terminate('test over')
        .catch(() => undefined),
    ),
  );
});
