// The `local` storage driver: objects on disk under one folder, part uploads and downloads served
// by the API itself at HMAC-signed, expiring URLs (api/routes/files-storage.routes.ts). Bytes are
// streamed both ways, never a whole part or file in memory. Each part is written in place, at its
// offset in the upload's one data file, so completion joins nothing: it reads the file once to hash
// it (and any part with a checksum to check) and renames it into place. A part's ETag names one
// successful PUT of it; its SHA-256 is only computed when the part declares a checksum.
import { createHash, randomUUID, type Hash } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AssembledObject, CompletedPart, ObjectStorage, PartSpec, SignedRequest } from '../../benefits/downloadables/storage';
import { StorageInputError } from './storage-errors';
import type { UrlSigner } from '../../lib/signed-token';

/** Where the API serves the driver's URLs: the routes are mounted at LOCAL_STORAGE_PATH. */
export const LOCAL_STORAGE_PATH = '/v1/files/storage';
export const LOCAL_PART_ROUTE = '/parts/';
export const LOCAL_OBJECT_ROUTE = '/objects/';
export const LOCAL_PART_PATH = LOCAL_STORAGE_PATH + LOCAL_PART_ROUTE;
export const LOCAL_OBJECT_PATH = LOCAL_STORAGE_PATH + LOCAL_OBJECT_ROUTE;

const KEY_RE = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
const UPLOAD_RE = /^[0-9a-f-]{36}$/;

interface PartToken {
  k: string;
  u: string;
  n: number;
  o: number;
  s: number;
  c: string | null;
}
interface ObjectToken {
  k: string;
  f: string;
  m: string;
}
interface PartMeta {
  offset: number;
  size: number;
  etag: string;
}

/** Counts and hashes what flows through, failing once more than `limit` bytes came. */
class Meter extends Transform {
  bytes = 0;
  constructor(
    readonly hash: Hash | null,
    private readonly limit = Infinity,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return done(new StorageInputError('size_mismatch', `more than ${this.limit} bytes`));
    this.hash?.update(chunk);
    done(null, chunk);
  }
}

export class LocalStorage implements ObjectStorage {
  readonly driver = 'local' as const;

  constructor(
    private readonly root: string,
    private readonly signer: UrlSigner,
  ) {}

  private objectPath(key: string): string {
    if (!KEY_RE.test(key)) throw new Error(`invalid storage key ${JSON.stringify(key)}`);
    return path.join(this.root, 'objects', key);
  }

  private uploadDir(uploadId: string): string {
    if (!UPLOAD_RE.test(uploadId)) throw new Error('invalid upload id');
    return path.join(this.root, 'uploads', uploadId);
  }

  async createMultipartUpload(key: string): Promise<{ uploadId: string }> {
    this.objectPath(key);
    const uploadId = randomUUID();
    await fs.promises.mkdir(this.uploadDir(uploadId), { recursive: true });
    // Parts land at their offsets in this one file (sparse until every part came).
    await fs.promises.writeFile(path.join(this.uploadDir(uploadId), 'data'), '');
    return { uploadId };
  }

  async signPartUpload(key: string, uploadId: string, part: PartSpec, expiresAt: Date): Promise<SignedRequest> {
    const payload: PartToken = { k: key, u: uploadId, n: part.number, o: part.offset, s: part.size, c: part.checksumSha256Base64 ?? null };
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
    if (part.checksumSha256Base64) headers['x-amz-checksum-sha256'] = part.checksumSha256Base64;
    return { url: LOCAL_PART_PATH + this.signer.sign('part', { ...payload }, expiresAt), headers, expiresAt };
  }

