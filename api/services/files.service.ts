// Downloadable files: multipart uploads through the storage port (benefits/downloadables/storage.ts),
// the organization's file list, deletion, a benefit's files with download counts, and the
// customer's downloads. A portal download link is ours (signed, expiring): redeeming it counts the
// download and redirects to a short-lived storage URL, only while the customer still holds the file.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { DataSource } from 'typeorm';
import { StorageInputError, type ObjectStorage } from '../../benefits/downloadables/storage';
import type { Env } from '../../config/config';
import { BenefitsRepository } from '../../db/repositories/benefits.repository';
import { DownloadablesRepository } from '../../db/repositories/downloadables.repository';
import { FilesRepository, type FileRow } from '../../db/repositories/files.repository';
import type { Logger } from '../../lib/logger';
import { filesSigningSecret, UrlSigner } from '../../lib/signed-token';
import { serializeBenefitFile, serializeDownloadable, serializeFile, serializeFileUpload, filePath } from '../../wire/file.serializer';
import { ApiError, NotFoundError, RequestValidationError } from '../errors';
import { listResource, offsetOf, type Page } from '../pagination';
import type { fileCreateBody, filePatchBody, fileUploadedBody } from '../schemas/files.schemas';

/** A portal link that no longer leads to the file: 410 Gone (revoked, deleted, expired). */
export class GoneError extends ApiError {
  constructor(detail: string) {
    super(410, 'Gone', detail);
  }
}

export class FilesService {
  readonly files: FilesRepository;
  private readonly downloadables: DownloadablesRepository;
  private readonly benefits: BenefitsRepository;
  private readonly links: UrlSigner;

  constructor(
    ds: DataSource,
    private readonly config: Env,
    private readonly storage: ObjectStorage | undefined,
    private readonly logger: Logger,
  ) {
    this.files = new FilesRepository(ds);
    this.downloadables = new DownloadablesRepository(ds);
    this.benefits = new BenefitsRepository(ds);
    this.links = new UrlSigner(filesSigningSecret(config));
  }

  private store(): ObjectStorage {
    if (!this.storage) throw new ApiError(503, 'ServiceUnavailable', 'File storage is not configured (STORAGE settings)');
    return this.storage;
  }

  /** Our own URLs (the local driver's) are paths: they live under this API's public address. */
  private absolute(url: string, origin: string): string {
    return url.startsWith('/') ? `${(this.config.PUBLIC_BASE_URL ?? origin).replace(/\/$/, '')}${url}` : url;
  }

  private expiry(seconds: number): Date {
    return new Date(Date.now() + seconds * 1000);
  }

  async create(organizationId: string, body: z.infer<typeof fileCreateBody>, origin: string) {
    if (body.organization_id && body.organization_id !== organizationId) {
      throw RequestValidationError.at(
        ['body', 'organization_id'],
        'Setting organization_id is disallowed when using an organization token.',
      );
    }
    const storage = this.store();
    const id = randomUUID();
    const storageKey = `${organizationId}/${id}`;
    const { uploadId } = await storage.createMultipartUpload(storageKey);
    const parts = body.upload.parts.map((p) => ({ ...p, checksum_sha256_base64: p.checksum_sha256_base64 ?? null }));
    const row = await this.files.insert({
      id,
      organizationId,
      name: body.name,
      version: body.version ?? null,
      mimeType: body.mime_type,
      size: body.size,
      storageKey,
      uploadId,
      parts,
      checksumSha256Base64: body.checksum_sha256_base64 ?? null,
    });
    const expiresAt = this.expiry(this.config.FILES_UPLOAD_URL_TTL_SECONDS);
    const signed = [];
    for (const p of parts) {
      const size = p.chunk_end - p.chunk_start + 1;
      const req = await storage.signPartUpload(
        storageKey,
        uploadId,
        { number: p.number, offset: p.chunk_start, size, checksumSha256Base64: p.checksum_sha256_base64 },
        expiresAt,
      );
      signed.push({ ...p, url: this.absolute(req.url, origin), expires_at: req.expiresAt.toISOString(), headers: req.headers });
    }
    return serializeFileUpload(row, signed);
  }

  async mustFind(organizationId: string, id: string): Promise<FileRow> {
    const row = await this.files.get(organizationId, id);
    if (!row) throw new NotFoundError('File not found');
    return row;
  }

