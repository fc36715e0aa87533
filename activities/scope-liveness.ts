// Whether a grant's scope still holds it: the one rule the grant activity applies before granting
// and uses to name a revoke that came without a reason. Pure (no I/O): the facts come from
// ScopesRepository.facts.
import type { ScopeFacts } from '../db/repositories/scopes.repository';
import type { RevokeReason } from '../workflows/definitions';

const LIVE_STATUSES = ['active', 'trialing'];

/** Why the scope no longer holds the grant; null while it does (only then may it be granted). */
export function deadScopeReason(f: ScopeFacts): RevokeReason | null {
  if (f.customerDeleted) return 'customer_deleted';
  if (f.benefitDeleted) return 'benefit_deleted';
  if (f.subscription) {
    const s = f.subscription;
    if (s.ended) return 'scope_ended';
    if (!LIVE_STATUSES.includes(s.status) && !(s.status === 'past_due' && s.inGrace)) return 'past_due';
  }
  if (f.order?.refundRevoked) return 'refunded';
  if (f.inProduct === false) return 'removed_from_product';
  return null;
}

/**
 * The reason of a revoke sent without one (commands recorded before reasons existed, callers that
 * leave it to the engine): what the scope shows now. A revoke of a past-due subscription's grants
 * is its grace running out, whatever the clocks say; of a refunded order's, the refund's.
 */
export function inferredRevokeReason(f: ScopeFacts): RevokeReason {
  if (f.customerDeleted) return 'customer_deleted';
  if (f.benefitDeleted) return 'benefit_deleted';
  if (f.subscription?.ended) return 'scope_ended';
  if (f.subscription && !LIVE_STATUSES.includes(f.subscription.status)) return 'past_due';
  if (f.order?.refunded) return 'refunded';
  if (f.inProduct === false) return 'removed_from_product';
  return 'unspecified';
}
