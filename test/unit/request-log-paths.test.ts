// Signed file links carry their credential in the path: the request log keeps the route, not the signature.
import { loggablePath } from '../../api/request-log';

test('signed upload, download and portal link paths are logged without their token', () => {
  expect(loggablePath('/v1/files/storage/parts/eyJrIjoiYSJ9.c2lnbmF0dXJl')).toBe('/v1/files/storage/parts/[redacted]');
  expect(loggablePath('/v1/files/storage/objects/eyJrIjoiYSJ9.c2ln')).toBe('/v1/files/storage/objects/[redacted]');
  expect(loggablePath('/v1/customer-portal/downloadables/eyJkIjoiYSJ9.c2ln')).toBe('/v1/customer-portal/downloadables/[redacted]');
  expect(loggablePath('/v1/customer-portal/downloadables/')).toBe('/v1/customer-portal/downloadables/');
  expect(loggablePath('/v1/files/0b3c3d52-0000-4000-8000-000000000000')).toBe('/v1/files/0b3c3d52-0000-4000-8000-000000000000');
});
