// Query shapes of our provider-account extensions (GitHub App install, account linking).
import { z } from 'zod';
import { LINKED_PLATFORMS } from '../../db/repositories/linked-accounts.repository';

export const RETURN_TO_MAX = 2048;
export const returnToQuery = z.object({ return_to: z.string().min(1).max(RETURN_TO_MAX) });
export const authorizeQuery = returnToQuery.extend({ platform: z.enum(LINKED_PLATFORMS) });
export const oauthCallbackQuery = z.object({
  code: z.string().optional(),
  state: z.string(),
  error: z.string().optional(),
});
export const githubSetupQuery = z.object({
  installation_id: z.string(),
  setup_action: z.string().optional(),
  state: z.string(),
  code: z.string().optional(),
});
