// One POST to a URL a merchant chose (a webhook endpoint): http or https only, no redirects, a
// deadline, the network guard applied where the socket connects, and a response read only up
// to a cap (a receiver answering with gigabytes must not fill the worker's memory).
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { DestinationRefusedError, guardedLookup, isBlockedAddress } from './network-guard';

export const RESPONSE_READ_CAP_BYTES = 64 * 1024;

export interface OutboundPost {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Loopback and private networks allowed (self-hosted receivers next to the service). */
  allowPrivateNetworks: boolean;
  maxResponseBytes?: number;
}

export interface OutboundResponse {
  status: number;
  /** At most the cap, decoded as UTF-8. */
  body: string;
}

export class OutboundTimeoutError extends Error {
  constructor() {
    super('timed out');
    this.name = 'TimeoutError';
  }
}

// Pools per policy: a connection opened while private networks were allowed is never reused
// for a request that must not reach them.
const agents = {
  guarded: {
    http: new HttpAgent({ keepAlive: true, lookup: guardedLookup }),
    https: new HttpsAgent({ keepAlive: true, lookup: guardedLookup }),
  },
  open: { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) },
};

/** Throws DestinationRefusedError for a scheme or literal address the policy refuses. */
export function checkDestination(rawUrl: string, allowPrivateNetworks: boolean): URL {
  const url = new URL(rawUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new DestinationRefusedError(`scheme ${url.protocol} is not http or https`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // A literal address is connected to without a lookup, so it is checked here.
  if (!allowPrivateNetworks && isIP(host) && isBlockedAddress(host)) throw DestinationRefusedError.address(host, host);
  return url;
}

export async function postOutbound(rawUrl: string, opts: OutboundPost): Promise<OutboundResponse> {
  const url = checkDestination(rawUrl, opts.allowPrivateNetworks);
  const pool = opts.allowPrivateNetworks ? agents.open : agents.guarded;
  const cap = opts.maxResponseBytes ?? RESPONSE_READ_CAP_BYTES;
  const https = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      headers: { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) },
      agent: https ? pool.https : pool.http,
    });
    const timer = setTimeout(() => req.destroy(new OutboundTimeoutError()), opts.timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    req.on('error', fail);
    req.on('response', (res) => {
      readCapped(res, cap).then((body) => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body });
      }, fail);
    });
    req.end(opts.body);
  });
}

/** Reads up to `cap` bytes, then lets the rest go (the socket is closed, not drained). */
function readCapped(res: IncomingMessage, cap: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks).subarray(0, cap).toString('utf8'));
    };
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= cap) {
        finish();
        res.destroy();
      }
    });
    res.on('end', finish);
    res.on('close', finish);
    res.on('error', (err) => (done ? undefined : reject(err)));
  });
}
