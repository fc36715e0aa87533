// A merchant with a connected Discord server, products of discord benefits and customers with
// linked Discord accounts, for engine tests against the Discord stand-in.
import type { LinkedAccountsRepository } from '../../db/repositories/linked-accounts.repository';
import type { FakeDiscord } from '../fakes/discord-server';
import { connectGuild } from './discord.fixtures';
import { settled } from './fixtures';
import { eventually, type TestStack } from './harness';

export interface DiscordShop {
  polar: any;
  organizationId: string;
  guildId: string;
  guildToken: string;
  product(benefitIds: string[]): Promise<{ id: string }>;
  benefit(roleId: string, kick: boolean): Promise<{ id: string }>;
  customer(discordUserId: string, opts?: { link?: boolean; expiresAt?: Date }): Promise<{ id: string }>;
}

/** `guildPrefix` keeps this file's server ids apart from other files' (the database is shared). */
export function discordShops(stack: TestStack, fake: FakeDiscord, accounts: LinkedAccountsRepository, guildPrefix: string) {
  let seq = 0;
  async function shop(): Promise<DiscordShop> {
    const n = ++seq;
    const guildId = `${guildPrefix}${n}`;
    fake.addGuild(guildId, `Guild ${n}`, [
      [`${guildId}1`, 'Members', 3],
      [`${guildId}2`, 'VIP', 5],
    ]);
    const org = await stack.createOrganization(`Discord shop ${n}`);
    const polar = stack.polar(org.accessToken);
    const guildToken = await connectGuild(stack, fake, org.accessToken, guildId);
    const price = [{ amount_type: 'fixed', price_amount: 1000, price_currency: 'usd' }];
    return {
      polar,
      organizationId: org.organizationId,
      guildId,
      guildToken,
      benefit: (roleId, kick) =>
        polar.benefits.create({
          type: 'discord',
          description: 'Discord role',
          properties: { guild_token: guildToken, role_id: roleId, kick_member: kick },
        }),
      product: async (benefitIds) => {
        const p = await polar.products.create({ name: `P${Math.random()}`, prices: price });
        await polar.products.updateBenefits(p.id, { benefits: benefitIds });
        await settled(stack, org.organizationId);
        return p;
      },
      customer: async (discordUserId, opts = {}) => {
        const c = await polar.customers.create({ email: `d${discordUserId}-${n}@example.com` });
        if (opts.link !== false) await link(org.organizationId, c.id, discordUserId, opts.expiresAt);
        return c;
      },
    };
  }

  async function link(organizationId: string, customerId: string, userId: string, expiresAt?: Date) {
    const tokens = fake.addUser(userId);
    await accounts.link(stack.dataSource, {
      organizationId,
      customerId,
      platform: 'discord',
      accountId: userId,
      accountUsername: `user${userId}`,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: expiresAt ?? null,
      scope: 'identify guilds.join',
    });
    return tokens;
  }

  async function grants(s: DiscordShop, customerId: string, filters: Record<string, unknown> = {}): Promise<any[]> {
    return (await s.polar.benefitGrants.list({ customer_id: customerId, limit: 100, ...filters })).items;
  }

  async function buy(s: DiscordShop, customerId: string, productId: string, expected: number) {
    const order = await s.polar.orders.create({ customer_id: customerId, product_id: productId });
    const granted = await eventually(async () => {
      const g = (await grants(s, customerId, { is_granted: true })).filter((x) => x.order_id === order.id);
      return g.length === expected ? g : null;
    });
    return { order, granted };
  }

  async function refund(s: DiscordShop, order: { id: string }, customerId: string) {
    await s.polar.refunds.create({ order_id: order.id, reason: 'customer_request', amount: 1000, revoke_benefits: true });
    await eventually(async () => (await grants(s, customerId)).filter((g) => g.order_id === order.id).every((g) => g.is_revoked));
  }

  return { shop, link, grants, buy, refund };
}
