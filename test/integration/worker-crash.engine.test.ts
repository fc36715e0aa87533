// A worker that goes away while a grant is at the provider: another worker retries the grant and
// it completes exactly once. The first attempt is a local activity (workflows/local-first.ts): the
// worker's shutdown signal makes it let go, and the retry is a regular activity any worker takes.
// Real API, workflows, activities and PostgreSQL; two workers in turn on one task queue; a gated provider stands in for the benefit type's external system.
import { Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { customStrategy } from '../../benefits/custom/custom.strategy';
import { strategies } from '../../benefits/registry';
import type { BenefitStrategy } from '../../benefits/strategy';
import { createLogger } from '../../lib/logger';
import { createWorker } from '../../workers/worker';
import { createShop, grantsOf } from '../support/fixtures';
import { eventually, startTestStack, TestStack } from '../support/harness';

/**
 * Holds every grant call until released, like a slow provider. A call whose worker shuts down is
 * aborted (the activity's cancellation signal, as an HTTP call with that signal would be).
 */
class GatedProvider {
  readonly attempts: { worker: string; local: boolean; grantId: string }[] = [];
  /** Grants the provider carried out: a non-idempotent count, so a double grant shows. */
  readonly completed: string[] = [];
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));

  release(): void {
    this.open();
  }

  strategy(worker: string): BenefitStrategy<any> {
    return {
      ...customStrategy,
      // A provider stand-in (its calls are what the test watches): locked commands, shared access.
      computedOnly: false,
      sharedAccess: true,
      grant: async (ctx) => {
        const { info } = Context.current();
        this.attempts.push({ worker, local: info.isLocal, grantId: ctx.grant.id });
        const signal = ctx.signal!;
        await new Promise<void>((resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason));
          void this.gate.then(resolve);
        });
        this.completed.push(ctx.grant.id);
        return { properties: { provider_ref: `ref-${ctx.grant.id}` } };
      },
    };
  }
}

const provider = new GatedProvider();
let stack: TestStack;
const connections: NativeConnection[] = [];

beforeAll(async () => {
  // Its own workers; the stack's dispatcher starts the purchase's grants.
  stack = await startTestStack({ worker: false, dispatcher: true });
});
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await stack?.close();
});

async function startWorker(name: string): Promise<{ worker: Worker; running: Promise<void> }> {
  const connection = await NativeConnection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS! });
  connections.push(connection);
  const stopping = new AbortController();
  const worker = await createWorker({
    stopping,
    connection,
    namespace: 'default',
    taskQueue: stack.taskQueue,
    workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE!,
    activities: createActivities({
      dataSource: stack.dataSource,
      engine: stack.engine,
      registry: { ...strategies, custom: provider.strategy(name) },
      logger: createLogger('silent', 'test'),
      webhookAllowPrivateNetworks: true,
      webhookTimeoutMs: 10_000,
      stopping: stopping.signal,
    }),
    shutdownGraceSeconds: 1,
  });
  return { worker, running: worker.run() };
}

test('a grant cut off by a worker shutdown is retried by another worker and granted once', async () => {
  const first = await startWorker('first');
  const shop = await createShop(stack, 1);
  await shop.polar.orders.create({ customer_id: shop.customer.id, product_id: shop.oneTime.id });
  await eventually(async () => provider.attempts.length === 1);

  // The first worker goes away while the provider call is in flight.
  first.worker.shutdown();
  await first.running;
  const second = await startWorker('second');
  try {
    await eventually(async () => provider.attempts.length === 2);
    provider.release();
    const [grant] = await eventually(async () => {
      const granted = await grantsOf(shop, { is_granted: true });
      return granted.length === 1 ? granted : null;
    });

    expect(provider.attempts.map(({ worker, local }) => ({ worker, local }))).toEqual([
      { worker: 'first', local: true },
      { worker: 'second', local: false },
    ]);
    expect(provider.completed).toEqual([grant.id]);
    expect(grant.properties).toEqual({ provider_ref: `ref-${grant.id}` });
    const events = await stack.dataSource.query(`SELECT kind FROM benefit_grant_events WHERE grant_id = $1 ORDER BY id`, [grant.id]);
    expect(events.map((e: { kind: string }) => e.kind)).toEqual(['granted']);
  } finally {
    provider.release();
    second.worker.shutdown();
    await second.running;
  }
});