  /** Completes an upload; anything wrong is a 422 at the field and the file stays not uploaded. */
  async complete(organizationId: string, id: string, body: z.infer<typeof fileUploadedBody>) {
    const file = await this.mustFind(organizationId, id);
    if (file.is_uploaded) return serializeFile(file);
    if (body.id !== file.upload_id) throw RequestValidationError.at(['body', 'id'], "Not the id of this file's upload");
    if (body.path !== filePath(file)) throw RequestValidationError.at(['body', 'path'], 'Not the path of this file');
    const declared = new Map(file.upload_parts.map((p) => [p.number, p]));
    const seen = new Set<number>();
    for (const [i, part] of body.parts.entries()) {
      if (!declared.has(part.number))
        throw RequestValidationError.at(['body', 'parts', i, 'number'], `Part ${part.number} is not a part of this upload`);
      if (seen.has(part.number)) throw RequestValidationError.at(['body', 'parts', i, 'number'], `Part ${part.number} is listed twice`);
      seen.add(part.number);
    }
    const missing = file.upload_parts.filter((p) => !seen.has(p.number)).map((p) => p.number);
    if (missing.length) throw RequestValidationError.at(['body', 'parts'], `Missing parts: ${missing.join(', ')}`);
    const parts = [...body.parts]
      .sort((a, b) => a.number - b.number)
      .map((p) => ({
        number: p.number,
        etag: p.checksum_etag,
        checksumSha256Base64: p.checksum_sha256_base64 ?? declared.get(p.number)!.checksum_sha256_base64,
      }));
    const order = parts.map((p) => body.parts.findIndex((b) => b.number === p.number));
    const expectedSha = file.checksum_sha256_base64 ? Buffer.from(file.checksum_sha256_base64, 'base64') : null;
    let assembled;
    try {
      assembled = await this.store().completeMultipartUpload(file.storage_key, file.upload_id, parts, {
        size: file.size,
        sha256: expectedSha,
      });
    } catch (err) {
      if (!(err instanceof StorageInputError)) throw err;
      const loc =
        err.partIndex !== undefined ? ['body', 'parts', order[err.partIndex]] : err.code === 'size_mismatch' ? ['body', 'parts'] : ['body'];
      throw RequestValidationError.at(loc, err.message, err.code);
    }
    const done = await this.files.markUploaded(organizationId, id, {
      sha256Base64: assembled.sha256.toString('base64'),
      sha256Hex: assembled.sha256.toString('hex'),
      etag: assembled.etag,
    });
    return serializeFile(done ?? (await this.mustFind(organizationId, id)));
  }

  async list(organizationId: string, q: { organization_id?: string[]; ids?: string[] } & Page) {
    if (q.organization_id && !q.organization_id.includes(organizationId)) return listResource([], 0, q);
    const { rows, total } = await this.files.list(organizationId, q.ids, q.limit, offsetOf(q));
    return listResource(rows.map(serializeFile), total, q);
  }

  async update(organizationId: string, id: string, patch: z.infer<typeof filePatchBody>) {
    await this.mustFind(organizationId, id);
    const row = await this.files.update(organizationId, id, { name: patch.name ?? undefined, version: patch.version });
    if (!row) throw new NotFoundError('File not found');
    return serializeFile(row);
  }

  /** Everyone loses the file, holders included (as Polar); archiving in the benefit is the gentle way. */
  async remove(organizationId: string, id: string): Promise<void> {
    const row = await this.files.softDelete(organizationId, id);
    if (!row) throw new NotFoundError('File not found');
    try {
      if (row.is_uploaded) await this.store().deleteObject(row.storage_key);
      else await this.store().abortMultipartUpload(row.storage_key, row.upload_id);
    } catch (err) {
      // The deletion is committed and every link to the object already refuses: log, don't fail.
      this.logger.warn({ err, fileId: id }, 'file deleted, but its stored object could not be removed');
    }
  }

  async benefitFiles(organizationId: string, benefitId: string, page: Page) {
    const benefit = await this.benefits.findById(organizationId, benefitId);
    if (!benefit) throw new NotFoundError('Benefit not found');
    const ids = benefit.type === 'downloadables' ? ((benefit.properties as { files?: string[] }).files ?? []) : [];
    const live = await this.downloadables.liveFiles(organizationId, ids);
    const listed = ids.filter((fid) => live.has(fid));
    const pageIds = listed.slice(offsetOf(page), offsetOf(page) + page.limit);
    const stats = await this.downloadables.statsForBenefit(benefitId, pageIds);
    const items = pageIds.map((fid) => serializeBenefitFile(live.get(fid)!, stats.get(fid) ?? { downloads: 0, downloaders: 0 }));
    return listResource(items, listed.length, page);
  }

  async portalList(customerId: string, q: { benefit_id?: string[] } & Page, origin: string) {
    const { rows, total } = await this.downloadables.listForCustomer(customerId, q.benefit_id, q.limit, offsetOf(q));
    const expiresAt = this.expiry(this.config.FILES_DOWNLOAD_URL_TTL_SECONDS);
    const items = rows.map((d) => {
      const url = this.absolute(`/v1/customer-portal/downloadables/${this.links.sign('download', { d: d.id }, expiresAt)}`, origin);
      return serializeDownloadable(d, { url, headers: {}, expires_at: expiresAt.toISOString() });
    });
    return listResource(items, total, q);
  }

  /** Redeems a portal link: the storage URL to redirect to. 403 tampered, 410 expired or no longer held. */
  async redeem(token: string, origin: string): Promise<string> {
    const check = this.links.verify<{ d: string }>('download', token);
    if (!check.ok && check.reason === 'expired') throw new GoneError('This download link has expired');
    if (!check.ok) throw new ApiError(403, 'NotPermitted', 'Invalid download link');
    const target = await this.downloadables.findForDownload(check.payload.d);
    if (!target) throw new NotFoundError('Downloadable not found');
    if (!target.available) throw new GoneError('This file is no longer available to you');
    await this.downloadables.countDownload(target.id);
    const expiresAt = this.expiry(this.config.FILES_DOWNLOAD_URL_TTL_SECONDS);
    const signed = await this.store().signDownload(
      target.file.storage_key,
      { name: target.file.name, mimeType: target.file.mime_type },
      expiresAt,
    );
    return this.absolute(signed.url, origin);
  }
}
