// LISTEN on one PostgreSQL channel over a connection held for it, reconnecting after a failure.
// Notifications sent while no connection listens are gone, so `onConnected` runs after every
// (re)connect: the caller then looks for what it may have missed.
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

export interface PgListener {
  close(): Promise<void>;
}

export interface PgListenerOptions {
  channel: string;
  onNotify(payload: string | undefined): void;
  onConnected(): void;
  onError(err: unknown): void;
  /** Wait before reconnecting after a failure. */
  retryMs?: number;
}

/** The pg pool behind a TypeORM data source (the listener's connection comes from it). */
export function pgPoolOf(ds: DataSource): Pool {
  return (ds.driver as unknown as { master: Pool }).master;
}

export function listen(pool: Pool, opts: PgListenerOptions): PgListener {
  let client: PoolClient | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const retryMs = opts.retryMs ?? 1_000;

  const onNotification = (msg: { channel: string; payload?: string }) => {
    if (msg.channel === opts.channel) opts.onNotify(msg.payload);
  };
  const drop = (err: unknown) => {
    if (!client) return;
    const c = client;
    client = null;
    c.off('notification', onNotification);
    c.release(err instanceof Error ? err : true);
    if (!closed) {
      opts.onError(err);
      retry = setTimeout(connect, retryMs);
    }
  };
  async function connect(): Promise<void> {
    if (closed) return;
    try {
      const c = await pool.connect();
      client = c;
      c.on('notification', onNotification);
      c.once('error', drop);
      // The channel name is ours (a constant), never user input.
      await c.query(`LISTEN ${opts.channel}`);
      if (closed) return drop(new Error('closed'));
      opts.onConnected();
    } catch (err) {
      if (client) drop(err);
      else if (!closed) {
        opts.onError(err);
        retry = setTimeout(connect, retryMs);
      }
    }
  }
  void connect();

  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = null;
      if (!c) return;
      c.off('notification', onNotification);
      await c.query(`UNLISTEN ${opts.channel}`).catch(() => undefined);
      c.release();
    },
  };
}
