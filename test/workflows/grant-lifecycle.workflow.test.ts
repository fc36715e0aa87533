// Purchase, expiry and idempotency of grants: real grant workflows on the time-skipping test
// server, an in-memory engine behind the activities (a purchase grants its scope, as the API does).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { grantStateQuery, workflowIds } from '../../workflows/definitions';
import { advanceTo, DAY_MS, expectAt, saveHistory, settle, startTimeSkippingEnv, until, withEngine } from '../fakes/time-skipping-env';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

test('a purchase grants every benefit of the product, once each', async () => {
  await withEngine(env, async ({ fake, client }) => {
    const flag = fake.addBenefit('feature_flag');
    const custom = fake.addBenefit('custom');
    const product = fake.addProduct([flag, custom]);
    const order = fake.addOrder('cus-1', product);

    expect(await fake.purchase(order)).toBe(2);
    await until(
      () => fake.grantsOf(order).every((g) => g.status === 'granted') && fake.grantsOf(order).length === 2,
      'both grants granted',
    );

    const grants = fake.grantsOf(order);
    expect(grants.map((g) => g.benefitId).sort()).toEqual([flag, custom].sort());
    expect(fake.provider.filter((p) => p.kind === 'grant')).toHaveLength(2);
    await settle(
      env,
      client,
      grants.map((g) => workflowIds.grant(g.id)),
    );
    for (const g of grants) {
      const state = await client.workflow.getHandle(workflowIds.grant(g.id)).query(grantStateQuery);
      expect(state).toMatchObject({ status: 'granted', pendingCommands: [], processed: 1 });
    }
    await saveHistory(env, client, workflowIds.grant(grants[0].id), 'purchase.grant');
  });
});

test('a grant whose strategy set an expiry is marked expired exactly then, not before', async () => {
  const expiresIn = 30 * DAY_MS;
  await withEngine(
    env,
    async ({ fake, engine }) => {
      const grant = fake.seedGrant(fake.addOrder('cus-1', fake.addProduct([])), fake.addBenefit(), 'pending');
      await engine.commandGrant(fake.workflowInput(grant), { action: 'grant' });
      await until(() => grant.status === 'granted', 'grant');
      const expiresAt = grant.grantedAt! + expiresIn;

      await advanceTo(env, expiresAt - 1_000);
      expect(fake.callsOf('markGrantExpired')).toHaveLength(0);

      await advanceTo(env, expiresAt + 1);
      const expired = await until(() => fake.callsOf('markGrantExpired')[0], 'markGrantExpired');
      expect(expired.input).toEqual({ grantId: grant.id });
      expectAt(expired.at, expiresAt);
      // The timer is spent: a month later nothing fires again.
      await advanceTo(env, expiresAt + 31 * DAY_MS);
      expect(fake.callsOf('markGrantExpired')).toHaveLength(1);
      expect(grant.status).toBe('granted');
    },
    { grantExpiresInMs: expiresIn },
  );
});

test('two grant commands for one grant grant it once at the provider', async () => {
  await withEngine(
    env,
    async ({ fake, engine, client }) => {
      const grant = fake.seedGrant(fake.addOrder('cus-1', fake.addProduct([])), fake.addBenefit(), 'pending');
      const input = fake.workflowInput(grant);
      // The second arrives while the provider (50 ms) is still answering the first. Sent one after
      // the other: the test server races two concurrent signalWithStarts (a real server does not).
      await engine.commandGrant(input, { action: 'grant' });
      await engine.commandGrant(input, { action: 'grant' });

      const handle = client.workflow.getHandle(workflowIds.grant(grant.id));
      await until(() => fake.callsOf('applyGrantCommand', 'end').length === 2, 'both commands applied');
      await settle(env, client, [handle.workflowId]);
      expect(fake.provider).toEqual([expect.objectContaining({ kind: 'grant', grantId: grant.id })]);
      expect(grant.status).toBe('granted');
      expect(await handle.query(grantStateQuery)).toMatchObject({ status: 'granted', processed: 2, pendingCommands: [] });
    },
    { providerLatencyMs: 50 },
  );
});

test('a revoke after a grant ends the grant workflow with the grant revoked', async () => {
  await withEngine(env, async ({ fake, engine, client }) => {
    const grant = fake.seedGrant(fake.addOrder('cus-1', fake.addProduct([])), fake.addBenefit(), 'pending');
    await engine.commandGrant(fake.workflowInput(grant), { action: 'grant' });
    await engine.commandGrant(fake.workflowInput(grant), { action: 'revoke' });

    const final = await client.workflow.getHandle(workflowIds.grant(grant.id)).result();
    expect(final).toMatchObject({ status: 'revoked', processed: 2 });
    expect(fake.provider.map((p) => p.kind)).toEqual(['grant', 'revoke']);
    expect(fake.access.size).toBe(0);
  });
});
