// Admin CLI: `npm run -s admin -- create-org --name "Acme"` prints {"organization_id","access_token"}.
import { parseArgs } from 'node:util';
import { loadConfig, requireDatabaseUrl } from '../config/config';
import { openDatabase } from '../db/data-source';
import { OrganizationsRepository } from '../db/repositories/organizations.repository';

const USAGE = `usage: npm run -s admin -- <command>

commands:
  create-org --name <name> [--grace-period-days <n>]
      creates an organization and an access token; prints {"organization_id","access_token"}.
      The token is stored hashed and shown only this once.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'create-org') {
    process.stderr.write(`${USAGE}\n`);
    return command ? 2 : 0;
  }
  const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, 'grace-period-days': { type: 'string' } } });
  const name = values.name?.trim();
  if (!name) {
    process.stderr.write(`--name is required\n\n${USAGE}\n`);
    return 2;
  }
  const grace = values['grace-period-days'] === undefined ? 0 : Number(values['grace-period-days']);
  if (!Number.isInteger(grace) || grace < 0) {
    process.stderr.write('--grace-period-days must be a whole number >= 0\n');
    return 2;
  }
  const config = loadConfig();
  const ds = await openDatabase({ url: requireDatabaseUrl(config), ssl: config.DATABASE_SSL, poolSize: 2, applicationName: 'benefits-admin' });
  try {
    const { organization, accessToken } = await new OrganizationsRepository(ds).createWithToken(name, 'admin cli', grace);
    process.stdout.write(`${JSON.stringify({ organization_id: organization.id, access_token: accessToken })}\n`);
    return 0;
  } finally {
    await ds.destroy();
  }
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
