// Admin CLI: `npm run -s admin -- <command>`; every command prints one JSON document on stdout.
// Beside `npm start` it needs no variables: it finds the stack's database in DATA_DIR.
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { ConfigError, loadConfig, type Env } from '../config/config';
import { databaseUrlOrStackSettings, encryptionKeyOrStackSettings } from '../config/stack-settings';
import { openDatabase } from '../db/data-source';
import { CustomersRepository } from '../db/repositories/customers.repository';
import { OrganizationsRepository } from '../db/repositories/organizations.repository';
import { mintPortalLink } from '../api/portal-page/portal-link';
import { SigningKeysRepository } from '../db/repositories/signing-keys.repository';
import { MAX_CERTIFICATE_DAYS, newSigningKey } from '../benefits/license-keys/license-certificates';
import { buildProviders } from '../benefits/providers';
import { strategies } from '../benefits/registry';

const USAGE = `usage: npm run -s admin -- <command> [options]

commands:
  create-org --name <name> [--grace-period-days <n>]
      creates an organization and an access token; prints {"organization_id","access_token"}.
  create-token --org <organization id> [--comment <text>] [--expires-in-days <n>]
      issues another access token; prints {"id","organization_id","access_token"}.
  list-tokens [--org <organization id>]
      lists tokens (id, organization, comment, created, expires, last used, revoked); never a secret.
  revoke-token --id <token id>
      revokes a token; every API process refuses it within 5 seconds.
  rotate-signing-key --org <organization id> [--retire-now]
      new license certificates are signed with a new key; certificates signed with the old one keep
      verifying until they expire (--retire-now: the old key is withdrawn at once). Needs SECRET_ENCRYPTION_KEY
      (beside npm start, the key it generated).
  set-certificate-validity --org <organization id> --days <1..${MAX_CERTIFICATE_DAYS}>
      the longest an offline license certificate of the organization stays valid (default 7).
  drift-repair [--dry-run]
      compares providers (GitHub collaborators and invitations) with granted grants and prints what
      it restored and removed; --dry-run prints what it would do and changes nothing. The worker's
      schedule (DRIFT_REPAIR_INTERVAL_HOURS) runs the same pass; its results are in the Temporal Web UI.
  set-org-avatar --org <organization id> --url <https URL | none>
      the image the customer portal shows beside the organization's name (portal shapes' avatar_url).
  portal-link --customer <customer id or external id> [--org <organization id>] [--return-url <url>]
      mints a customer session (one hour) and prints {"customer_id","organization_id","customer_portal_url","expires_at"};
      --org is needed when several organizations have a customer with that external id. Links use PUBLIC_BASE_URL
      (default http://HOST:PORT).

Access tokens are stored hashed: a token is shown only when it is created.
The database is DATABASE_URL, or the one \`npm start\` runs (found in DATA_DIR, default .data).`;

class UsageError extends Error {}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidOption(values: Record<string, unknown>, name: string, required = true): string | undefined {
  const value = values[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || !UUID_RE.test(value)) throw new UsageError(`--${name} must be a UUID`);
  return value.toLowerCase();
}

