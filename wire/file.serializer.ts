// Polar's file shapes: DownloadableFileRead (files API), FileUpload (create), BenefitDownloadableFile
// (a benefit's files with download counts) and the portal's DownloadableRead.
import type { FileRow } from '../db/repositories/files.repository';

export interface SignedUrl {
  url: string;
  headers: Record<string, string>;
  expires_at: string;
}

export interface UploadPartOut {
  number: number;
  chunk_start: number;
  chunk_end: number;
  checksum_sha256_base64: string | null;
  url: string;
  expires_at: string;
  headers: Record<string, string>;
}

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

/** Polar's get_size_readable: 1024 steps, one decimal. */
export function sizeReadable(size: number): string {
  let value = size;
  for (const unit of ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB']) {
    if (Math.abs(value) < 1024) return `${value.toFixed(1)} ${unit}`;
    value /= 1024;
  }
  return `${value.toFixed(1)} YB`;
}

/** Polar's object path: `<organization>/<file>/<name>`. */
export function filePath(f: Pick<FileRow, 'organization_id' | 'id' | 'name'>): string {
  return `${f.organization_id}/${f.id}/${f.name}`;
}

function base(f: FileRow) {
  return {
    id: f.id,
    organization_id: f.organization_id,
    name: f.name,
    path: filePath(f),
    mime_type: f.mime_type,
    size: f.size,
    storage_version: null,
    checksum_etag: f.checksum_etag,
    checksum_sha256_base64: f.checksum_sha256_base64,
    checksum_sha256_hex: f.checksum_sha256_hex,
    last_modified_at: iso(f.last_modified_at),
    version: f.version,
  };
}

export function serializeFile(f: FileRow) {
  return {
    ...base(f),
    service: 'downloadable' as const,
    is_uploaded: f.is_uploaded,
    created_at: iso(f.created_at),
    flagged_malicious_at: null,
    size_readable: sizeReadable(f.size),
  };
}

export function serializeFileUpload(f: FileRow, parts: UploadPartOut[]) {
  return {
    ...base(f),
    upload: { id: f.upload_id, path: filePath(f), parts },
    is_uploaded: f.is_uploaded,
    service: 'downloadable' as const,
    size_readable: sizeReadable(f.size),
  };
}

export function serializeBenefitFile(f: FileRow, stats: { downloads: number; downloaders: number }) {
  return { ...serializeFile(f), downloaders: stats.downloaders, downloads: stats.downloads };
}

export function serializeDownloadable(d: { id: string; benefit_id: string; file: FileRow }, download: SignedUrl) {
  return {
    id: d.id,
    benefit_id: d.benefit_id,
    file: {
      ...base(d.file),
      download,
      is_uploaded: d.file.is_uploaded,
      service: 'downloadable' as const,
      size_readable: sizeReadable(d.file.size),
    },
  };
}
