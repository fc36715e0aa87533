// What customers hold of downloadable files: one row per customer, benefit and file, shared by the
// customer's grants of that benefit. The strategy writes through the grant's transaction (ctx.tx),
// so a grant and its downloadables commit together; the portal reads and counts downloads here.
import type { DataSource } from 'typeorm';
import type { FileRow } from './files.repository';
import type { Queryable } from '../sql';

export interface HolderKey {
  organizationId: string;
  customerId: string;
  benefitId: string;
}

export interface PortalDownloadable {
  id: string;
  benefit_id: string;
  file: FileRow;
}

export interface DownloadTarget {
  id: string;
  status: string;
  customer_id: string;
  file: FileRow;
  /** The file is live and uploaded, the downloadable granted and its benefit not deleted. */
  available: boolean;
}

export interface FileStats {
  downloads: number;
  downloaders: number;
}

const FILE_COLUMNS = `row_to_json(f.*) AS file`;

function withFile<T extends { file: any }>(r: T): T {
  return { ...r, file: { ...r.file, size: Number(r.file.size) } };
}

/** Gives the holder `fileIds` (those still live and uploaded); returns the ids given. */
export async function grantFiles(q: Queryable, key: HolderKey, fileIds: string[]): Promise<string[]> {
  if (!fileIds.length) return [];
  const rows: { file_id: string }[] = await q.query(
    `INSERT INTO downloadables (organization_id, customer_id, benefit_id, file_id)
     SELECT $1, $2, $3, f.id FROM files f
      WHERE f.organization_id = $1 AND f.id = ANY($4::uuid[]) AND f.is_uploaded AND f.deleted_at IS NULL
     ON CONFLICT (customer_id, benefit_id, file_id) DO UPDATE SET status = 'granted', modified_at = now()
     RETURNING file_id`,
    [key.organizationId, key.customerId, key.benefitId, fileIds],
  );
  const given = new Set(rows.map((r) => r.file_id));
  return fileIds.filter((id) => given.has(id));
}

/** The files the holder has now (granted, still live). */
export async function heldFileIds(q: Queryable, key: HolderKey): Promise<string[]> {
  const rows: { file_id: string }[] = await q.query(
    `SELECT d.file_id FROM downloadables d JOIN files f ON f.id = d.file_id AND f.deleted_at IS NULL
      WHERE d.customer_id = $1 AND d.benefit_id = $2 AND d.status = 'granted' ORDER BY d.created_at, d.file_id`,
    [key.customerId, key.benefitId],
  );
  return rows.map((r) => r.file_id);
}

/** Takes the benefit's files (or only `fileIds`) from the holder; returns the ids taken. */
export async function revokeFiles(q: Queryable, key: HolderKey, fileIds?: string[]): Promise<string[]> {
  const rows: { file_id: string }[] = await q.query(
    `UPDATE downloadables SET status = 'revoked', modified_at = now()
      WHERE customer_id = $1 AND benefit_id = $2 AND status = 'granted' AND ($3::uuid[] IS NULL OR file_id = ANY($3::uuid[]))
      RETURNING file_id`,
    [key.customerId, key.benefitId, fileIds ?? null],
  );
  return rows.map((r) => r.file_id);
}

export class DownloadablesRepository {
  constructor(private readonly ds: DataSource) {}

  /** The customer's downloadable files, newest first. */
  async listForCustomer(
    customerId: string,
    benefitIds: string[] | undefined,
    limit: number,
    offset: number,
  ): Promise<{ rows: PortalDownloadable[]; total: number }> {
    const params: unknown[] = [customerId];
    let filter = '';
    if (benefitIds) {
      params.push(benefitIds);
      filter = `AND d.benefit_id = ANY($2::uuid[])`;
    }
    const from = `FROM downloadables d
      JOIN files f ON f.id = d.file_id AND f.deleted_at IS NULL AND f.is_uploaded
      JOIN benefits b ON b.id = d.benefit_id AND b.deleted_at IS NULL
      WHERE d.customer_id = $1 AND d.status = 'granted' ${filter}`;
    const [rows, count] = await Promise.all([
      this.ds.query(
        `SELECT d.id, d.benefit_id, ${FILE_COLUMNS} ${from} ORDER BY d.created_at DESC, d.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, limit, offset],
      ),
      this.ds.query(`SELECT count(*)::int AS n ${from}`, params),
    ]);
    return { rows: rows.map(withFile), total: count[0].n };
  }

  async findForDownload(id: string): Promise<DownloadTarget | null> {
    const rows = await this.ds.query(
      `SELECT d.id, d.status, d.customer_id, ${FILE_COLUMNS},
              (d.status = 'granted' AND f.deleted_at IS NULL AND f.is_uploaded AND b.deleted_at IS NULL) AS available
         FROM downloadables d JOIN files f ON f.id = d.file_id JOIN benefits b ON b.id = d.benefit_id
        WHERE d.id = $1`,
      [id],
    );
    return rows[0] ? withFile(rows[0]) : null;
  }

  async countDownload(id: string): Promise<void> {
    await this.ds.query(`UPDATE downloadables SET downloaded = downloaded + 1, last_downloaded_at = now() WHERE id = $1`, [id]);
  }

  /** Per file of the benefit: downloads in total and distinct customers who downloaded. */
  async statsForBenefit(benefitId: string, fileIds: string[]): Promise<Map<string, FileStats>> {
    const rows: { file_id: string; downloads: number; downloaders: number }[] = await this.ds.query(
      `SELECT file_id, COALESCE(sum(downloaded), 0)::int AS downloads, count(DISTINCT customer_id) FILTER (WHERE downloaded > 0)::int AS downloaders
         FROM downloadables WHERE benefit_id = $1 AND file_id = ANY($2::uuid[]) GROUP BY file_id`,
      [benefitId, fileIds],
    );
    return new Map(rows.map((r) => [r.file_id, { downloads: r.downloads, downloaders: r.downloaders }]));
  }

  /** The live files among `ids`, keyed by id (for a benefit's file list). */
  async liveFiles(organizationId: string, ids: string[]): Promise<Map<string, FileRow>> {
    const rows = await this.ds.query(
      `SELECT ${FILE_COLUMNS} FROM files f WHERE f.organization_id = $1 AND f.id = ANY($2::uuid[]) AND f.deleted_at IS NULL`,
      [organizationId, ids],
    );
    return new Map(rows.map((r: any) => [r.file.id, withFile(r).file as FileRow]));
  }
}
