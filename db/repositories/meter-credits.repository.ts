// The writes of the meter_credit benefit, all in the grant's transaction (the `tx` a strategy
// gets): credits, resets, the once-per-cycle keys and the system events that record them.
import { unwrapRows } from '../sql';

export type Tx = { query(sql: string, params?: unknown[]): Promise<any> };

/** The organization's meter, or null (validation of `properties.meter_id`). */
export async function findOrganizationMeter(q: Tx, orgId: string, meterId: string): Promise<{ id: string } | null> {
  const rows = await q.query(`SELECT id FROM meters WHERE organization_id = $1 AND id = $2`, [orgId, meterId]);
  return rows[0] ?? null;
}

/** Locks (creating if need be) the customer's row for the meter: credits and resets serialize. */
export async function lockCustomerMeter(q: Tx, orgId: string, customerId: string, meterId: string): Promise<void> {
  await q.query(
    `INSERT INTO customer_meters (organization_id, customer_id, meter_id) VALUES ($1, $2, $3)
     ON CONFLICT (customer_id, meter_id) DO NOTHING`,
    [orgId, customerId, meterId],
  );
  await q.query(`SELECT 1 FROM customer_meters WHERE customer_id = $1 AND meter_id = $2 FOR UPDATE`, [customerId, meterId]);
}

/**
 * Records the credit of one grant for one cycle; false when that cycle was already credited (a
 * retried activity). The key and the credit commit together in the caller's transaction.
 */
export async function claimCycleCredit(q: Tx, grantId: string, cycleKey: string, meterId: string, units: number): Promise<boolean> {
  const rows = unwrapRows(
    await q.query(
      `INSERT INTO meter_credits (grant_id, cycle_key, meter_id, units) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING grant_id`,
      [grantId, cycleKey, meterId, units],
    ),
  );
  return rows.length > 0;
}

export async function addCredit(q: Tx, customerId: string, meterId: string, units: number): Promise<void> {
  await q.query(
    `UPDATE customer_meters SET credited_units = credited_units + $3, modified_at = now() WHERE customer_id = $1 AND meter_id = $2`,
    [customerId, meterId, units],
  );
}

/**
 * Starts a new period for the customer's meter (figures to zero; events before now no longer
 * count) unless this cycle already did: false then. Credits keep only what other grants of the
 * customer already credited in this same cycle (a benefit with rollover renewed first), so the
 * credits of two benefits renewed together both stay, whichever runs first.
 */
export async function resetOnce(q: Tx, customerId: string, meterId: string, cycleKey: string, grantId: string): Promise<boolean> {
  const rows = unwrapRows(
    await q.query(
      `UPDATE customer_meters SET agg_count = 0, agg_sum = 0, agg_min = NULL, agg_max = NULL,
              credited_units = (SELECT COALESCE(sum(mc.units), 0) FROM meter_credits mc JOIN benefit_grants g ON g.id = mc.grant_id
                                 WHERE g.customer_id = $1 AND mc.meter_id = $2 AND mc.cycle_key = $3 AND mc.grant_id <> $4),
              last_reset_at = now(), last_reset_key = $3, modified_at = now()
        WHERE customer_id = $1 AND meter_id = $2 AND last_reset_key IS DISTINCT FROM $3
        RETURNING id`,
      [customerId, meterId, cycleKey, grantId],
    ),
  );
  if (rows.length === 0) return false;
  await q.query(`DELETE FROM customer_meter_values WHERE customer_id = $1 AND meter_id = $2`, [customerId, meterId]);
  return true;
}

/** A system event (meter.credited, meter.reset) for the customer. */
export async function insertSystemEvent(q: Tx, orgId: string, customerId: string, name: string, metadata: Record<string, unknown>) {
  await q.query(
    `INSERT INTO events (organization_id, customer_id, external_customer_id, name, source, metadata)
     SELECT $1, c.id, c.external_id, $3, 'system', $4 FROM customers c WHERE c.id = $2`,
    [orgId, customerId, name, metadata],
  );
}
