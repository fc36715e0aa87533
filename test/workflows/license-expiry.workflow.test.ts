// A license key from a one-time order expires at grant time + ttl: the real grant workflow and
// activities (PostgreSQL) on the time-skipping server; a month passes in a jump, the timer marks
// the grant at that moment (audit event + benefit_grant.updated webhook), never before.
import { grantStateQuery, workflowIds } from '../../workflows/definitions';
import { realActivitiesWorker, startRealEngineEnv, type RealEngineEnv } from '../fakes/real-activities-env';
import { advanceTo, DAY_MS, poll } from '../fakes/time-skipping-env';
import { seedOrderGrant } from '../support/grant-seed';

let t: RealEngineEnv;

beforeAll(async () => {
  t = await startRealEngineEnv();
});
afterAll(async () => {
  await t?.close();
});

/** An organization, a customer, a 30-day license benefit, a paid order, its pending grant, an endpoint. */
async function seed() {
  const input = await seedOrderGrant(t.ds, 'Expiry', {
    type: 'license_keys',
    description: 'License',
    properties: { prefix: 'EXP', expires: { ttl: 30, timeframe: 'day' }, activations: null, limit_usage: null },
  });
  const [endpoint] = await t.ds.query(
    `INSERT INTO webhook_endpoints (organization_id, url, secret, events) VALUES ($1, 'https://merchant.example/hook', 'whsec_dGVzdA==', $2) RETURNING id`,
    [input.organizationId, ['benefit_grant.updated']],
  );
  return { input, endpointId: endpoint.id as string };
}

const expiredEvents = async (grantId: string): Promise<number> =>
  (await t.ds.query(`SELECT count(*)::int AS n FROM benefit_grant_events WHERE grant_id = $1 AND kind = 'expired'`, [grantId]))[0].n;

test('the key expires at grant time + ttl and the grant is marked expired exactly then', async () => {
  const { env, ds } = t;
  const delivered: string[] = [];
  const webhookTransport = async (_url: string, init: { body: string }) => {
    delivered.push(JSON.parse(init.body).type);
    return { status: 200, body: 'ok' };
  };
  const { engine, client, runUntil } = await realActivitiesWorker(t, { webhookTransport });
  const { input, endpointId } = await seed();
  const handle = client.workflow.getHandle(workflowIds.grant(input.grantId));

  await runUntil([workflowIds.grant(input.grantId), workflowIds.webhookEndpoint(endpointId)], async () => {
    await engine.commandGrant(input, { action: 'grant' });
    const state = await poll(async () => {
      const s = await handle.query(grantStateQuery);
      return s.status === 'granted' ? s : null;
    }, 'grant');
    const [key] = await ds.query(`SELECT * FROM license_keys WHERE grant_id = $1`, [input.grantId]);
    const [grant] = await ds.query(`SELECT * FROM benefit_grants WHERE id = $1`, [input.grantId]);
    expect(key.key).toMatch(/^EXP-[0-9A-F-]{36}$/);
    const expiresAt = new Date(key.expires_at).getTime();
    expect(Math.abs(expiresAt - (new Date(grant.granted_at).getTime() + 30 * DAY_MS))).toBeLessThan(5_000);
    expect(state.expiresAt).toBe(new Date(key.expires_at).toISOString());
    expect(grant.properties).toMatchObject({ license_key_id: key.id, expires_at: state.expiresAt });

    await advanceTo(env, expiresAt - 60_000);
    expect(await expiredEvents(input.grantId)).toBe(0);

    await advanceTo(env, expiresAt + 1_000);
    await poll(async () => (await expiredEvents(input.grantId)) === 1, 'expired event');
    const [event] = await ds.query(`SELECT payload FROM webhook_events WHERE organization_id = $1 AND type = 'benefit_grant.updated'`, [
      input.organizationId,
    ]);
    expect(JSON.parse(event.payload).data).toMatchObject({ id: input.grantId, is_granted: true, properties: { license_key_id: key.id } });
    await poll(async () => delivered.includes('benefit_grant.updated'), 'webhook delivery');
    expect((await handle.query(grantStateQuery)).expiresAt).toBeNull();

    // The timer is spent: later nothing fires again, and the key stays the same row.
    await advanceTo(env, expiresAt + 40 * DAY_MS);
    expect(await expiredEvents(input.grantId)).toBe(1);
  });
});