function wholeNumber(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`);
  }
  return n;
}

type Run = (ctx: { ds: DataSource; config: Env }) => Promise<unknown>;

interface Command {
  options: Record<string, { type: 'string' | 'boolean' }>;
  /** Checks the options (throwing UsageError) before any connection is made. */
  prepare(values: Record<string, string | boolean | undefined>): Run;
}

const COMMANDS: Record<string, Command> = {
  'create-org': {
    options: { name: { type: 'string' }, 'grace-period-days': { type: 'string' } },
    prepare(values) {
      const name = typeof values.name === 'string' ? values.name.trim() : '';
      if (!name) throw new UsageError('--name is required');
      const grace = values['grace-period-days'] === undefined ? 0 : wholeNumber(values['grace-period-days'], 'grace-period-days', 0, 3650);
      return async ({ ds }) => {
        const { organization, accessToken } = await new OrganizationsRepository(ds).createWithToken(name, 'admin cli', grace);
        return { organization_id: organization.id, access_token: accessToken };
      };
    },
  },
  'create-token': {
    options: { org: { type: 'string' }, comment: { type: 'string' }, 'expires-in-days': { type: 'string' } },
    prepare(values) {
      const organizationId = uuidOption(values, 'org')!;
      const days = values['expires-in-days'] === undefined ? null : wholeNumber(values['expires-in-days'], 'expires-in-days', 1, 3650);
      const comment = typeof values.comment === 'string' ? values.comment : 'admin cli';
      return async ({ ds }) => {
        const repo = new OrganizationsRepository(ds);
        if (!(await repo.findById(organizationId))) throw new Error(`no organization with id ${organizationId}`);
        const expiresAt = days === null ? null : new Date(Date.now() + days * 86_400_000);
        const { id, token } = await repo.createToken(organizationId, comment, expiresAt);
        return { id, organization_id: organizationId, comment, expires_at: expiresAt, access_token: token };
      };
    },
  },
  'list-tokens': {
    options: { org: { type: 'string' } },
    prepare(values) {
      const organizationId = uuidOption(values, 'org', false);
      return ({ ds }) => new OrganizationsRepository(ds).listTokens(organizationId);
    },
  },
  'revoke-token': {
    options: { id: { type: 'string' } },
    prepare(values) {
      const id = uuidOption(values, 'id')!;
      return async ({ ds }) => {
        const revoked = await new OrganizationsRepository(ds).revokeToken(id);
        if (!revoked) throw new Error(`no token with id ${id}`);
        return revoked;
      };
    },
  },
  'rotate-signing-key': {
    options: { org: { type: 'string' }, 'retire-now': { type: 'boolean' } },
    prepare(values) {
      const organizationId = uuidOption(values, 'org')!;
      return async ({ ds, config }) => {
        // Beside `npm start` the key is the one it generated into DATA_DIR, as for the database.
        const secret = encryptionKeyOrStackSettings(config);
        if (!secret) throw new ConfigError('SECRET_ENCRYPTION_KEY: required to create a signing key (set the one the API uses)');
        if (!(await new OrganizationsRepository(ds).findById(organizationId))) throw new Error(`no organization with id ${organizationId}`);
        const next = newSigningKey(secret, organizationId);
        const { current, retired } = await new SigningKeysRepository(ds).rotate(next, values['retire-now'] === true);
        return {
          organization_id: organizationId,
          key_id: current.key_id,
          retired: retired.map((k) => ({ key_id: k.key_id, retired_at: k.retired_at, published_until: k.expires_at })),
        };
      };
    },
  },
  'set-certificate-validity': {
    options: { org: { type: 'string' }, days: { type: 'string' } },
    prepare(values) {
      const organizationId = uuidOption(values, 'org')!;
      const days = wholeNumber(values.days, 'days', 1, MAX_CERTIFICATE_DAYS);
      return async ({ ds }) => {
        if (!(await new OrganizationsRepository(ds).setCertificateMaxDays(organizationId, days))) {
          throw new Error(`no organization with id ${organizationId}`);
        }
        return { organization_id: organizationId, license_certificate_max_days: days };
      };
    },
  },
  'drift-repair': {
    options: { 'dry-run': { type: 'boolean' } },
    prepare(values) {
      const dryRun = values['dry-run'] === true;
      return async ({ ds, config }) => {
        const providers = buildProviders(config);
        const reports: Record<string, unknown> = {};
        for (const strategy of Object.values(strategies)) {
          if (strategy.repairDrift)
            reports[strategy.type] = await strategy.repairDrift({ providers, db: ds, dataSource: ds, dryRun, heartbeat: () => {} });
        }
        return reports;
      };
    },
  },
  'set-org-avatar': {
    options: { org: { type: 'string' }, url: { type: 'string' } },
    prepare(values) {
      const organizationId = uuidOption(values, 'org')!;
      const url = values.url === 'none' ? null : typeof values.url === 'string' ? values.url : '';
      if (url !== null && !/^https?:\/\/\S+$/i.test(url)) throw new UsageError('--url must be an http(s) URL, or none');
      return async ({ ds }) => {
        if (!(await new OrganizationsRepository(ds).setAvatarUrl(organizationId, url))) {
          throw new Error(`no organization with id ${organizationId}`);
        }
        return { organization_id: organizationId, avatar_url: url };
      };
    },
  },
  'portal-link': {
    options: { customer: { type: 'string' }, org: { type: 'string' }, 'return-url': { type: 'string' } },
    prepare(values) {
      const customer = typeof values.customer === 'string' ? values.customer.trim() : '';
      if (!customer) throw new UsageError('--customer is required (a customer id or external id)');
      const organizationId = uuidOption(values, 'org', false) ?? null;
      const returnUrl = typeof values['return-url'] === 'string' ? values['return-url'] : null;
      if (returnUrl !== null && !/^https?:\/\/\S+$/i.test(returnUrl)) throw new UsageError('--return-url must be an http(s) URL');
      return async ({ ds, config }) => {
        const found = await new CustomersRepository(ds).locate(customer, organizationId);
        if (found.length === 0) throw new Error(`no customer with id or external id ${customer}`);
        if (new Set(found.map((c) => c.organization_id)).size > 1) {
          throw new Error(`customers of several organizations have external id ${customer}: pass --org <organization id>`);
        }
        const { session, url } = await mintPortalLink(ds, config, found[0], returnUrl);
        return {
          customer_id: found[0].id,
          organization_id: found[0].organization_id,
          customer_portal_url: url,
          expires_at: session.expires_at,
        };
      };
    },
  },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`${name && name !== 'help' && name !== '--help' ? `unknown command: ${name}\n\n` : ''}${USAGE}\n`);
    return name && name !== 'help' && name !== '--help' ? 2 : 0;
  }
  let run: Run;
  try {
    run = command.prepare(parseArgs({ args: rest, options: command.options, strict: true }).values);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const ds = await openDatabase({
    url: databaseUrlOrStackSettings(config),
    ssl: config.DATABASE_SSL,
    poolSize: 2,
    applicationName: 'benefits-admin',
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNREFUSED') throw new Error(`cannot reach PostgreSQL (${err.message}): is \`npm start\` running?`);
    throw err;
  });
  try {
    const result = await run({ ds, config });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    await ds.destroy();
  }
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof ConfigError ? 78 : 1);
  });
