import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An organization's avatar (an http(s) image URL): the customer portal page shows it beside the
 * organization's name, and portal shapes carry it as `avatar_url`. Set with `admin set-org-avatar`.
 */
export class OrganizationAvatar1764000013000 implements MigrationInterface {
  name = 'OrganizationAvatar1764000013000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations ADD COLUMN avatar_url text CHECK (avatar_url ~* '^https?://')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations DROP COLUMN avatar_url`);
  }
}
