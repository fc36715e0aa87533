// No Docker engine runs in CI, so this checks what can be checked without one: docker-compose.yml
// and the Dockerfile agree with each other, with the build output and with config/config.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, ENV_VARIABLES, parseConfig, requireEncryptionKey } from '../../config/config';
import { workerNodeArgs } from '../../config/worker-memory';

const ROOT = join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

type Env = Record<string, string | undefined>;
type Service = Record<string, unknown>;

// ---------- compose ----------

/** Compose variable interpolation: $$, $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR?e}, ${VAR:+r}. */
function interpolate(value: string, env: Env): string {
  const re = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;
  const out = value.replace(re, (_m, dollar, name, op, arg, bare) => {
    if (dollar) return '$';
    if (bare) return env[bare] ?? '';
    const v = env[name];
    const unsetOrEmpty = v === undefined || v === '';
    switch (op) {
      case undefined:
        return v ?? '';
      case ':-':
        return unsetOrEmpty ? arg : v;
      case '-':
        return v === undefined ? arg : v;
      case ':?':
      case '?':
        if (op === ':?' ? unsetOrEmpty : v === undefined) throw new Error(`${name} must be set: ${arg}`);
        return v as string;
      default: // ':+' / '+'
        return (op === ':+' ? unsetOrEmpty : v === undefined) ? '' : arg;
    }
  });
  if (value.replace(re, '').includes('${')) throw new Error(`unsupported interpolation in ${value}`);
  return out;
}

function loadCompose(): { services: Record<string, Service> } {
  // merge: true resolves the `<<: *app-env` merge key as Compose does.
  return parse(read('docker-compose.yml'), { merge: true });
}

/** A service's environment (map or KEY=VALUE list) as strings; null values mean "unset". */
function rawEnv(service: Service): Record<string, string | null> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((e: string) => (e.includes('=') ? [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] : [e, null])),
    );
  }
  return Object.fromEntries(Object.entries(env as Record<string, unknown>).map(([k, v]) => [k, v === null ? null : String(v)]));
}

/** The environment a container gets when `docker compose up` runs with the given shell/.env values. */
/** What the README asks for in .env: the one variable compose refuses to start without. */
const DOTENV: Env = { SECRET_ENCRYPTION_KEY: 'k'.repeat(44) };

function resolvedEnv(service: Service, shell: Env = DOTENV): Env {
  return Object.fromEntries(Object.entries(rawEnv(service)).map(([k, v]) => [k, v === null ? shell[k] : interpolate(v, shell)]));
}

function unknownEnvNames(env: Record<string, unknown>): string[] {
  const known = new Set<string>(ENV_VARIABLES);
  return Object.keys(env).filter((k) => !known.has(k));
}

function commandOf(service: Service): string[] {
  const c = service.command;
  if (Array.isArray(c)) return c.map(String);
  if (typeof c === 'string') return c.trim().split(/\s+/);
  return [];
}

// ---------- Dockerfile ----------

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue; // comments (also inside continuations) and parser directives
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full) lines.push(full);
  }
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    const upper = op.toUpperCase();
    if (upper === 'FROM') {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`cannot parse FROM ${args}`);
      const from = m[1].replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_s, n: string) => globalArgs[n] ?? '');
      stages.push({ from, name: m[2], instructions: [] });
    } else if (stages.length === 0 && upper === 'ARG') {
      const [name, value = ''] = args.split('=');
      globalArgs[name] = value;
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push({ op: upper, args });
    }
  }
  return stages;
}

const stageByName = (stages: Stage[], name: string): Stage | undefined => stages.find((s) => s.name === name);

function workdirOf(stages: Stage[], stage: Stage): string {
  const own = stage.instructions.filter((i) => i.op === 'WORKDIR').pop();
  if (own) return own.args;
  const parent = stageByName(stages, stage.from);
  return parent ? workdirOf(stages, parent) : '/';
}

