// What a storage driver throws when the client's upload is wrong (benefits/downloadables/storage.ts).
export type StorageErrorCode = 'missing_part' | 'etag_mismatch' | 'part_checksum_mismatch' | 'size_mismatch' | 'checksum_mismatch';

/** A completion the client got wrong; `partIndex` points into the completion's parts when it is about one. */
export class StorageInputError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    readonly partIndex?: number,
  ) {
    super(message);
    this.name = 'StorageInputError';
  }
}
