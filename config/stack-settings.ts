// Settings `npm start` leaves in DATA_DIR for commands run beside it (`npm run admin`): the
// embedded PostgreSQL's URL is chosen at start and known to no one else. The file holds a
// password, so it is the owner's only (mode 0600), like dev-organization.json.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, type Env } from './config';

export const STACK_SETTINGS_FILE = 'stack-settings.json';
/** The key `npm start` generates when SECRET_ENCRYPTION_KEY is unset; kept so sealed secrets stay readable. */
export const STACK_ENCRYPTION_KEY_FILE = 'secret-encryption-key';

export interface StackSettings {
  database_url: string;
}

/** DATA_DIR as `npm start` resolves it (relative to the project root). */
export function dataDirOf(config: Pick<Env, 'DATA_DIR'>): string {
  return path.resolve(__dirname, '..', config.DATA_DIR);
}

export async function writeStackSettings(dataDir: string, settings: StackSettings): Promise<void> {
  const file = path.join(dataDir, STACK_SETTINGS_FILE);
  await writeFile(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600); // writeFile's mode applies only to a new file
}

/** DATABASE_URL when set, else the URL `npm start` wrote into DATA_DIR; a ConfigError naming both otherwise. */
export function databaseUrlOrStackSettings(config: Pick<Env, 'DATABASE_URL' | 'DATA_DIR'>): string {
  if (config.DATABASE_URL) return config.DATABASE_URL;
  const file = path.join(dataDirOf(config), STACK_SETTINGS_FILE);
  if (existsSync(file)) {
    let url: unknown;
    try {
      url = (JSON.parse(readFileSync(file, 'utf8')) as Partial<StackSettings>).database_url;
    } catch {
      // unreadable: reported below like a file without the setting
    }
    if (typeof url === 'string' && /^postgres(ql)?:\/\//.test(url)) return url;
    throw new ConfigError(`Invalid configuration:\n  ${file}: has no database_url; run \`npm start\` again or set DATABASE_URL`);
  }
  throw new ConfigError(
    'Invalid configuration:\n  DATABASE_URL: not set, and no `npm start` is known in DATA_DIR ' +
      `(${file} is missing).\n  Run this beside \`npm start\` (same DATA_DIR), or set DATABASE_URL=postgres://user:pass@host:5432/db`,
  );
}

/** The stack's generated encryption key, created on first use (mode 0600). */
export async function ensureStackEncryptionKey(dataDir: string): Promise<string> {
  const file = path.join(dataDir, STACK_ENCRYPTION_KEY_FILE);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const key = randomBytes(32).toString('base64');
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/** SECRET_ENCRYPTION_KEY when set, else the key `npm start` generated into DATA_DIR, if any. */
export function encryptionKeyOrStackSettings(config: Pick<Env, 'SECRET_ENCRYPTION_KEY' | 'DATA_DIR'>): string | undefined {
  if (config.SECRET_ENCRYPTION_KEY) return config.SECRET_ENCRYPTION_KEY;
  const file = path.join(dataDirOf(config), STACK_ENCRYPTION_KEY_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}
