// SQL for benefit grants: the engine's reads and state transitions, and the API's listings.
import type { DataSource, EntityManager } from 'typeorm';
import { queryPrepared } from '../prepared';
import { unwrapRows, type Queryable } from '../sql';
import {
  COMMAND_READ_COLUMNS,
  COMMAND_READ_FROM,
  lockedGrantOf,
  type CommandRow,
  type LockedGrant as LockedRow,
} from './grant-command-read.sql';

/**
 * Why a grant was revoked (stored on the grant). Only a revocation the scope can outlive lets a
 * live scope grant again: the benefit left the product (and came back), or a payment was overdue
 * (and came in). Every other reason is final.
 */
export type RevokeReason =
  | 'scope_ended'
  | 'past_due'
  | 'refunded'
  | 'customer_deleted'
  | 'benefit_deleted'
  | 'license_key_revoked'
  | 'removed_from_product'
  | 'unspecified';

/** The ids a grant's workflow is started with (a workflows/definitions GrantWorkflowInput). */
export interface GrantRef {
  grantId: string;
  organizationId: string;
  customerId: string;
  benefitId: string;
  benefitType: string;
  /** For the workflow's static summary in the Web UI (engine-client.ts); not part of its input. */
  label?: { customerEmail: string | null; benefitDescription: string };
}

export interface GrantRow {
  id: string;
  created_at: Date;
  modified_at: Date | null;
  organization_id: string;
  customer_id: string;
  benefit_id: string;
  member_id: string | null;
  subscription_id: string | null;
  order_id: string | null;
  granted_at: Date | null;
  revoked_at: Date | null;
  /** Why it was revoked (null unless revoked); see RevokeReason. */
  revoke_reason: RevokeReason | null;
  properties: Record<string, unknown>;
  error: { message: string; type: string; timestamp: string } | null;
}

export type { Queryable };

/** A grant locked for a command, with what applying it reads (lockForCommand). */
export type LockedGrant = LockedRow<GrantRow>;

export interface ScopeKey {
  organizationId: string;
  customerId: string;
  orderId?: string | null;
  subscriptionId?: string | null;
}

// The key prefix of a customer's shared-access lock on a benefit (lockForCommand).
const SHARED_ACCESS_LOCK = 'shared-access';

/** GrantsRepository.lockForCommand. */
const LOCK_FOR_COMMAND_SQL = `SELECT ${COMMAND_READ_COLUMNS},
        (SELECT pg_advisory_xact_lock(hashtextextended('${SHARED_ACCESS_LOCK}:' || g.customer_id || ':' || g.benefit_id, 0))
          WHERE b.type = ANY($2::text[])) IS NOT NULL AS __shared_access_locked
   ${COMMAND_READ_FROM}
  WHERE g.id = $1 FOR UPDATE OF g`;

/** GrantsRepository.readForCommand. */
const READ_FOR_COMMAND_SQL = `SELECT ${COMMAND_READ_COLUMNS}, g.xmin::text AS __version ${COMMAND_READ_FROM} WHERE g.id = $1`;

export class GrantsRepository {
  constructor(private readonly ds: DataSource) {}