function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.instructions.filter((i) => i.op === 'ENV')) {
    const tokens = args.split(/\s+/);
    if (!tokens[0].includes('=')) {
      env[tokens[0]] = tokens.slice(1).join(' ');
      continue;
    }
    for (const t of tokens) env[t.slice(0, t.indexOf('='))] = t.slice(t.indexOf('=') + 1).replace(/^"(.*)"$/, '$1');
  }
  return env;
}

interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}
function copiesOf(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.op === 'COPY')
    .map(({ args }) => {
      const tokens = args.split(/\s+/);
      const from = tokens.find((t) => t.startsWith('--from='))?.slice('--from='.length);
      const paths = tokens.filter((t) => !t.startsWith('--'));
      return { from, sources: paths.slice(0, -1), dest: paths[paths.length - 1] };
    });
}

const abs = (workdir: string, p: string): string => posix.normalize(posix.isAbsolute(p) ? p : posix.join(workdir, p));

// ---------- fixtures ----------

const compose = loadCompose();
const services = compose.services;
const api = services.api;
const worker = services.worker;
const stages = parseDockerfile(read('Dockerfile'));
const runtime = stages[stages.length - 1];
const runtimeWorkdir = workdirOf(stages, runtime);

const tsBase = JSON.parse(read('tsconfig.json'));
const tsBuild = JSON.parse(read('tsconfig.build.json'));
const compilerOptions = { ...tsBase.compilerOptions, ...tsBuild.compilerOptions };

/** Where a path inside the runtime image comes from: the build stage's path it was copied from. */
function buildStagePathFor(pathInRuntime: string): string | undefined {
  const target = abs(runtimeWorkdir, pathInRuntime);
  for (const copy of copiesOf(runtime)) {
    if (!copy.from || copy.sources.length !== 1) continue;
    const dest = abs(runtimeWorkdir, copy.dest);
    if (target === dest || target.startsWith(`${dest}/`)) {
      const fromStage = stageByName(stages, copy.from);
      if (!fromStage) continue;
      return abs(workdirOf(stages, fromStage), copy.sources[0]) + target.slice(dest.length);
    }
  }
  return undefined;
}

/** The TypeScript source tsc compiles to `<workdir>/<outDir>/x/y.js`, or undefined when it does not. */
function tsSourceFor(buildPath: string, buildWorkdir: string): string | undefined {
  const outDir = abs(buildWorkdir, compilerOptions.outDir);
  if (!buildPath.startsWith(`${outDir}/`) || !buildPath.endsWith('.js')) return undefined;
  const rel = posix.join(compilerOptions.rootDir ?? '.', buildPath.slice(outDir.length + 1));
  return rel.replace(/\.js$/, '.ts');
}

// ---------- tests ----------

