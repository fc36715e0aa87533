// Webhook endpoints, deliveries and redelivery through the official SDK.
import { WebhookEndpointsRepository } from '../../db/repositories/webhook-endpoints.repository';
import { failure, locs, Polar, startTwoOrganizations, TwoOrganizations } from '../support/two-organizations';
import { expectMatchesSpec } from '../support/spec-validator';

let stack: TwoOrganizations['stack'];
let orgId: string;
let polar: Polar;
let other: Polar;

beforeAll(async () => {
  ({ stack, orgId, polar, other } = await startTwoOrganizations());
});

afterAll(async () => {
  await stack?.close();
});

function createEndpoint(p: Polar = polar, events: any[] = ['benefit_grant.created']) {
  return p.webhooks.createWebhookEndpoint({ url: 'https://hooks.example.com/polar', format: 'raw', events });
}

describe('webhook endpoints', () => {
  it('creates an endpoint with a Standard Webhooks secret', async () => {
    const created: any = await polar.webhooks.createWebhookEndpoint({
      url: 'https://hooks.example.com/polar',
      format: 'raw',
      events: ['benefit_grant.created', 'benefit_grant.revoked', 'customer.state_changed'],
      name: 'Main',
    });
    expectMatchesSpec('/v1/webhooks/endpoints', 'post', 201, created);
    expect(created).toMatchObject({ organization_id: orgId, enabled: true, name: 'Main', format: 'raw' });
    expect(created.secret).toMatch(/^whsec_/);
    expect(Buffer.from(created.secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
  });

  it('accepts every event type of the contract and http for a local receiver', async () => {
    const all = ['checkout.created', 'order.paid', 'subscription.revoked', 'organization.updated', 'benefit.updated'];
    const created: any = await polar.webhooks.createWebhookEndpoint({
      url: 'http://localhost:3000/hooks',
      format: 'slack',
      events: all as any,
    });
    expect(created.events).toEqual(all);
  });

  it('gets, lists, updates, resets the secret and deletes', async () => {
    const created: any = await createEndpoint();
    const got: any = await polar.webhooks.getWebhookEndpoint(created.id);
    expectMatchesSpec('/v1/webhooks/endpoints/{id}', 'get', 200, got);
    expect(got.secret).toBe(created.secret);

    const list: any = await polar.webhooks.listWebhookEndpoints({ limit: 100 });
    expectMatchesSpec('/v1/webhooks/endpoints', 'get', 200, list);
    expect(list.items.map((e: any) => e.id)).toContain(created.id);

    const updated: any = await polar.webhooks.updateWebhookEndpoint(created.id, {
      url: 'https://hooks.example.com/v2',
      format: 'discord',
      events: ['benefit_grant.updated'],
      enabled: false,
      name: 'Renamed',
    });
    expectMatchesSpec('/v1/webhooks/endpoints/{id}', 'patch', 200, updated);
    expect(updated).toMatchObject({
      url: 'https://hooks.example.com/v2',
      format: 'discord',
      events: ['benefit_grant.updated'],
      enabled: false,
      name: 'Renamed',
    });

    const reset: any = await polar.webhooks.resetWebhookEndpointSecret(created.id);
    expectMatchesSpec('/v1/webhooks/endpoints/{id}/secret', 'patch', 200, reset);
    expect(reset.secret).toMatch(/^whsec_/);
    expect(reset.secret).not.toBe(created.secret);
    expect(((await polar.webhooks.getWebhookEndpoint(created.id)) as any).secret).toBe(reset.secret);

    await polar.webhooks.deleteWebhookEndpoint(created.id);
    expect((await failure(polar.webhooks.getWebhookEndpoint(created.id))).statusCode).toBe(404);
    expect((await failure(polar.webhooks.deleteWebhookEndpoint(created.id))).statusCode).toBe(404);
    const after: any = await polar.webhooks.listWebhookEndpoints({ limit: 100 });
    expect(after.items.map((e: any) => e.id)).not.toContain(created.id);
  });

  it('paginates the endpoint list', async () => {
    const org = await stack.createOrganization();
    const p = stack.polar(org.accessToken);
    for (let i = 0; i < 3; i += 1) await createEndpoint(p);
    const page1: any = await p.webhooks.listWebhookEndpoints({ limit: 2, page: 1 });
    expect(page1.pagination).toEqual({ total_count: 3, max_page: 2 });
    expect(page1.items).toHaveLength(2);
    const page2: any = await p.webhooks.listWebhookEndpoints({ limit: 2, page: 2 });
    expect(page2.items).toHaveLength(1);
  });

  it('validates url, format and events', async () => {
    const badUrl = await failure(polar.webhooks.createWebhookEndpoint({ url: 'ftp://example.com/x', format: 'raw', events: [] }));
    expect(badUrl.statusCode).toBe(422);
    expectMatchesSpec('/v1/webhooks/endpoints', 'post', 422, badUrl.error);
    expect(locs(badUrl.error)).toContainEqual(['body', 'url']);
    const notUrl = await failure(polar.webhooks.createWebhookEndpoint({ url: 'not a url', format: 'raw', events: [] }));
    expect(locs(notUrl.error)).toContainEqual(['body', 'url']);
    const badEvent = await failure(
      polar.webhooks.createWebhookEndpoint({ url: 'https://x.example.com', format: 'raw', events: ['nope' as any] }),
    );
    expect(locs(badEvent.error)).toContainEqual(['body', 'events', 0]);
    const badFormat = await failure(
      polar.webhooks.createWebhookEndpoint({ url: 'https://x.example.com', format: 'xml' as any, events: [] }),
    );
    expect(locs(badFormat.error)).toContainEqual(['body', 'format']);
  });

  it("hides another organization's endpoints", async () => {
    const created: any = await createEndpoint();
    expect((await failure(other.webhooks.getWebhookEndpoint(created.id))).statusCode).toBe(404);
    expect((await failure(other.webhooks.updateWebhookEndpoint(created.id, { name: 'x' }))).statusCode).toBe(404);
    expect((await failure(other.webhooks.resetWebhookEndpointSecret(created.id))).statusCode).toBe(404);
    expect((await failure(other.webhooks.deleteWebhookEndpoint(created.id))).statusCode).toBe(404);
    const listed: any = await other.webhooks.listWebhookEndpoints({ limit: 100 });
    expect(listed.items.map((e: any) => e.id)).not.toContain(created.id);
  });
});

describe('deliveries and redelivery', () => {
  async function insertEvent(endpointId: string, org = orgId) {
    const [event] = await stack.dataSource.query(
      `INSERT INTO webhook_events (organization_id, endpoint_id, type, payload, succeeded, last_http_code)
       VALUES ($1, $2, 'benefit_grant.created', '{"type":"benefit_grant.created"}', false, 500) RETURNING id`,
      [org, endpointId],
    );
    await stack.dataSource.query(
      `INSERT INTO webhook_deliveries (organization_id, endpoint_id, webhook_event_id, attempt, succeeded, http_code, response)
       VALUES ($1, $2, $3, 1, false, 500, 'boom'), ($1, $2, $3, 2, true, 200, 'ok')`,
      [org, endpointId, event.id],
    );
    return event.id as string;
  }

  it('lists deliveries with their event, filtered by endpoint', async () => {
    const a: any = await createEndpoint();
    const b: any = await createEndpoint();
    const eventId = await insertEvent(a.id);
    await insertEvent(b.id);

    const res: any = await polar.webhooks.listWebhookDeliveries({ endpoint_id: a.id });
    expectMatchesSpec('/v1/webhooks/deliveries', 'get', 200, res);
    expect(res.pagination.total_count).toBe(2);
    expect(res.items.every((d: any) => d.webhook_event.id === eventId)).toBe(true);
    expect(res.items[0].webhook_event).toMatchObject({
      type: 'benefit_grant.created',
      succeeded: false,
      last_http_code: 500,
      skipped: false,
      is_archived: false,
    });

    const ok: any = await polar.webhooks.listWebhookDeliveries({ endpoint_id: a.id, succeeded: true });
    expect(ok.items.map((d: any) => d.http_code)).toEqual([200]);
    const fiveXX: any = await polar.webhooks.listWebhookDeliveries({ endpoint_id: a.id, http_code_class: '5xx' });
    expect(fiveXX.items.map((d: any) => d.response)).toEqual(['boom']);
    const paged: any = await polar.webhooks.listWebhookDeliveries({ endpoint_id: a.id, limit: 1, page: 2 });
    expect(paged.items).toHaveLength(1);

    const theirs: any = await other.webhooks.listWebhookDeliveries({ endpoint_id: a.id });
    expect(theirs.items).toHaveLength(0);
  });

  it("accepts a redelivery of the organization's own event only", async () => {
    const endpoint: any = await createEndpoint();
    const eventId = await insertEvent(endpoint.id);
    await expect(polar.webhooks.redeliverWebhookEvent(eventId)).resolves.toBeDefined();
    expect((await failure(other.webhooks.redeliverWebhookEvent(eventId))).statusCode).toBe(404);
    expect((await failure(polar.webhooks.redeliverWebhookEvent('00000000-0000-4000-8000-000000000000'))).statusCode).toBe(404);
  });
});

describe('WebhookEndpointsRepository.listEnabledForEvent', () => {
  it('returns only live, enabled endpoints subscribed to the event', async () => {
    const org = await stack.createOrganization();
    const p = stack.polar(org.accessToken);
    const subscribed: any = await createEndpoint(p, ['benefit_grant.created']);
    const disabled: any = await createEndpoint(p, ['benefit_grant.created']);
    await p.webhooks.updateWebhookEndpoint(disabled.id, { enabled: false });
    const deleted: any = await createEndpoint(p, ['benefit_grant.created']);
    await p.webhooks.deleteWebhookEndpoint(deleted.id);
    await createEndpoint(p, ['benefit_grant.revoked']);

    const repo = new WebhookEndpointsRepository(stack.dataSource);
    const targets = await repo.listEnabledForEvent(org.organizationId, 'benefit_grant.created');
    expect(targets).toEqual([
      { id: subscribed.id, url: subscribed.url, secret: subscribed.secret, format: 'raw', events: ['benefit_grant.created'] },
    ]);
  });
});
