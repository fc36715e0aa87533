// One operation of our API as /openapi.json describes it.
import type { z } from 'zod';

export interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete' | 'put';
  path: string;
  summary: string;
  tag: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Polar component name of the success body; undefined for 204. */
  response?: string;
  status?: number;
  auth?: 'organization' | 'customer' | 'none';
  /** Set where we extend Polar's contract. */
  extension?: string;
}

/** Polar's name for the paginated list of a component. */
export const listOf = (name: string) => `ListResource_${name}_`;
