// The storage port of downloadable files: one interface, two drivers (integrations/storage/):
// `local` (disk, URLs served by the API itself) and `gcs` (a Google Cloud Storage bucket). Uploads
// are multipart: the client PUTs each chunk to its own signed URL, then completion assembles the
// parts on the storage side and reports the object's size and SHA-256 (never held in memory).
import type { Readable } from 'node:stream';

/** A request the client makes directly to storage: where, with which headers, until when. */
export interface SignedRequest {
  /** Absolute, or a path on this API (the local driver) that the caller resolves against its base URL. */
  url: string;
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface PartSpec {
  number: number;
  /** Where the part starts in the file (chunk_start). */
  offset: number;
  /** Bytes the part must have (chunk_end - chunk_start + 1). */
  size: number;
  /** When given, the part must hash to it (SHA-256, base64). */
  checksumSha256Base64?: string | null;
}

export interface CompletedPart {
  number: number;
  /** The ETag the part PUT answered. */
  etag: string;
  checksumSha256Base64?: string | null;
}

export interface AssembledObject {
  size: number;
  sha256: Buffer;
  /** The storage's own identifier of the object's content. */
  etag: string | null;
}

// The error lives with the drivers (integrations depend on this folder for types only).
export { StorageInputError, type StorageErrorCode } from '../../integrations/storage/storage-errors';

export interface ObjectStorage {
  readonly driver: 'local' | 'gcs';
  /** Starts a multipart upload of `key`; the id names it in the calls below. */
  createMultipartUpload(key: string): Promise<{ uploadId: string }>;
  signPartUpload(key: string, uploadId: string, part: PartSpec, expiresAt: Date): Promise<SignedRequest>;
  /**
   * Joins the parts (in `parts` order) into `key` and checks them: every part present with its
   * ETag and checksum, the total `expected.size`, the whole `expected.sha256` when given. On any
   * mismatch it throws StorageInputError and leaves no object behind (the parts stay for a retry).
   */
  completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: CompletedPart[],
    expected: { size: number; sha256?: Buffer | null },
  ): Promise<AssembledObject>;
  /** Drops an upload's parts (deleting a file that never finished). */
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
  signDownload(key: string, file: { name: string; mimeType: string }, expiresAt: Date): Promise<SignedRequest>;
  /** Deletes the object; an object already gone is not an error. */
  deleteObject(key: string): Promise<void>;
  openRead(key: string): Promise<Readable>;
}
