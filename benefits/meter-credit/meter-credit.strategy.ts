// Credits units to the customer's balance on a meter: on grant, and again every cycle (renewal).
// Each grant holds its own credit (two benefits, or two sources of one benefit, add up), so
// revoking one takes back only its own last credit. All writes go through ctx.tx: they commit
// with the grant row, and a cycle's credit is keyed on grant and cycle, so a retried activity
// credits once. An edit of `units` changes nothing already credited: it applies from the next
// cycle (revoke takes back what the grant last credited, as stored on it).
import { z } from 'zod';
import {
  addCredit,
  claimCycleCredit,
  findOrganizationMeter,
  insertSystemEvent,
  lockCustomerMeter,
  resetOnce,
  type Tx,
} from '../../db/repositories/meter-credits.repository';
import { PropertiesValidationError, type BenefitStrategy, type GrantContext } from '../strategy';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const schema = z.object({
  units: z.number().int().min(1).max(2_147_483_647),
  rollover: z.boolean(),
  meter_id: z
    .string()
    .regex(UUID_RE, 'Input should be a valid UUID')
    .transform((s) => s.toLowerCase()),
});
export type MeterCreditProperties = z.infer<typeof schema>;

/** Stored on the grant (BenefitGrantMeterCreditProperties): what revoke takes back. */
interface Credited {
  last_credited_meter_id: string;
  last_credited_units: number;
  last_credited_at: string;
}

function txOf(ctx: GrantContext): Tx {
  if (!ctx.tx) throw new Error('meter credits are written in the grant transaction (ctx.tx)');
  return ctx.tx;
}

async function credit(ctx: GrantContext, meterId: string, units: number, rollover: boolean): Promise<Credited> {
  const tx = txOf(ctx);
  await addCredit(tx, ctx.customer.id, meterId, units);
  await insertSystemEvent(tx, ctx.benefit.organizationId, ctx.customer.id, 'meter.credited', { meter_id: meterId, units, rollover });
  return { last_credited_meter_id: meterId, last_credited_units: units, last_credited_at: ctx.now.toISOString() };
}

export const meterCreditStrategy: BenefitStrategy<MeterCreditProperties> = {
  type: 'meter_credit',
  propertiesSchema: schema,
  // Each grant credits and takes back its own units: nothing is shared between sources.
  sharedAccess: false,

  async validateProperties(ctx, p) {
    if (!ctx.db) throw new Error('validating a meter_credit benefit needs the database');
    if (!(await findOrganizationMeter(ctx.db, ctx.organizationId, p.meter_id))) {
      throw new PropertiesValidationError(['meter_id'], 'Meter not found');
    }
    return p;
  },

  async grant(ctx) {
    const p = ctx.benefit.properties as MeterCreditProperties;
    await lockCustomerMeter(txOf(ctx), ctx.benefit.organizationId, ctx.customer.id, p.meter_id);
    return { properties: { ...(await credit(ctx, p.meter_id, p.units, p.rollover)) } };
  },

  async revoke(ctx) {
    const last = ctx.grant.properties as Partial<Credited>;
    if (!last.last_credited_meter_id || !last.last_credited_units) return { properties: ctx.grant.properties };
    const tx = txOf(ctx);
    await lockCustomerMeter(tx, ctx.benefit.organizationId, ctx.customer.id, last.last_credited_meter_id);
    await addCredit(tx, ctx.customer.id, last.last_credited_meter_id, -last.last_credited_units);
    await insertSystemEvent(tx, ctx.benefit.organizationId, ctx.customer.id, 'meter.credited', {
      meter_id: last.last_credited_meter_id,
      units: -last.last_credited_units,
      rollover: false,
    });
    return { properties: ctx.grant.properties };
  },

  // Units or rollover edited: nothing credited changes; the next cycle credits the new figures.
  update: async (ctx) => ({ properties: ctx.grant.properties }),

  async cycle(ctx) {
    const p = ctx.benefit.properties as MeterCreditProperties;
    const tx = txOf(ctx);
    const key = ctx.cycleKey ?? `at:${ctx.now.toISOString()}`;
    await lockCustomerMeter(tx, ctx.benefit.organizationId, ctx.customer.id, p.meter_id);
    // Already credited for this cycle (the activity retried after its commit): nothing to do.
    if (!(await claimCycleCredit(tx, ctx.grant.id, key, p.meter_id, p.units))) return { properties: ctx.grant.properties };
    if (!p.rollover && (await resetOnce(tx, ctx.customer.id, p.meter_id, key, ctx.grant.id))) {
      await insertSystemEvent(tx, ctx.benefit.organizationId, ctx.customer.id, 'meter.reset', { meter_id: p.meter_id });
    }
    return { properties: { ...(await credit(ctx, p.meter_id, p.units, p.rollover)) } };
  },

  requiresUpdate: () => false,
  publicProperties: (p) => ({ units: p.units, rollover: p.rollover, meter_id: p.meter_id }),
};
