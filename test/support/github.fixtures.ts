// A test stack wired to the GitHub stand-in, and the browser's part of the OAuth round trips
// (followed by hand, one redirect at a time, as a browser would).
import { SecretBox } from '../../lib/secret-box';
import { FakeGitHub } from '../fakes/github-server';
import { startTestStack, type TestStack } from './harness';

export const ENCRYPTION_KEY = 'test-encryption-key-0123456789abcdef';
export const RETURN_TO = 'http://localhost:5173/portal/done';

export async function startGitHubStack(extraEnv: Record<string, string> = {}): Promise<{ stack: TestStack; gh: FakeGitHub }> {
  const gh = await new FakeGitHub().start();
  const stack = await startTestStack({
    env: {
      GITHUB_APP_ID: String(gh.appId),
      // As operators paste it into a one-line variable.
      GITHUB_APP_PRIVATE_KEY: gh.privateKeyPem.trim().replace(/\n/g, '\\n'),
      GITHUB_CLIENT_ID: gh.clientId,
      GITHUB_CLIENT_SECRET: gh.clientSecret,
      GITHUB_API_URL: gh.url,
      GITHUB_WEB_URL: gh.url,
      SECRET_ENCRYPTION_KEY: ENCRYPTION_KEY,
      ...extraEnv,
    },
    deps: { secretBox: new SecretBox(ENCRYPTION_KEY) },
  });
  gh.setupUrl = `${stack.baseUrl}/v1/integrations/github/setup`;
  return { stack, gh };
}

/** One browser step: the status and where it redirects (never followed automatically). */
export async function visit(url: string): Promise<{ status: number; location: string | null; body: string }> {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), body: await res.text() };
}

/** Follows redirects by hand until one leaves for `stopAt` (answers that URL) or a page answers. */
export async function follow(url: string, stopAt: string): Promise<{ status: number; url: string; body: string }> {
  let current = url;
  for (let i = 0; i < 5; i++) {
    if (current.startsWith(stopAt)) return { status: 302, url: current, body: '' };
    const step = await visit(current);
    if (step.status !== 302 || !step.location) return { status: step.status, url: current, body: step.body };
    current = step.location;
  }
  throw new Error('too many redirects');
}

/** The organization connects the stand-in's installation through the install flow. */
export async function connectInstallation(stack: TestStack, token: string): Promise<string> {
  const res = await stack.http('GET', `/v1/integrations/github/install?return_to=${encodeURIComponent(RETURN_TO)}`, { token });
  if (res.status !== 200) throw new Error(`install: ${res.status} ${JSON.stringify(res.body)}`);
  const end = await follow(res.body.url, RETURN_TO);
  if (end.status !== 302) throw new Error(`setup: ${end.status} ${end.body}`);
  return end.url;
}

/** The customer links their GitHub account through the portal (answers where they came back to). */
export async function linkAccount(
  stack: TestStack,
  portalToken: string,
  platform = 'github',
): Promise<{ status: number; url: string; body: string }> {
  const res = await stack.http(
    'GET',
    `/v1/customer-portal/oauth-accounts/authorize?platform=${platform}&return_to=${encodeURIComponent(RETURN_TO)}`,
    { token: portalToken },
  );
  if (res.status !== 200) throw new Error(`authorize: ${res.status} ${JSON.stringify(res.body)}`);
  return follow(res.body.url, RETURN_TO);
}
