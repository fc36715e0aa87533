import type { EngineActivities } from './activity-types';
import type { EngineDeps } from './engine-deps';
import { grantActivities } from './grant.activities';
import { outboxActivities } from './outbox.activities';
import { scopeActivities } from './scope.activities';
import { subscriptionActivities } from './subscription.activities';
import { webhookActivities } from './webhook.activities';
import { driftActivities } from './drift.activities';

/** Binds every activity the workflows call to real dependencies. */
export function createActivities(deps: EngineDeps): EngineActivities {
  return {
    ...grantActivities(deps),
    ...scopeActivities(deps),
    ...subscriptionActivities(deps),
    ...webhookActivities(deps),
    ...outboxActivities(deps),
    ...driftActivities(deps),
  };
}
