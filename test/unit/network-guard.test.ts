// The network policy of outbound webhook requests: which addresses are refused (IPv4, IPv6 and
// the IPv6 forms that carry an IPv4 address), that a name is checked on what it resolves to, and
// that a receiver's answer is read only up to the cap.
import { createServer, type Server } from 'node:http';
import { DestinationRefusedError, isBlockedAddress } from '../../lib/network-guard';
import { postOutbound, RESPONSE_READ_CAP_BYTES } from '../../lib/outbound-http';

test.each([
  '127.0.0.1',
  '127.255.255.254',
  '10.1.2.3',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '100.64.0.1',
  '169.254.169.254',
  '169.254.1.1',
  '0.0.0.0',
  '255.255.255.255',
  '224.0.0.1',
  '239.255.255.250',
  '::',
  '::1',
  'fe80::1',
  'fc00::1',
  'fd00:ec2::254',
  'ff02::1',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::ffff:169.254.169.254',
  '::ffff:10.0.0.1',
  '64:ff9b::a00:1',
  '::127.0.0.1',
  'not-an-address',
])('%s is refused', (address) => {
  expect(isBlockedAddress(address)).toBe(true);
});

test.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2a00:1450::1'])(
  '%s is allowed',
  (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  },
);

describe('postOutbound', () => {
  let server: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits += 1;
      if (req.url === '/huge') {
        // 4 MiB answer: far past the cap.
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(64 * 1024, 'x');
        let sent = 0;
        const pump = () => {
          while (sent < 64 && res.write(chunk)) sent += 1;
          if (sent >= 64) res.end();
          else
            res.once('drain', () => {
              sent += 1;
              pump();
            });
        };
        pump();
        return;
      }
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (url: string, allowPrivateNetworks: boolean) =>
    postOutbound(url, { headers: {}, body: '{}', timeoutMs: 5_000, allowPrivateNetworks });

  test('refuses loopback by literal, by a name that resolves to it and as an IPv4-mapped IPv6 literal', async () => {
    const before = hits;
    for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]', '[::1]']) {
      await expect(post(`http://${host}:${port}/hooks`, false)).rejects.toBeInstanceOf(DestinationRefusedError);
    }
    expect(hits).toBe(before);
  });

  test('refuses schemes other than http and https', async () => {
    await expect(post(`file:///etc/passwd`, true)).rejects.toBeInstanceOf(DestinationRefusedError);
  });

  test('reaches loopback when private networks are allowed, by literal and by name', async () => {
    await expect(post(`http://127.0.0.1:${port}/ok`, true)).resolves.toMatchObject({ status: 204 });
    await expect(post(`http://localhost:${port}/ok`, true)).resolves.toMatchObject({ status: 204 });
  });

  test('reads a response only up to the cap', async () => {
    const res = await post(`http://127.0.0.1:${port}/huge`, true);
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(RESPONSE_READ_CAP_BYTES);
  });
});
