// What API writes set in motion in the engine: fan-outs after benefit, product and customer
// changes, webhook kicks and redeliveries. Every call is idempotent (deterministic workflow ids).
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { WebhookEventsRepository } from '../../db/repositories/webhook-events.repository';
import type { GrantScope } from '../../activities/activity-types';
import type { EngineClient } from '../../lib/engine-client';
import { workflowIds } from '../../workflows/definitions';

export class EngineService {
  private readonly events: WebhookEventsRepository;

  constructor(
    private readonly engine: EngineClient,
    private readonly ds: DataSource,
  ) {
    this.events = new WebhookEventsRepository(ds);
  }

  async productBenefitsChanged(_organizationId: string, productId: string): Promise<void> {
    await this.engine.startFanOut('productBenefitsChangedWorkflow', workflowIds.productBenefitsChanged(productId, randomUUID()), { productId });
  }

  async benefitUpdated(_organizationId: string, benefitId: string, previousProperties: Record<string, unknown>): Promise<void> {
    await this.engine.startFanOut('grantFanOutWorkflow', workflowIds.benefitUpdated(benefitId, randomUUID()), {
      filter: { benefitId },
      command: { action: 'update', previousProperties },
    });
  }

  async benefitDeleted(_organizationId: string, benefitId: string): Promise<void> {
    await this.engine.startFanOut('grantFanOutWorkflow', workflowIds.benefitDeleted(benefitId), {
      filter: { benefitId },
      command: { action: 'revoke' },
    });
  }

  async customerDeleted(_organizationId: string, customerId: string): Promise<void> {
    await this.engine.startFanOut('grantFanOutWorkflow', workflowIds.customerDeleted(customerId), {
      filter: { customerId },
      command: { action: 'revoke' },
    });
  }

  /** Revokes every grant of an order or subscription (refund with revoke_benefits). */
  async revokeScope(scope: GrantScope): Promise<void> {
    const rows: any[] = await this.ds.query(
      `SELECT g.id, g.organization_id, g.customer_id, g.benefit_id, b.type FROM benefit_grants g
         JOIN benefits b ON b.id = g.benefit_id
        WHERE g.customer_id = $1 AND g.order_id IS NOT DISTINCT FROM $2 AND g.subscription_id IS NOT DISTINCT FROM $3
          AND g.revoked_at IS NULL`,
      [scope.customerId, scope.orderId ?? null, scope.subscriptionId ?? null],
    );
    for (const r of rows) {
      await this.engine.commandGrant(
        { grantId: r.id, organizationId: r.organization_id, customerId: r.customer_id, benefitId: r.benefit_id, benefitType: r.type },
        { action: 'revoke' },
      );
    }
  }

  async kickWebhooks(organizationId: string): Promise<void> {
    const endpoints = await this.events.endpointsWithPending(organizationId);
    await Promise.all(endpoints.map((id) => this.engine.kickWebhookEndpoint(id)));
  }

  /** Queues a copy of a past event for its endpoint (the route checked it is the org's). */
  async redeliver(organizationId: string, eventId: string): Promise<void> {
    const endpointId = await this.events.requeue(organizationId, eventId);
    if (endpointId) await this.engine.kickWebhookEndpoint(endpointId);
  }
}

