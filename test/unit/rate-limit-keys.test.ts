// Which bucket a client address falls in, and the TRUST_PROXY setting that decides the address.
import { parseConfig } from '../../config/config';
import { clientBucketId } from '../../lib/rate-limiter';

test.each([
  ['192.0.2.1', '192.0.2.1'],
  ['::ffff:192.0.2.1', '192.0.2.1'],
  ['::ffff:c000:201', '192.0.2.1'],
  ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
  ['2001:DB8:1:2::9', '2001:db8:1:2::/64'],
  ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
  ['2001:db8::', '2001:db8:0:0::/64'],
  ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
  [undefined, 'unknown'],
])('%s is bucketed as %s', (ip, bucket) => {
  expect(clientBucketId(ip)).toBe(bucket);
});

test('TRUST_PROXY: unset trusts no proxy; true, hop counts and address lists as Express takes them', () => {
  expect(parseConfig({}).TRUST_PROXY).toBe(false);
  expect(parseConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
  expect(parseConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
  expect(parseConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::/8' }).TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8']);
  expect(() => parseConfig({ TRUST_PROXY: 'my-proxy' })).toThrow(/TRUST_PROXY:/);
});
