// A local stand-in for Discord's HTTP API (v10) and its OAuth2 pages, serving exactly the routes
// this service uses: the bot's (roles, members), the bot-install page and the customer's consent
// page (GET /oauth2/authorize, by scope), the code exchange and refresh (/oauth2/token) and
// `/users/@me`. It checks `Authorization: Bot <token>` on every bot route, the user's OAuth access
// token where Discord takes one (the join body, `/users/@me` with Bearer), the client credentials
// on /oauth2/token, and can be told to answer 429 (retry_after in the body, Retry-After and
// X-RateLimit-* headers, global or per route), 5xx, 403 Missing Permissions (50013) or 404 Unknown
// Member (10007) the way Discord does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { rateLimited, wireMember, wireRole, type FakeGuild, type Injected, type RecordedRequest } from './discord-shapes';

export type { FakeGuild, FakeRole, Injected, RecordedRequest } from './discord-shapes';

const API = '/api/v10';

export class FakeDiscord {
  readonly guilds = new Map<string, FakeGuild>();
  /** OAuth access tokens -> user id (and when they expire). */
  readonly userTokens = new Map<string, { userId: string; expiresAt?: number }>();
  readonly refreshTokens = new Map<string, string>();
  /** User id -> username, as `/users/@me` answers it (`user<id>` when not set). */
  readonly usernames = new Map<string, string>();
  /** Bot-install authorization codes -> the guild the merchant picked. */
  readonly installCodes = new Map<string, string>();
  /** The customer's authorization codes -> who approved, and for which redirect_uri. */
  private readonly userCodes = new Map<string, { userId: string; redirectUri: string }>();
  readonly requests: RecordedRequest[] = [];
  /** The server the merchant picks on the bot-install page (GET /oauth2/authorize, scope bot). */
  installInto: string | null = null;
  /** Who approves on the customer's consent page (GET /oauth2/authorize, scope identify guilds.join). */
  signedInAs = { id: '80351110224678912', username: 'nelly' };
  /** The customer consent pages asked for (their query). */
  readonly authorizeRequests: URLSearchParams[] = [];
  private injected: Injected[] = [];
  private tokenCounter = 0;

  private constructor(
    private readonly server: Server,
    readonly origin: string,
    readonly botToken: string,
    readonly botUserId: string,
    readonly clientId: string,
    readonly clientSecret: string,
  ) {}

  /** DISCORD_API_URL for this stand-in. */
  get apiUrl(): string {
    return `${this.origin}${API}`;
  }

  /** Settings pointing the service at this stand-in. */
  env(): Record<string, string> {
    return {
      DISCORD_BOT_TOKEN: this.botToken,
      DISCORD_CLIENT_ID: this.clientId,
      DISCORD_CLIENT_SECRET: this.clientSecret,
      DISCORD_API_URL: this.apiUrl,
      DISCORD_WEB_URL: this.origin,
    };
  }

