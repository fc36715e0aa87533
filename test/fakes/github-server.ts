// A GitHub stand-in (real HTTP) serving exactly the endpoints the service calls: the App's JWT
// (RS256, checked against the public half of a key the test generates), installation tokens, user
// OAuth (authorize page, code exchange, user tokens), collaborators and invitations. Tests script
// failures (403/429 with retry-after or x-ratelimit-reset, 5xx) and expire invitations; what it
// holds, and the scripting, are in github-state.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { GitHubState, HttpError, type Invitation, type Repo, type Permission } from './github-state';

export type { Fault, FakeUser, Permission } from './github-state';

export class FakeGitHub extends GitHubState {
  readonly appId = 4242;
  readonly appSlug = 'benefits-test-app';
  readonly clientId = 'Iv1.testclient';
  readonly clientSecret = 'test-client-secret';
  readonly privateKeyPem: string;
  private readonly publicKey: KeyObject;
  readonly log: { method: string; path: string; status: number; at: number }[] = [];
  /** Where the App's install page sends the browser back (the App's "setup URL" on GitHub). */
  setupUrl = '';
  /** How long installation tokens live (GitHub: one hour). */
  installationTokenTtlMs = 60 * 60 * 1000;
  private server?: Server;
  url = '';

  constructor() {
    super();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKeyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    this.publicKey = publicKey;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  calls(method: string, path: RegExp): number {
    return this.log.filter((c) => c.method === method && path.test(c.path)).length;
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/^\/api\/v3/, '');
    const body = await readBody(req);
    const send = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      this.log.push({ method, path, status, at: Date.now() });
      res.writeHead(status, { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
      res.end(json === undefined ? undefined : JSON.stringify(json));
    };
    const fault = this.takeFault(method, path);
    if (fault) {
      return send(
        fault.status,
        { message: fault.status === 429 || fault.status === 403 ? 'API rate limit exceeded' : 'Server Error' },
        fault.headers,
      );
    }
    try {
      const out = this.route(method, path, url.searchParams, body, req.headers.authorization ?? '');
      if ('redirect' in out) {
        this.log.push({ method, path, status: 302, at: Date.now() });
        res.writeHead(302, { location: out.redirect });
        return void res.end();
      }
      send(out.status, out.json);
    } catch (err) {
      if (err instanceof HttpError) return send(err.status, { message: err.message });
      send(500, { message: String(err) });
    }
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Record<string, any>,
    auth: string,
  ): { status: number; json?: unknown } | { redirect: string } {
    let m: RegExpMatchArray | null;
    // Web (browser) endpoints.
    if (method === 'GET' && path === '/login/oauth/authorize') return this.authorizePage(query);
    if (method === 'GET' && (m = path.match(/^\/apps\/([^/]+)\/installations\/new$/))) {
      if (m[1] !== this.appSlug) throw new HttpError(404, 'Not Found');
      const installation = [...this.installations.values()].find((i) => i.users.has(this.signedInAs.toLowerCase()));
      if (!installation) throw new HttpError(404, 'nothing to install in this stand-in');
      const code = this.issueCode(this.signedInAs);
      const target = new URL(this.setupUrl);
      target.search = new URLSearchParams({
        installation_id: String(installation.id),
        setup_action: 'install',
        code,
        state: query.get('state') ?? '',
      }).toString();
      return { redirect: target.toString() };
    }
    if (method === 'POST' && path === '/login/oauth/access_token') {
      if (body.client_id !== this.clientId || body.client_secret !== this.clientSecret)
        return { status: 200, json: { error: 'incorrect_client_credentials' } };
      const login = this.redeemCode(body.code);
      if (!login) return { status: 200, json: { error: 'bad_verification_code' } };
      const token = this.issueUserToken(login);
      return { status: 200, json: { access_token: token, token_type: 'bearer', scope: '' } };
    }

    // App (JWT) endpoints.
    if (method === 'GET' && path === '/app') {
      this.checkJwt(auth);
      return { status: 200, json: { id: this.appId, slug: this.appSlug, name: 'Benefits test app' } };
    }
    if (method === 'GET' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/installation$/))) {
      this.checkJwt(auth);
      const repo = this.repos.get(`${m[1]}/${m[2]}`.toLowerCase());
      if (!repo || repo.installationId === null) throw new HttpError(404, 'Not Found');
      const inst = this.installations.get(repo.installationId)!;
      return { status: 200, json: { id: inst.id, account: { login: inst.account, type: 'Organization' } } };
    }
    if (method === 'POST' && (m = path.match(/^\/app\/installations\/(\d+)\/access_tokens$/))) {
      this.checkJwt(auth);
      const id = Number(m[1]);
      if (!this.installations.has(id)) throw new HttpError(404, 'Not Found');
      const { token, expiresAt } = this.issueInstallationToken(id, this.installationTokenTtlMs);
      return { status: 201, json: { token, expires_at: new Date(expiresAt).toISOString() } };
    }

