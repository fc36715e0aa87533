// Downloadable files in /openapi.json: uploads, a benefit's files, the portal's downloads and the
// local storage driver's signed URLs (Polar's contract; extensions marked).
import {
  benefitFilesQuery,
  fileCreateBody,
  fileListQuery,
  filePatchBody,
  fileUploadedBody,
  portalDownloadableListQuery,
} from '../schemas/files.schemas';
import { listOf, type Operation } from './operation';

export const fileOperations: Operation[] = [
  { method: 'get', path: '/v1/files/', summary: 'List files', tag: 'files', query: fileListQuery, response: listOf('FileRead') },
  {
    method: 'post',
    path: '/v1/files/',
    summary: 'Create a file (a multipart upload: one signed PUT URL per part)',
    tag: 'files',
    body: fileCreateBody,
    response: 'FileUpload',
    status: 201,
    extension:
      "Only `service: downloadable`. Each part's `url` is a signed PUT that answers an `ETag`; it expires after FILES_UPLOAD_URL_TTL_SECONDS (403 once expired or tampered).",
  },
  {
    method: 'post',
    path: '/v1/files/{id}/uploaded',
    summary: 'Complete a file upload',
    tag: 'files',
    body: fileUploadedBody,
    response: 'FileRead',
    extension: 'A missing, unknown or changed part, a wrong total size or SHA-256 answers 422 at the field; the file stays not uploaded.',
  },
  {
    method: 'patch',
    path: '/v1/files/{id}',
    summary: 'Update a file (name, version)',
    tag: 'files',
    body: filePatchBody,
    response: 'FileRead',
  },
  {
    method: 'delete',
    path: '/v1/files/{id}',
    summary: 'Delete a file',
    tag: 'files',
    status: 204,
    extension:
      'Everyone loses the file, customers who hold it included, and benefits stop listing it. Archive it in the benefit to keep it for holders.',
  },
  {
    method: 'get',
    path: '/v1/benefits/{id}/files',
    summary: "A downloadables benefit's files with their download counts",
    tag: 'benefits',
    query: benefitFilesQuery,
    response: listOf('BenefitDownloadableFile'),
  },
  {
    method: 'get',
    path: '/v1/customer-portal/downloadables/',
    summary: "List the customer's downloadable files",
    tag: 'customer-portal',
    query: portalDownloadableListQuery,
    response: listOf('DownloadableRead'),
    auth: 'customer',
    extension: '`file.download.url` is a link on this API (see the next path), valid for FILES_DOWNLOAD_URL_TTL_SECONDS.',
  },
  {
    method: 'get',
    path: '/v1/customer-portal/downloadables/{token}',
    summary: 'Download a file (no token: the signed link is the credential)',
    tag: 'customer-portal',
    status: 302,
    auth: 'none',
    extension:
      'Counts the download and redirects to a short-lived storage URL. 410 once the link expired or the customer no longer holds the file, 403 for a tampered link.',
  },
  {
    method: 'put',
    path: '/v1/files/storage/parts/{token}',
    summary: 'Upload one part (local storage driver; signed URL)',
    tag: 'files',
    auth: 'none',
    extension:
      'Served only with STORAGE=local. Raw bytes of exactly the part size; answers 200 with the `ETag`, 400 for wrong bytes, 403 expired or tampered.',
  },
  {
    method: 'get',
    path: '/v1/files/storage/objects/{token}',
    summary: 'Download a file (local storage driver; signed URL)',
    tag: 'files',
    auth: 'none',
    extension: 'Served only with STORAGE=local. The bytes, streamed; 403 expired or tampered, 404 once the file is deleted.',
  },
];
