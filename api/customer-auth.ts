// Customer portal auth: a customer session token (polar_cst_...) stands for one customer of one
// organization. Organization tokens are not accepted here, and these tokens are not accepted elsewhere.
import type { NextFunction, Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import { CustomerSessionsRepository } from '../db/repositories/customer-sessions.repository';
import { bearerToken } from './auth';
import { UnauthorizedError } from './errors';

export function requireCustomerSession(ds: DataSource) {
  const sessions = new CustomerSessionsRepository(ds);
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = bearerToken(req);
    if (!token) throw new UnauthorizedError('Authorization header with a customer session token is required');
    const session = await sessions.resolve(token);
    if (!session) throw new UnauthorizedError('Invalid or expired customer session token');
    res.locals.customerId = session.customerId;
    res.locals.organizationId = session.organizationId;
    next();
  };
}

export function customerIdOf(res: Response): string {
  const id = res.locals.customerId as string | undefined;
  if (!id) throw new UnauthorizedError();
  return id;
}
