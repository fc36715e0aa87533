// Fan-outs: a product's benefits change (revokes finish before new grants start) and a deleted
// benefit revoked across more grants than one page (200) holds. Real workflows, in-memory engine.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { GrantScope } from '../../activities/activity-types';
import { workflowIds } from '../../workflows/definitions';
import { saveHistory, startTimeSkippingEnv, until, withEngine } from '../fakes/time-skipping-env';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

test('a benefit leaving a product is revoked everywhere before the new benefit is granted', async () => {
  await withEngine(
    env,
    async ({ fake, client, taskQueue }) => {
      const [kept, removed, added] = [fake.addBenefit('feature_flag'), fake.addBenefit('custom'), fake.addBenefit('custom')];
      const product = fake.addProduct([kept, removed]);
      // A purchase granted through its workflows, and a subscription granted long ago.
      const order = fake.addOrder('cus-1', product);
      await fake.purchase(order);
      await until(() => fake.grantsOf(order).length === 2 && fake.grantsOf(order).every((g) => g.status === 'granted'), 'purchase granted');
      const sub = fake.addSubscription({ customerId: 'cus-2', productId: product, currentPeriodEnd: Date.now() + 1e9 });
      const subScope: GrantScope = { organizationId: sub.organizationId, customerId: 'cus-2', productId: product, subscriptionId: sub.id };
      fake.seedGrant(subScope, kept);
      fake.seedGrant(subScope, removed);
      const grantsBefore = fake.provider.filter((p) => p.kind === 'grant').length;

      fake.productBenefits.set(product, [kept, added]);
      const workflowId = workflowIds.productBenefitsChanged(product, 'v2');
      const scopes = await client.workflow.execute('productBenefitsChangedWorkflow', {
        taskQueue,
        workflowId,
        args: [{ productId: product }],
      });
      expect(scopes).toBe(2);

      for (const scope of [order, subScope]) {
        await until(() => fake.grantOf(scope, added)?.status === 'granted', 'new benefit granted');
        expect(fake.grantOf(scope, kept)!.status).toBe('granted');
        expect(fake.grantOf(scope, removed)!.status).toBe('revoked');
        const revokeDone = fake.commandIndex(fake.grantOf(scope, removed)!.id, 'revoke', 'end');
        const grantStart = fake.commandIndex(fake.grantOf(scope, added)!.id, 'grant', 'start');
        expect(revokeDone).toBeGreaterThanOrEqual(0);
        expect(grantStart).toBeGreaterThan(revokeDone);
      }
      // Only the added benefit was granted anew: the kept one was left alone.
      const newGrants = fake.provider.filter((p) => p.kind === 'grant').slice(grantsBefore);
      expect(newGrants.map((p) => fake.grants.get(p.grantId)!.benefitId)).toEqual([added, added]);
      expect(fake.access.has(`cus-1:${removed}`)).toBe(false);
      expect(fake.access.has(`cus-2:${removed}`)).toBe(false);

      await saveHistory(env, client, workflowId, 'product-benefits-changed');
      await saveHistory(env, client, workflowIds.grant(fake.grantOf(order, removed)!.id), 'product-benefits-changed.revoked-grant');
    },
    { providerLatencyMs: 100 },
  ); // a grant racing ahead of an unfinished revoke would show
});

test('a deleted benefit is revoked on every grant, across a page boundary', async () => {
  await withEngine(
    env,
    async ({ fake, client, taskQueue }) => {
      const deleted = fake.addBenefit('custom');
      const other = fake.addBenefit('custom');
      const product = fake.addProduct([deleted, other]);
      // One more than a page (200): the second page holds the last one.
      const live = Array.from({ length: 201 }, (_, i) => fake.seedGrant(fake.addOrder(`cus-${i}`, product), deleted));
      const alreadyRevoked = fake.seedGrant(fake.addOrder('cus-x', product), deleted, 'revoked');
      const untouched = fake.seedGrant(fake.addOrder('cus-y', product), other);
      fake.benefits.get(deleted)!.deleted = true;

      const total = await client.workflow.execute('grantFanOutWorkflow', {
        taskQueue,
        workflowId: workflowIds.benefitDeleted(deleted),
        args: [{ filter: { benefitId: deleted }, command: { action: 'revoke' } }],
      });
      expect(total).toBe(201);
      await until(() => live.every((g) => g.status === 'revoked'), 'all 201 revoked', 20_000);

      const pages = fake.callsOf('listGrantIds').map((c) => c.input);
      expect(pages.map((p) => p.limit)).toEqual([200, 200]);
      expect(pages.map((p) => p.afterId)).toEqual([null, live[199].id]);
      expect(pages.every((p) => p.notRevokedOnly)).toBe(true);
      expect(fake.provider.filter((p) => p.kind === 'revoke')).toHaveLength(201);
      expect(fake.callsOf('applyGrantCommand').some((c) => c.input.grantId === alreadyRevoked.id)).toBe(false);
      expect(untouched.status).toBe('granted');
    },
    { providerLatencyMs: 0 },
  );
});
