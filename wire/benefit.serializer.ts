// Polar's `Benefit` (oneOf by type) from a benefits row; properties go through the type's strategy
// so secrets a strategy keeps in its stored properties never reach the API.
import { isSupportedBenefitType } from '../benefits/benefit-types';
import { strategies } from '../benefits/registry';
import type { BenefitRow, Json } from '../db/repositories/benefits.repository';

export interface BenefitBody {
  id: string;
  created_at: string;
  modified_at: string | null;
  type: string;
  description: string;
  selectable: boolean;
  deletable: boolean;
  is_deleted: boolean;
  organization_id: string;
  metadata: Json;
  visibility: 'public';
  visibility_configurable: boolean;
  properties: Json;
}

export function serializeBenefit(row: BenefitRow): BenefitBody {
  const properties = isSupportedBenefitType(row.type) ? strategies[row.type].publicProperties(row.properties as never) : row.properties;
  return {
    id: row.id,
    created_at: iso(row.created_at),
    modified_at: row.modified_at ? iso(row.modified_at) : null,
    type: row.type,
    description: row.description,
    selectable: row.selectable,
    deletable: row.deletable,
    is_deleted: row.deleted_at !== null,
    organization_id: row.organization_id,
    metadata: row.metadata ?? {},
    // The schema has no visibility column yet: every benefit is public and it cannot be changed.
    visibility: 'public',
    visibility_configurable: false,
    properties,
  };
}

export function iso(d: Date | string): string {
  return (d instanceof Date ? d : new Date(d)).toISOString();
}
