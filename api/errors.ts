// The API's error kinds and their Polar-shaped bodies. Handlers throw these; one handler maps them.
import type { ErrorRequestHandler } from 'express';
import { isGrpcServiceError } from '@temporalio/client';
import { z } from 'zod';
import type { Logger } from '../lib/logger';

export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
  input?: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorName: string,
    readonly detail: string,
  ) {
    super(detail);
  }

  body(): unknown {
    return { error: this.errorName, detail: this.detail };
  }
}

export class NotFoundError extends ApiError {
  constructor(detail = 'Not found') {
    super(404, 'ResourceNotFound', detail);
  }
}

export class UnauthorizedError extends ApiError {
  constructor(detail = 'Missing or invalid access token') {
    super(401, 'Unauthorized', detail);
  }
}

export class NotPermittedError extends ApiError {
  constructor(detail: string) {
    super(403, 'NotPermitted', detail);
  }
}

export class BadRequestError extends ApiError {
  constructor(detail: string, errorName = 'BadRequest') {
    super(400, errorName, detail);
  }
}

export class ConflictError extends ApiError {
  constructor(detail: string, errorName = 'Conflict') {
    super(409, errorName, detail);
  }
}

export class TooManyRequestsError extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'TooManyRequests', 'Rate limit exceeded');
  }
}

/** The database is down, silent or shedding load: the client may retry shortly. */
export class ServiceUnavailableError extends ApiError {
  constructor(readonly retryAfterSeconds = 1) {
    super(503, 'ServiceUnavailable', 'The service is temporarily unavailable; retry shortly');
  }
}

// Connection failures (Node socket codes, PostgreSQL class 08, shutdown and overload codes) and
// timeouts (statement_timeout's query_canceled, the pool's and the client's own).
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '57014',
]);
const UNAVAILABLE_MESSAGES = [
  'timeout expired',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Connection terminated',
  'Client has encountered a connection error',
  'Connection is closed',
  'terminating connection',
];

/** True for errors that mean the database could not answer, as opposed to a bug or bad input. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: any = err, depth = 0; e && depth < 4; e = e.driverError ?? e.cause, depth++) {
    if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

// gRPC status codes meaning Temporal could not be reached in time (UNAVAILABLE, DEADLINE_EXCEEDED).
const GRPC_UNAVAILABLE = new Set([14, 4]);

/**
 * True when Temporal could not answer. Writes never get here (their engine work waits in the
 * command outbox); a request that must wait on the engine itself (a customer resuming a parked grant) does.
 */
export function isEngineUnavailable(err: unknown): boolean {
  for (let e: any = err, depth = 0; e && depth < 4; e = e.cause, depth++) {
    if (isGrpcServiceError(e) && GRPC_UNAVAILABLE.has(e.code)) return true;
  }
  return false;
}

/** 422 with FastAPI/Polar's `detail[]` so SDK clients surface the field that is wrong. */
export class RequestValidationError extends ApiError {
  constructor(readonly issues: ValidationIssue[]) {
    super(422, 'RequestValidationError', issues.map((i) => `${i.loc.join('.')}: ${i.msg}`).join('; '));
  }

  override body(): unknown {
    return { detail: this.issues };
  }

  static at(loc: (string | number)[], msg: string, type = 'value_error', input?: unknown): RequestValidationError {
    return new RequestValidationError([{ loc, msg, type, ...(input === undefined ? {} : { input }) }]);
  }
}

/** Turns zod issues into Polar's `loc` arrays, prefixed with where the value came from. */
export function fromZodError(err: z.ZodError, prefix: 'body' | 'query' | 'path' | 'header'): RequestValidationError {
  return new RequestValidationError(
    err.issues.map((issue) => ({
      loc: [prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
      msg: issue.message,
      type: issue.code === 'invalid_type' && issue.input === undefined ? 'missing' : issue.code,
    })),
  );
}

/**
 * PostgreSQL errors only input can cause (a value the column cannot hold). Schemas reject these
 * first; this is the net for a value that reached SQL some other way (benefit properties, a path).
 */
const INPUT_SQLSTATES: Record<string, string> = {
  '22P05': 'Input contains a character that cannot be stored (e.g. NUL)',
  '22021': 'Input contains a character that cannot be stored (e.g. NUL)',
  '22001': 'Input is too long',
  '22003': 'Input is out of range',
  '22P02': 'Input is not a valid value',
};

function inputDatabaseError(err: unknown, method: string): RequestValidationError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !(code in INPUT_SQLSTATES)) return null;
  const where = method === 'GET' || method === 'DELETE' || method === 'HEAD' ? 'query' : 'body';
  return RequestValidationError.at([where], INPUT_SQLSTATES[code], 'value_error');
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (isDatabaseUnavailable(err) || isEngineUnavailable(err)) {
      const what = isEngineUnavailable(err) ? 'temporal unavailable' : 'database unavailable';
      logger.warn({ err: String(err?.message ?? err), method: req.method, path: req.path }, what);
      const unavailable = new ServiceUnavailableError();
      res.setHeader('Retry-After', String(unavailable.retryAfterSeconds));
      res.status(unavailable.status).json(unavailable.body());
      return;
    }
    if (err instanceof TooManyRequestsError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    if (err instanceof ApiError) {
      res.status(err.status).json(err.body());
      return;
    }
    if (err instanceof z.ZodError) {
      const e = fromZodError(err, 'body');
      res.status(422).json(e.body());
      return;
    }
    // Body parser failures (malformed JSON, too large) are the client's fault.
    if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      const status = err.status as number;
      if (err.type === 'entity.parse.failed') {
        res.status(422).json({ detail: [{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }] });
        return;
      }
      res.status(status).json({ error: 'BadRequest', detail: String(err.message ?? 'Bad request') });
      return;
    }
    const input = inputDatabaseError(err, req.method);
    if (input) {
      logger.warn({ code: (err as { code: string }).code, method: req.method, path: req.path }, 'input the database cannot hold');
      res.status(422).json(input.body());
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json({ error: 'InternalServerError', detail: 'An unexpected error occurred' });
  };
}
