export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as any).__benefitsTestStack;
  if (!stack) return;
  await stack.temporal.stop().catch(() => undefined);
  await stack.pg.stop().catch(() => undefined);
}
