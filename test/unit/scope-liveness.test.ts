// The rule the grant activity applies before granting, and the reason it gives a revoke that
// names none.
import type { ScopeFacts } from '../../db/repositories/scopes.repository';
import { deadScopeReason, inferredRevokeReason } from '../../activities/scope-liveness';
import { mayGrantAgain } from '../../workflows/definitions';

const order: ScopeFacts = {
  customerDeleted: false,
  benefitDeleted: false,
  subscription: null,
  order: { refunded: false, refundRevoked: false },
  inProduct: true,
};
const sub = (status: string, extra: Partial<{ ended: boolean; inGrace: boolean }> = {}): ScopeFacts => ({
  ...order,
  order: null,
  subscription: { status, ended: false, inGrace: false, ...extra },
});

test('a live scope: a paid order, an order refunded without revoke, an active, trialing or in-grace subscription', () => {
  expect(deadScopeReason(order)).toBeNull();
  expect(deadScopeReason({ ...order, order: { refunded: true, refundRevoked: false } })).toBeNull();
  for (const s of [sub('active'), sub('trialing'), sub('past_due', { inGrace: true })]) expect(deadScopeReason(s)).toBeNull();
});

test('a dead scope names why, the deleted customer or benefit first', () => {
  expect(deadScopeReason({ ...sub('active'), customerDeleted: true, benefitDeleted: true })).toBe('customer_deleted');
  expect(deadScopeReason({ ...order, benefitDeleted: true })).toBe('benefit_deleted');
  expect(deadScopeReason(sub('canceled', { ended: true }))).toBe('scope_ended');
  expect(deadScopeReason(sub('past_due'))).toBe('past_due');
  expect(deadScopeReason(sub('unpaid'))).toBe('past_due');
  expect(deadScopeReason({ ...order, order: { refunded: true, refundRevoked: true } })).toBe('refunded');
  expect(deadScopeReason({ ...order, inProduct: false })).toBe('removed_from_product');
});

test('a revoke without a reason gets the one its scope shows', () => {
  expect(inferredRevokeReason({ ...order, order: { refunded: true, refundRevoked: false } })).toBe('refunded');
  // The grace ran out on the workflow's clock even if the database's says otherwise.
  expect(inferredRevokeReason(sub('past_due', { inGrace: true }))).toBe('past_due');
  expect(inferredRevokeReason(sub('canceled', { ended: true }))).toBe('scope_ended');
  expect(inferredRevokeReason({ ...order, inProduct: false })).toBe('removed_from_product');
  expect(inferredRevokeReason(order)).toBe('unspecified');
});

test('only a benefit leaving the product or an overdue payment may be granted again; the merchant may reinstate a key', () => {
  expect(mayGrantAgain(null)).toBe(true);
  expect(mayGrantAgain('removed_from_product')).toBe(true);
  expect(mayGrantAgain('past_due')).toBe(true);
  for (const r of ['scope_ended', 'refunded', 'customer_deleted', 'benefit_deleted', 'license_key_revoked', 'unspecified'] as const) {
    expect(mayGrantAgain(r)).toBe(false);
  }
  expect(mayGrantAgain('license_key_revoked', true)).toBe(true);
  expect(mayGrantAgain('refunded', true)).toBe(false);
});
