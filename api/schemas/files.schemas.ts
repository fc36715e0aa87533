// Request shapes of /v1/files and the portal's downloadables (Polar 2026-10: DownloadableFileCreate,
// FileUploadCompleted, FilePatch, list filters). Parts must tile the file exactly: numbered 1..n in
// order, the first starting at 0, each starting where the previous ended, the last at size - 1.
import { z } from 'zod';
import { paginationQuery } from '../pagination';
import { multi, safeString, TEXT_LIMITS, uuid } from '../validation';

/** 5 TiB, as S3 and GCS bound one object. */
export const MAX_FILE_SIZE = 5 * 1024 ** 4;
export const MAX_PARTS = 10_000;

/** A SHA-256 in base64 (32 bytes). */
const sha256Base64 = z
  .string()
  .max(64)
  .refine((s) => /^[A-Za-z0-9+/]{43}=$/.test(s) && Buffer.from(s, 'base64').length === 32, 'Input should be a base64 SHA-256 digest');

const offset = z.number().int().min(0).max(MAX_FILE_SIZE);

const createPart = z.object({
  number: z.number().int().min(1).max(MAX_PARTS),
  chunk_start: offset,
  chunk_end: offset,
  checksum_sha256_base64: sha256Base64.nullable().optional(),
});

export const fileCreateBody = z
  .object({
    organization_id: uuid.nullable().optional(),
    name: safeString(TEXT_LIMITS.short).min(1),
    mime_type: safeString(TEXT_LIMITS.short).regex(/^[\w.+-]+\/[\w.+-]+$/, 'Input should be a MIME type'),
    size: z.number().int().min(1).max(MAX_FILE_SIZE),
    checksum_sha256_base64: sha256Base64.nullable().optional(),
    upload: z.object({ parts: z.array(createPart).min(1).max(MAX_PARTS) }),
    service: z.literal('downloadable'),
    version: safeString(TEXT_LIMITS.short).nullable().optional(),
  })
  .superRefine((body, ctx) => {
    let expectedStart = 0;
    for (const [i, part] of body.upload.parts.entries()) {
      const at = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: ['upload', 'parts', i, field], message });
      if (part.number !== i + 1) at('number', `Parts are numbered 1..n in order: expected ${i + 1}`);
      if (part.chunk_start !== expectedStart)
        at('chunk_start', `Expected ${expectedStart}: parts must cover the file without gaps or overlap`);
      if (part.chunk_end < part.chunk_start) at('chunk_end', 'chunk_end must not be before chunk_start');
      expectedStart = part.chunk_end + 1;
    }
    const last = body.upload.parts.length - 1;
    if (last >= 0 && expectedStart !== body.size) {
      ctx.addIssue({
        code: 'custom',
        path: ['upload', 'parts', last, 'chunk_end'],
        message: `The last part must end at size - 1 (${body.size - 1})`,
      });
    }
  });

export const fileUploadedBody = z.object({
  id: safeString(TEXT_LIMITS.short),
  path: safeString(TEXT_LIMITS.long),
  parts: z
    .array(
      z.object({
        number: z.number().int().min(1).max(MAX_PARTS),
        checksum_etag: safeString(TEXT_LIMITS.short).min(1),
        checksum_sha256_base64: sha256Base64.nullable().optional(),
      }),
    )
    .min(1)
    .max(MAX_PARTS),
});

export const filePatchBody = z.object({
  name: safeString(TEXT_LIMITS.short).min(1).nullable().optional(),
  version: safeString(TEXT_LIMITS.short).nullable().optional(),
});

export const fileListQuery = z.object({
  organization_id: multi(uuid),
  ids: multi(uuid),
  ...paginationQuery,
});

export const benefitFilesQuery = z.object({ ...paginationQuery });

export const portalDownloadableListQuery = z.object({
  benefit_id: multi(uuid),
  ...paginationQuery,
});