  async findById(id: string, q: Queryable = this.ds): Promise<GrantRow | null> {
    const rows = await q.query(`SELECT * FROM benefit_grants WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** These grants, in no order. */
  async findRows(ids: string[], q: Queryable = this.ds): Promise<GrantRow[]> {
    return q.query(`SELECT * FROM benefit_grants WHERE id = ANY($1::uuid[])`, [ids]);
  }

  /** The customer's grant of a live benefit, with the benefit's type (the portal's view of its own grants). */
  async findOwnWithType(id: string, customerId: string, q: Queryable = this.ds): Promise<(GrantRow & { benefit_type: string }) | null> {
    const [row] = await q.query(
      `SELECT g.*, b.type AS benefit_type FROM benefit_grants g JOIN benefits b ON b.id = g.benefit_id
        WHERE g.id = $1 AND g.customer_id = $2 AND b.deleted_at IS NULL`,
      [id, customerId],
    );
    return row ?? null;
  }

  /**
   * The scope's grant of each live benefit of `productId` whose type is one of `types` (only
   * `onlyBenefitIds` when given), inserting those missing; in product order, each with what its
   * workflow start needs. One statement: a purchase's dispatch is on the engine's hot path.
   * (A row inserted by a concurrent transaction after this statement's snapshot is not returned:
   * the dispatcher's lease keeps two dispatches of one scope apart.)
   */
  async ensureForProduct(
    scope: ScopeKey,
    productId: string,
    types: readonly string[],
    onlyBenefitIds?: string[],
  ): Promise<(GrantRow & { ref: GrantRef })[]> {
    const rows = await queryPrepared<GrantRow & { benefit_type: string; benefit_description: string; customer_email: string | null }>(
      this.ds,
      `WITH wanted AS (
         SELECT b.id, b.type, b.description, pb.position FROM product_benefits pb JOIN benefits b ON b.id = pb.benefit_id
          WHERE pb.product_id = $5 AND b.deleted_at IS NULL AND b.type = ANY($6::text[])
            AND ($7::uuid[] IS NULL OR b.id = ANY($7::uuid[]))),
       ins AS (
         INSERT INTO benefit_grants (organization_id, customer_id, benefit_id, subscription_id, order_id)
         SELECT $1, $2, w.id, $3, $4 FROM wanted w
         ON CONFLICT ON CONSTRAINT benefit_grants_scope_uq DO NOTHING RETURNING *),
       found AS (
         SELECT * FROM ins
         UNION ALL
         SELECT g.* FROM benefit_grants g
          WHERE g.customer_id = $2 AND g.member_id IS NULL AND g.subscription_id IS NOT DISTINCT FROM $3
            AND g.order_id IS NOT DISTINCT FROM $4 AND g.benefit_id IN (SELECT id FROM wanted))
       SELECT f.*, w.type AS benefit_type, w.description AS benefit_description, c.email AS customer_email
         FROM found f JOIN wanted w ON w.id = f.benefit_id JOIN customers c ON c.id = f.customer_id
        ORDER BY w.position`,
      [
        scope.organizationId,
        scope.customerId,
        scope.subscriptionId ?? null,
        scope.orderId ?? null,
        productId,
        types,
        onlyBenefitIds ?? null,
      ],
    );
    return rows.map(({ benefit_type, benefit_description, customer_email, ...row }) => ({
      ...row,
      ref: {
        grantId: row.id,
        organizationId: row.organization_id,
        customerId: row.customer_id,
        benefitId: row.benefit_id,
        benefitType: benefit_type,
        label: { customerEmail: customer_email, benefitDescription: benefit_description },
      },
    }));
  }

  async forScope(scope: ScopeKey, benefitIds?: string[]): Promise<GrantRow[]> {
    return this.ds.query(
      `SELECT * FROM benefit_grants
        WHERE customer_id = $1 AND member_id IS NULL
          AND subscription_id IS NOT DISTINCT FROM $2 AND order_id IS NOT DISTINCT FROM $3
          AND ($4::uuid[] IS NULL OR benefit_id = ANY($4))
        ORDER BY created_at, id`,
      [scope.customerId, scope.subscriptionId ?? null, scope.orderId ?? null, benefitIds ?? null],
    );
  }

  /**
   * Marks the grant granted and records the `granted` event, in one statement (the engine's hot
   * path). Null when `ifVersion` is given and the row is no longer at that version (readForCommand).
   */
  async markGranted(
    q: Queryable,
    id: string,
    properties: Record<string, unknown>,
    ifVersion: string | null = null,
  ): Promise<GrantRow | null> {
    const json = JSON.stringify(properties);
    const rows = await queryPrepared<GrantRow>(
      q,
      `WITH g AS (
         UPDATE benefit_grants SET granted_at = now(), revoked_at = NULL, revoke_reason = NULL, error = NULL, properties = $2, modified_at = now()
          WHERE id = $1 AND ($3::xid IS NULL OR xmin = $3::xid) RETURNING *),
       e AS (
         INSERT INTO benefit_grant_events (organization_id, grant_id, kind, data)
         SELECT organization_id, id, 'granted', jsonb_build_object('properties', $2::jsonb) FROM g)
       SELECT * FROM g`,
      [id, json, ifVersion],
    );
    return rows[0] ?? null;
  }

  /**
   * Locks the grant (FOR UPDATE, its row only) and reads, in the same round trip, what applying a
   * command needs: its benefit and customer (JSON objects: their timestamps are ISO strings), its
   * scope's facts and the event types the organization's endpoints listen to.
   *
   * When the benefit's type is one of `sharedAccessTypes`, it also takes the customer's
   * shared-access lock on the benefit (a transaction-scoped advisory lock): commands on one
   * customer's access to one benefit then run one at a time, whichever grant (source) they are
   * for; two sources revoked together would otherwise each see the other still granted and both
   * keep the access. The lock is taken before the row's (the select list is computed below the
   * row lock), and only grant commands take it, so no two transactions wait on each other's.
   */
  async lockForCommand(em: EntityManager, id: string, sharedAccessTypes: readonly string[] = []): Promise<LockedGrant | null> {
    const rows = await queryPrepared<CommandRow<GrantRow>>(em, LOCK_FOR_COMMAND_SQL, [id, sharedAccessTypes]);
    return rows[0] ? lockedGrantOf(rows[0]) : null;
  }

  /**
   * What lockForCommand reads, without a lock or a transaction, with the row's version (`xmin`,
   * which every update of the row changes): a command that then writes with `ifVersion` changes
   * the row only if nothing else did in between.
   */
  async readForCommand(id: string): Promise<(LockedGrant & { version: string }) | null> {
    const rows = await queryPrepared<CommandRow<GrantRow> & { __version: string }>(this.ds, READ_FOR_COMMAND_SQL, [id]);
    if (!rows[0]) return null;
    const { __version: version, ...row } = rows[0];
    return { ...lockedGrantOf(row), version };
  }

  /**
   * Also records the `revoked` event ({ was_granted, reason }), in the same statement. Null when
   * `ifVersion` is given and the row is no longer at that version (readForCommand).
   */
  async markRevoked(
    q: Queryable,
    id: string,
    properties: Record<string, unknown>,
    reason: RevokeReason,
    ifVersion: string | null = null,
  ): Promise<GrantRow | null> {
    const rows = await queryPrepared<GrantRow>(
      q,
      `WITH before AS (SELECT granted_at IS NOT NULL AS was_granted FROM benefit_grants WHERE id = $1),
       g AS (
         UPDATE benefit_grants SET granted_at = NULL, revoked_at = now(), revoke_reason = $3, error = NULL, properties = $2, modified_at = now()
          WHERE id = $1 AND ($4::xid IS NULL OR xmin = $4::xid) RETURNING *),
       e AS (
         INSERT INTO benefit_grant_events (organization_id, grant_id, kind, data)
         SELECT g.organization_id, g.id, 'revoked', jsonb_build_object('was_granted', before.was_granted, 'reason', $3::text) FROM g, before)
       SELECT * FROM g`,
      [id, JSON.stringify(properties), reason, ifVersion],
    );
    return rows[0] ?? null;
  }

  /** A revoked grant learns a later, final reason (e.g. its license key was revoked too). */
  async setRevokeReason(em: EntityManager, id: string, reason: RevokeReason): Promise<GrantRow> {
    const rows = await em.query(
      `UPDATE benefit_grants SET revoke_reason = $2, modified_at = now() WHERE id = $1 AND revoked_at IS NOT NULL RETURNING *`,
      [id, reason],
    );
    return unwrapRows<GrantRow>(rows)[0];
  }

  /** Waiting on the customer to link an account: not granted, no error, `account_id` null. */
  async markAwaitingAccount(em: EntityManager, id: string, properties?: Record<string, unknown>): Promise<GrantRow> {
    const rows = await em.query(
      `UPDATE benefit_grants SET granted_at = NULL, error = NULL, modified_at = now(),
              properties = coalesce($2::jsonb, properties, '{}'::jsonb) || '{"account_id": null}'::jsonb
        WHERE id = $1 RETURNING *`,
      [id, properties === undefined ? null : JSON.stringify(properties)],
    );
    return unwrapRows<GrantRow>(rows)[0];
  }

  async markFailed(em: EntityManager, id: string, error: { message: string; type: string }): Promise<GrantRow> {
    const rows = await em.query(
      `UPDATE benefit_grants SET granted_at = NULL, revoked_at = NULL, revoke_reason = NULL, modified_at = now(),
              error = jsonb_build_object('message', $2::text, 'type', $3::text, 'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
        WHERE id = $1 RETURNING *`,
      [id, error.message, error.type],
    );
    return unwrapRows<GrantRow>(rows)[0];
  }

  async updateProperties(em: EntityManager, id: string, properties: Record<string, unknown>): Promise<GrantRow> {
    const rows = await em.query(`UPDATE benefit_grants SET properties = $2, modified_at = now() WHERE id = $1 RETURNING *`, [
      id,
      JSON.stringify(properties),
    ]);
    return unwrapRows<GrantRow>(rows)[0];
  }

  /** What a grant's workflow is started with (ids and the benefit type for search attributes). */
  async workflowInputs(grantIds: string[], q: Queryable = this.ds): Promise<GrantRef[]> {
    if (grantIds.length === 0) return [];
    const rows: {
      id: string;
      organization_id: string;
      customer_id: string;
      benefit_id: string;
      type: string;
      email: string | null;
      description: string;
    }[] = await q.query(
      `SELECT g.id, g.organization_id, g.customer_id, g.benefit_id, b.type, c.email, b.description
         FROM benefit_grants g JOIN benefits b ON b.id = g.benefit_id JOIN customers c ON c.id = g.customer_id
        WHERE g.id = ANY($1::uuid[])`,
      [grantIds],
    );
    return rows.map((r) => ({
      grantId: r.id,
      organizationId: r.organization_id,
      customerId: r.customer_id,
      benefitId: r.benefit_id,
      benefitType: r.type,
      label: { customerEmail: r.email, benefitDescription: r.description },
    }));
  }

  /**
   * A customer's grants not revoked whose benefit is of one of `types` (those acting on a linked
   * account), with whether each is granted now.
   */
  async liveOfCustomerByTypes(customerId: string, types: string[], q: Queryable = this.ds): Promise<(GrantRef & { granted: boolean })[]> {
    if (types.length === 0) return [];
    const rows: { id: string; organization_id: string; customer_id: string; benefit_id: string; type: string; granted: boolean }[] =
      await q.query(
        `SELECT g.id, g.organization_id, g.customer_id, g.benefit_id, b.type, g.granted_at IS NOT NULL AS granted
           FROM benefit_grants g JOIN benefits b ON b.id = g.benefit_id
          WHERE g.customer_id = $1 AND g.revoked_at IS NULL AND b.type = ANY($2::text[])
          ORDER BY g.created_at, g.id`,
        [customerId, types],
      );
    return rows.map((r) => ({
      grantId: r.id,
      organizationId: r.organization_id,
      customerId: r.customer_id,
      benefitId: r.benefit_id,
      benefitType: r.type,
      granted: r.granted,
    }));
  }

  /** Shared access: is this benefit still granted to the customer through another source? */
  async heldElsewhere(q: Queryable, grant: GrantRow): Promise<boolean> {
    const rows = await queryPrepared(
      q,
      `SELECT 1 FROM benefit_grants
        WHERE customer_id = $1 AND benefit_id = $2 AND id <> $3 AND granted_at IS NOT NULL LIMIT 1`,
      [grant.customer_id, grant.benefit_id, grant.id],
    );
    return rows.length > 0;
  }

  async recordEvent(q: Queryable, grant: GrantRow, kind: string, data: Record<string, unknown> = {}): Promise<void> {
    await queryPrepared(q, `INSERT INTO benefit_grant_events (organization_id, grant_id, kind, data) VALUES ($1, $2, $3, $4)`, [
      grant.organization_id,
      grant.id,
      kind,
      JSON.stringify(data),
    ]);
  }

  /** Keyset page of grant ids for fan-outs (stable under concurrent inserts). */
  async idsPage(
    filter: { benefitId?: string; customerId?: string },
    afterId: string | null,
    limit: number,
    notRevokedOnly: boolean,
  ): Promise<string[]> {
    const rows: { id: string }[] = await this.ds.query(
      `SELECT id FROM benefit_grants
        WHERE ($1::uuid IS NULL OR benefit_id = $1) AND ($2::uuid IS NULL OR customer_id = $2)
          AND ($3::uuid IS NULL OR id > $3) AND (NOT $4 OR revoked_at IS NULL)
        ORDER BY id LIMIT $5`,
      [filter.benefitId ?? null, filter.customerId ?? null, afterId, notRevokedOnly, limit],
    );
    return rows.map((r) => r.id);
  }

  async events(grantId: string): Promise<{ kind: string; created_at: Date; data: unknown }[]> {
    return this.ds.query(`SELECT kind, created_at, data FROM benefit_grant_events WHERE grant_id = $1 ORDER BY id`, [grantId]);
  }
}
