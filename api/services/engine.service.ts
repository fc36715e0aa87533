// What API writes set in motion in the engine: fan-outs after benefit, product and customer
// changes, webhook kicks and redeliveries. Every call is idempotent (deterministic workflow ids).
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { kickOrganizationWebhooks } from '../../activities/webhook-outbox';
import { GrantsRepository } from '../../db/repositories/grants.repository';
import { WebhookEventsRepository } from '../../db/repositories/webhook-events.repository';
import type { GrantScope } from '../../activities/activity-types';
import type { EngineClient } from '../../lib/engine-client';
import { workflowIds } from '../../workflows/definitions';

export class EngineService {
  private readonly events: WebhookEventsRepository;
  private readonly grants: GrantsRepository;

  constructor(
    private readonly engine: EngineClient,
    private readonly ds: DataSource,
  ) {
    this.events = new WebhookEventsRepository(ds);
    this.grants = new GrantsRepository(ds);
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
    const live = (await this.grants.forScope(scope)).filter((g) => g.revoked_at === null);
    for (const grant of await this.grants.workflowInputs(live.map((g) => g.id))) {
      await this.engine.commandGrant(grant, { action: 'revoke' });
    }
  }

  async kickWebhooks(organizationId: string): Promise<void> {
    await kickOrganizationWebhooks({ dataSource: this.ds, engine: this.engine }, organizationId);
  }

  /** Queues a copy of a past event for its endpoint (the route checked it is the org's). */
  async redeliver(organizationId: string, eventId: string): Promise<void> {
    const endpointId = await this.events.requeue(organizationId, eventId);
    if (endpointId) await this.engine.kickWebhookEndpoint(endpointId);
  }
}

