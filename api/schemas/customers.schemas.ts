// Request shapes for customers and customer sessions (Polar 2026-10 CustomerCreate / CustomerUpdate /
// CustomerSession*Create). Unknown fields are dropped, as Polar's pydantic models ignore them.
import { z } from 'zod';
import { paginationQuery } from '../pagination';
import { metadataInput, multi, queryBool, safeString, TEXT_LIMITS, uuid } from '../validation';

/** Polar turns an empty external id into "none"; an empty key could never be looked up by path. */
const externalId = safeString(1024)
  .nullable()
  .optional()
  .transform((v) => (v === '' ? null : v));

/** Polar's CountryAlpha2Input (sanctioned countries excluded, as in the contract). */
const COUNTRIES = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT ' +
  'BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ' +
  'ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ' +
  'ID IE IL IM IN IO IQ IS IT JE JM JO JP KE KG KH KI KM KN KR KW KY KZ LA LB LC LI LK LR LS LT LU LV ' +
  'LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP ' +
  'NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RW SA SB SC SD SE SG SH SI SJ SK ' +
  'SL SM SN SO SR SS ST SV SX SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA ' +
  'VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
).split(' ');

const addressLine = safeString(TEXT_LIMITS.short).nullable().optional();

const addressInput = z.object({
  line1: addressLine,
  line2: addressLine,
  postal_code: addressLine,
  city: addressLine,
  state: addressLine,
  country: z.string().refine((c) => COUNTRIES.includes(c), 'Input should be a supported ISO 3166-1 alpha-2 country code'),
});
export type AddressInput = z.infer<typeof addressInput>;

function emailField() {
  return z
    .email({
      error: (issue) =>
        issue.input === undefined ? 'Field required' : 'value is not a valid email address: An email address must have an @-sign.',
    })
    .max(320);
}

const name = safeString(256).nullable().optional();
const locale = safeString(35).nullable().optional();
// Tax ids need per-country format detection that a benefits service has no use for: accepted, not kept.
const taxId = safeString(TEXT_LIMITS.short).nullable().optional();

export const customerCreateSchema = z.object({
  email: emailField(),
  name,
  external_id: externalId,
  metadata: metadataInput.optional(),
  billing_address: addressInput.nullable().optional(),
  tax_id: taxId,
  locale,
  organization_id: uuid.nullable().optional(),
  type: z.literal('individual', 'Only individual customers are supported').optional(),
  owner: z.unknown().optional(),
});
export type CustomerCreateInput = z.infer<typeof customerCreateSchema>;

const updateFields = {
  email: emailField().nullable().optional(),
  name,
  metadata: metadataInput.optional(),
  billing_address: addressInput.nullable().optional(),
  tax_id: taxId,
  locale,
};

export const customerUpdateSchema = z.object({
  ...updateFields,
  external_id: externalId,
  type: z.literal('individual', 'Team customers are not supported').nullable().optional(),
});
export type CustomerUpdateInput = z.infer<typeof customerUpdateSchema>;

/** The external-id variant cannot change the external id (it is the lookup key). */
export const customerUpdateExternalSchema = z.object(updateFields);

export const customerListQuery = z.object({
  ...paginationQuery,
  organization_id: multi(uuid),
  email: safeString(320).optional(),
  query: safeString(TEXT_LIMITS.short).optional(),
  active: queryBool.optional(),
});

export const customerDeleteQuery = z.object({ anonymize: queryBool.optional() });

const sessionCommon = {
  return_url: z.url().min(1).max(2083).nullable().optional(),
  member_id: uuid.nullable().optional(),
  external_member_id: safeString(1024).nullable().optional(),
};

/** CustomerSessionCustomerIDCreate | CustomerSessionCustomerExternalIDCreate. */
export const customerSessionCreateSchema = z
  .object({ ...sessionCommon, customer_id: uuid.optional(), external_customer_id: safeString(1024).min(1).optional() })
  .superRefine((v, ctx) => {
    if (v.customer_id === undefined && v.external_customer_id === undefined) {
      ctx.addIssue({ code: 'custom', path: ['customer_id'], message: 'Field required' });
    }
  });
export type CustomerSessionCreateInput = z.infer<typeof customerSessionCreateSchema>;
