import { cachedTokenResolver } from '../../api/auth';

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