    // User-token endpoints.
    if (method === 'GET' && path === '/user') {
      const user = this.users.get(this.userOf(auth).toLowerCase())!;
      return { status: 200, json: { id: user.id, login: user.login, type: 'User' } };
    }
    if (method === 'GET' && path === '/user/installations') {
      const login = this.userOf(auth).toLowerCase();
      const installations = [...this.installations.values()]
        .filter((i) => i.users.has(login))
        .map((i) => ({ id: i.id, account: { login: i.account, type: 'Organization' } }));
      return { status: 200, json: { total_count: installations.length, installations } };
    }

    // Installation-token endpoints.
    const installationId = this.installationOf(auth);
    if (method === 'GET' && path === '/installation/repositories') {
      const repositories = [...this.repos.values()]
        .filter((r) => r.installationId === installationId)
        .map((r) => ({ name: r.name, full_name: `${r.owner}/${r.name}`, owner: { login: r.owner, type: 'Organization' }, private: true }));
      return { status: 200, json: { total_count: repositories.length, repositories } };
    }
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/(collaborators|invitations)(?:\/([^/]+))?$/))) {
      const repo = this.repos.get(`${m[1]}/${m[2]}`.toLowerCase());
      if (!repo || repo.installationId !== installationId) throw new HttpError(404, 'Not Found');
      return m[3] === 'collaborators' ? this.collaborators(repo, method, m[4], body) : this.invitations(repo, method, m[4]);
    }
    throw new HttpError(404, `Not Found: ${method} ${path}`);
  }

  private authorizePage(query: URLSearchParams): { redirect: string } {
    if (query.get('client_id') !== this.clientId) throw new HttpError(404, 'unknown client');
    const target = new URL(query.get('redirect_uri') ?? '');
    const state = query.get('state') ?? '';
    if (query.get('deny') === '1' || this.signedInAs === '') {
      target.search = new URLSearchParams({ error: 'access_denied', error_description: 'denied', state }).toString();
    } else {
      target.search = new URLSearchParams({ code: this.issueCode(this.signedInAs), state }).toString();
    }
    return { redirect: target.toString() };
  }

  private collaborators(repo: Repo, method: string, login: string | undefined, body: Record<string, any>) {
    if (method === 'GET' && !login) {
      const list = [...repo.collaborators].map(([l, permission]) => ({
        login: l,
        id: this.users.get(l.toLowerCase())?.id,
        role_name: permission,
      }));
      return { status: 200, json: list };
    }
    if (!login) throw new HttpError(404, 'Not Found');
    const user = this.users.get(login.toLowerCase());
    if (method === 'PUT') {
      if (!user) throw new HttpError(404, 'Not Found');
      if (user.uninvitable) throw new HttpError(422, 'Validation Failed: the user cannot be invited to this repository');
      const permission = (body.permission ?? 'push') as Permission;
      if (!['pull', 'triage', 'push', 'maintain', 'admin'].includes(permission)) throw new HttpError(422, 'Validation Failed');
      if (repo.collaborators.has(user.login)) {
        repo.collaborators.set(user.login, permission);
        return { status: 204 };
      }
      const pending = [...repo.invitations.values()].find((i) => i.login === user.login && !i.expired);
      const inv = pending ?? { id: this.nextId++, login: user.login, permission, createdAt: new Date(), expired: false };
      inv.permission = permission;
      repo.invitations.set(inv.id, inv);
      return { status: 201, json: this.invitationJson(repo, inv) };
    }
    if (method === 'DELETE') {
      if (user) repo.collaborators.delete(user.login);
      return { status: 204 };
    }
    throw new HttpError(404, 'Not Found');
  }

  private invitations(repo: Repo, method: string, id: string | undefined) {
    if (method === 'GET' && !id) return { status: 200, json: [...repo.invitations.values()].map((i) => this.invitationJson(repo, i)) };
    if (method === 'DELETE' && id) {
      repo.invitations.delete(Number(id));
      return { status: 204 };
    }
    throw new HttpError(404, 'Not Found');
  }

  private invitationJson(repo: Repo, inv: Invitation) {
    const user = this.users.get(inv.login.toLowerCase());
    return {
      id: inv.id,
      invitee: { login: inv.login, id: user?.id },
      permissions: inv.permission,
      created_at: inv.createdAt.toISOString(),
      expired: inv.expired,
      html_url: `https://github.example/${repo.owner}/${repo.name}/invitations`,
    };
  }

  private checkJwt(auth: string): void {
    const token = auth.replace(/^bearer\s+/i, '');
    const [h, p, s] = token.split('.');
    if (!h || !p || !s) throw new HttpError(401, 'A JSON web token could not be decoded');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    if (header.alg !== 'RS256') throw new HttpError(401, 'JWT must be RS256');
    if (!verify('sha256', Buffer.from(`${h}.${p}`), this.publicKey, Buffer.from(s, 'base64url'))) {
      throw new HttpError(401, 'A JSON web token could not be decoded');
    }
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const now = Math.floor(Date.now() / 1000);
    if (String(claims.iss) !== String(this.appId)) throw new HttpError(401, "'Issuer' claim ('iss') must be the App id");
    if (!(claims.exp > now) || claims.exp - claims.iat > 600)
      throw new HttpError(401, "'Expiration time' claim ('exp') is too far in the future or past");
  }
}

async function readBody(req: IncomingMessage): Promise<Record<string, any>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  if (!text) return {};
  if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
