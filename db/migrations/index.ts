// Migrations are listed explicitly (not globbed) so tsx, jest and compiled dist all load the same set.
import { Foundation1764000000000 } from './1764000000000-foundation';
import { GrantEngine1764000001000 } from './1764000001000-grant-engine';
import { LicenseKeys1764000002000 } from './1764000002000-license-keys';
import { WebhookPendingIndex1764000003000 } from './1764000003000-webhook-pending-index';
import { GrantRevokeReason1764000004000 } from './1764000004000-grant-revoke-reason';
import { EngineCommands1764000005000 } from './1764000005000-engine-commands';
import { SigningKeyRotation1764000007000 } from './1764000007000-signing-key-rotation';
import { Refunds1764000008000 } from './1764000008000-refunds';
import { Files1764000009000 } from './1764000009000-files';
import { LinkedAccounts1764000010000 } from './1764000010000-linked-accounts';
import { GitHubInstallations1764000010500 } from './1764000010500-github-installations';
import { Meters1764000011000 } from './1764000011000-meters';
import { OrganizationAvatar1764000013000 } from './1764000013000-organization-avatar';
import { DispatchLeases1764000014000 } from './1764000014000-dispatch-leases';
import { GrantRowWrites1764000015000 } from './1764000015000-grant-row-writes';

export const migrations = [
  Foundation1764000000000,
  GrantEngine1764000001000,
  LicenseKeys1764000002000,
  WebhookPendingIndex1764000003000,
  GrantRevokeReason1764000004000,
  EngineCommands1764000005000,
  SigningKeyRotation1764000007000,
  Refunds1764000008000,
  Files1764000009000,
  LinkedAccounts1764000010000,
  GitHubInstallations1764000010500,
  Meters1764000011000,
  OrganizationAvatar1764000013000,
  DispatchLeases1764000014000,
  GrantRowWrites1764000015000,
];
