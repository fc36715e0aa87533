// A grant or revoke of a computed-only type (custom, feature flag) commits as one statement guarded
// by the row's version instead of a locked transaction (activities/grant.activities.ts,
// applyUnlocked). What a user would notice if the guard were wrong: a command applied twice (a
// second `granted` event, a second webhook), or an event lost. Real activities and PostgreSQL; no
// worker, so the test alone sends the commands, several at once as a lost local attempt and its
// retry would.
import { grantActivities } from '../../activities/grant.activities';
import { strategies } from '../../benefits/registry';
import { GrantsRepository } from '../../db/repositories/grants.repository';
import { createLogger } from '../../lib/logger';
import { createShop, type Shop } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/harness';

let stack: TestStack;
let activities: ReturnType<typeof grantActivities>;

beforeAll(async () => {
  stack = await startTestStack({ worker: false });
  activities = grantActivities({
    dataSource: stack.dataSource,
    engine: stack.engine,
    registry: strategies,
    logger: createLogger('silent', 'test'),
    webhookTimeoutMs: 1_000,
    webhookAllowPrivateNetworks: true,
  });
});
afterAll(async () => stack?.close());

/** A paid order of the shop's one-time product and its grant rows (what the dispatcher would create). */
async function orderedGrants(shop: Shop): Promise<{ id: string; type: string }[]> {
  const order = await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  const rows = await new GrantsRepository(stack.dataSource).ensureForProduct(
    { organizationId: shop.organizationId, customerId: shop.customer.id, orderId: order.id },
    shop.oneTime.id,
    ['custom', 'feature_flag'],
  );
  return rows.map((r) => ({ id: r.id, type: r.ref.benefitType }));
}

async function eventKinds(grantId: string): Promise<string[]> {
  const rows = await stack.dataSource.query(`SELECT kind FROM benefit_grant_events WHERE grant_id = $1 ORDER BY id`, [grantId]);
  return rows.map((r: { kind: string }) => r.kind);
}

test('the same grant and revoke sent eight times at once are each applied once', async () => {
  const shop = await createShop(stack, 2);
  const grants = await orderedGrants(shop);
  expect(grants.map((g) => g.type).sort()).toEqual(['custom', 'feature_flag']);
  for (const { id, type } of grants) {
    const granted = await Promise.all(
      Array.from({ length: 8 }, () => activities.applyGrantCommand({ grantId: id, command: { action: 'grant' }, benefitType: type })),
    );
    expect(granted.map((r) => r.status)).toEqual(Array(8).fill('granted'));
    expect(granted.filter((r) => r.changed)).toHaveLength(1);

    const revoked = await Promise.all(
      Array.from({ length: 8 }, () =>
        activities.applyGrantCommand({ grantId: id, command: { action: 'revoke', reason: 'benefit_deleted' }, benefitType: type }),
      ),
    );
    expect(revoked.map((r) => r.status)).toEqual(Array(8).fill('revoked'));
    expect(revoked.filter((r) => r.changed)).toHaveLength(1);
    expect(await eventKinds(id)).toEqual(['granted', 'revoked']);
  }
  const listed = await shop.polar.benefitGrants.list({ customer_id: shop.customer.id, limit: 10 });
  expect(listed.items.map((g: any) => [g.is_granted, g.is_revoked])).toEqual([
    [false, true],
    [false, true],
  ]);
});

test('a grant whose organization listens to grant events writes its webhook event once', async () => {
  const shop = await createShop(stack, 1);
  const endpoint = await stack.http('POST', '/v1/webhooks/endpoints', {
    token: shop.token,
    body: { url: 'https://hooks.example.com/benefits', format: 'raw', events: ['benefit_grant.created'] },
  });
  expect(endpoint.status).toBe(201);
  const [{ id, type }] = await orderedGrants(shop);
  const results = await Promise.all(
    Array.from({ length: 4 }, () => activities.applyGrantCommand({ grantId: id, command: { action: 'grant' }, benefitType: type })),
  );
  expect(results.filter((r) => r.changed)).toHaveLength(1);
  const events = await stack.dataSource.query(
    `SELECT type, payload::jsonb -> 'data' ->> 'id' AS grant_id FROM webhook_events WHERE organization_id = $1 AND type LIKE 'benefit_grant.%'`,
    [shop.organizationId],
  );
  expect(events).toEqual([{ type: 'benefit_grant.created', grant_id: id }]);
  expect(await eventKinds(id)).toEqual(['granted']);
});

test('a command from a run scheduled before the benefit type was passed is applied as before', async () => {
  const shop = await createShop(stack, 1);
  const [{ id }] = await orderedGrants(shop);
  const result = await activities.applyGrantCommand({ grantId: id, command: { action: 'grant' } });
  expect(result).toMatchObject({ status: 'granted', changed: true });
  expect(await eventKinds(id)).toEqual(['granted']);
});
