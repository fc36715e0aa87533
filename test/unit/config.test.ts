import { parseConfig, ENV_VARIABLES } from '../../config/config';

test('defaults give the documented local stack', () => {
  const c = parseConfig({});
  expect(c).toMatchObject({
    PORT: 8000,
    HOST: '127.0.0.1',
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    TEMPORAL_UI_PORT: 8233,
    TEMPORAL_NAMESPACE: 'default',
  });
});

test.each([
  ['PORT', 'abc'],
  ['DATABASE_URL', 'mysql://x'],
  ['LOG_LEVEL', 'loud'],
  ['TEMPORAL_TLS', 'maybe'],
])('a bad %s stops start-up with a message naming it', (name, value) => {
  expect(() => parseConfig({ [name]: value })).toThrow(new RegExp(`${name}:`));
});

test('a TLS certificate without its key is refused', () => {
  expect(() => parseConfig({ TEMPORAL_TLS_CERT_PATH: '/x.pem' })).toThrow(/TEMPORAL_TLS_KEY_PATH/);
});

test('unknown variables are ignored and every accepted one is listed', () => {
  expect(() => parseConfig({ SOMETHING_ELSE: '1' })).not.toThrow();
  expect(ENV_VARIABLES).toEqual(expect.arrayContaining(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_API_KEY', 'PORT']));
});

test('file storage is local by default; gcs needs its bucket', () => {
  expect(parseConfig({}).STORAGE).toBe('local');
  expect(() => parseConfig({ STORAGE: 'gcs' })).toThrow(/GCS_BUCKET/);
  expect(parseConfig({ STORAGE: 'gcs', GCS_BUCKET: 'b' }).GCS_BUCKET).toBe('b');
  expect(() => parseConfig({ STORAGE: 's3' })).toThrow(/STORAGE:/);
});
