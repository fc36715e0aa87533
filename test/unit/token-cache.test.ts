import { cachedTokenResolver, TOKEN_REVOCATION_BOUND_MS } from '../../api/auth';

function counting(answers: Record<string, string | null>) {
  const calls: string[] = [];
  return { calls, resolver: { organizationIdForToken: async (t: string) => (calls.push(t), answers[t] ?? null) } };
}

test('a known token is resolved once within the time to live', async () => {
  const { calls, resolver } = counting({ good: 'org-1' });
  const cached = cachedTokenResolver(resolver, 60_000);
  expect(await cached.organizationIdForToken('good')).toBe('org-1');
  expect(await cached.organizationIdForToken('good')).toBe('org-1');
  expect(calls).toEqual(['good']);
});

test('unknown tokens are never cached and expired entries are looked up again', async () => {
  const { calls, resolver } = counting({ good: 'org-1' });
  const cached = cachedTokenResolver(resolver, 0);
  expect(await cached.organizationIdForToken('bad')).toBeNull();
  expect(await cached.organizationIdForToken('bad')).toBeNull();
  await cached.organizationIdForToken('good');
  await cached.organizationIdForToken('good');
  expect(calls).toEqual(['bad', 'bad', 'good', 'good']);
});

test('a token revoked after it was cached is refused once the bound has passed since its lookup began', async () => {
  let now = 1_000_000;
  const answers: Record<string, string | null> = { good: 'org-1' };
  let lookupTakes = 0;
  const resolver = {
    organizationIdForToken: async (t: string) => {
      now += lookupTakes; // a slow lookup must not extend how long its answer is trusted
      return answers[t] ?? null;
    },
  };
  const cached = cachedTokenResolver(resolver, TOKEN_REVOCATION_BOUND_MS, 10_000, () => now);
  lookupTakes = 3_000;
  const lookupStarted = now;
  expect(await cached.organizationIdForToken('good')).toBe('org-1');
  answers.good = null; // revoked
  now = lookupStarted + TOKEN_REVOCATION_BOUND_MS - 1;
  expect(await cached.organizationIdForToken('good')).toBe('org-1');
  now = lookupStarted + TOKEN_REVOCATION_BOUND_MS;
  expect(await cached.organizationIdForToken('good')).toBeNull();
  expect(TOKEN_REVOCATION_BOUND_MS).toBeLessThanOrEqual(5_000);
});