describe('docker-compose.yml', () => {
  it('defines the whole stack', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'api', 'worker']) {
      expect(services).toHaveProperty(name);
    }
  });

  it('pins third-party images', () => {
    expect(services.postgres.image).toBe('postgres:16');
    expect(services.temporal.image).toBe('temporalio/auto-setup:1.29.1');
    expect(String(services['temporal-ui'].image)).toMatch(/^temporalio\/ui:2\.\d+\.\d+$/);
  });

  it.each(['api', 'worker'])('builds %s from the repository Dockerfile', (name) => {
    const build = services[name].build as string | { context?: string; dockerfile?: string };
    const context = typeof build === 'string' ? build : build?.context;
    const dockerfile = (typeof build === 'object' && build?.dockerfile) || 'Dockerfile';
    expect(context).toBe('.');
    expect(dockerfile).toBe('Dockerfile');
    expect(existsSync(join(ROOT, context ?? '', dockerfile))).toBe(true);
  });

  it.each(['api', 'worker'])('sets only environment variables config/config.ts knows on %s', (name) => {
    expect(unknownEnvNames(rawEnv(services[name]))).toEqual([]);
  });

  it('detects an environment variable config/config.ts does not know', () => {
    expect(unknownEnvNames({ DATABASE_URL: 'x', DATABSE_URL: 'x' })).toEqual(['DATABSE_URL']);
  });

  it('gives the api a configuration parseConfig accepts, listening on the published port', () => {
    const config = parseConfig(resolvedEnv(api));
    expect(config.NODE_ENV).toBe('production');
    expect(config.HOST).toBe('0.0.0.0');
    const containerPorts = (api.ports as string[]).map((p) => Number(String(p).split(':').pop()));
    expect(containerPorts).toContain(config.PORT);
  });

  it('refuses to start without SECRET_ENCRYPTION_KEY, which production requires', () => {
    expect(() => resolvedEnv(api, {})).toThrow(/SECRET_ENCRYPTION_KEY/);
    expect(() => requireEncryptionKey(parseConfig(resolvedEnv(api)))).not.toThrow();
    expect(() => requireEncryptionKey(parseConfig({ ...resolvedEnv(api), SECRET_ENCRYPTION_KEY: '' }))).toThrow(/SECRET_ENCRYPTION_KEY/);
  });

  it('gives the worker the same configuration minus HOST and PORT', () => {
    const workerEnv = resolvedEnv(worker);
    const config = parseConfig(workerEnv);
    expect(config.NODE_ENV).toBe('production');
    expect(workerEnv).not.toHaveProperty('HOST');
    expect(workerEnv).not.toHaveProperty('PORT');
    const { HOST: _host, PORT: _port, ...apiRest } = resolvedEnv(api);
    expect(workerEnv).toEqual(apiRest);
  });

  it('points the app at the postgres and temporal services', () => {
    for (const service of [api, worker]) {
      const config = parseConfig(resolvedEnv(service));
      const db = new URL(config.DATABASE_URL as string);
      expect(db.hostname).toBe('postgres');
      expect(db.port).toBe('5432');
      const [host, port] = config.TEMPORAL_ADDRESS.split(':');
      expect(services).toHaveProperty(host);
      expect(host).toBe('temporal');
      expect(port).toBe('7233');
    }
    expect(resolvedEnv(services['temporal-ui']).TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('keeps credentials, database and namespace consistent when .env overrides them', () => {
    const shell = { ...DOTENV, POSTGRES_USER: 'ops', POSTGRES_PASSWORD: 's3cret', TEMPORAL_NAMESPACE: 'benefits-prod' };
    const pg = resolvedEnv(services.postgres, shell);
    const temporal = resolvedEnv(services.temporal, shell);
    const db = new URL(parseConfig(resolvedEnv(api, shell)).DATABASE_URL as string);
    expect([db.username, db.password]).toEqual(['ops', 's3cret']);
    expect([pg.POSTGRES_USER, pg.POSTGRES_PASSWORD]).toEqual(['ops', 's3cret']);
    expect([temporal.POSTGRES_USER, temporal.POSTGRES_PWD]).toEqual(['ops', 's3cret']);
    expect(temporal.DEFAULT_NAMESPACE).toBe('benefits-prod');
    expect(resolvedEnv(worker, shell).TEMPORAL_NAMESPACE).toBe('benefits-prod');
  });

  it('runs temporal on the postgres service, with the app in a database of its own', () => {
    const temporal = resolvedEnv(services.temporal);
    expect(temporal).toMatchObject({ DB: 'postgres12', DB_PORT: '5432', POSTGRES_SEEDS: 'postgres' });
    const appDb = new URL(parseConfig(resolvedEnv(api)).DATABASE_URL as string).pathname.slice(1);
    expect(appDb).toBe('benefits');
    expect(['temporal', 'temporal_visibility']).not.toContain(appDb);
    const initSql = read('docker/postgres-init/01-create-app-db.sql');
    expect(initSql).toMatch(new RegExp(`CREATE DATABASE\\s+"?${appDb}"?`, 'i'));
    expect(services.postgres.volumes).toContain('./docker/postgres-init:/docker-entrypoint-initdb.d:ro');
  });

  it('starts the app only once postgres and temporal are healthy', () => {
    for (const name of ['postgres', 'temporal', 'api']) {
      expect(services[name]).toHaveProperty('healthcheck.test');
    }
    expect(JSON.stringify(api.healthcheck)).toContain('/healthz');
    for (const service of [api, worker]) {
      expect(service.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        temporal: { condition: 'service_healthy' },
      });
    }
    expect(services.temporal.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  });
});

describe('Dockerfile', () => {
  it('builds on Node 20 in stages and runs as a non-root user', () => {
    expect(stages.map((s) => s.name)).toEqual(expect.arrayContaining(['deps', 'build', 'runtime']));
    expect(runtime.name).toBe('runtime');
    expect(runtime.from).toBe('node:20-bookworm-slim');
    const user = runtime.instructions.filter((i) => i.op === 'USER').pop()?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user?.split(':')[0]);
  });

  it('installs dependencies with their approved install scripts and builds with npm run build', () => {
    const runs = stages.flatMap((s) => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args));
    const installs = runs.filter((r) => /\bnpm ci\b/.test(r));
    expect(installs.length).toBeGreaterThan(0);
    for (const r of installs) expect(r).not.toMatch(/--ignore-scripts/);
    expect(installs.some((r) => /--omit=dev/.test(r))).toBe(true);
    expect(stageByName(stages, 'build')?.instructions.some((i) => i.op === 'RUN' && /npm run build/.test(i.args))).toBe(true);
    expect(JSON.parse(read('package.json')).scripts.build).toMatch(/tsc -p tsconfig\.build\.json/);
  });

  it('sets only known configuration in the runtime image, pointing the worker at the copied bundle', () => {
    const env = envOf(runtime);
    expect(unknownEnvNames(env)).toEqual([]);
    expect(() => parseConfig(env)).not.toThrow();
    expect(env.WORKFLOW_BUNDLE_PATH).toBeDefined();
    expect(buildStagePathFor(env.WORKFLOW_BUNDLE_PATH)).toBe('/app/.build/workflow-bundle.js');
  });

  const entryPoints: [string, string[]][] = [
    ['api', ['node', 'dist/api/main.js']],
    ['worker', ['node', ...workerNodeArgs(), 'dist/workers/main.js']],
  ];

  it.each(entryPoints)('%s runs a file the build produces, as compose says', (name, command) => {
    expect(commandOf(services[name])).toEqual(command);
    const builtAt = buildStagePathFor(command[command.length - 1]);
    expect(builtAt).toBeDefined();
    const buildWorkdir = workdirOf(stages, stageByName(stages, 'build') as Stage);
    const source = tsSourceFor(builtAt as string, buildWorkdir);
    expect(source).toBeDefined();
    expect(tsBuild.include).toContain((source as string).split('/')[0]);
    expect(existsSync(join(ROOT, source as string))).toBe(true);
  });

  it('defaults to the api entry point with no ENTRYPOINT to override', () => {
    const cmd = runtime.instructions.filter((i) => i.op === 'CMD').pop();
    expect(JSON.parse(cmd?.args ?? 'null')).toEqual(['node', 'dist/api/main.js']);
    expect(runtime.instructions.some((i) => i.op === 'ENTRYPOINT')).toBe(false);
  });

  it('keeps host build output and secrets-prone folders out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.tools', '.data', '.build', 'dist', '.git', 'coverage']));
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts']) {
      expect(ignored).not.toContain(needed);
    }
  });
});

describe('parseConfig (the check the compose tests rely on)', () => {
  it('rejects a bad value, naming the variable', () => {
    expect(() => parseConfig({ ...resolvedEnv(api), PORT: 'abc' })).toThrow(ConfigError);
    expect(() => parseConfig({ ...resolvedEnv(api), PORT: 'abc' })).toThrow(/PORT/);
  });

  it('fails interpolation of a required variable that is unset', () => {
    expect(() => interpolate('${SECRET:?set it}', {})).toThrow(/SECRET/);
    expect(interpolate('a$${B}${C:-d}${E-f}${G:+h}', { G: 'x' })).toBe('a${B}dfh');
  });
});
