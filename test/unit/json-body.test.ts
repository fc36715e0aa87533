// The API's JSON body parser answers every request exactly as express.json does: each case runs
// against both, behind the API's own error handler, and the answers must match (and say what a
// client expects).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import express from 'express';
import { jsonBody } from '../../api/json-body';
import { errorHandler } from '../../api/errors';
import { createLogger } from '../../lib/logger';

const LIMIT = 200;

interface Answer {
  status: number;
  body: unknown;
}

function appWith(parser: express.RequestHandler): express.Express {
  const app = express();
  app.use(parser);
  app.post('/echo', (req, res) => {
    res.json({ body: req.body === undefined ? 'undefined' : req.body });
  });
  app.use(errorHandler(createLogger('silent', 'json-body-test')));
  return app;
}

let servers: http.Server[] = [];
let ports: { ours: number; express: number };

beforeAll(async () => {
  const listen = (app: express.Express) =>
    new Promise<http.Server>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server));
    });
  servers = [await listen(appWith(jsonBody(LIMIT))), await listen(appWith(express.json({ limit: LIMIT })))];
  ports = { ours: (servers[0].address() as AddressInfo).port, express: (servers[1].address() as AddressInfo).port };
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** One POST with exactly these headers and bytes (Content-Length from the bytes unless given). */
function post(port: number, headers: Record<string, string>, bytes: Buffer, chunked = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/echo',
        headers: chunked ? headers : { 'content-length': String(bytes.length), ...headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.on('error', reject);
    if (chunked) {
      // Two writes without a length: Node sends Transfer-Encoding: chunked.
      req.write(bytes.subarray(0, 3));
      req.end(bytes.subarray(3));
    } else req.end(bytes);
  });
}

async function both(headers: Record<string, string>, bytes: Buffer | string, chunked = false): Promise<Answer> {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const [ours, theirs] = [await post(ports.ours, headers, b, chunked), await post(ports.express, headers, b, chunked)];
  expect(ours).toEqual(theirs);
  return ours;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const INVALID = { status: 422, body: { detail: [{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }] } };

test('an object or an array is parsed into req.body', async () => {
  expect(await both(JSON_TYPE, '{"key":"K-1","n":[1,2]}')).toEqual({ status: 200, body: { body: { key: 'K-1', n: [1, 2] } } });
  expect(await both(JSON_TYPE, ' \n[1, {"a": null}]')).toEqual({ status: 200, body: { body: [1, { a: null }] } });
  expect(await both({ 'content-type': 'Application/JSON; Charset=UTF-8' }, '{"a":"é"}')).toEqual({
    status: 200,
    body: { body: { a: 'é' } },
  });
  expect(await both({ 'content-type': 'application/json;charset=utf-8' }, '{"a":1}')).toEqual({ status: 200, body: { body: { a: 1 } } });
});

test('a byte-order mark is dropped, as the UTF-8 decoder does', async () => {
  expect(await both(JSON_TYPE, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]))).toEqual({
    status: 200,
    body: { body: { a: 1 } },
  });
});

test('malformed JSON, a bare value, or only whitespace is a 422 json_invalid', async () => {
  expect(await both(JSON_TYPE, '{"key":')).toEqual(INVALID);
  expect(await both(JSON_TYPE, '"just a string"')).toEqual(INVALID);
  expect(await both(JSON_TYPE, '  42')).toEqual(INVALID);
  expect(await both(JSON_TYPE, 'null')).toEqual(INVALID);
  expect(await both(JSON_TYPE, '   ')).toEqual(INVALID);
  expect(await both(JSON_TYPE, '{"a":1} trailing')).toEqual(INVALID);
});

test('an empty body is an empty object; another media type is left unparsed', async () => {
  expect(await both(JSON_TYPE, '')).toEqual({ status: 200, body: { body: {} } });
  expect(await both({ 'content-type': 'text/plain' }, '{"a":1}')).toEqual({ status: 200, body: { body: 'undefined' } });
  expect(await both({}, '{"a":1}')).toEqual({ status: 200, body: { body: 'undefined' } });
});

test('a body over the limit is a 413; a charset other than UTF is a 415', async () => {
  const big = await both(JSON_TYPE, JSON.stringify({ pad: 'x'.repeat(LIMIT) }));
  expect(big.status).toBe(413);
  const latin = await both({ 'content-type': 'application/json; charset=latin1' }, '{"a":1}');
  expect(latin.status).toBe(415);
});

test('chunked and gzip-compressed bodies are read like any other', async () => {
  expect(await both(JSON_TYPE, '{"chunked":true}', true)).toEqual({ status: 200, body: { body: { chunked: true } } });
  expect(await both({ ...JSON_TYPE, 'content-encoding': 'gzip' }, zlib.gzipSync('{"gzip":true}'))).toEqual({
    status: 200,
    body: { body: { gzip: true } },
  });
});
