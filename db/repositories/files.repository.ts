// Downloadable files of an organization. Deletion is soft (deleted_at): a deleted file is hidden
// everywhere, its holders lose it and the benefits that listed it stop listing it, in one commit.
import type { DataSource } from 'typeorm';
import { SqlWhere, unwrapRows } from '../sql';
import type { Queryable } from '../sql';

export interface DeclaredPart {
  number: number;
  chunk_start: number;
  chunk_end: number;
  checksum_sha256_base64: string | null;
}

export interface FileRow {
  id: string;
  created_at: Date;
  modified_at: Date | null;
  deleted_at: Date | null;
  organization_id: string;
  service: string;
  name: string;
  version: string | null;
  mime_type: string;
  size: number;
  storage_key: string;
  upload_id: string;
  upload_parts: DeclaredPart[];
  checksum_sha256_base64: string | null;
  checksum_sha256_hex: string | null;
  checksum_etag: string | null;
  is_uploaded: boolean;
  last_modified_at: Date | null;
}

export interface FileInsert {
  id: string;
  organizationId: string;
  name: string;
  version: string | null;
  mimeType: string;
  size: number;
  storageKey: string;
  uploadId: string;
  parts: DeclaredPart[];
  checksumSha256Base64: string | null;
}

/** bigint comes back as text; sizes stay far below 2^53. */
function toRow(r: any): FileRow {
  return { ...r, size: Number(r.size) };
}

/** Which of `ids` are the organization's uploaded, live files (benefit validation). */
export async function uploadedFileIds(q: Queryable, organizationId: string, ids: string[]): Promise<Set<string>> {
  const rows: { id: string }[] = await q.query(
    `SELECT id FROM files WHERE organization_id = $1 AND id = ANY($2::uuid[]) AND is_uploaded AND deleted_at IS NULL`,
    [organizationId, ids],
  );
  return new Set(rows.map((r) => r.id));
}

export class FilesRepository {
  constructor(private readonly ds: DataSource) {}

  async insert(f: FileInsert): Promise<FileRow> {
    const rows = await this.ds.query(
      `INSERT INTO files (id, organization_id, name, version, mime_type, size, storage_key, upload_id, upload_parts, checksum_sha256_base64)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [
        f.id,
        f.organizationId,
        f.name,
        f.version,
        f.mimeType,
        f.size,
        f.storageKey,
        f.uploadId,
        JSON.stringify(f.parts),
        f.checksumSha256Base64,
      ],
    );
    return toRow(rows[0]);
  }

  async get(organizationId: string, id: string): Promise<FileRow | null> {
    const rows = await this.ds.query(`SELECT * FROM files WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL`, [
      organizationId,
      id,
    ]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  async list(
    organizationId: string,
    ids: string[] | undefined,
    limit: number,
    offset: number,
  ): Promise<{ rows: FileRow[]; total: number }> {
    const where = new SqlWhere().add('organization_id = ?', organizationId).add('deleted_at IS NULL');
    if (ids) where.add('id = ANY(?::uuid[])', ids);
    const params = where.params;
    const rows = await this.ds.query(
      `SELECT *, count(*) OVER () AS total FROM files ${where.toSql()} ORDER BY created_at DESC, id
       LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    );
    return { rows: rows.map(toRow), total: rows.length ? Number(rows[0].total) : await this.count(where) };
  }

  private async count(where: SqlWhere): Promise<number> {
    const rows = await this.ds.query(`SELECT count(*)::int AS n FROM files ${where.toSql()}`, where.params);
    return rows[0].n;
  }

  /** Marks the file uploaded with what storage measured; null when it was deleted or completed meanwhile. */
  async markUploaded(
    organizationId: string,
    id: string,
    done: { sha256Base64: string; sha256Hex: string; etag: string | null },
  ): Promise<FileRow | null> {
    const result = await this.ds.query(
      `UPDATE files SET is_uploaded = true, checksum_sha256_base64 = $3, checksum_sha256_hex = $4, checksum_etag = $5,
         last_modified_at = now(), modified_at = now()
       WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL AND NOT is_uploaded RETURNING *`,
      [organizationId, id, done.sha256Base64, done.sha256Hex, done.etag],
    );
    const rows = unwrapRows<any>(result);
    return rows[0] ? toRow(rows[0]) : null;
  }

  async update(organizationId: string, id: string, patch: { name?: string; version?: string | null }): Promise<FileRow | null> {
    const result = await this.ds.query(
      `UPDATE files SET name = COALESCE($3, name), version = CASE WHEN $4 THEN $5 ELSE version END, modified_at = now()
       WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING *`,
      [organizationId, id, patch.name ?? null, patch.version !== undefined, patch.version ?? null],
    );
    const rows = unwrapRows<any>(result);
    return rows[0] ? toRow(rows[0]) : null;
  }

  /**
   * Deletes the file in one transaction: the row (soft), every holder's downloadable of it, and its
   * id from the `files` and `archived` of the organization's downloadables benefits.
   */
  async softDelete(organizationId: string, id: string): Promise<FileRow | null> {
    return this.ds.transaction(async (em) => {
      const result = await em.query(
        `UPDATE files SET deleted_at = now(), modified_at = now() WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING *`,
        [organizationId, id],
      );
      const rows = unwrapRows<any>(result);
      if (!rows[0]) return null;
      await em.query(`UPDATE downloadables SET status = 'revoked', modified_at = now() WHERE file_id = $1 AND status = 'granted'`, [id]);
      await em.query(
        `UPDATE benefits SET modified_at = now(), properties = jsonb_set(
           jsonb_set(properties, '{files}', COALESCE(
             (SELECT jsonb_agg(f) FROM jsonb_array_elements(properties->'files') f WHERE f <> to_jsonb($2::text)), '[]'::jsonb)),
           '{archived}', COALESCE(properties->'archived', '{}'::jsonb) - $2::text)
         WHERE organization_id = $1 AND type = 'downloadables' AND properties->'files' ? $2::text`,
        [organizationId, id],
      );
      return toRow(rows[0]);
    });
  }
}
