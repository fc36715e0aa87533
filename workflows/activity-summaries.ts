// The one-line summary each grant activity call carries (Temporal user metadata), so the Web UI's
// timeline says what a call was for without opening its payload: "grant", "revoke: subscription
// ended", "update", "cycle", "account linked", "expire". Pure: imported by workflow code.
import type { GrantCommand } from './definitions';

const REVOKE_REASONS: Record<string, string> = {
  scope_ended: 'subscription ended',
  past_due: 'payment overdue',
  refunded: 'refunded',
  customer_deleted: 'customer deleted',
  benefit_deleted: 'benefit deleted',
  license_key_revoked: 'license key revoked',
  removed_from_product: 'removed from product',
};

export function grantCommandSummary(command: GrantCommand): string {
  switch (command.action) {
    case 'grant':
      return command.reinstate ? 'grant: reinstated' : 'grant';
    case 'revoke':
      return command.reason && REVOKE_REASONS[command.reason] ? `revoke: ${REVOKE_REASONS[command.reason]}` : 'revoke';
    case 'accountLinked':
      return 'grant: account linked';
    default:
      return command.action;
  }
}
