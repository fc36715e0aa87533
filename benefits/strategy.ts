// The one interface every benefit type implements. Workflows never see type specifics: they call
// generic activities, which look the strategy up in the registry.
import type { z } from 'zod';
import type { DataSource } from 'typeorm';
import type { BenefitType } from './benefit-types';
import type { LinkedAccount, LinkedPlatform } from '../db/repositories/linked-accounts.repository';
import type { BenefitProviders } from './providers';

export type Json = Record<string, unknown>;

export interface StrategyBenefit {
  id: string;
  organizationId: string;
  type: BenefitType;
  description: string;
  properties: Json;
}

export interface StrategyCustomer {
  id: string;
  email: string;
  name: string | null;
  externalId: string | null;
}

export interface StrategyGrant {
  id: string;
  customerId: string;
  benefitId: string;
  subscriptionId: string | null;
  orderId: string | null;
  /** What the last grant stored: everything needed to undo it. */
  properties: Json;
  grantedAt: Date | null;
}

export interface GrantContext {
  benefit: StrategyBenefit;
  customer: StrategyCustomer;
  grant: StrategyGrant;
  now: Date;
  /** An account the customer linked for this grant (GitHub, Discord), when the type needs one. */
  accountId?: string | null;
  /**
   * For a type with `linkedPlatform`: the customer's account on that platform, tokens opened (and
   * renewed first when they had expired: activities/linked-account-tokens.ts). A grant is only
   * attempted with one; without it the grant waits on the customer (not an error).
   */
  linkedAccount?: LinkedAccount | null;
  /** The transaction holding the grant row's lock: rows a strategy writes commit with the grant. */
  tx?: { query(sql: string, params?: unknown[]): Promise<any> };
  /**
   * What identifies the cycle a `cycle` command applies (a subscription renewal): a strategy that
   * must act once per cycle (credits) keys its write on the grant and this, in `tx`.
   */
  cycleKey?: string;
  /** Aborted when the activity is cancelled (worker shutdown): pass it to provider HTTP calls. */
  signal?: AbortSignal;
  /** The provider clients the worker was built with (benefits/providers.ts). */
  providers: BenefitProviders;
}

export interface RevokeContext extends GrantContext {
  /** Another granted grant of the same benefit still holds shared external access. */
  stillHeldElsewhere: boolean;
}

export interface GrantOutcome {
  /** Stored on the grant row and shown as the grant's `properties`. */
  properties: Json;
  /** When set, the grant workflow arms a timer that revokes/marks the grant at this moment. */
  expiresAt?: string | null;
  /**
   * When set, the grant workflow arms a timer and, this long after, sends the grant a `recheck`
   * command that calls the strategy's `recheck` (e.g. a GitHub invitation about to expire). Relative,
   * so the workflow's clock decides (the time-skipping server's too).
   */
  recheckInMs?: number | null;
}

export interface ValidationContext {
  organizationId: string;
  /** The provider clients the API was built with (benefits/providers.ts). */
  providers: BenefitProviders;
  /** The API's database, for checks that read the organization's rows (files of a downloadables benefit). */
  db?: { query(sql: string, params?: unknown[]): Promise<any> };
}

/** Thrown by validateProperties: the message and the path under `body.properties`. */
export class PropertiesValidationError extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

/** What a strategy's drift repair is given: no grant, the whole type's state. */
export interface DriftContext {
  providers: BenefitProviders;
  /** The data source (drift repair reads grants of every organization). */
  db: { query(sql: string, params?: unknown[]): Promise<any> };
  /** The same, for repairs that take their own short transactions (locks per account). */
  dataSource: DataSource;
  /** Report what would be done, change nothing. */
  dryRun: boolean;
  signal?: AbortSignal;
  /** Reports progress, so a long pass that dies is retried without waiting out its timeout. */
  heartbeat(details?: unknown): void;
}

/** One drift repair pass over a type: what it compared, what it repaired, what it could not. */
export interface DriftReport {
  type: BenefitType;
  dryRun?: boolean;
  /** Provider targets compared (Discord: a server's role). */
  checked: number;
  /** restored: a granted account had lost access; removed: access we gave outlived its grants. */
  repairs: { action: 'restored' | 'removed'; target: string; accountId: string; detail?: string }[];
  unrepaired: { target: string; accountId: string | null; reason: string }[];
}

export interface BenefitStrategy<P extends Json = Json> {
  readonly type: BenefitType;
  /** Shape of `properties` on create/update; parsing gives the stored form. */
  readonly propertiesSchema: z.ZodType<P>;
  /**
   * Whether external access is shared by every grant of this benefit for one customer (GitHub,
   * Discord, credits): revoking one source then keeps access while another source holds it.
   * License keys own one key per grant, so they say false.
   */
  readonly sharedAccess: boolean;
  /**
   * True when grant, revoke, update and cycle call no provider and write no rows: their outcome
   * is computed from the context alone (custom, feature flags). A grant or revoke of such a type
   * then commits as one statement guarded by the row's version, instead of a transaction holding
   * the row's lock (activities/grant.activities.ts, applyUnlocked).
   */
  readonly computedOnly?: boolean;
  /**
   * The platform on which the customer must have linked an account before a grant can be carried
   * out (GitHub repository access, Discord roles). Without one the grant waits: not granted, no
   * error, `account_id` null; linking resumes it (an `accountLinked` grant command).
   */
  readonly linkedPlatform?: LinkedPlatform;
  /** Checks that need I/O (the role exists, the files belong to the organization). */
  validateProperties(ctx: ValidationContext, properties: P): Promise<P>;
  grant(ctx: GrantContext): Promise<GrantOutcome>;
  revoke(ctx: RevokeContext): Promise<GrantOutcome>;
  /** The benefit's properties changed in a way `requiresUpdate` said matters to existing grants. */
  update(ctx: GrantContext, previous: P): Promise<GrantOutcome>;
  /** A subscription renewed (e.g. replenish credits). */
  cycle(ctx: GrantContext): Promise<GrantOutcome>;
  /** The moment a grant asked for (`recheckInMs`) came: look at the provider again. */
  recheck?(ctx: GrantContext): Promise<GrantOutcome>;
  requiresUpdate(previous: P, next: P): boolean;
  /** Properties as the API shows them on the benefit (may hide secrets). */
  publicProperties(properties: P): Json;
  /**
   * Optional. Compares the provider's state with the granted grants of this type and repairs what
   * this service granted (access lost while granted, access kept after every grant was revoked),
   * touching nobody else. The drift repair schedule runs it for every type that has it.
   */
  repairDrift?(ctx: DriftContext): Promise<Omit<DriftReport, 'type'>>;
}
