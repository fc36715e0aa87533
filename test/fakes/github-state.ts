// What the GitHub stand-in (github-server.ts) holds, and how tests script it: users, the App's
// installations and the repositories they reach (collaborators, invitations), the tokens and codes
// it handed out, and failures to answer next. The HTTP side reads and changes it only from there.
import { randomBytes } from 'node:crypto';

export type Permission = 'pull' | 'triage' | 'push' | 'maintain' | 'admin';

export interface Invitation {
  id: number;
  login: string;
  permission: Permission;
  createdAt: Date;
  expired: boolean;
}

export interface Repo {
  owner: string;
  name: string;
  installationId: number | null;
  collaborators: Map<string, Permission>;
  invitations: Map<number, Invitation>;
}

export interface Installation {
  id: number;
  account: string;
  /** Logins (lower case) who may administer it. */
  users: Set<string>;
}

export interface Fault {
  method: string;
  /** Matched against the request path (no query). */
  path: RegExp;
  status: number;
  headers?: Record<string, string>;
  times: number;
}

export interface FakeUser {
  id: number;
  login: string;
  /** GitHub refuses to invite this user (422): e.g. blocked by the owner. */
  uninvitable?: boolean;
}

/** An answer GitHub gives with a status and `{message}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class GitHubState {
  /** Who approves on the authorize page (the signed-in GitHub user). */
  signedInAs = 'octocat';
  protected readonly faults: Fault[] = [];
  protected readonly users = new Map<string, FakeUser>();
  protected readonly repos = new Map<string, Repo>();
  protected readonly installations = new Map<number, Installation>();
  protected readonly installationTokens = new Map<string, { installationId: number; expiresAt: number }>();
  protected readonly userTokens = new Map<string, string>();
  protected readonly codes = new Map<string, string>();
  // Ids differ between stand-ins, as users of different GitHubs would: test files share one database,
  // each with its own stand-in, and GitHub access counts the grants of every organization on the
  // same repository and account id (db/repositories/github-access.repository.ts). With ids from a
  // fixed start, a grant another file left for "acme/private-repo" (several files use that name)
  // would count as this file's user still holding access.
  protected nextId = 1_000_000 + Math.floor(Math.random() * 1_000_000) * 1_000;

  // ---- scripting ----

  addUser(login: string, opts: { uninvitable?: boolean } = {}): FakeUser {
    const user = { id: this.nextId++, login, ...opts };
    this.users.set(login.toLowerCase(), user);
    return user;
  }

  /** An installation of the App on `account`, reaching `repos`; `users` may administer it. */
  install(account: string, repos: string[], users: string[] = [this.signedInAs]): number {
    const id = this.nextId++;
    this.installations.set(id, { id, account, users: new Set(users.map((u) => u.toLowerCase())) });
    for (const name of repos) {
      this.repos.set(`${account}/${name}`.toLowerCase(), {
        owner: account,
        name,
        installationId: id,
        collaborators: new Map(),
        invitations: new Map(),
      });
    }
    return id;
  }

  /** A repository the App is not installed on. */
  addRepo(owner: string, name: string): void {
    this.repos.set(`${owner}/${name}`.toLowerCase(), {
      owner,
      name,
      installationId: null,
      collaborators: new Map(),
      invitations: new Map(),
    });
  }

  failNext(fault: Omit<Fault, 'times'> & { times?: number }): void {
    this.faults.push({ times: 1, ...fault });
  }

  repo(owner: string, name: string): Repo {
    const repo = this.repos.get(`${owner}/${name}`.toLowerCase());
    if (!repo) throw new Error(`no repo ${owner}/${name}`);
    return repo;
  }

  /** What a repository looks like: collaborators and pending invitations by login. */
  access(owner: string, name: string): { collaborators: Record<string, Permission>; invitations: Record<string, Permission> } {
    const repo = this.repo(owner, name);
    return {
      collaborators: Object.fromEntries(repo.collaborators),
      invitations: Object.fromEntries([...repo.invitations.values()].map((i) => [i.login, i.permission])),
    };
  }

  accept(owner: string, name: string, login: string): void {
    const repo = this.repo(owner, name);
    for (const inv of repo.invitations.values()) {
      if (inv.login.toLowerCase() !== login.toLowerCase() || inv.expired) continue;
      repo.collaborators.set(inv.login, inv.permission);
      repo.invitations.delete(inv.id);
    }
  }

  /** GitHub expires invitations after 7 days; they stay listed with `expired: true`. */
  expireInvitations(owner: string, name: string): void {
    for (const inv of this.repo(owner, name).invitations.values()) inv.expired = true;
  }

  /** Someone removed a collaborator on GitHub (drift). */
  removeOnGitHub(owner: string, name: string, login: string): void {
    this.repo(owner, name).collaborators.delete(login);
  }

  addCollaboratorOnGitHub(owner: string, name: string, login: string, permission: Permission): void {
    this.repo(owner, name).collaborators.set(login, permission);
  }

  // ---- what the HTTP side hands out and checks ----

  /** The next scripted failure for this request, used up by one. */
  protected takeFault(method: string, path: string): Fault | undefined {
    const fault = this.faults.find((f) => f.method === method && f.path.test(path) && f.times > 0);
    if (fault) fault.times -= 1;
    return fault;
  }

  /** A one-time OAuth code for `login` (who becomes a user on first sight). */
  protected issueCode(login: string): string {
    if (!this.users.has(login.toLowerCase())) this.addUser(login);
    const code = randomBytes(10).toString('hex');
    this.codes.set(code, login);
    return code;
  }

  /** The login a code was issued for; the code is used up. */
  protected redeemCode(code: string): string | undefined {
    const login = this.codes.get(code);
    this.codes.delete(code);
    return login;
  }

  protected issueUserToken(login: string): string {
    const token = `ghu_${randomBytes(12).toString('hex')}`;
    this.userTokens.set(token, login);
    return token;
  }

  protected issueInstallationToken(installationId: number, ttlMs: number): { token: string; expiresAt: number } {
    const token = `ghs_${randomBytes(12).toString('hex')}`;
    const expiresAt = Date.now() + ttlMs;
    this.installationTokens.set(token, { installationId, expiresAt });
    return { token, expiresAt };
  }

  protected installationOf(auth: string): number {
    const token = auth.replace(/^(token|bearer)\s+/i, '');
    const found = this.installationTokens.get(token);
    if (!found || found.expiresAt <= Date.now()) throw new HttpError(401, 'Bad credentials');
    return found.installationId;
  }

  protected userOf(auth: string): string {
    const login = this.userTokens.get(auth.replace(/^(token|bearer)\s+/i, ''));
    if (!login) throw new HttpError(401, 'Bad credentials');
    return login;
  }
}
