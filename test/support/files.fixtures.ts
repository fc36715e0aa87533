// Uploads through Polar's flow, as a client does it: files.create, a PUT of each chunk to its signed
// URL with the headers given (in parallel), then files.uploaded with the ETags.
import { createHash, randomBytes } from 'node:crypto';

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

/** `size` bytes cut into `parts` chunks as Polar's S3FileCreatePart (chunk_end inclusive). */
export function chunks(size: number, parts: number) {
  const step = Math.ceil(size / parts);
  return Array.from({ length: parts }, (_, i) => ({
    number: i + 1,
    chunk_start: i * step,
    chunk_end: Math.min(size, (i + 1) * step) - 1,
  }));
}

/** The ETag a part PUT answered: the header (S3, GCS, local), or fake-gcs-server's JSON body, which has no header. */
export async function etagOf(res: Response): Promise<string> {
  const header = res.headers.get('etag');
  if (header) return header;
  return (JSON.parse(await res.text()) as { etag: string }).etag;
}

export async function putParts(
  upload: any,
  data: Buffer,
): Promise<{ number: number; checksum_etag: string; checksum_sha256_base64: string }[]> {
  return Promise.all(
    upload.upload.parts.map(async (p: any) => {
      const body = data.subarray(p.chunk_start, p.chunk_end + 1);
      const res = await fetch(p.url, { method: 'PUT', headers: p.headers, body });
      if (res.status !== 200) throw new Error(`part ${p.number}: ${res.status} ${await res.text()}`);
      return { number: p.number, checksum_etag: await etagOf(res), checksum_sha256_base64: sha256(body).toString('base64') };
    }),
  );
}

export async function uploadFile(polar: any, opts: { data?: Buffer; parts?: number; name?: string } = {}) {
  const data = opts.data ?? randomBytes(200_000 + Math.floor(Math.random() * 1000));
  const upload = await polar.files.create({
    service: 'downloadable',
    name: opts.name ?? `file-${Date.now()}.bin`,
    mime_type: 'application/octet-stream',
    size: data.length,
    checksum_sha256_base64: sha256(data).toString('base64'),
    upload: { parts: chunks(data.length, opts.parts ?? 3) },
  });
  const parts = await putParts(upload, data);
  const file = await polar.files.uploaded(upload.id, { id: upload.upload.id, path: upload.upload.path, parts });
  return { upload, file, data };
}

/** Follows a portal download link by hand: our 302, then the storage URL. */
export async function download(url: string): Promise<{ status: number; location: string | null; body: Buffer | null }> {
  const first = await fetch(url, { redirect: 'manual' });
  const location = first.headers.get('location');
  if (first.status !== 302 || !location) return { status: first.status, location, body: null };
  const second = await fetch(location);
  return { status: second.status, location, body: second.status === 200 ? Buffer.from(await second.arrayBuffer()) : null };
}
