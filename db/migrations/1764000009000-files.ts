import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Downloadable files (Polar's files API) and what customers hold of them (`downloadables`, one row
 * per customer, benefit and file: the grants of one benefit share it). `upload_parts` keeps the
 * declared parts until the upload completes; `downloaded` counts redeemed download links.
 */
export class Files1764000009000 implements MigrationInterface {
  name = 'Files1764000009000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE files (
      id uuid PRIMARY KEY,
      created_at timestamptz NOT NULL DEFAULT now(),
      modified_at timestamptz,
      deleted_at timestamptz,
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      service text NOT NULL DEFAULT 'downloadable',
      name text NOT NULL,
      version text,
      mime_type text NOT NULL,
      size bigint NOT NULL CHECK (size > 0),
      storage_key text NOT NULL,
      upload_id text NOT NULL,
      upload_parts jsonb NOT NULL DEFAULT '[]',
      checksum_sha256_base64 text,
      checksum_sha256_hex text,
      checksum_etag text,
      is_uploaded boolean NOT NULL DEFAULT false,
      last_modified_at timestamptz
    )`);
    await q.query(`CREATE INDEX files_org_idx ON files (organization_id, created_at) WHERE deleted_at IS NULL`);
    await q.query(`CREATE TABLE downloadables (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      created_at timestamptz NOT NULL DEFAULT now(),
      modified_at timestamptz,
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
      benefit_id uuid NOT NULL REFERENCES benefits(id) ON DELETE CASCADE,
      file_id uuid NOT NULL REFERENCES files(id) ON DELETE CASCADE,
      status text NOT NULL DEFAULT 'granted' CHECK (status IN ('granted', 'revoked')),
      downloaded integer NOT NULL DEFAULT 0,
      last_downloaded_at timestamptz,
      UNIQUE (customer_id, benefit_id, file_id)
    )`);
    await q.query(`CREATE INDEX downloadables_benefit_idx ON downloadables (benefit_id, file_id)`);
    await q.query(`CREATE INDEX downloadables_file_idx ON downloadables (file_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE downloadables`);
    await q.query(`DROP TABLE files`);
  }
}
