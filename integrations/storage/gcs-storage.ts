// The `gcs` storage driver: a Google Cloud Storage bucket through @google-cloud/storage 7. Each
// part is its own object under `uploads/<uploadId>/`, PUT by the client at a V4 signed URL;
// completion reads the parts once (checking each part's ETag, size and SHA-256, and hashing the
// whole file, since GCS keeps no SHA-256), then joins them on the storage side with `compose`
// (32 sources per call, so larger uploads are joined in rounds) and deletes the parts.
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Storage, type Bucket, type File } from '@google-cloud/storage';
import type { AssembledObject, CompletedPart, ObjectStorage, PartSpec, SignedRequest } from '../../benefits/downloadables/storage';
import { StorageInputError } from './storage-errors';

/** GCS composes at most 32 source objects per call. */
export const COMPOSE_LIMIT = 32;

export interface GcsSettings {
  bucket: string;
  projectId?: string;
  keyFilename?: string;
  apiEndpoint?: string;
}

export class GcsStorage implements ObjectStorage {
  readonly driver = 'gcs' as const;
  private readonly bucket: Bucket;

  constructor(settings: GcsSettings) {
    const storage = new Storage({
      projectId: settings.projectId,
      keyFilename: settings.keyFilename,
      // An emulator endpoint gets no OAuth tokens (the library skips auth there); URLs are still signed with the key file.
      ...(settings.apiEndpoint ? { apiEndpoint: settings.apiEndpoint } : {}),
    });
    this.bucket = storage.bucket(settings.bucket);
  }

  private partFile(uploadId: string, number: number): File {
    return this.bucket.file(`uploads/${uploadId}/${String(number).padStart(5, '0')}`);
  }

  async createMultipartUpload(_key: string): Promise<{ uploadId: string }> {
    return { uploadId: randomUUID() };
  }

  async signPartUpload(_key: string, uploadId: string, part: PartSpec, expiresAt: Date): Promise<SignedRequest> {
    const contentType = 'application/octet-stream';
    const [url] = await this.partFile(uploadId, part.number).getSignedUrl({
      version: 'v4',
      action: 'write',
      expires: expiresAt,
      contentType,
    });
    return { url, headers: { 'Content-Type': contentType }, expiresAt };
  }

  async completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: CompletedPart[],
    expected: { size: number; sha256?: Buffer | null },
  ): Promise<AssembledObject> {
    const files: File[] = [];
    let total = 0;
    for (const [i, part] of parts.entries()) {
      const file = this.partFile(uploadId, part.number);
      const [metadata] = await file.getMetadata().catch((err) => {
        if (err?.code === 404) throw new StorageInputError('missing_part', `Part ${part.number} was not uploaded`, i);
        throw err;
      });
      if (!etagMatches(part.etag, metadata)) throw new StorageInputError('etag_mismatch', `Part ${part.number}: ETag does not match`, i);
      total += Number(metadata.size);
      files.push(file);
    }
    if (total !== expected.size) throw new StorageInputError('size_mismatch', `The parts add up to ${total} bytes, not ${expected.size}`);

    const whole = createHash('sha256');
    for (const [i, part] of parts.entries()) {
      const own = createHash('sha256');
      for await (const chunk of files[i].createReadStream({ validation: false })) {
        whole.update(chunk);
        own.update(chunk);
      }
      if (part.checksumSha256Base64 && own.digest('base64') !== part.checksumSha256Base64)
        throw new StorageInputError('part_checksum_mismatch', `Part ${part.number}: checksum does not match`, i);
    }
    const sha256 = whole.digest();
    if (expected.sha256 && !sha256.equals(expected.sha256))
      throw new StorageInputError('checksum_mismatch', 'The file does not match its checksum');

    const target = this.bucket.file(key);
    const intermediates = await this.compose(files, target, uploadId);
    await Promise.all([...files, ...intermediates].map((f) => f.delete({ ignoreNotFound: true })));
    const [metadata] = await target.getMetadata();
    return { size: Number(metadata.size ?? total), sha256, etag: (metadata.etag as string | undefined) ?? null };
  }

  /** Joins `sources` into `target`, 32 at a time; returns the intermediate objects to delete. */
  private async compose(sources: File[], target: File, uploadId: string): Promise<File[]> {
    const intermediates: File[] = [];
    let layer = sources;
    for (let round = 0; layer.length > COMPOSE_LIMIT; round++) {
      const next: File[] = [];
      for (let i = 0; i < layer.length; i += COMPOSE_LIMIT) {
        const joined = this.bucket.file(`uploads/${uploadId}/compose-${round}-${i / COMPOSE_LIMIT}`);
        await this.bucket.combine(layer.slice(i, i + COMPOSE_LIMIT), joined);
        next.push(joined);
      }
      intermediates.push(...next);
      layer = next;
    }
    await this.bucket.combine(layer, target);
    return intermediates;
  }

  async abortMultipartUpload(_key: string, uploadId: string): Promise<void> {
    await this.bucket.deleteFiles({ prefix: `uploads/${uploadId}/`, force: true });
  }

  async signDownload(key: string, file: { name: string; mimeType: string }, expiresAt: Date): Promise<SignedRequest> {
    const [url] = await this.bucket.file(key).getSignedUrl({
      version: 'v4',
      action: 'read',
      expires: expiresAt,
      responseDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      responseType: file.mimeType,
    });
    return { url, headers: {}, expiresAt };
  }

  async deleteObject(key: string): Promise<void> {
    await this.bucket.file(key).delete({ ignoreNotFound: true });
  }

  async openRead(key: string): Promise<Readable> {
    return this.bucket.file(key).createReadStream({ validation: false });
  }
}

/** GCS answers a PUT with the MD5 as ETag; the JSON API's metadata has it in base64, and its own etag. */
function etagMatches(given: string, metadata: { etag?: string; md5Hash?: string }): boolean {
  const etag = String(given).replace(/^W\//, '').replace(/^"|"$/g, '');
  if (!etag) return false;
  if (metadata.etag && etag === metadata.etag) return true;
  return !!metadata.md5Hash && Buffer.from(metadata.md5Hash, 'base64').toString('hex') === etag.toLowerCase();
}
