import type { DriftRepairActivities, EngineActivities } from './activity-types';
import { driftActivities } from './drift.activities';
import type { EngineDeps } from './engine-deps';
import { grantActivities } from './grant.activities';
import { meterActivities } from './meter.activities';
import { outboxActivities } from './outbox.activities';
import { scopeActivities } from './scope.activities';
import { subscriptionActivities } from './subscription.activities';
import { webhookActivities } from './webhook.activities';

/** Binds every activity the workflows call to real dependencies. */
export function createActivities(deps: EngineDeps): EngineActivities & DriftRepairActivities {
  return {
    ...grantActivities(deps),
    ...scopeActivities(deps),
    ...subscriptionActivities(deps),
    ...webhookActivities(deps),
    ...outboxActivities(deps),
    ...meterActivities(deps),
    ...driftActivities(deps),
  };
}