  /** PUT handler of a part URL: 403 for a bad or expired URL, 400 for the wrong bytes, else 200 with the ETag. */
  async receivePart(token: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const check = this.signer.verify<PartToken>('part', token);
    if (!check.ok) return answer(res, 403, check.reason === 'expired' ? 'Request has expired' : 'Signature does not match');
    const { u, n, o, s, c } = check.payload;
    const dir = this.uploadDir(u);
    const data = path.join(dir, 'data');
    if (!fs.existsSync(data)) return answer(res, 404, 'No such upload');
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) !== s) return answer(res, 400, `The part must be ${s} bytes`);
    // The part's range is about to change: until this PUT succeeds the part counts as not uploaded.
    const metaFile = path.join(dir, `${n}.json`);
    await fs.promises.rm(metaFile, { force: true });
    const meter = new Meter(c ? createHash('sha256') : null, s);
    try {
      await pipeline(req, meter, fs.createWriteStream(data, { flags: 'r+', start: o }));
      if (meter.bytes !== s) throw new StorageInputError('size_mismatch', `The part must be ${s} bytes, got ${meter.bytes}`);
      if (c && meter.hash!.digest('base64') !== c)
        throw new StorageInputError('part_checksum_mismatch', 'x-amz-checksum-sha256 does not match');
      const meta: PartMeta = { offset: o, size: s, etag: randomUUID().replace(/-/g, '') };
      await fs.promises.writeFile(metaFile, JSON.stringify(meta));
      res.setHeader('ETag', `"${meta.etag}"`);
      answer(res, 200, '');
    } catch (err) {
      if (err instanceof StorageInputError) return answer(res, 400, err.message);
      if (!res.headersSent && req.destroyed) return; // the client went away mid-part
      throw err;
    }
  }

  async completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: CompletedPart[],
    expected: { size: number; sha256?: Buffer | null },
  ): Promise<AssembledObject> {
    const dir = this.uploadDir(uploadId);
    const metas: PartMeta[] = [];
    for (const [i, part] of parts.entries()) {
      const meta = await readMeta(path.join(dir, `${part.number}.json`));
      if (!meta) throw new StorageInputError('missing_part', `Part ${part.number} was not uploaded`, i);
      if (stripQuotes(part.etag) !== meta.etag) throw new StorageInputError('etag_mismatch', `Part ${part.number}: ETag does not match`, i);
      metas.push(meta);
    }
    const total = metas.reduce((sum, m) => sum + m.size, 0);
    if (total !== expected.size) throw new StorageInputError('size_mismatch', `The parts add up to ${total} bytes, not ${expected.size}`);

    // One sequential read: the whole file's SHA-256, and each part's where a checksum is to be checked.
    const data = path.join(dir, 'data');
    const whole = createHash('sha256');
    let position = 0;
    for (const [i, part] of parts.entries()) {
      const meta = metas[i];
      if (meta.offset !== position)
        throw new StorageInputError('missing_part', `Part ${part.number} does not follow the part before it`, i);
      const own = part.checksumSha256Base64 ? createHash('sha256') : null;
      for await (const chunk of fs.createReadStream(data, {
        start: meta.offset,
        end: meta.offset + meta.size - 1,
        highWaterMark: 1 << 20,
      })) {
        whole.update(chunk);
        own?.update(chunk);
      }
      if (own && own.digest('base64') !== part.checksumSha256Base64)
        throw new StorageInputError('part_checksum_mismatch', `Part ${part.number}: checksum does not match`, i);
      position += meta.size;
    }
    const sha256 = whole.digest();
    if (expected.sha256 && !sha256.equals(expected.sha256))
      throw new StorageInputError('checksum_mismatch', 'The file does not match its checksum');
    const target = this.objectPath(key);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    await fs.promises.truncate(data, total); // nothing past the last part
    await fs.promises.rename(data, target);
    await fs.promises.rm(dir, { recursive: true, force: true });
    return { size: total, sha256, etag: sha256.toString('hex') };
  }

  async abortMultipartUpload(_key: string, uploadId: string): Promise<void> {
    await fs.promises.rm(this.uploadDir(uploadId), { recursive: true, force: true });
  }

  async signDownload(key: string, file: { name: string; mimeType: string }, expiresAt: Date): Promise<SignedRequest> {
    this.objectPath(key);
    const payload: ObjectToken = { k: key, f: file.name, m: file.mimeType };
    return { url: LOCAL_OBJECT_PATH + this.signer.sign('object', { ...payload }, expiresAt), headers: {}, expiresAt };
  }

  /** GET handler of a download URL: 403 for a bad or expired URL, 404 once deleted, else the bytes. */
  async serveObject(token: string, res: ServerResponse): Promise<void> {
    const check = this.signer.verify<ObjectToken>('object', token);
    if (!check.ok) return answer(res, 403, check.reason === 'expired' ? 'Request has expired' : 'Signature does not match');
    const file = this.objectPath(check.payload.k);
    const stat = await fs.promises.stat(file).catch(() => null);
    if (!stat) return answer(res, 404, 'No such object');
    res.writeHead(200, {
      'Content-Type': check.payload.m || 'application/octet-stream',
      'Content-Length': String(stat.size),
      'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(check.payload.f)}`,
      'Cache-Control': 'private, no-store',
    });
    await pipeline(fs.createReadStream(file, { highWaterMark: 256 << 10 }), res).catch(() => undefined); // a client that hangs up is not an error
  }

  async deleteObject(key: string): Promise<void> {
    await fs.promises.rm(this.objectPath(key), { force: true });
  }

  async openRead(key: string): Promise<Readable> {
    return fs.createReadStream(this.objectPath(key));
  }
}

function answer(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return;
  res.statusCode = status;
  if (!message) return void res.end();
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(message);
}

function stripQuotes(etag: string): string {
  return String(etag).replace(/^W\//, '').replace(/^"|"$/g, '');
}

async function readMeta(file: string): Promise<PartMeta | null> {
  try {
    return JSON.parse(await fs.promises.readFile(file, 'utf8')) as PartMeta;
  } catch {
    return null;
  }
}
