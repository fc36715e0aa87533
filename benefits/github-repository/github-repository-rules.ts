// Pure rules of GitHub repository access: permissions in order, the properties shape, and when a
// pending invitation is looked at again (GitHub expires invitations after 7 days).
import { z } from 'zod';

export const PERMISSIONS = ['pull', 'triage', 'push', 'maintain', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const githubRepositorySchema = z
  .object({
    // GitHub's own limits: owners 39 characters of letters, digits and hyphens; names 100 of
    // letters, digits, '.', '-' and '_'.
    repository_owner: z
      .string()
      .min(1)
      .max(39)
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, 'Not a GitHub user or organization name'),
    repository_name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9._-]+$/, 'Not a GitHub repository name'),
    permission: z.enum(PERMISSIONS),
  })
  .strict();
export type GitHubRepositoryProperties = z.infer<typeof githubRepositorySchema>;

/** The highest of some permissions (two benefits on one repository: the higher one holds). */
export function highestPermission(permissions: string[]): Permission | null {
  let best = -1;
  for (const p of permissions) best = Math.max(best, PERMISSIONS.indexOf(p as Permission));
  return best < 0 ? null : PERMISSIONS[best];
}

export const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
/** How many times an expired invitation is sent again before the grant stops trying. */
export const MAX_REINVITES = 3;
/** A pending invitation is looked at again just after GitHub would have expired it. */
export const RECHECK_MARGIN_MS = 60 * 60 * 1000;

/** After a fresh invitation: just past GitHub's expiry. */
export const RECHECK_AFTER_INVITE_MS = INVITATION_LIFETIME_MS + RECHECK_MARGIN_MS;
/** An invitation still pending past that (clocks differ): looked at again a day later. */
export const RECHECK_PENDING_MS = 24 * 60 * 60 * 1000;

/** Where a customer accepts a pending invitation. */
export function invitationUrl(webUrl: string, owner: string, name: string): string {
  return `${webUrl}/${owner}/${name}/invitations`;
}
