// What the app is built from, apart from app.ts so the routes it mounts can name it without an
// import cycle (app.ts imports the routes).
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { Env } from '../config/config';
import type { Logger } from '../lib/logger';

export interface AppDeps {
  config: Env;
  logger: Logger;
  dataSource: DataSource;
  temporal: Client;
}
