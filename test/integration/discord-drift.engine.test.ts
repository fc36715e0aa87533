// Drift repair on the real dev server (the workflow run directly, and through its schedule): the
// role's members are compared with the grants; what we granted is repaired, nobody else touched.
import { randomUUID } from 'node:crypto';
import type { DriftReport } from '../../benefits/strategy';
import { LinkedAccountsRepository } from '../../db/repositories/linked-accounts.repository';
import { FakeDiscord } from '../fakes/discord-server';
import { discordShops } from '../support/discord-shop';
import { eventually, startTestStack, type TestStack } from '../support/harness';

let fake: FakeDiscord;
let stack: TestStack;
let kit: ReturnType<typeof discordShops>;

beforeAll(async () => {
  fake = await FakeDiscord.start();
  stack = await startTestStack({ env: fake.env() });
  kit = discordShops(stack, fake, new LinkedAccountsRepository(stack.dataSource, null), '95');
});
afterAll(async () => {
  await stack?.close();
  await fake?.close();
});

const runDrift = () =>
  stack.temporal.workflow.execute('driftRepairWorkflow', {
    taskQueue: stack.taskQueue,
    workflowId: `drift-test-${randomUUID()}`,
    args: [{}],
  }) as Promise<DriftReport[]>;

test('restores the role to a granted account, removes it where all our grants are revoked, touches nobody else', async () => {
  const s = await kit.shop();
  const role = `${s.guildId}1`;
  const b = await s.benefit(role, false);
  const p = await s.product([b.id]);
  const kept = await s.customer('3001');
  const gone = await s.customer('3002');
  const left = await s.customer('3003');
  await kit.buy(s, kept.id, p.id, 1);
  const { order } = await kit.buy(s, gone.id, p.id, 1);
  await kit.buy(s, left.id, p.id, 1);
  await kit.refund(s, order, gone.id);

  // Drift: a moderator took 3001's role, gave 3002 the role back, 3003 left the server; 3009 holds
  // the role without any grant of ours, 3010 is a member without it.
  const members = fake.guilds.get(s.guildId)!.members;
  members.get('3001')!.delete(role);
  members.get('3002')!.add(role);
  members.delete('3003');
  members.set('3009', new Set([role]));
  members.set('3010', new Set());
  const before = fake.requests.length;

  const reports = await runDrift();
  const report = reports.find((r) => r.type === 'discord')!;
  const target = `discord:${s.guildId}/${role}`;
  expect(report.repairs.filter((r) => r.target === target)).toEqual([
    { action: 'restored', target, accountId: '3001' },
    { action: 'removed', target, accountId: '3002' },
  ]);
  expect(report.unrepaired.filter((u) => u.target === target)).toEqual([
    { target, accountId: '3003', reason: 'granted, but not a member of the server any more' },
  ]);
  expect(fake.rolesOf(s.guildId, '3001')).toEqual([role]);
  expect(fake.rolesOf(s.guildId, '3002')).toEqual([]);
  expect(fake.rolesOf(s.guildId, '3009')).toEqual([role]);
  expect(fake.rolesOf(s.guildId, '3010')).toEqual([]);
  const writes = fake.requests.slice(before).filter((r) => r.method !== 'GET' && r.path.startsWith(`/guilds/${s.guildId}/`));
  expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
    `PUT /guilds/${s.guildId}/members/3001/roles/${role}`,
    `DELETE /guilds/${s.guildId}/members/3002/roles/${role}`,
  ]);

  // A second pass finds nothing left to repair.
  const again = (await runDrift()).find((r) => r.type === 'discord')!;
  expect(again.repairs.filter((r) => r.target === target)).toEqual([]);
});

test('a server the bot lost is reported, and the pass goes on', async () => {
  const s = await kit.shop();
  const b = await s.benefit(`${s.guildId}1`, false);
  await kit.buy(s, (await s.customer('3101')).id, (await s.product([b.id])).id, 1);
  fake.guilds.get(s.guildId)!.members.delete(fake.botUserId);
  const report = (await runDrift()).find((r) => r.type === 'discord')!;
  expect(report.unrepaired).toContainEqual({
    target: `discord:${s.guildId}`,
    accountId: null,
    reason: expect.stringMatching(/not in the server/),
  });
});

test('the schedule runs drift repair every DRIFT_REPAIR_INTERVAL_HOURS; setting it again updates it', async () => {
  const id = await stack.engine.ensureDriftRepairSchedule(24);
  const handle = stack.temporal.schedule.getHandle(id);
  try {
    expect(await stack.engine.ensureDriftRepairSchedule(6)).toBe(id);
    const described = await handle.describe();
    expect(described.spec.intervals?.map((i) => i.every)).toEqual([6 * 3_600_000]);
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'driftRepairWorkflow', taskQueue: stack.taskQueue });
    await handle.trigger();
    const started = await eventually(async () => (await handle.describe()).info.recentActions[0]?.action.workflow);
    const result = (await stack.temporal.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result()) as DriftReport[];
    expect(result.map((r) => r.type)).toEqual(expect.arrayContaining(['discord']));
  } finally {
    await handle.delete();
  }
});
