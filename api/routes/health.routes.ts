import { Router } from 'express';
import { ping } from '../../db/sql';
import type { ApiServices } from '../composition';

export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
}

/**
 * /healthz: the process is alive. /readyz: every dependency answers (503 naming the ones that
 * don't, in `down`). With Temporal down the API still serves reads, license validation and
 * purchases (engine work waits in the command outbox), but is not ready: the engine is part of the service.
 */
export function healthRoutes(services: ApiServices): Router {
  const probes: ReadinessProbe[] = [
    { name: 'postgres', check: () => ping(services.dataSource) },
    { name: 'temporal', check: async () => void (await services.temporal.workflowService.getSystemInfo({})) },
  ];
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      probes.map(async (p) => {
        try {
          await withTimeout(p.check(), 3000);
          return [p.name, 'ok'] as const;
        } catch (err) {
          return [p.name, `unavailable: ${(err as Error)?.message ?? String(err)}`] as const;
        }
      }),
    );
    const checks = Object.fromEntries(results);
    const down = results.filter(([, s]) => s !== 'ok').map(([name]) => name);
    res.status(down.length === 0 ? 200 : 503).json({ status: down.length === 0 ? 'ok' : 'unavailable', down, checks });
  });
  return router;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