  static async start(opts: { botToken?: string; botUserId?: string; clientId?: string; clientSecret?: string } = {}): Promise<FakeDiscord> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const fake = new FakeDiscord(
      server,
      `http://127.0.0.1:${port}`,
      opts.botToken ?? 'fake-bot-token',
      opts.botUserId ?? '900000000000000001',
      opts.clientId ?? '900000000000000001',
      opts.clientSecret ?? 'fake-client-secret',
    );
    server.on('request', (req, res) => void fake.handle(req, res));
    return fake;
  }

  /**
   * A server where the bot sits with its managed role at `botPosition`; roles given as
   * [id, name, position]. Everyone's role (id = guild id) is added at position 0.
   */
  addGuild(id: string, name: string, roles: [string, string, number][], botPosition = 10, botPresent = true): FakeGuild {
    const guild: FakeGuild = {
      id,
      name,
      roles: [
        { id, name: '@everyone', position: 0, color: 0, managed: false },
        { id: `${id}9`, name: 'Benefits Bot', position: botPosition, color: 0x5865f2, managed: true, botId: this.botUserId },
        ...roles.map(([rid, rname, position]) => ({ id: rid, name: rname, position, color: 0xff0000, managed: false })),
      ],
      members: new Map(),
    };
    if (botPresent) guild.members.set(this.botUserId, new Set([`${id}9`]));
    this.guilds.set(id, guild);
    return guild;
  }

  /** A user who authorized our app (identify guilds.join); answers the access token. */
  addUser(
    userId: string,
    opts: { expiresAt?: number; token?: string; username?: string } = {},
  ): { accessToken: string; refreshToken: string } {
    const accessToken = opts.token ?? `user-token-${userId}-${++this.tokenCounter}`;
    const refreshToken = `refresh-${userId}-${this.tokenCounter}`;
    this.userTokens.set(accessToken, { userId, expiresAt: opts.expiresAt });
    this.refreshTokens.set(refreshToken, userId);
    if (opts.username) this.usernames.set(userId, opts.username);
    return { accessToken, refreshToken };
  }

  /** Whether an access token is one this stand-in issued and still honours. */
  isValid(accessToken: string): boolean {
    const user = this.userTokens.get(accessToken);
    return !!user && !(user.expiresAt && user.expiresAt < Date.now());
  }

  inject(i: Omit<Injected, 'times'> & { times?: number }): void {
    this.injected.push({ times: 1, ...i });
  }

  /** Requests to the API (after /api/v10) matching a method and path pattern. */
  calls(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  rolesOf(guildId: string, userId: string): string[] | undefined {
    const roles = this.guilds.get(guildId)?.members.get(userId);
    return roles ? [...roles].sort() : undefined;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => resolve(data));
    });
    const url = new URL(req.url ?? '/', this.origin);
    const path = decodeURIComponent(url.pathname).replace(API, '');
    let body: any = null;
    if (raw) {
      body = (req.headers['content-type'] ?? '').includes('json') ? JSON.parse(raw) : Object.fromEntries(new URLSearchParams(raw));
    }
    const method = req.method ?? 'GET';
    const record: RecordedRequest = { method, path, authorization: req.headers.authorization ?? null, body, status: 0, at: Date.now() };
    this.requests.push(record);
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    if (method === 'GET' && url.pathname === '/oauth2/authorize') return this.authorizePage(url, send, res);
    if (!url.pathname.startsWith(API)) return send(404, { message: '404: Not Found', code: 0 });

    const hit = this.injected.find((i) => (!i.method || i.method === method) && (!i.path || i.path.test(path)) && i.times > 0);
    if (hit) {
      hit.times--;
      this.injected = this.injected.filter((i) => i.times > 0);
      if (hit.status === 429) {
        const limited = rateLimited(hit);
        return send(429, limited.body, limited.headers);
      }
      if (hit.status === 403) return send(403, { message: 'Missing Permissions', code: 50013 });
      if (hit.status === 404) return send(404, { message: 'Unknown Member', code: 10007 });
      return send(hit.status, { message: 'Server error', code: 0 });
    }

    if (method === 'POST' && path === '/oauth2/token') return this.token(body, record.authorization ?? '', send);
    const auth = record.authorization ?? '';
    if (path === '/users/@me' && auth.startsWith('Bearer ')) {
      const user = this.userTokens.get(auth.slice(7));
      if (!user || (user.expiresAt && user.expiresAt < Date.now())) return send(401, { message: '401: Unauthorized', code: 0 });
      return send(200, { id: user.userId, username: this.usernames.get(user.userId) ?? `user${user.userId}` });
    }
    if (auth !== `Bot ${this.botToken}`) return send(401, { message: '401: Unauthorized', code: 0 });
    return this.route(method, path, url, body, send);
  }

  /**
   * Scope `bot`: the merchant approves the bot on the server `installInto` (the bot joins). Any
   * other scope: the customer `signedInAs` approves our app. Either way the browser goes back with a code.
   */
  private authorizePage(url: URL, send: (s: number, p?: unknown) => void, res: ServerResponse): void {
    const q = url.searchParams;
    if (q.get('client_id') !== this.clientId || !q.get('redirect_uri')) return send(400, { message: 'Invalid OAuth2 request' });
    const back = new URL(q.get('redirect_uri')!);
    const code = `${q.get('scope') === 'bot' ? 'install' : 'user'}-code-${++this.tokenCounter}`;
    if (q.get('scope') === 'bot') {
      const guild = this.installInto ? this.guilds.get(this.installInto) : undefined;
      if (!guild) return send(400, { message: 'No server picked' });
      const botRole = guild.roles.find((r) => r.botId === this.botUserId);
      guild.members.set(this.botUserId, new Set(botRole ? [botRole.id] : []));
      this.installCodes.set(code, guild.id);
      back.search = new URLSearchParams({
        code,
        state: q.get('state') ?? '',
        guild_id: guild.id,
        permissions: q.get('permissions') ?? '0',
      }).toString();
    } else {
      this.authorizeRequests.push(q);
      this.usernames.set(this.signedInAs.id, this.signedInAs.username);
      this.userCodes.set(code, { userId: this.signedInAs.id, redirectUri: back.toString() });
      back.search = new URLSearchParams({ code, state: q.get('state') ?? '' }).toString();
    }
    this.requests[this.requests.length - 1].status = 302;
    res.writeHead(302, { location: back.toString() });
    res.end();
  }

  private token(body: any, authorization: string, send: (s: number, p?: unknown) => void): void {
    // Like Discord, the client credentials come in the body or as HTTP Basic.
    const basic = authorization.startsWith('Basic ') ? Buffer.from(authorization.slice(6), 'base64').toString().split(':') : [];
    const [id, secret] = basic.length === 2 ? basic : [body?.client_id, body?.client_secret];
    if (id !== this.clientId || secret !== this.clientSecret) {
      return send(401, { error: 'invalid_client' });
    }
    // A fresh pair for the user, their old refresh token spent (Discord rotates them).
    const issue = (userId: string) => {
      const fresh = this.addUser(userId);
      send(200, {
        access_token: fresh.accessToken,
        refresh_token: fresh.refreshToken,
        token_type: 'Bearer',
        expires_in: 604800,
        scope: 'identify guilds.join',
      });
    };
    if (body.grant_type === 'authorization_code') {
      const guildId = this.installCodes.get(body.code);
      if (guildId) {
        this.installCodes.delete(body.code);
        const guild = this.guilds.get(guildId);
        return send(200, { access_token: 'install-token', token_type: 'Bearer', scope: 'bot', guild: { id: guildId, name: guild?.name } });
      }
      const approved = this.userCodes.get(body.code);
      if (!approved || approved.redirectUri !== body.redirect_uri) return send(400, { error: 'invalid_grant' });
      this.userCodes.delete(body.code);
      return issue(approved.userId);
    }
    if (body.grant_type === 'refresh_token') {
      const userId = this.refreshTokens.get(body.refresh_token);
      if (!userId) return send(400, { error: 'invalid_grant' });
      this.refreshTokens.delete(body.refresh_token);
      return issue(userId);
    }
    send(400, { error: 'unsupported_grant_type' });
  }

  private route(method: string, path: string, url: URL, body: any, send: (s: number, p?: unknown) => void): void {
    if (method === 'GET' && path === '/users/@me') return send(200, { id: this.botUserId, username: 'Benefits Bot', bot: true });
    const m = path.match(/^\/guilds\/([^/]+)(?:\/(roles|members)(?:\/([^/]+)(?:\/roles\/([^/]+))?)?)?$/);
    const guild = m ? this.guilds.get(m[1]) : undefined;
    if (!m || !guild || !guild.members.has(this.botUserId)) return send(404, { message: 'Unknown Guild', code: 10004 });
    const [, , kind, userId, roleId] = m;
    const unknownMember = () => send(404, { message: 'Unknown Member', code: 10007 });
    const forbidden = () => send(403, { message: 'Missing Permissions', code: 50013 });
    if (!kind && method === 'GET') return send(200, { id: guild.id, name: guild.name, roles: guild.roles.map(wireRole) });
    if (kind === 'roles' && !userId && method === 'GET') return send(200, guild.roles.map(wireRole));
    if (kind !== 'members') return send(405, { message: '405: Method Not Allowed', code: 0 });
    if (!userId && method === 'GET') {
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 1), 1000);
      const after = url.searchParams.get('after') ?? '0';
      const ids = [...guild.members.keys()].filter((id) => BigInt(id) > BigInt(after)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      return send(
        200,
        ids.slice(0, limit).map((id) => wireMember(id, guild.members.get(id)!)),
      );
    }
    const member = userId ? guild.members.get(userId) : undefined;
    if (roleId) {
      if (!member) return unknownMember();
      const role = guild.roles.find((r) => r.id === roleId);
      if (!role) return send(404, { message: 'Unknown Role', code: 10011 });
      if (guild.missingPermissions || role.position >= this.botTop(guild)) return forbidden();
      if (method === 'PUT') member.add(roleId);
      else if (method === 'DELETE') member.delete(roleId);
      else return send(405, { message: '405: Method Not Allowed', code: 0 });
      return send(204);
    }
    if (method === 'GET') return member ? send(200, wireMember(userId!, member)) : unknownMember();
    if (method === 'PUT') {
      if (member) return send(204);
      const user = this.userTokens.get(body?.access_token ?? '');
      if (!user || user.userId !== userId || (user.expiresAt && user.expiresAt < Date.now())) {
        return send(403, { message: 'Invalid OAuth2 access token', code: 50025 });
      }
      const roles: string[] = body.roles ?? [];
      if (
        roles.length &&
        (guild.missingPermissions || roles.some((r) => (guild.roles.find((x) => x.id === r)?.position ?? 0) >= this.botTop(guild)))
      ) {
        return forbidden();
      }
      guild.members.set(userId!, new Set(roles));
      return send(201, wireMember(userId!, guild.members.get(userId!)!));
    }
    if (method === 'DELETE') {
      if (!member) return unknownMember();
      if (guild.missingPermissions) return forbidden();
      guild.members.delete(userId!);
      return send(204);
    }
    send(405, { message: '405: Method Not Allowed', code: 0 });
  }

  private botTop(guild: FakeGuild): number {
    const roles = guild.members.get(this.botUserId) ?? new Set<string>();
    return Math.max(0, ...guild.roles.filter((r) => roles.has(r.id)).map((r) => r.position));
  }
}
