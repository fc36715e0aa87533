// Which addresses an outbound request (a webhook delivery) may connect to. A merchant chooses the
// URL, so without this check a webhook is a way into the network the service runs in: loopback,
// private ranges, cloud metadata. The check runs inside the socket's DNS lookup, on the very
// addresses the connection then uses, so a name that resolves differently the second time (DNS
// rebinding) cannot slip past a check made earlier.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

/** A destination the network policy does not allow; never worth retrying. */
export class DestinationRefusedError extends Error {
  readonly code = 'DESTINATION_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'DestinationRefusedError';
  }

  static address(host: string, address: string): DestinationRefusedError {
    return new DestinationRefusedError(`destination ${host}${host === address ? '' : ` (${address})`} is not a public address`);
  }
}

type Range = [bigint, number];

function v4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function v6(text: string): bigint | null {
  let address = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // An embedded dotted quad (::ffff:127.0.0.1) becomes its two hextets.
  const quad = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (quad) {
    const n = v4(quad[1]);
    if (n === null) return null;
    address = `${address.slice(0, -quad[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

const V4_BLOCKED: Range[] = (
  [
    ['0.0.0.0', 8], // "this network", 0.0.0.0 included
    ['10.0.0.0', 8],
    ['100.64.0.0', 10], // carrier-grade NAT
    ['127.0.0.0', 8],
    ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
    ['172.16.0.0', 12],
    ['192.0.0.0', 24], // IETF protocol assignments
    ['192.0.2.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15], // benchmarking
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved, 255.255.255.255 broadcast included
  ] as const
).map(([a, bits]) => [v4(a)!, bits]);

const V6_BLOCKED: Range[] = (
  [
    ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form
    ['100::', 64], // discard-only
    ['2001:db8::', 32], // documentation
    ['fc00::', 7], // unique-local, AWS metadata (fd00:ec2::254) included
    ['fe80::', 10], // link-local
    ['fec0::', 10], // old site-local
    ['ff00::', 8], // multicast
  ] as const
).map(([a, bits]) => [v6(a)!, bits]);

function inRanges(value: bigint, width: number, ranges: Range[]): boolean {
  return ranges.some(([base, bits]) => value >> BigInt(width - bits) === base >> BigInt(width - bits));
}

/** True for an address a webhook must not reach; anything unparseable counts as blocked. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  if (family === 4) return inRanges(v4(address)!, 32, V4_BLOCKED);
  if (family !== 6) return true;
  const n = v6(address);
  if (n === null) return true;
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 address inside.
  const embedsV4 = n >> 32n === 0xffffn || n >> 32n === 0x64ff9b0000000000000000n;
  if (embedsV4) return inRanges(n & 0xffffffffn, 32, V4_BLOCKED);
  return inRanges(n, 128, V6_BLOCKED);
}

/**
 * A socket `lookup` that resolves as usual and keeps only allowed addresses, failing with
 * DestinationRefusedError when none is left. Node calls it while connecting (with `all` when it
 * tries several addresses), so what it returns is exactly what the socket connects to.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...(options as LookupOptions), all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    const allowed = addresses.filter((a) => !isBlockedAddress(a.address));
    if (allowed.length === 0) {
      return callback(DestinationRefusedError.address(hostname, addresses[0]?.address ?? hostname), '', 0);
    }
    if ((options as LookupOptions).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
    return callback(null, allowed[0].address, allowed[0].family);
  });
};
