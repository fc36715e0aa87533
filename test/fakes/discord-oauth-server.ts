// A Discord OAuth2 stand-in (real HTTP): the authorize page (approves as `signedInAs`), the code
// exchange (client credentials checked, Basic auth as Discord takes them) and GET /users/@me with
// the user's bearer token. The bot's endpoints belong to the Discord benefit's stand-in.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';

export class FakeDiscordOAuth {
  readonly clientId = '1100000000000000001';
  readonly clientSecret = 'discord-test-secret';
  signedInAs = { id: '80351110224678912', username: 'nelly' };
  readonly authorizeRequests: URLSearchParams[] = [];
  private readonly codes = new Map<string, { id: string; username: string; redirectUri: string }>();
  private readonly tokens = new Map<string, { id: string; username: string }>();
  private readonly refreshTokens = new Map<string, { id: string; username: string }>();
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, json, location }) => {
        res.writeHead(status, location ? { location } : { 'content-type': 'application/json' });
        res.end(location ? undefined : JSON.stringify(json));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private issue(user: { id: string; username: string }) {
    const token = randomBytes(12).toString('hex');
    this.tokens.set(token, user);
    this.refreshTokens.set(`r-${token}`, user);
    return { access_token: token, token_type: 'Bearer', expires_in: 604800, refresh_token: `r-${token}`, scope: 'identify guilds.join' };
  }

  /** Whether a token is one this stand-in issued and still honours. */
  isValid(accessToken: string): boolean {
    return this.tokens.has(accessToken);
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; json?: unknown; location?: string }> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/oauth2/authorize') {
      this.authorizeRequests.push(url.searchParams);
      const target = new URL(url.searchParams.get('redirect_uri') ?? '');
      const code = randomBytes(8).toString('hex');
      this.codes.set(code, { ...this.signedInAs, redirectUri: target.toString() });
      target.search = new URLSearchParams({ code, state: url.searchParams.get('state') ?? '' }).toString();
      return { status: 302, location: target.toString() };
    }
    if (req.method === 'POST' && url.pathname === '/api/v10/oauth2/token') {
      const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      if (basic !== `${this.clientId}:${this.clientSecret}`) return { status: 401, json: { error: 'invalid_client' } };
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      if (form.get('grant_type') === 'refresh_token') {
        const user = this.refreshTokens.get(form.get('refresh_token') ?? '');
        if (!user) return { status: 400, json: { error: 'invalid_grant' } };
        this.refreshTokens.delete(form.get('refresh_token')!); // Discord rotates refresh tokens
        return { status: 200, json: this.issue(user) };
      }
      const grant = this.codes.get(form.get('code') ?? '');
      if (form.get('grant_type') !== 'authorization_code' || !grant || grant.redirectUri !== form.get('redirect_uri')) {
        return { status: 400, json: { error: 'invalid_grant' } };
      }
      this.codes.delete(form.get('code')!);
      return { status: 200, json: this.issue({ id: grant.id, username: grant.username }) };
    }
    if (req.method === 'GET' && url.pathname === '/api/v10/users/@me') {
      const user = this.tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      return user
        ? { status: 200, json: { id: user.id, username: user.username } }
        : { status: 401, json: { message: '401: Unauthorized' } };
    }
    return { status: 404, json: { message: 'Not Found' } };
  }
}
